// Player bad input: each case prints the error it threw. Needs /sdcard/rec.mp4.
import { Player, openFile } from "k230:media";

const log = (tag: string, v: unknown) => console.log(`${tag} ${JSON.stringify(v)}`);
const f = openFile("/sdcard/not-a-video.mp4", "w");
f.write(Uint8Array.from("this is not an MP4 file, just some text\n".repeat(20), (c) => c.charCodeAt(0)));
f.close();
const player = new Player();
const cases: [string, () => unknown][] = [
  ["display HDMI", () => new Player({ display: "HDMI" as "VIRT" })],
  ["positionIntervalMs 5", () => new Player({ positionIntervalMs: 5 })],
  ["start before load", () => player.start()],
  ["load a missing file", () => player.load("/sdcard/nope.mp4")],
  ["load a text file", () => player.load("/sdcard/not-a-video.mp4")],
  ["load a number", () => player.load(42 as unknown as string)],
  ["pause before start", () => (player.load("/sdcard/rec.mp4"), player.pause())],
  ["seek -1", () => player.seek(-1)],
  ["seek past the end", () => player.seek(1e6)],
  ["seek \"1\"", () => player.seek("1" as unknown as number)],
  ["start twice", () => (player.start(), player.start())],
  ["on(\"end\")", () => player.on("end" as "eos", () => 0)],
];
for (const [name, fn] of cases) {
  try {
    fn();
    log("CASE", { name, threw: false });
  } catch (e) {
    const err = e as Error & { code?: string };
    log("CASE", { name, error: err.name, code: err.code, message: err.message });
  }
}
player.stop();
log("END", { state: player.state });
