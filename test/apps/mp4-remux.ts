// Remuxes an MP4 through Mp4Demuxer -> Mp4Muxer (Annex-B in between), as a recorder would.
// Args: <in> <out> <mode> [--split-headers]
import { Mp4Demuxer, Mp4Muxer, type Mp4MuxerOptions } from "k230:mp4";

const [, input, output, mode] = scriptArgs as [string, string, string, NonNullable<Mp4MuxerOptions["mode"]>];
const demuxer = new Mp4Demuxer(input);
const muxer = new Mp4Muxer(output, { mode });
const map = new Map<number, number>();
for (const t of demuxer.tracks) {
  map.set(t.trackId, t.kind === "video" ? muxer.addVideoTrack({ codec: t.codec, width: t.width, height: t.height }) : muxer.addAudioTrack({ codec: t.codec, sampleRate: t.sampleRate, channels: t.channels }));
}
let frames = 0;
for (const f of demuxer) {
  muxer.writeFrame(map.get(f.trackId)!, new Uint8Array(f.data), f.ptsUs, { keyframe: f.keyframe });
  frames++;
}
muxer.close();
demuxer.close();
console.log(JSON.stringify({ frames, fragments: muxer.fragments }));
