// Publishes an MP4 file to an RTSP server (ANNOUNCE/RECORD) for the tests, paced by the frames'
// ptsUs. Args: <file> <url> [--no-audio] [--user U --password P]
// Prints "RECORDING" once the server accepted RECORD, "SENT {...}" and "STATS {...}" at the end,
// or "ERROR {message, code, status}" when connect() is rejected.
import { RtspPusher } from "k230:rtsp";
import { Mp4Demuxer, type Mp4Frame } from "k230:mp4";
import { ticksMs } from "k230:sys";

function arg(name: string, def: string): string {
  const i = scriptArgs.indexOf(`--${name}`);
  return i > 0 ? scriptArgs[i + 1]! : def;
}

const file = scriptArgs[1]!;
const url = scriptArgs[2]!;
const noAudio = scriptArgs.includes("--no-audio");
const user = arg("user", "");

const demuxer = new Mp4Demuxer(file);
const video = demuxer.tracks.find((t) => t.kind === "video");
const audio = noAudio ? undefined : demuxer.tracks.find((t) => t.kind === "audio");

const pusher = new RtspPusher(url, {
  video: (video?.codec ?? "h264") as "h264" | "h265",
  audio: audio ? (audio.codec as "alaw" | "ulaw") : undefined,
  auth: user ? { user, password: arg("password", "") } : undefined,
});

const sent = { video: 0, audio: 0 };
let t0 = 0;
let pending: Mp4Frame | undefined;
let held: Mp4Frame | undefined; // see rtsp-serve.ts: the last frame is held until the next call

function pump(): void {
  for (;;) {
    if (!pending) {
      const f = demuxer.getFrame();
      held = f;
      if (f.eof) {
        finish();
        return;
      }
      pending = f;
    }
    const wait = t0 + pending.ptsUs / 1000 - ticksMs();
    if (wait > 1) {
      setTimeout(pump, wait);
      return;
    }
    if (pending.codec === "h264" || pending.codec === "h265") {
      pusher.sendVideo(pending.data, pending.ptsUs);
      sent.video++;
    } else if (audio) {
      pusher.sendAudio(pending.data, pending.ptsUs);
      sent.audio++;
    }
    pending = undefined;
  }
}

function finish(): void {
  console.log(`SENT ${JSON.stringify(sent)}`);
  console.log(`STATS ${JSON.stringify(pusher.stats())}`);
  pusher.close();
  demuxer.close();
  held = undefined;
}

pusher.connect().then(
  () => {
    console.log("RECORDING");
    t0 = ticksMs();
    pump();
  },
  (e: Error & { code?: string; status?: number }) => {
    console.log(`ERROR ${JSON.stringify({ message: e.message, code: e.code, status: e.status })}`);
    demuxer.close();
  },
);
