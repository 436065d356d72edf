// An encoder piped into an Mp4Muxer, in steps the test drives over stdin (each printed line is
// followed by a wait for a line on stdin, so the test can look at the process while it waits).
// "wakes": the encoder runs into a NullSink ("warm"), then also into the muxer, whose writer
// thread starts at its first frame ("piping"); after `frames` more frames "done <frames> <ms>".
// "stop": one keyframe then P pictures into fragments of 100 ms; after `frames` the pipe is closed
// and the encoder stopped ("stopped <frames>"), the muxer left open. Both then close everything
// and print the muxer's count as JSON. Args: <file> <frames> <wakes|stop>
import { Encoder, MediaManager, NullSink, Sensor } from "k230:media";
import { Mp4Muxer } from "k230:mp4";
import { ticksMs } from "k230:sys";
import * as std from "qjs:std";

const [, file, n, mode] = scriptArgs as [string, string, string, "wakes" | "stop"];
const frames = Number(n);
const step = (line: string) => {
  console.log(line);
  std.in.getline();
};
const sensor = new Sensor({ fps: 30 });
sensor.setFramesize({ width: 128, height: 64 });
const encoder = new Encoder({ codec: "h264", width: 128, height: 64, bitrate: 200, gop: mode === "stop" ? 1000 : 60 });
const link = MediaManager.link(sensor.bindInfo().src, encoder);
const muxer = new Mp4Muxer(file, mode === "stop" ? { sync: "flush", fragmentMs: 100, maxFragmentMs: 100 } : { sync: "none" });
muxer.addVideoTrack({ codec: "h264", width: 128, height: 64 });
const nullSink = new NullSink();
const pn = encoder.pipeTo(nullSink);
let pipe = mode === "stop" ? encoder.pipeTo(muxer) : undefined;
encoder.start();
sensor.run();
let from = 0;
let t0 = 0;
const timer = setInterval(() => {
  if (!pipe) {
    if (pn.stats.frames < 10) return;
    step("warm");
    pipe = encoder.pipeTo(muxer);
    return;
  }
  if (!t0) {
    if (mode === "wakes" && pipe.stats.frames < 1) return;
    if (mode === "wakes") step("piping");
    from = pipe.stats.frames;
    t0 = ticksMs();
    return;
  }
  const got = pipe.stats.frames;
  if (got - from < frames) return;
  clearInterval(timer);
  if (mode === "wakes") step(`done ${got - from} ${ticksMs() - t0}`);
  pipe.close();
  pn.close();
  sensor.stop();
  link.destroy();
  encoder.close();
  if (mode === "stop") step(`stopped ${got}`);
  sensor.close();
  muxer.close();
  console.log(JSON.stringify({ frames: got, dropped: muxer.dropped, fragments: muxer.fragments }));
}, 5);
