// A recording onto a card whose fsyncs stall (the test preloads a slow fsync()). "muxer": an
// encoder piped into an Mp4Muxer and a NullSink while a 5 ms interval timer measures how late the
// loop runs it; "drop": the same with 10 s fragments (the test runs the camera fast enough to
// fill the writer's queue during one stall); "recorder": Mp4Recorder.process() until `frames`
// pictures are written. Prints one JSON line. Args: <file> <frames> <muxer|drop|recorder>
import { Encoder, MediaManager, NullSink, Sensor } from "k230:media";
import { Mp4Muxer, Mp4Recorder } from "k230:mp4";

const [, file, frames, mode] = scriptArgs as [string, string, string, string];
// "drop" runs the camera fast: small pictures, so that the encoder keeps up with it.
const [width, height] = mode === "drop" ? [128, 64] : [320, 240];
if (mode === "recorder") {
  const rec = new Mp4Recorder({ file, video: { width, height, fps: 30, bitrate: 1000 } });
  rec.start();
  while (rec.process() < Number(frames)) {}
  console.log(JSON.stringify(rec.stop()));
} else {
  const sensor = new Sensor({ fps: 30 });
  sensor.setFramesize({ width, height });
  const encoder = new Encoder({ codec: "h264", width, height, bitrate: 1000, gop: 30 });
  const link = MediaManager.link(sensor.bindInfo().src, encoder);
  const muxer = new Mp4Muxer(file, mode === "drop" ? { fragmentMs: 10000 } : {});
  muxer.addVideoTrack({ codec: "h264", width, height });
  const nullSink = new NullSink();
  const pipe = encoder.pipeTo(muxer);
  const pn = encoder.pipeTo(nullSink);
  const errors: string[] = [];
  pipe.on("error", (e) => errors.push(e.message));
  encoder.start();
  sensor.run();
  let last = Date.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    if (pn.stats.frames < Number(frames) && errors.length === 0) return;
    clearInterval(timer);
    pipe.close();
    pn.close();
    sensor.stop();
    link.destroy();
    const dropped = encoder.status().droppedFrames;
    encoder.close();
    sensor.close();
    muxer.close();
    console.log(JSON.stringify({ maxGapMs, frames: pipe.stats.frames, nullFrames: nullSink.frames, dropped, writerDropped: muxer.dropped, errors, fragments: muxer.fragments }));
  }, 5);
}
