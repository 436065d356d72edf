// Records twice in one runtime with Mp4Recorder, then leaks a running pipeline and resets.
// Args: <dir-on-sdcard> <frames> [noaudio]
import { Encoder, MediaManager, Sensor } from "k230:media";
import { Mp4Recorder } from "k230:mp4";

const [, dir, n, noaudio] = scriptArgs as [string, string, string, string?];
const audio = noaudio === "noaudio" ? undefined : { codec: "alaw" as const };
const results = [];
for (let i = 0; i < 2; i++) {
  const rec = new Mp4Recorder({ file: `${dir}/rec${i}.mp4`, video: { codec: "h264", width: 320, height: 240 }, audio });
  rec.start();
  let frames = 0;
  while (frames < Number(n)) frames = rec.process();
  results.push(rec.stop());
}
const afterRecord = MediaManager.stats().total;
// Leak a whole pipeline and a lent stream, then soft-reset.
const s = new Sensor();
s.setFramesize({ width: 320, height: 240 });
const e = new Encoder({ codec: "h264", width: 320, height: 240 });
MediaManager.link(s.bindInfo().src, e);
e.start();
s.run();
const stream = e.getStream(2000)!;
const leaked = MediaManager.stats().total;
const released = MediaManager.resetAll();
let closedCode = "";
try {
  e.getStream(0);
} catch (err) {
  closedCode = (err as { code: string }).code;
}
console.log(JSON.stringify({ results, afterRecord, leaked, released, afterReset: MediaManager.stats().total, detached: stream.packs[0]!.data.byteLength, closedCode }));
