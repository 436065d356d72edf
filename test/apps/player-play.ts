// Plays an MP4 with Player and logs every call and event with the clock (ticksUs, the same clock
// as the simulator's Y4M/WAV sinks). Args: <file> [action@ms ...] where action is pause, resume,
// seek:SECONDS, stop or start (again, logged as RESTART) and ms counts from start(). Ends at "eos"
// or "error".
import { Player } from "k230:media";
import { ticksUs } from "k230:sys";

const [, file = "/sdcard/rec.mp4", ...actions] = scriptArgs;
const log = (tag: string, v: Record<string, unknown>) => console.log(`${tag} ${JSON.stringify({ t: ticksUs(), ...v })}`);
const player = new Player({ positionIntervalMs: 500 });
log("INFO", { info: player.load(file) });
player.on("position", (ev) => log("POSITION", { position: ev.position }));
player.on("eos", (ev) => {
  log("EOS", { position: ev.position, stats: player.stats() });
  player.stop();
});
player.on("error", (e) => {
  log("ERROR", { code: e.code, message: e.message, position: e.position, stats: player.stats() });
  player.stop();
});
player.start();
log("START", { state: player.state });
for (const a of actions) {
  const [what, at] = a.split("@") as [string, string];
  setTimeout(() => {
    const before = player.position;
    if (what === "pause") player.pause();
    else if (what === "resume") player.resume();
    else if (what === "stop") player.stop();
    else if (what === "start") player.start();
    else player.seek(Number(what.split(":")[1]));
    log(what === "start" ? "RESTART" : what.split(":")[0]!.toUpperCase(), { position: before, after: player.position, state: player.state });
  }, Number(at));
}
