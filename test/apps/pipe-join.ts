// A pipe that joins a running encoder mid-GOP, with P pictures already waiting in its buffers:
// every target must start at the next picture sequence (the pipe's keyframe gate, the only one).
// Pipes into an Mp4Muxer and a NullSink, records `frames` pictures, prints one JSON line.
// Args: <dir-on-sdcard> <frames>
import { Encoder, MediaManager, NullSink, Sensor } from "k230:media";
import { Mp4Muxer } from "k230:mp4";
import { sleepMs } from "k230:sys";

const [, dir, frames] = scriptArgs as [string, string, string];
const width = 320;
const height = 240;
const sensor = new Sensor({ fps: 30 });
sensor.setFramesize({ width, height });
const encoder = new Encoder({ codec: "h264", width, height, bitrate: 1000, gop: 30 });
const link = MediaManager.link(sensor.bindInfo().src, encoder);
encoder.start();
sensor.run();
// Take the stream that opens the sequence and one P picture, then let P pictures pile up.
const types: string[] = [];
while (types.length < 2) {
  const s = encoder.getStream(2000);
  if (!s) throw new Error("no stream from the encoder");
  types.push(s.packs.map((p) => p.type).join("+"));
  s.release();
}
sleepMs(300);
const waiting = encoder.status().readyStreams;
const muxer = new Mp4Muxer(`${dir}/join.mp4`);
muxer.addVideoTrack({ codec: "h264", width, height });
const nullSink = new NullSink();
const pipes = [encoder.pipeTo(muxer), encoder.pipeTo(nullSink)];
const errors: string[] = [];
for (const p of pipes) p.on("error", (e) => errors.push(e.message));
const timer = setInterval(() => {
  if (pipes[0]!.stats.frames < Number(frames) && errors.length === 0) return;
  clearInterval(timer);
  for (const p of pipes) p.close();
  sensor.stop();
  link.destroy();
  encoder.close();
  sensor.close();
  muxer.close();
  console.log(JSON.stringify({ types, waiting, errors, muxer: pipes[0]!.stats.frames, nullSink: nullSink.frames }));
}, 5);
