// Prints an MP4's tracks and packet list as JSON lines, for comparison with ffprobe.
// Args: <file> [--seek us] [--length-prefixed]
import { Mp4Demuxer } from "k230:mp4";

const file = scriptArgs[1]!;
const seekAt = scriptArgs.indexOf("--seek");
const demuxer = new Mp4Demuxer(file, { annexb: !scriptArgs.includes("--length-prefixed") });
console.log(JSON.stringify({ info: demuxer.fileInfo(), tracks: demuxer.tracks, warning: demuxer.warning }));
if (seekAt > 0) demuxer.seek(Number(scriptArgs[seekAt + 1]));
let previous: ArrayBuffer | undefined;
for (const f of demuxer) {
  const bytes = new Uint8Array(f.data);
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum = (sum + bytes[i]! * (i + 1)) % 1000000007;
  console.log(JSON.stringify({ t: f.trackId, c: f.codec, pts: f.ptsUs, dts: f.dtsUs, k: f.keyframe, n: f.data.byteLength, sum, head: Array.from(bytes.subarray(0, 5)) }));
  if (previous && previous.byteLength !== 0) throw new Error("the previous frame's buffer was not revoked");
  previous = f.data;
}
demuxer.close();
