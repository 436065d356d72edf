// One encoder piped into three MP4 muxers at once (fan-out). Muxer C is closed mid-run (its
// sink fails: only its pipe breaks, with an error event), pipe A is closed at frame `half` and
// muxer D joins the running encoder there, B runs on to `frames`. Prints one JSON line.
// Args: <dir-on-sdcard> <half> <frames>
import { Encoder, MediaManager, NullSink, Sensor } from "k230:media";
import { Mp4Muxer } from "k230:mp4";

const [, dir, half, total] = scriptArgs as [string, string, string, string];
const width = 320;
const height = 240;
const sensor = new Sensor({ fps: 30 });
sensor.setFramesize({ width, height });
const encoder = new Encoder({ codec: "h264", width, height, bitrate: 1000, gop: 30 });
const link = MediaManager.link(sensor.bindInfo().src, encoder);
const muxers = ["A", "B", "C", "D"].map((n) => {
  const m = new Mp4Muxer(`${dir}/fan${n}.mp4`);
  m.addVideoTrack({ codec: "h264", width, height });
  return m;
});
const [pa, pb, pc] = muxers.slice(0, 3).map((m) => encoder.pipeTo(m));
if (!pa || !pb || !pc) throw new Error("pipeTo returned nothing");
let pd: typeof pa | undefined;
const nullSink = new NullSink(); // counts what it gets
const pn = encoder.pipeTo(nullSink);
const code = (f: () => unknown) => {
  try {
    f();
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};
const result: Record<string, unknown> = {
  samePipeTwice: code(() => encoder.pipeTo(muxers[0]!)),
  getStreamWhilePiped: code(() => encoder.getStream(0)),
};
const errors: Record<string, string[]> = { A: [], B: [], C: [] };
pa.on("error", (e) => errors.A!.push(e.code));
pb.on("error", (e) => errors.B!.push(e.code));
pc.on("error", (e) => {
  errors.C!.push(e.code);
  result.messageC = e.message;
});
encoder.start();
sensor.run();

let stage = 0;
const timer = setInterval(() => {
  const b = pb.stats.frames;
  if (stage === 0 && b >= 5) {
    muxers[2]!.close(); // C's next sink call fails with ECLOSED: only pipe C breaks
    stage = 1;
  } else if (stage === 1 && b >= Number(half)) {
    result.atCloseA = pa.stats.frames;
    result.atCloseB = b;
    pa.close();
    pd = encoder.pipeTo(muxers[3]!); // joins mid-GOP: starts at the IDR it asks for
    result.atJoinD = b;
    stage = 2;
  } else if (stage === 2 && b >= Number(total)) {
    clearInterval(timer);
    const st = encoder.status();
    pb.close();
    pd!.close();
    pn.close();
    sensor.stop();
    link.destroy();
    encoder.close();
    sensor.close();
    for (const m of muxers) m.close();
    Object.assign(result, {
      a: pa.stats,
      b: pb.stats,
      c: pc.stats,
      d: pd!.stats,
      n: { ...pn.stats, sinkFrames: nullSink.frames, sinkBytes: nullSink.bytes },
      closed: [pa.closed, pb.closed, pc.closed, pd!.closed],
      errors,
      dropped: st.droppedFrames,
      held: MediaManager.stats().total,
    });
    console.log(JSON.stringify(result));
  }
}, 5);
