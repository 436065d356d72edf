// A serial line of a fixed byte rate between two ptys, for bench/transfer.
//   node relay.mjs <device pty> <bytes per second> <link path>
// socat makes the host-side pty (a symlink at <link path>) and hands its bytes to us on stdio;
// we pass them to the device pty and back, each direction metered like a UART: a byte arrives only
// once the line has had time to carry it (start = max(arrival, line free), 1/rate seconds per
// byte). Delivery happens on a 1 ms tick, so timer jitter delays bytes but never adds line time.
// Prints "ready <pty path>" on stdout; on SIGTERM prints "bytes <host->dev> <dev->host>".
import { spawn } from "node:child_process";
import { constants, existsSync, openSync, realpathSync } from "node:fs";
import { ReadStream, WriteStream } from "node:tty";

const [devPath, rateArg, link] = process.argv.slice(2);
const rate = Number(rateArg);
if (!devPath || !(rate > 0) || !link) {
  console.error("usage: relay.mjs <device pty> <bytes per second> <link path>");
  process.exit(2);
}

class Line {
  constructor(sink) {
    this.sink = sink;
    this.queue = []; // { buf, start (ms), sent }
    this.free = 0; // ms when the line has carried everything queued
    this.total = 0;
  }
  push(buf) {
    const now = performance.now();
    const start = Math.max(now, this.free);
    this.free = start + (buf.length * 1000) / rate;
    this.queue.push({ buf, start, sent: 0 });
  }
  tick(now) {
    while (this.queue.length) {
      const q = this.queue[0];
      const due = Math.min(q.buf.length, Math.floor(((now - q.start) * rate) / 1000));
      if (due > q.sent) {
        this.sink(q.buf.subarray(q.sent, due));
        this.total += due - q.sent;
        q.sent = due;
      }
      if (q.sent < q.buf.length) break;
      this.queue.shift();
    }
  }
}

const fd = openSync(devPath, constants.O_RDWR | constants.O_NOCTTY);
const devIn = new ReadStream(fd);
devIn.setRawMode(true);
const devOut = new WriteStream(fd);

const socat = spawn("socat", [`PTY,rawer,link=${link}`, "STDIO"], { stdio: ["pipe", "pipe", "inherit"] });
const toDev = new Line((b) => devOut.write(b));
const toHost = new Line((b) => socat.stdin.write(b));
socat.stdout.on("data", (b) => toDev.push(b));
devIn.on("data", (b) => toHost.push(b));

setInterval(() => {
  const now = performance.now();
  toDev.tick(now);
  toHost.tick(now);
}, 1);

const wait = setInterval(() => {
  if (!existsSync(link)) return;
  clearInterval(wait);
  process.stdout.write(`ready ${realpathSync(link)}\n`);
}, 5);

process.on("SIGTERM", () => {
  process.stdout.write(`bytes ${toDev.total} ${toHost.total}\n`);
  socat.kill("SIGTERM");
  devIn.destroy();
  devOut.destroy();
  setTimeout(() => process.exit(0), 50);
});
socat.on("exit", () => process.exit(0));
