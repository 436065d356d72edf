// Loop recording, as a dashcam or an NVR does: the camera recorded without end into one-minute
// files (each starts at a keyframe and plays on its own), the oldest deleted so the card keeps
// at least 64 MB free. Restarted, it numbers on from the files already on the card.
// Usage: k230js run examples/dashcam/main.ts --sdcard <dir> [-- /sdcard/dashcam <segment s> <min free MB> <minutes>]
// (defaults: 60 s files, 64 MB free, until Ctrl-C)
import { Mp4Recorder } from "k230:mp4";
import { EXITPOINT_ENABLE, exitpoint } from "k230:sys";

const [dir = "/sdcard/dashcam", segmentS = "60", minFreeMB = "64", minutes = "0"] = scriptArgs.slice(1);
exitpoint(EXITPOINT_ENABLE);

const recorder = new Mp4Recorder({
  file: `${dir}/cam-{index:5}-{time}.mp4`, // e.g. cam-00042-20250301-083015.mp4
  video: { codec: "h264", width: 1280, height: 720, bitrate: 4000 },
  segment: { durationMs: Number(segmentS) * 1000, minFreeMB: Number(minFreeMB) },
});
recorder.start();
const stopAt = Number(minutes) * 60 * 30; // pictures at 30 fps; 0 = until Ctrl-C
let file = "";
try {
  for (let frames = 0; !stopAt || frames < stopAt; ) {
    exitpoint();
    frames = recorder.process();
    if (recorder.file !== file) {
      file = recorder.file;
      const s = recorder.stats;
      console.log(`recording ${file} (${s.files} files so far, ${s.deleted} old ones deleted)`);
    }
  }
} finally {
  const s = recorder.stop();
  console.log(`stopped: ${s.frames} frames in ${s.files} files, ${s.deleted} deleted`);
}
