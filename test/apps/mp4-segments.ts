// Mp4Muxer loop recording fed from C (encoder.pipeTo): the camera into files of `segmentMs`,
// keeping `keep` of them, until `files` files were started. Prints the muxer's segment stats and
// its current path as JSON. Args: <pattern> <segmentMs> <keep> <files>
import { Encoder, MediaManager, Sensor } from "k230:media";
import { Mp4Muxer } from "k230:mp4";

const [pattern, segmentMs, keep, files] = scriptArgs.slice(1) as [string, string, string, string];
const sensor = new Sensor({ fps: 30 });
sensor.setFramesize({ width: 320, height: 240 });
const encoder = new Encoder({ codec: "h264", width: 320, height: 240, gop: 10 });
MediaManager.link(sensor.bindInfo().src, encoder);
const muxer = new Mp4Muxer(pattern, { segment: { durationMs: Number(segmentMs), keepFiles: Number(keep) } });
muxer.addVideoTrack({ codec: "h264", width: 320, height: 240 });
const pipe = encoder.pipeTo(muxer);
pipe.on("error", (e) => console.log(`pipe error ${e.code}: ${e.message}`));
encoder.start();
sensor.run();
const timer = setInterval(() => {
  if (muxer.segments.files <= Number(files)) return;
  clearInterval(timer);
  pipe.close();
  sensor.stop();
  encoder.close();
  muxer.close();
  sensor.close();
  console.log(JSON.stringify({ ...muxer.segments, path: muxer.path }));
}, 20);
