// bench/preview app: the camera at 30 fps, its 320x240 channel encoded to H.264 in C (pipeTo a
// NullSink: the app's media path, as in bench/media) and its 800x480 channel shown on a virtual
// display brought up with toIde: true (what the preview takes). Prints "mark <frames> <ms>" after
// the warm-up and at the end, then one JSON line. Args: <frames> <warmup>
import { Display, Encoder, MediaManager, NullSink, Sensor } from "k230:media";
import { ticksMs } from "k230:sys";

const [, n, w] = scriptArgs as [string, string, string];
const frames = Number(n);
const warmup = Number(w);
const width = 320;
const height = 240;
const sensor = new Sensor({ width: 800, height: 480, fps: 30 });
sensor.setFramesize({ width, height, chn: Sensor.CAM_CHN_ID_0 });
sensor.setFramesize({ width: 800, height: 480, chn: Sensor.CAM_CHN_ID_1 });
const encoder = new Encoder({ codec: "h264", width, height, bitrate: 500, gop: 30 });
const link = MediaManager.link(sensor.bindInfo({ chn: Sensor.CAM_CHN_ID_0 }).src, encoder);
Display.init(Display.VIRT, { width: 800, height: 480, fps: 30, toIde: true });
Display.bindLayer({ ...sensor.bindInfo({ chn: Sensor.CAM_CHN_ID_1 }), layer: Display.LAYER_VIDEO1 });
const sink = new NullSink();
const pipe = encoder.pipeTo(sink);
encoder.start();
sensor.run();
let marked = false;
await new Promise<void>((done) => {
  const timer = setInterval(() => {
    const got = sink.frames;
    if (!marked && got >= warmup) {
      marked = true;
      console.log(`mark ${got} ${ticksMs()}`);
    } else if (marked && got >= frames) {
      console.log(`mark ${got} ${ticksMs()}`);
      clearInterval(timer);
      done();
    }
  }, 50);
});
const st = encoder.status();
pipe.close();
sensor.stop();
link.destroy();
encoder.close();
Display.deinit();
sensor.close();
console.log(JSON.stringify({ frames: sink.frames, dropped: st.droppedFrames }));
