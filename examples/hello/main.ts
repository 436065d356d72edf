// Hello from k230js: the smallest app, showing k230:sys, timers and async code.
import { board, engineVersion, memInfo, platform, ticksMs, version } from "k230:sys";

function formatKiB(bytes: number | null): string {
  return bytes === null ? "n/a" : `${(bytes / 1024).toFixed(0)} KiB`;
}

const start = ticksMs();
console.log(`k230js ${version} on ${platform} (${board}), QuickJS-ng ${engineVersion}`);

let ticks = 0;
await new Promise<void>((done) => {
  const id = setInterval(() => {
    ticks++;
    console.log(`tick ${ticks} at ${ticksMs() - start} ms`);
    if (ticks === 3) {
      clearInterval(id);
      done();
    }
  }, 100);
});

const mem = memInfo();
console.log(`heap ${formatKiB(mem.heapUsed)}, rss ${formatKiB(mem.rss)}`);
