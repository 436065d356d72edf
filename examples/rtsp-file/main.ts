// Streams an MP4 file over RTSP, in a loop, at the file's own pace: the file-fed half of CanMV's
// "2.6 RTSP Streaming" example (the camera half pipes an encoder into the same session).
// Usage: k230js run examples/rtsp-file/main.ts --sdcard <dir> [-- FILE.mp4 [port]]
// Without FILE: /sdcard/test.mp4, recorded from the camera first when the card has none.
// Then: ffplay rtsp://127.0.0.1:8554/test   (or VLC, GStreamer, another board)
import { Mp4Demuxer, type Mp4Frame } from "k230:mp4";
import { RtspServer } from "k230:rtsp";
import { ticksMs } from "k230:sys";
import { ensureMp4, TEST_MP4 } from "../shared/inputs.js";

const filename = scriptArgs[1] ?? TEST_MP4;
if (filename === TEST_MP4) ensureMp4(filename);
const demuxer = new Mp4Demuxer(filename);
const video = demuxer.tracks.find((t) => t.kind === "video");
const audio = demuxer.tracks.find((t) => t.kind === "audio");
if (!video || (video.codec !== "h264" && video.codec !== "h265")) throw new Error(`${filename}: no H.264/H.265 video track`);

const server = new RtspServer({ port: Number(scriptArgs[2] ?? 8554) });
const session = server.createSession("test", {
  video: video.codec,
  audio: audio ? (audio.codec as "alaw" | "ulaw") : "none",
});
server.on("connect", (ev) => console.log(`client ${ev.peer} connected (${server.clientCount} now)`));
server.on("play", (ev) => console.log(`client ${ev.peer} plays ${ev.session}`));
server.on("disconnect", (ev) => console.log(`client ${ev.peer} left`));
console.log(`rtsp url: ${server.url("test")}`);

// Frames are sent when due; between them the loop is free to serve the clients.
const durationUs = demuxer.fileInfo().durationUs;
const startMs = ticksMs();
let offsetUs = 0;
let pending: Mp4Frame | undefined;
function pump(): void {
  for (;;) {
    pending ??= demuxer.getFrame();
    if (pending.eof) {
      demuxer.seek(0); // loop the file; timestamps keep increasing
      offsetUs += durationUs;
      pending = undefined;
      continue;
    }
    const ptsUs = pending.ptsUs + offsetUs;
    const waitMs = startMs + ptsUs / 1000 - ticksMs();
    if (waitMs > 1) {
      setTimeout(pump, waitMs);
      return;
    }
    if (pending.codec === "h264" || pending.codec === "h265") session.sendVideo(pending.data, ptsUs);
    else session.sendAudio(pending.data, ptsUs);
    pending = undefined;
  }
}
pump();
setInterval(() => {
  const st = server.stats();
  console.log(`${st.clients} clients, ${st.playing} playing, ${(st.bytesSent / 1e6).toFixed(1)} MB sent, ${st.drops} drops`);
}, 10_000);
