// bench/soak's app: the camera encoded once and fanned out in C to an RTSP session and to a loop
// recording (segments of `segmentS` seconds, the oldest deleted to keep `minFreeMB` free), until
// stopped (SIGINT). Prints "url <rtsp url>" once, then a JSON status line every 5 s.
// Args: <pattern> <segmentS> <minFreeMB> <width> <height> <kbit/s>
import { Encoder, MediaManager, Sensor } from "k230:media";
import { Mp4Muxer } from "k230:mp4";
import { RtspServer } from "k230:rtsp";
import { exit, memInfo, ticksMs } from "k230:sys";

const [pattern, segmentS, minFreeMB, w, h, kbps] = scriptArgs.slice(1) as [string, string, string, string, string, string];
const width = Number(w);
const height = Number(h);
const sensor = new Sensor({ fps: 30 });
sensor.setFramesize({ width, height });
const encoder = new Encoder({ codec: "h264", width, height, bitrate: Number(kbps), gop: 30 });
MediaManager.link(sensor.bindInfo().src, encoder);

const server = new RtspServer({ port: 0, host: "127.0.0.1", maxClients: 64 });
const session = server.createSession("cam", { video: "h264" });
const muxer = new Mp4Muxer(pattern, { segment: { durationMs: Number(segmentS) * 1000, minFreeMB: Number(minFreeMB) } });
muxer.addVideoTrack({ codec: "h264", width, height });

for (const [name, target] of [["rtsp", session], ["recording", muxer]] as const) {
  encoder.pipeTo(target).on("error", (e) => {
    console.log(`FAIL ${name} pipe: ${e.code}: ${e.message}`);
    exit(1);
  });
}
encoder.start();
sensor.run();
console.log(`url ${server.url("cam")}`);

const t0 = ticksMs();
setInterval(() => {
  const st = server.stats();
  console.log(
    JSON.stringify({
      t: Math.round((ticksMs() - t0) / 1000),
      heap: memInfo().heapUsed,
      clients: st.clients,
      playing: st.playing,
      drops: st.drops,
      file: muxer.path,
      segments: muxer.segments,
    }),
  );
}, 5000);
