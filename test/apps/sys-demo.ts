// Exercises k230:sys, timers, promises and console deterministically: its output must be the
// same on every build (host, riscv64 under qemu, source or bytecode).
import * as sys from "k230:sys";

const t0 = sys.ticksMs();
const u0 = sys.ticksUs();
sys.sleepMs(20);
console.log("sleep ok:", sys.ticksMs() - t0 >= 20, sys.ticksUs() - u0 >= 20000);
console.log("versions:", typeof sys.version, sys.engineVersion.split(".").length === 3);
console.log("exitpoint:", sys.exitpoint(sys.EXITPOINT_ENABLE), sys.exitpoint(sys.EXITPOINT_DISABLE));
sys.exitpoint(); // nothing pending: returns
const mem = sys.memInfo();
console.log("memInfo:", Object.keys(mem).join(","), mem.heapUsed > 0, mem.objects > 0);
try {
  sys.sleepMs(-1);
} catch (e) {
  console.log("sleepMs(-1):", (e as Error).name);
}

const order: string[] = [];
setTimeout(() => order.push("t20"), 20);
setTimeout(() => order.push("t0"), 0);
queueMicrotask(() => order.push("micro"));
await Promise.resolve();
order.push("after-await");
await new Promise((r) => setTimeout(r, 40));
console.log("order:", order.join(" "));

let ticks = 0;
await new Promise<void>((done) => {
  const id = setInterval(() => {
    if (++ticks === 5) {
      clearInterval(id);
      done();
    }
  }, 2);
});
console.log("interval ticks:", ticks);
console.log("inspect:", { n: 1, s: "two", a: [1, 2, 3], nested: { deep: { deeper: { deepest: 1 } } } }, new Uint8Array([1, 2]));
console.log("format: %s=%d %o", "x", 42, { k: true });
console.log("lone: 100%% %s");
console.log("args:", scriptArgs.slice(1).join(" "));
