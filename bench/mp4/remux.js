// bench/mp4: the remux through the JS API (k230:mp4 Mp4Demuxer -> Mp4Muxer), run by k230js.
// Args: <in.mp4> <out.mp4> [mode]. Prints one JSON line: frames, bytes, seconds (in-process).
import { Mp4Demuxer, Mp4Muxer } from "k230:mp4";

const [, input, output, mode] = scriptArgs;
const t0 = Date.now();
const demuxer = new Mp4Demuxer(input);
const muxer = new Mp4Muxer(output, { mode: mode ?? "indexed", sync: "none" });
const map = new Map();
for (const t of demuxer.tracks) {
  map.set(t.trackId, t.kind === "video"
    ? muxer.addVideoTrack({ codec: t.codec, width: t.width, height: t.height })
    : muxer.addAudioTrack({ codec: t.codec, sampleRate: t.sampleRate, channels: t.channels }));
}
let frames = 0;
let bytes = 0;
for (const f of demuxer) {
  muxer.writeFrame(map.get(f.trackId), f.data, f.ptsUs, { keyframe: f.keyframe });
  frames++;
  bytes += f.data.byteLength;
}
muxer.close();
demuxer.close();
console.log(JSON.stringify({ frames, bytes, seconds: (Date.now() - t0) / 1000 }));
