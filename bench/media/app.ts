// bench/media app: sensor -> venc at 320x240, consumed either by JS (getStream -> releaseStream
// per picture) or in C (pipeTo a NullSink). Prints "mark <frames>" after the warm-up and at the
// end (the harness reads the process's CPU time at each mark), heap samples every 1000 frames
// (JS mode), then one JSON line. Args: <js|c> <frames> <warmup>
import { Encoder, MediaManager, NullSink, Sensor } from "k230:media";
import { memInfo } from "k230:sys";

const [, mode, n, w] = scriptArgs as [string, "js" | "c", string, string];
const frames = Number(n);
const warmup = Number(w);
const width = 320;
const height = 240;
const sensor = new Sensor({ width, height, fps: 60 });
sensor.setFramesize({ width, height });
const encoder = new Encoder({ codec: "h264", width, height, bitrate: 500, gop: 30 });
const link = MediaManager.link(sensor.bindInfo().src, encoder);
const heap: number[] = new Array<number>(Math.floor(frames / 1000)).fill(0); // no growth while sampling
let bytes = 0;

function finish(got: number): void {
  const st = encoder.status();
  sensor.stop();
  link.destroy();
  encoder.close();
  sensor.close();
  const mm = MediaManager.stats();
  console.log(
    JSON.stringify({ mode, frames: got, bytes, heap: mode === "js" ? heap : [], dropped: st.droppedFrames, copied: mm.streamBytesCopied + mm.frameBytesCopied + mm.convertBytes, held: mm.total }),
  );
}

if (mode === "js") {
  encoder.start();
  sensor.run();
  for (let i = 1; i <= frames; i++) {
    const s = encoder.getStream(2000);
    if (!s) throw new Error("encoder timed out");
    for (const p of s.packs) bytes += p.data.byteLength;
    encoder.releaseStream(s);
    if (i === warmup || i === frames) console.log(`mark ${i}`);
    if (i % 1000 === 0) heap[i / 1000 - 1] = memInfo().heapUsed;
  }
  finish(frames);
} else {
  const sink = new NullSink();
  const pipe = encoder.pipeTo(sink);
  encoder.start();
  sensor.run();
  let marked = false;
  // Coarse polling: JS wakes 20 times a second, not per frame.
  const timer = setInterval(() => {
    const got = sink.frames;
    if (!marked && got >= warmup) {
      marked = true;
      console.log(`mark ${got}`);
    } else if (got >= frames) {
      console.log(`mark ${got}`);
      clearInterval(timer);
      bytes = sink.bytes;
      pipe.close();
      finish(got);
    }
  }, 50);
}
