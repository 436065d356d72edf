// MP4 demuxing: the TypeScript twin of CanMV's "2.2 MP4 Demuxing" example.
// Prints the tracks of an MP4 file, then every frame, paced by its timestamp.
// Usage: k230js run examples/mp4-demux/main.ts --sdcard <dir> [-- FILE.mp4]
// Without FILE: /sdcard/test.mp4, recorded from the camera first when the card has none
// (CanMV's original reads /sdcard/examples/test.mp4).
import { Mp4Demuxer } from "k230:mp4";
import { EXITPOINT_ENABLE, exitpoint, sleepMs, ticksMs } from "k230:sys";
import { ensureMp4, TEST_MP4 } from "../shared/inputs.js";

function demuxMp4(filename: string): void {
  const demuxer = new Mp4Demuxer(filename);
  try {
    let videoTrack = false;
    for (const track of demuxer.tracks) {
      if (track.kind === "video") {
        videoTrack = true;
        console.log(`video: codec ${track.codec}, track ${track.trackId}, ${track.width}x${track.height}`);
      } else {
        console.log(`audio: codec ${track.codec}, track ${track.trackId}, ${track.channels} ch, ${track.sampleRate} Hz, ${track.bitsPerSample} bit`);
      }
    }
    if (!videoTrack) throw new Error("video track not found");

    const startMs = ticksMs();
    let firstVideoPtsUs: number | undefined;
    for (const frame of demuxer) {
      exitpoint();
      if (frame.codec === "h264" || frame.codec === "h265") {
        console.log(`video ${frame.codec} ${frame.data.byteLength} bytes, pts ${frame.ptsUs} us${frame.keyframe ? " (key)" : ""}`);
        firstVideoPtsUs ??= frame.ptsUs;
        const dueMs = (frame.ptsUs - firstVideoPtsUs) / 1000;
        const elapsedMs = ticksMs() - startMs;
        if (elapsedMs < dueMs) sleepMs(dueMs - elapsedMs);
      } else {
        console.log(`audio ${frame.codec} ${frame.data.byteLength} bytes, pts ${frame.ptsUs} us`);
      }
    }
  } finally {
    demuxer.close();
  }
}

exitpoint(EXITPOINT_ENABLE);
const file = scriptArgs[1] ?? TEST_MP4;
if (file === TEST_MP4) ensureMp4(file);
demuxMp4(file);
