// Remuxes an MP4 onto a card that fills up: writeFrame must fail with ENOSPC, and what was
// written before must still play. Args: <in> <out>
import { Mp4Demuxer, Mp4Muxer } from "k230:mp4";

const [, input, output] = scriptArgs as [string, string, string];
const demuxer = new Mp4Demuxer(input);
const muxer = new Mp4Muxer(output, { fragmentMs: 200 });
const map = new Map<number, number>();
for (const t of demuxer.tracks) {
  map.set(t.trackId, t.kind === "video" ? muxer.addVideoTrack({ codec: t.codec, width: t.width, height: t.height }) : muxer.addAudioTrack({ codec: t.codec, sampleRate: t.sampleRate }));
}
let written = 0;
try {
  for (const f of demuxer) {
    muxer.writeFrame(map.get(f.trackId)!, f.data, f.ptsUs, { keyframe: f.keyframe });
    written++;
  }
  console.log("no error");
} catch (e) {
  const err = e as Error & { code?: string };
  console.log(`stopped after ${written} frames: ${err.code}: ${err.message}`);
} finally {
  muxer.close(); // the error was reported once; close() does not throw it again
  demuxer.close();
}
console.log(`fragments ${muxer.fragments}`);
