// A recording onto a card too small for it: process() throws the write error (ENOSPC) once, the
// app catches it, and stop() in `finally` closes quietly. Args: <file>
import { Mp4Recorder } from "k230:mp4";

const [file] = scriptArgs.slice(1) as [string];
const recorder = new Mp4Recorder({ file, video: { width: 640, height: 480, fps: 30, bitrate: 4000 } });
recorder.start();
try {
  for (;;) recorder.process();
} catch (e) {
  console.log(`stopped: ${(e as { code?: string }).code}`);
} finally {
  const stats = recorder.stop();
  console.log(`closed after ${stats.frames} frames, ${stats.fragments} fragments`);
}
