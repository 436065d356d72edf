// bench/media app: sensor -> venc at 320x240 -> an Mp4Muxer, the per-frame path either in JS
// (getStream -> writeFrame of every pack -> releaseStream) or bound in C (encoder.pipeTo(muxer)):
// the same muxer, the same file writes, on the same thread (JS's, which is also the loop's).
// Prints "mark <frames> <JS thread ns> <process ticks>" after the warm-up and at the end: its
// own CPU time, read from /proc at that very moment (in ns from schedstat, the thread running JS
// and its loop: on the host the process's main thread, or the VM's own thread when the stack
// limit is too small for it (docs/runtime.md, --stack-size); the whole process's
// utime + stime in clock ticks), then heap samples (JS mode) in one JSON line.
// Args: <js|c> <frames> <warmup> <out.mp4>
import { Encoder, MediaManager, Sensor } from "k230:media";
import { Mp4Muxer } from "k230:mp4";
import { memInfo } from "k230:sys";
import * as std from "qjs:std";

function mark(got: number): void {
  const main = (std.loadFile("/proc/thread-self/schedstat") ?? "0").split(" ")[0];
  const stat = std.loadFile("/proc/self/stat") ?? "";
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  console.log(`mark ${got} ${main} ${Number(f[11]) + Number(f[12])}`);
}

const [, mode, n, w, output] = scriptArgs as [string, "js" | "c", string, string, string];
const frames = Number(n);
const warmup = Number(w);
const width = 320;
const height = 240;
const sensor = new Sensor({ width, height, fps: 60 });
sensor.setFramesize({ width, height });
const encoder = new Encoder({ codec: "h264", width, height, bitrate: 500, gop: 30 });
const link = MediaManager.link(sensor.bindInfo().src, encoder);
const muxer = new Mp4Muxer(output, { sync: "none" });
const track = muxer.addVideoTrack({ codec: "h264", width, height });
const heap: number[] = new Array<number>(Math.floor(frames / 1000)).fill(0); // no growth while sampling

function finish(got: number): void {
  const st = encoder.status();
  sensor.stop();
  link.destroy();
  encoder.close();
  sensor.close();
  const fragments = muxer.fragments;
  muxer.close();
  const mm = MediaManager.stats();
  console.log(
    JSON.stringify({ mode, frames: got, fragments, heap: mode === "js" ? heap : [], dropped: st.droppedFrames, copied: mm.streamBytesCopied + mm.frameBytesCopied + mm.convertBytes, held: mm.total }),
  );
}

if (mode === "js") {
  encoder.start();
  sensor.run();
  for (let i = 1; i <= frames; i++) {
    const s = encoder.getStream(2000);
    if (!s) throw new Error("encoder timed out");
    for (const p of s.packs) muxer.writeFrame(track, p.data, p.ptsUs);
    encoder.releaseStream(s);
    if (i === warmup || i === frames) mark(i);
    if (i % 1000 === 0) heap[i / 1000 - 1] = memInfo().heapUsed;
  }
  finish(frames);
} else {
  const pipe = encoder.pipeTo(muxer);
  encoder.start();
  sensor.run();
  let marked = false;
  // Coarse polling: JS wakes 20 times a second, not per frame.
  const timer = setInterval(() => {
    const got = pipe.stats.frames;
    if (!marked && got >= warmup) {
      marked = true;
      mark(got);
    } else if (got >= frames) {
      mark(got);
      clearInterval(timer);
      pipe.close();
      finish(got);
    }
  }, 50);
}
