// A serial line of a fixed byte rate between two ptys, for bench/transfer and the noisy-link tests.
//   node relay.mjs <device pty> <bytes per second | 0> <link path> [--foreign SEED[:PERCENT[:DOUBLE]]]
// socat makes the host-side pty (a symlink at <link path>) and hands its bytes to us on stdio;
// we pass them to the device pty and back, each direction metered like a UART: a byte arrives only
// once the line has had time to carry it (start = max(arrival, line free), 1/rate seconds per
// byte). Delivery happens on a 1 ms tick, so timer jitter delays bytes but never adds line time.
// Rate 0: no metering.
// --foreign: the board's console UART also carries the kernel's and the MPP's log lines, at any
// byte. The relay inserts such lines into the device -> host stream, seeded: in PERCENT (default
// 30) of the raw-protocol frames (at a random place in the header, payload or CRC, or right after
// the frame; in DOUBLE percent (default 10) of those a second line goes into the payload, which
// the host cannot repair and must recover from), and in text between frames.
// Prints "ready <pty path>" on stdout; on SIGTERM prints "bytes <host->dev> <dev->host>" and, with
// --foreign, "foreign header=H payload=P crc=C after=A text=T double=D".
import { spawn } from "node:child_process";
import { constants, existsSync, openSync, realpathSync } from "node:fs";
import { ReadStream, WriteStream } from "node:tty";

const [devPath, rateArg, link, ...rest] = process.argv.slice(2);
const rate = Number(rateArg);
const foreignArg = rest[0] === "--foreign" ? rest[1] : undefined;
if (!devPath || !(rate >= 0) || !link || (rest.length && !foreignArg)) {
  console.error("usage: relay.mjs <device pty> <bytes per second | 0> <link path> [--foreign SEED[:PERCENT[:DOUBLE]]]");
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
    if (rate === 0) {
      this.sink(buf);
      this.total += buf.length;
      return;
    }
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

/** Seeded PRNG (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Inserts kernel- and MPP-style log lines into a stream of raw-protocol frames and text. */
class Foreign {
  constructor(seed, percent, double) {
    this.rand = prng(seed);
    this.p = percent / 100;
    this.double = double / 100;
    this.counts = { header: 0, payload: 0, crc: 0, after: 0, text: 0, double: 0 };
    this.state = "out"; // out | frame
    this.j = 0; // index of the next byte within the frame
    this.hdr = [];
    this.size = 0; // whole frame length, once the header is in
    this.plan = []; // frame indices to put a line in front of (index == size: after the frame)
    this.pendingKinds = [];
  }
  int(lo, hi) {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  line() {
    const n = (lo, hi) => this.int(lo, hi);
    const t = () => `${n(0, 9999)}.${String(n(0, 999999)).padStart(6, "0")}`;
    const forms = [
      () => `[${t()}] [E/drv.usb] cdc acm: ep ${n(1, 6)} stall, reset\r\n`,
      () => `\x1b[31;22m[E/DFS] elm: f_sync error ${n(1, 19)}\x1b[0m\n`,
      () => `[I/SDIO] emmc card capacity ${n(1_000_000, 31_000_000)} KB\n`,
      () => `[venc] [Error] kd_mpi_venc_get_stream chn ${n(0, 3)} timeout\n`,
      () => `vb_get_block:${n(100, 900)} pool ${n(0, 15)} no free block, blk_size ${n(4096, 3_110_400)}\n`,
      () => `[isp] ae converged, exposure ${n(1000, 30000)} us, gain ${n(1, 64)}.${n(0, 99)}\r\n`,
      () => `msh />\n`,
      () => `[W/lwp] thread 0x${n(0, 0xffffff).toString(16)} stack near its limit\n`,
      () => `[mpp] 缓冲区不好 ${n(0, 99)} 帧\n`, // UTF-8 holding 0xA5, the frames' start byte
      () => `[ai] [warn] frame lost cnt ${n(0, 99)}\n[ai] [warn] frame lost cnt ${n(0, 99)}\n`,
    ];
    return Buffer.from(forms[this.int(0, forms.length - 1)](), "utf8");
  }
  /** Plans the injections of a frame whose length is now known. */
  planFrame() {
    const L = this.size - 9;
    this.plan = [];
    for (let kind of this.pendingKinds) {
      if (kind === "payload" && L === 0) kind = "crc";
      const at = kind === "payload" ? this.int(5, 5 + L - 1) : kind === "after" ? this.size : this.int(5 + L, 5 + L + 3);
      this.plan.push(at);
      this.counts[kind]++;
    }
    this.plan.sort((a, b) => a - b);
  }
  process(chunk) {
    const out = [];
    let from = 0;
    const cut = (i) => {
      if (i > from) out.push(chunk.subarray(from, i));
      from = i;
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.state === "out") {
        if (c === 0xa5) {
          this.state = "frame";
          this.j = 0;
          this.hdr = [];
          this.size = 0;
          this.plan = [];
          this.pendingKinds = [];
          if (this.rand() < this.p) {
            const kinds = ["header", "payload", "crc", "after"];
            this.pendingKinds.push(kinds[this.int(0, 3)]);
            if (this.rand() < this.double) {
              this.pendingKinds.push("payload");
              this.counts.double++;
            }
            // Header positions need no length: planned now, the rest once the header is in.
            for (const k of this.pendingKinds.filter((k) => k === "header")) {
              this.plan.push(this.int(1, 4));
              this.counts.header++;
            }
            this.pendingKinds = this.pendingKinds.filter((k) => k !== "header");
          }
        } else if (c !== 0x0a && this.rand() < this.p / 50) {
          cut(i);
          out.push(this.line());
          this.counts.text++;
        }
      }
      if (this.state === "frame") {
        while (this.plan.length && this.plan[0] === this.j) {
          cut(i);
          out.push(this.line());
          this.plan.shift();
        }
        if (this.j >= 1 && this.j <= 4) this.hdr.push(c);
        this.j++;
        if (this.j === 5) {
          const len = this.hdr[1] | (this.hdr[2] << 8);
          if (this.hdr[3] !== (((this.hdr[0] + this.hdr[1] + this.hdr[2]) & 0xff) ^ 0x5a) || len > 16400) {
            this.state = "out"; // not a frame after all
            continue;
          }
          this.size = 9 + len;
          this.planFrame();
        }
        if (this.size && this.j === this.size) {
          this.state = "out";
          if (this.plan.length && this.plan[0] === this.size) {
            cut(i + 1);
            out.push(this.line());
            this.plan.shift();
          }
        }
      }
    }
    cut(chunk.length);
    return out;
  }
}

const [seedArg, percentArg, doubleArg] = (foreignArg ?? "").split(":");
const foreign = foreignArg ? new Foreign(Number(seedArg), Number(percentArg ?? 30), Number(doubleArg ?? 10)) : null;

const fd = openSync(devPath, constants.O_RDWR | constants.O_NOCTTY);
const devIn = new ReadStream(fd);
devIn.setRawMode(true);
const devOut = new WriteStream(fd);

const socat = spawn("socat", [`PTY,rawer,link=${link}`, "STDIO"], { stdio: ["pipe", "pipe", "inherit"] });
const toDev = new Line((b) => devOut.write(b));
const toHost = new Line((b) => socat.stdin.write(b));
socat.stdout.on("data", (b) => toDev.push(b));
devIn.on("data", (b) => {
  if (foreign) for (const part of foreign.process(b)) toHost.push(part);
  else toHost.push(b);
});

if (rate > 0)
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
  if (foreign) process.stdout.write(`foreign ${Object.entries(foreign.counts).map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
  socat.kill("SIGTERM");
  devIn.destroy();
  devOut.destroy();
  setTimeout(() => process.exit(0), 50);
});
socat.on("exit", () => process.exit(0));
