// Serves an MP4 file over RTSP for the tests and the bench, paced by the frames' ptsUs.
// Args: <file> [--port N] [--host H] [--name S] [--auth digest|basic] [--wait-plays N]
//       [--loops N] [--max-s N] [--linger-ms N] [--session-timeout S] [--request-timeout S]
//       [--max-clients N] [--max-per-addr N] [--queue-bytes N] [--send-log] [--stats-ms N]
//       [--end-clients N] [--end-wait-ms N]
// Prints "READY <url>" once listening, "START" when frames begin, a JSON "SENT {...}" line with
// the frames sent per track, "STATS {...}" at the end (and every N ms with --stats-ms, for a run
// that is killed). --send-log adds "SENDLOG {pts, t}": each
// video frame's ptsUs and the CLOCK_MONOTONIC µs just before it was handed to the session
// (bench/rtsp: latency to the viewers' sockets, and what each viewer should have received). Streams once N clients play (default 1);
// with --wait-plays 0 it starts at once. Stops by itself after the loops (or --max-s).
import { RtspServer, type RtspSession } from "k230:rtsp";
import { Mp4Demuxer, type Mp4Frame } from "k230:mp4";
import { ticksMs } from "k230:sys";

// The engine's High Resolution Time (not in js-lib's globals): timeOrigin + now() is the
// CLOCK_MONOTONIC time in ms, the clock bench/rtsp's load client stamps its reads with.
declare const performance: { now(): number; readonly timeOrigin: number };

function arg(name: string, def: string): string {
  const i = scriptArgs.indexOf(`--${name}`);
  return i > 0 ? scriptArgs[i + 1]! : def;
}

const file = scriptArgs[1]!;
const name = arg("name", "test");
const waitPlays = Number(arg("wait-plays", "1"));
const loops = Number(arg("loops", "1"));
const maxMs = Number(arg("max-s", "60")) * 1000;
const lingerMs = Number(arg("linger-ms", "500"));
// After the BYE: the server closes once at most --end-clients clients are left (viewers that do not
// read never hang up) or after --end-wait-ms, whichever is first; a viewer still reading what
// was queued for it when the server closes loses its tail and the BYE.
const endClients = Number(arg("end-clients", "0"));
const endWaitMs = Number(arg("end-wait-ms", "3000"));
const authScheme = arg("auth", "");
const sendLog = scriptArgs.includes("--send-log") ? { pts: [] as number[], t: [] as number[] } : undefined;

const demuxer = new Mp4Demuxer(file);
const video = demuxer.tracks.find((t) => t.kind === "video");
const audio = demuxer.tracks.find((t) => t.kind === "audio");
const durationUs = demuxer.fileInfo().durationUs;

const server = new RtspServer({
  port: Number(arg("port", "0")),
  host: arg("host", "127.0.0.1"),
  sessionTimeoutS: Number(arg("session-timeout", "60")),
  requestTimeoutS: Number(arg("request-timeout", "10")),
  maxClients: Number(arg("max-clients", "64")),
  // the tests' and benches' clients all come from 127.0.0.1
  maxClientsPerAddress: Number(arg("max-per-addr", arg("max-clients", "64"))),
  clientQueueBytes: Number(arg("queue-bytes", String(4 << 20))),
  auth: authScheme ? { user: "k230", password: "s3cret", scheme: authScheme as "digest" | "basic" } : undefined,
});
const session: RtspSession = server.createSession(name, {
  video: video ? (video.codec as "h264" | "h265") : "none",
  audio: audio ? (audio.codec as "alaw" | "ulaw") : "none",
});

const sent = { video: 0, audio: 0, videoBytes: 0, audioBytes: 0 };
let plays = 0;
let started = false;
let finished = false; // session closed: a pending pump() must not send
let t0 = 0;
let loop = 0;
let pending: Mp4Frame | undefined;
// The last frame getFrame() returned is held until the next call: k230:mp4 revokes its buffer
// then, and revoking an eof frame's (empty) buffer that was already collected is a
// use-after-free in k230:mp4 today (reported); holding it sidesteps that.
let held: Mp4Frame | undefined;
const hardStop = setTimeout(finish, maxMs);
const statsMs = Number(arg("stats-ms", "0"));
const statsTimer = statsMs > 0 ? setInterval(() => console.log(`STATS ${JSON.stringify(server.stats())}`), statsMs) : undefined;

server.on("play", () => {
  plays++;
  if (!started && plays >= waitPlays) start();
});

function start(): void {
  started = true;
  console.log("START");
  t0 = ticksMs();
  pump();
}

// One frame per loop turn, as an encoder's pipe hands them over: a server behind real time must
// still let the loop run its sockets and timers (a loop here that caught up in one go kept the
// hard stop and --stats-ms from firing for 16 s, 1000 viewers on a loaded machine).
function pump(): void {
  if (finished) return;
  let sentOne = false;
  for (;;) {
    if (!pending) {
      const f = demuxer.getFrame();
      held = f;
      if (f.eof) {
        if (++loop >= loops) {
          setTimeout(finish, lingerMs);
          return;
        }
        demuxer.seek(0);
        continue;
      }
      pending = f;
    }
    const ptsUs = pending.ptsUs + loop * durationUs;
    const wait = t0 + ptsUs / 1000 - ticksMs();
    if (wait > 1 || sentOne) {
      setTimeout(pump, wait);
      return;
    }
    sentOne = true;
    if (pending.codec === "h264" || pending.codec === "h265") {
      if (sendLog) {
        sendLog.pts.push(ptsUs);
        sendLog.t.push(Math.round((performance.timeOrigin + performance.now()) * 1000));
      }
      session.sendVideo(pending.data, ptsUs);
      sent.video++;
      sent.videoBytes += pending.data.byteLength;
    } else {
      session.sendAudio(pending.data, ptsUs);
      sent.audio++;
      sent.audioBytes += pending.data.byteLength;
    }
    pending = undefined;
  }
}

function finish(): void {
  if (finished) return;
  finished = true;
  clearTimeout(hardStop);
  clearInterval(statsTimer);
  console.log(`SENT ${JSON.stringify(sent)}`);
  console.log(`STATS ${JSON.stringify(server.stats())}`);
  if (sendLog) console.log(`SENDLOG ${JSON.stringify(sendLog)}`);
  session.close(); // RTCP BYE: players end cleanly and hang up
  demuxer.close();
  held = undefined;
  const t = ticksMs();
  const iv = setInterval(() => {
    if (server.clientCount <= endClients || ticksMs() - t > endWaitMs) {
      clearInterval(iv);
      server.close();
    }
  }, 20);
}

console.log(`READY ${server.url(name)}`);
if (waitPlays === 0) start();
