// setInterval keeps to its clock: a 200 ms interval whose callback works 100 ms ticks 10 times in
// 2 s, the last before a 2 s timeout started after it (a drifting one ticks about 6 times).
const started = Date.now();
const at: number[] = [];
const id = setInterval(() => {
  at.push(Date.now() - started);
  for (const end = Date.now() + 100; Date.now() < end; ) {}
}, 200);
setTimeout(() => {
  clearInterval(id);
  console.log(JSON.stringify(at));
}, 2000);
