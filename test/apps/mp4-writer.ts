// An encoder piped into an Mp4Muxer, in steps the test drives over stdin (each printed line is
// followed by a wait for a line on stdin, so the test can look at the process while it waits).
// "wakes": the encoder runs into a NullSink ("warm"), then also into the muxer, whose writer
// thread starts at its first frame ("piping"); after `frames` more frames "done <frames> <ms>".
// "stop": one keyframe then P pictures into fragments of 100 ms; after `frames` the pipe is closed
// and the encoder stopped ("stopped <frames>"), the muxer left open. "mixed": the pipe's video and
// JS's audio (writeFrame, 20 ms A-law chunks stamped on the video's timeline) into one muxer,
// until `frames`. Each then closes everything and prints the counts as JSON.
// Args: <file> <frames> <wakes|stop|mixed>
import { Encoder, MediaManager, NullSink, Sensor } from "k230:media";
import { Mp4Muxer } from "k230:mp4";
import { ticksMs } from "k230:sys";
import * as std from "qjs:std";

const [, file, n, mode] = scriptArgs as [string, string, string, "wakes" | "stop" | "mixed"];
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
const audio = mode === "mixed" ? muxer.addAudioTrack({ codec: "alaw" }) : 0;
const chunk = new Uint8Array(160).fill(0xd5); // 20 ms of A-law silence
let chunks = 0;
const nullSink = new NullSink();
const pn = encoder.pipeTo(nullSink);
let pipe = mode === "wakes" ? undefined : encoder.pipeTo(muxer);
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
  // The video's timestamps count its frames at 30 fps from 0; audio goes after the first picture
  // (the file's timeline starts there), and after whatever the pipe queued (writeFrame waits).
  for (; audio && got > 0 && chunks * 20000 <= got * 33333; chunks++) muxer.writeFrame(audio, chunk, chunks * 20000);
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
  console.log(JSON.stringify({ frames: got, chunks, dropped: muxer.dropped, fragments: muxer.fragments }));
}, 5);
