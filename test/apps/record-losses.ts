// Mp4Recorder's loss counters: records until `frames` pictures are in the file, then prints the
// stats seen while recording, those stop() returns and those kept after it. Run with
// K230JS_SIM_SENSOR_PACE to make the camera outrun the encoder and the host.
import { Mp4Recorder } from "k230:mp4";

const [file = "/sdcard/losses.mp4", frames = "30", codec = "h265"] = scriptArgs.slice(1);
const rec = new Mp4Recorder({ file, video: { codec: codec as "h264" | "h265", width: 128, height: 64, fps: 60 } });
rec.start();
while (rec.process() < Number(frames)) {}
const during = rec.stats;
const final = rec.stop();
console.log(JSON.stringify({ during, final, after: rec.stats }));
