// The full demo (`npm start`): the simulated camera encoded to H.264 once, served over RTSP at
// the board's address and recorded to a fragmented MP4 on the (simulated) SD card at the same
// time, with the virtual display showing the camera. Every frame flows in C; JS only prints status.
// Usage: k230js run examples/camera-demo/main.ts --sdcard build/sdcard [-- SECONDS]  (0 = until Ctrl-C)
import { Display, Encoder, MediaManager, Sensor } from "k230:media";
import { Mp4Muxer } from "k230:mp4";
import { RtspServer } from "k230:rtsp";
import { platform } from "k230:sys";

const seconds = Number(scriptArgs[1] ?? 0);
const width = 1280;
const height = 720;
const file = "/sdcard/camera-demo.mp4";

// Two camera channels: the encoder, and the display preview. One H.264 encode feeds both the
// RTSP session and the recording (the encoder fans out to every pipe).
const sensor = new Sensor({ fps: 30 });
sensor.setFramesize({ width, height, chn: Sensor.CAM_CHN_ID_0 });
sensor.setFramesize({ width: 640, height: 360, chn: Sensor.CAM_CHN_ID_1 });
const encoder = new Encoder({ codec: "h264", width, height, bitrate: 4000, gop: 30 });
const link = MediaManager.link(sensor.bindInfo({ chn: Sensor.CAM_CHN_ID_0 }).src, encoder);
Display.init(Display.VIRT, { width: 640, height: 360, fps: 30 });
Display.bindLayer({ ...sensor.bindInfo({ chn: Sensor.CAM_CHN_ID_1 }), layer: Display.LAYER_VIDEO1 });

// A developer's laptop serves itself only; the board serves its network (no auth here: say so).
const host = platform === "host" ? "127.0.0.1" : "0.0.0.0";
const server = new RtspServer({ host, port: Number(scriptArgs[2] ?? 8554) });
if (host === "0.0.0.0") console.log("warning: RTSP serves every interface without authentication (pass auth to RtspServer)");
const session = server.createSession("camera", { video: "h264" });
const muxer = new Mp4Muxer(file); // fragmented: a cut recording still plays
muxer.addVideoTrack({ codec: "h264", width, height });

// Each pipe is called in turn from the loop; a failing target stops only its own pipe.
const pipes = [encoder.pipeTo(session), encoder.pipeTo(muxer)];
for (const p of pipes) p.on("error", (e) => console.log("pipe stopped:", e.message));

encoder.start();
sensor.run();
console.log(`camera: ${width}x${height} H.264 @ 30 fps`);
console.log(`RTSP:   ${server.url("camera")}   (try: ffplay -rtsp_transport tcp ${server.url("camera")})`);
console.log(`MP4:    ${file} (on the simulated SD card)`);
console.log(seconds > 0 ? `running for ${seconds} s` : "running until Ctrl-C");

// Every 5 s (on the clock: a 10 s run prints at 5 s and at 10 s). Camera frames lost on the way
// (no free sensor buffer, no encoder room) and made late (a simulated sensor starved of CPU) are
// counted, never silent.
let ticks = 0;
const timer = setInterval(() => {
  const [l, r] = pipes.map((p) => p.stats);
  const cam = sensor.stats();
  const dropped = cam.dropped + encoder.status().droppedFrames;
  console.log(`${++ticks * 5} s: streamed ${l!.frames} frames, recorded ${r!.frames} frames (${(r!.bytes / 1e6).toFixed(2)} MB), RTSP clients ${server.stats().clients}, dropped ${dropped}, late ${cam.late}`);
}, 5000);

function shutdown(): void {
  clearInterval(timer);
  for (const p of pipes) p.close();
  sensor.stop();
  link.destroy();
  encoder.close();
  Display.deinit();
  sensor.close();
  muxer.close();
  server.close();
  console.log("stopped");
}
if (seconds > 0) setTimeout(shutdown, seconds * 1000);
