// Default /sdcard/main.js installed with the k230js firmware. Replace it with your app
// (`k230js deploy app.ts`); while it runs, Ctrl-C stops it and leaves you at the REPL.
import { memInfo, ticksMs } from "k230:sys";

const m = memInfo();
console.log(`k230js is running (${ticksMs()} ms since start). JS heap used: ${m.heapUsed ?? "?"} bytes.`);
console.log("Deploy an app with `k230js deploy <app.ts>`; examples are in /sdcard/examples.");
