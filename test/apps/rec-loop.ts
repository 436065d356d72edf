// Loop recording with the one-object recorder: `pictures` pictures into segments of `segmentMs`,
// the oldest deleted to keep `minFreeMB` free. Prints each new file, then the final stats as JSON.
// Args: <pattern> <pictures> <segmentMs> <minFreeMB>
import { Mp4Recorder } from "k230:mp4";

const [pattern, pictures, segmentMs, minFreeMB] = scriptArgs.slice(1) as [string, string, string, string];
const recorder = new Mp4Recorder({
  file: pattern,
  video: { width: 320, height: 240, fps: 30, bitrate: 2000 },
  segment: { durationMs: Number(segmentMs), minFreeMB: Number(minFreeMB) },
});
recorder.start();
let file = "";
try {
  for (let n = 0; n < Number(pictures); ) {
    n = recorder.process();
    if (recorder.file !== file) console.log(`file ${(file = recorder.file)}`);
  }
} finally {
  console.log(JSON.stringify(recorder.stop()));
}
