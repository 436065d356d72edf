// The same timer workload for k230js and Node (plain ES module, no imports): 100 000 timeouts
// (every other one cleared before it fires) and 100 000 intervals (each cleared by itself on
// its second run). Prints one JSON line: elapsed ms and the counts that prove the work was done.
const N = 100000;
const t0 = Date.now();
let timeouts = 0;
let ticks = 0;
let cleared = 0;
const pending = [];
for (let i = 0; i < N; i++) pending.push(setTimeout(() => timeouts++, i % 50));
for (let i = 0; i < N; i += 2) {
  clearTimeout(pending[i]);
  cleared++;
}
for (let i = 0; i < N; i++) {
  let runs = 0;
  const id = setInterval(() => {
    ticks++;
    if (++runs === 2) {
      clearInterval(id);
      cleared++;
    }
  }, 1 + (i % 50));
}
const set = Date.now() - t0;
const done = () => {
  if (timeouts < N / 2 || cleared < N / 2 + N) return setTimeout(done, 1);
  console.log(JSON.stringify({ ms: Date.now() - t0, setMs: set, timeouts, ticks, cleared }));
};
setTimeout(done, 1);
