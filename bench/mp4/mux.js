// bench/mp4: the mux through the JS API, run by k230js: a raw H.264/H.265 stream split in C
// (k230:media AnnexBReader, zero-copy units) and 40 ms G.711 chunks (views into the file, read
// 256,000 bytes at a time, as bench_mp4 reads it) -> k230:mp4 Mp4Muxer, interleaved by time
// exactly as bench_mp4 mux does it.
// Args: <in.h264|in.h265> <in.alaw> <out.mp4> [fragmented|indexed]. Prints one JSON line.
import { AnnexBReader, openFile } from "k230:media";
import { Mp4Muxer } from "k230:mp4";

const [, video, alaw, output, mode] = scriptArgs;
const FPS = 30;
const CHUNK = 320; // 40 ms at 8 kHz
const READ = 800 * CHUNK;
const t0 = Date.now();
const units = new AnnexBReader(video);
const file = openFile(alaw);
let audio = new ArrayBuffer(0);
let audioAt = 0; // chunks before `audio`
let audioEnd = false;
const muxer = new Mp4Muxer(output, { mode: mode ?? "fragmented", sync: "none" });
const vt = muxer.addVideoTrack({ codec: units.codec, width: 1920, height: 1080 });
const at = muxer.addAudioTrack({ codec: "alaw", sampleRate: 8000, channels: 1 });
let frames = 0;
let chunks = 0;
let bytes = 0;
// Audio up to (not including) time `until`: video first at equal times, it starts the timeline.
function feedAudio(until) {
  for (;;) {
    const pts = chunks * 40000;
    if (pts >= until) return;
    let off = (chunks - audioAt) * CHUNK;
    if (off + CHUNK > audio.byteLength) {
      if (audioEnd || off < audio.byteLength) return; // the end of the file (a partial chunk)
      audio = file.read(READ) ?? new ArrayBuffer(0);
      audioAt = chunks;
      off = 0;
      audioEnd = audio.byteLength < READ;
      if (audio.byteLength < CHUNK) return;
    }
    muxer.writeFrame(at, new Uint8Array(audio, off, CHUNK), pts);
    chunks++;
    bytes += CHUNK;
  }
}
for (const unit of units) {
  const pts = Math.floor((frames * 1000000) / FPS);
  feedAudio(pts);
  muxer.writeFrame(vt, unit.data, pts);
  frames++;
  bytes += unit.data.byteLength;
}
feedAudio(Infinity);
file.close();
units.close();
muxer.close();
console.log(JSON.stringify({ frames, audioChunks: chunks, bytesIn: bytes, seconds: (Date.now() - t0) / 1000 }));
