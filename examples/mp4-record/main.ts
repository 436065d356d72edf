// MP4 recording with one object: the TypeScript twin of CanMV's "2.1 MP4 Recording"
// (mp4_muxer_test, Mp4Container). Camera -> H.265 + microphone -> G.711 µ-law -> fragmented MP4.
// Usage: k230js run examples/mp4-record/main.ts --sdcard <dir> [-- /sdcard/test.mp4 200]
import { Mp4Recorder } from "k230:mp4";
import { EXITPOINT_ENABLE, exitpoint } from "k230:sys";

function mp4MuxerTest(fileName: string, frameLimit: number): void {
  console.log("mp4_muxer_test start");
  const width = 1280;
  const height = 720;
  // The recorder owns the camera, the encoder, the microphone and the file.
  const mp4Muxer = new Mp4Recorder({ file: fileName, video: { codec: "h265", width, height }, audio: { codec: "ulaw" } });
  mp4Muxer.start();
  try {
    let frameCount = 0;
    while (frameCount < frameLimit) {
      exitpoint();
      // Waits for the next picture written to the file (the writing itself happens in C).
      frameCount = mp4Muxer.process();
      console.log("frame_count = ", frameCount);
    }
  } catch (e) {
    console.log(e);
  } finally {
    const stats = mp4Muxer.stop();
    console.log(`recorded ${stats.frames} frames, ${stats.audioFrames} audio frames, ${stats.bytes} bytes to ${fileName}`);
  }
  console.log("mp4_muxer_test stop");
}

exitpoint(EXITPOINT_ENABLE);
const [file = "/sdcard/test.mp4", frames = "200"] = scriptArgs.slice(1);
mp4MuxerTest(file, Number(frames));
