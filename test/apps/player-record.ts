// Records the simulator's stamped test pattern and the microphone (K230JS_SIM_AUDIO_IN) into an
// MP4 with Mp4Recorder, as mp4-record does, at a small size. Args: <file> <frames> [h264|h265] [alaw|ulaw]
import { Mp4Recorder } from "k230:mp4";

const [, file = "/sdcard/rec.mp4", frames = "90", codec = "h264", law = "alaw"] = scriptArgs;
const rec = new Mp4Recorder({
  file,
  video: { codec: codec as "h264" | "h265", width: 320, height: 240, fps: 30, gop: 30 },
  audio: { codec: law as "alaw" | "ulaw" },
});
rec.start();
while (rec.process() < Number(frames));
console.log(JSON.stringify(rec.stop()));
