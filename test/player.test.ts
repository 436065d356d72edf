// k230:media Player on the simulator. A recording of the stamped test pattern with a tone that
// changes every second (Mp4Recorder, as mp4-record makes it) is played to the Y4M display sink
// and the WAV audio sink, both stamped with the simulator's clock; each shown frame is told by
// its stamp and each heard tone change by its frequencies, so what was shown and heard when is
// compared with the file's own timestamps: every frame once, in order, at its time; audio and
// video together; pause, resume and seek where asked; a truncated file to its last good frame.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readShownY4m, readTimedWav, readWav, type ShownFrame, toneChanges } from "./helpers/av.js";
import { ffmpeg, grayFrames, probePackets, probeStreams, readStamp } from "./helpers/media.js";
import { buildDouble, doubleDir, expectClean, GENERATIONS, reports, voApi } from "./helpers/double.js";
import { cli, HOST_RUNTIME, ROOT, tempDir } from "./helpers/run.js";

const out = tempDir("player");
const sd = join(out, "sd");
mkdirSync(sd, { recursive: true });
const app = (name: string) => join(out, `${name}.js`);
const FREQS = Array.from({ length: 10 }, (_, k) => 400 + 200 * k);
const FRAME_US = 1e6 / 30;
const REC = join(sd, "rec.mp4");
/** REC's audio track alone (a MOV: FFmpeg puts no G.711 in an .mp4). */
const AUDIO_ONLY = join(sd, "audio-only.mov");
/** Where the display and speaker sinks write: RAM when there is some, so the instrument's own disk
 * writes (the Y4M sink writes each frame as it is composed) cannot stall the display under test. */
const SINKS = existsSync("/dev/shm") ? mkdtempSync("/dev/shm/k230js-player-") : out;
afterAll(() => {
  if (SINKS !== out) rmSync(SINKS, { recursive: true, force: true });
});

/** The runtime, raised above the machine's other work when the system lets us: these tests time
 * pictures to the frame, which a board gives its app but a shared, oversubscribed 2-core host
 * does not. A real-time class (SCHED_FIFO 10, still throttled by the kernel's RT budget) when
 * allowed, else nice -10 as root, else as it is. */
const RAISE = spawnSync("chrt", ["-f", "10", "true"]).status === 0 ? ["chrt", "-f", "10"] : process.getuid?.() === 0 ? ["nice", "-n", "-10"] : [];
const raised = (runtime: string) => [...RAISE, runtime];
const RAISED = raised(HOST_RUNTIME);

function run(appName: string, args: string[], env: Record<string, string> = {}, timeout = 60_000, runtime = HOST_RUNTIME) {
  const cmd = raised(runtime);
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), "--sdcard", sd, app(appName), ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout });
  return { ...r, lines: r.stdout.split("\n").filter((l) => /^[A-Z]+ \{/.test(l)).map((l) => ({ tag: l.slice(0, l.indexOf(" ")), v: JSON.parse(l.slice(l.indexOf(" ") + 1)) })) };
}

/** What the file holds: each video frame's stamp and pts, and each tone change's media time. */
interface FileTruth {
  ptsOf: Map<number, number>;
  stamps: number[];
  tones: { from: number; to: number; us: number }[];
}

function fileTruth(file: string, w = 320, h = 240): FileTruth {
  const stamps = grayFrames(file, w, h).map((y) => readStamp(y, w));
  const streams = probeStreams(file);
  const vi = streams.findIndex((s) => s.codec_type === "video");
  const ai = streams.findIndex((s) => s.codec_type === "audio");
  const packets = probePackets(file);
  const vpts = packets.filter((p) => p.stream === vi).map((p) => p.ptsUs);
  const ptsOf = new Map<number, number>();
  stamps.forEach((s, i) => ptsOf.set(s, vpts[i]!));
  if (ai < 0) return { ptsOf, stamps, tones: [] };
  const pcm = decodePcm(file);
  const a0 = packets.find((p) => p.stream === ai)!.ptsUs;
  const rate = Number(streams[ai]!.sample_rate);
  const tones = toneChanges(pcm, rate, FREQS).map((c) => ({ from: c.from, to: c.to, us: a0 + (c.at * 1e6) / rate }));
  return { ptsOf, stamps, tones };
}

/** The file's (first) audio track as FFmpeg decodes it: 16-bit mono PCM. */
function decodePcm(file: string): Int16Array {
  const r = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-map", "0:a:0", "-f", "s16le", "-ac", "1", "-"], { maxBuffer: 1 << 26 });
  expect(r.status, String(r.stderr)).toBe(0);
  return new Int16Array(r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + r.stdout.length));
}

/** Each heard tone change against the picture shown at that moment: the media time on screen
 * (the nearest frame shown, extrapolated) minus the media time heard, in µs. Changes the file
 * does not have (where a seek spliced two positions) are not compared. */
function syncErrors(truth: FileTruth, shown: ShownFrame[], wav: string) {
  const w = readTimedWav(wav);
  const known = toneChanges(w.samples, w.rate, FREQS).filter((c) => truth.tones.some((t) => t.from === c.from && t.to === c.to));
  return known.map((c) => {
    const heardUs = w.firstUs + (c.at * 1e6) / w.rate;
    const media = truth.tones.find((t) => t.from === c.from && t.to === c.to)!.us;
    // The picture of the same stretch of the file shown nearest in time (after a seek the
    // speaker still plays out the old position's queued 100 ms while the new picture waits).
    const same = shown.filter((f) => f.stamp >= 0 && Math.abs(truth.ptsOf.get(f.stamp)! - media) < 500_000);
    const near = same.reduce((a, b) => (Math.abs(b.shownUs - heardUs) < Math.abs(a.shownUs - heardUs) ? b : a));
    const onScreen = truth.ptsOf.get(near.stamp)! + (heardUs - near.shownUs);
    return { heardUs, errUs: onScreen - media };
  });
}

/** How many of the file's frames are missing between the shown ones, counted in the file's order
 * (a recording made on a loaded machine can itself skip a camera frame: its stamps need not be
 * consecutive). Fails on a frame the file does not hold, a repeat or a step back. */
function gaps(truth: FileTruth, stamps: number[]): number {
  const at = stamps.map((s) => truth.stamps.indexOf(s));
  for (let i = 0; i < at.length; i++) expect(at[i], `stamp ${stamps[i]} is one of the file's frames`).toBeGreaterThanOrEqual(0);
  let missing = 0;
  for (let i = 1; i < at.length; i++) {
    expect(at[i]!, `stamp ${stamps[i]} after ${stamps[i - 1]}`).toBeGreaterThan(at[i - 1]!);
    missing += at[i]! - at[i - 1]! - 1;
  }
  return missing;
}

beforeAll(() => {
  for (const name of ["player-record", "player-play", "player-bad"]) {
    const r = cli(["build", join(ROOT, "test", "apps", `${name}.ts`), "-o", app(name)]);
    expect(r.status, r.stderr).toBe(0);
  }
  for (const name of ["mp4-record", "video-player"]) {
    const r = cli(["build", join(ROOT, "examples", name, "main.ts"), "-o", app(name)]);
    expect(r.status, r.stderr).toBe(0);
  }
  // The microphone hears a tone that changes every second: 400, 600, ... 2200 Hz.
  const tones = join(out, "tones.wav");
  ffmpeg(["-f", "lavfi", "-i", "aevalsrc='0.5*sin(2*PI*(400+200*mod(floor(t)\\,10))*t)':s=8000:d=12", "-ac", "1", "-c:a", "pcm_s16le", tones]);
  const r = run("player-record", ["/sdcard/rec.mp4", "150", "h264", "alaw"], { K230JS_SIM_AUDIO_IN: `wav:${tones}` });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  ffmpeg(["-i", REC, "-vn", "-c", "copy", "-f", "mov", AUDIO_ONLY]);
}, 120_000);

function play(file: string, actions: string[], tag: string, env: Record<string, string> = {}, runtime = HOST_RUNTIME) {
  const y4m = join(SINKS, `${tag}.y4m`);
  const wav = join(SINKS, `${tag}.wav`);
  const r = run("player-play", [file, ...actions], { K230JS_SIM_DISPLAY: `y4m:${y4m}`, K230JS_SIM_AUDIO_OUT: `wav:${wav}`, ...env }, 60_000, runtime);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const one = (t: string) => r.lines.find((l) => l.tag === t)?.v;
  return { r, one, shown: existsSync(y4m) ? readShownY4m(y4m).frames : [], y4m, wav };
}

/** stop() at 1.5 s, start() again at 2.5 s (play(REC, ["stop@1500", "start@2500"])): the stop
 * leaves the Player loaded at 0, and the second start plays the whole file from its first frame,
 * every frame once and at its time, sound in sync. The Player brought the display and speaker up
 * itself, so it took them down at stop() and the sinks hold the second run only: a first run
 * still playing would add frames to them. */
function expectRestart(truth: FileTruth, r: ReturnType<typeof play>) {
  expect(r.one("STOP")).toMatchObject({ after: 0, state: "loaded" });
  const again = r.one("RESTART");
  expect(again.state).toBe("playing");
  expect(r.one("EOS").stats).toMatchObject({ state: "ended", framesShown: 150, framesDropped: 0, clock: "audio" });
  expect(r.shown.map((f) => f.stamp)).toEqual(truth.stamps);
  expect(r.shown[0]!.shownUs).toBeGreaterThan(r.one("STOP").t);
  const offs = r.shown.map((f) => f.shownUs - truth.ptsOf.get(f.stamp)!);
  const mid = [...offs].sort((a, b) => a - b)[offs.length >> 1]!;
  expect(Math.max(...offs.map((o) => Math.abs(o - mid)))).toBeLessThanOrEqual(FRAME_US);
  if (readWav(r.wav).firstUs < 0) return; // the MPP double's speaker keeps no timeline
  const sync = syncErrors(truth, r.shown, r.wav);
  expect(sync.length).toBeGreaterThanOrEqual(3);
  for (const s of sync) expect(Math.abs(s.errUs)).toBeLessThanOrEqual(40_000);
}

/** An audio-only file played (play("/sdcard/audio-only.mov")): the speaker got the file's samples
 * as FFmpeg decodes them, each once and in order (then at most one device frame of silence: the
 * last one completed); the position, from the audio out's clock, never runs ahead of the time
 * since start() (it would by what the device has queued if it counted samples written, not played)
 * nor falls behind by more than 40 ms; eos at the end of the track. */
function expectAudioOnly(r: ReturnType<typeof play>) {
  const info = r.one("INFO").info;
  expect(info.video).toBeNull();
  expect(info.audio).toMatchObject({ codec: "alaw", sampleRate: 8000, channels: 1 });
  const pcm = decodePcm(AUDIO_ONLY);
  const eos = r.one("EOS");
  expect(eos.stats).toMatchObject({ state: "ended", clock: "audio", framesShown: 0, audioSamples: pcm.length });
  expect(eos.position).toBeCloseTo(info.duration, 3);
  const w = readWav(r.wav);
  expect([w.rate, w.channels]).toEqual([8000, 1]);
  expect(w.samples.length - pcm.length).toBeGreaterThanOrEqual(0);
  expect(w.samples.length - pcm.length).toBeLessThan(160);
  expect(Buffer.from(w.samples.subarray(0, pcm.length).buffer).equals(Buffer.from(pcm.buffer))).toBe(true);
  expect(w.samples.subarray(pcm.length).every((s) => s === 0)).toBe(true);
  const start = r.one("START").t as number;
  const marks = r.r.lines.filter((l) => l.tag === "POSITION" || l.tag === "EOS").map((l) => ({ elapsed: l.v.t - start, pos: l.v.position * 1e6 }));
  console.log(`player: audio only, position - time since start(): ${marks.map((m) => ((m.pos - m.elapsed) / 1000).toFixed(1)).join(", ")} ms`);
  expect(marks.length).toBeGreaterThanOrEqual(9); // every 500 ms over 4.96 s, then eos
  for (const [i, m] of marks.entries()) {
    if (i) expect(m.pos).toBeGreaterThanOrEqual(marks[i - 1]!.pos);
    expect(m.pos).toBeLessThanOrEqual(m.elapsed + 10_000);
    expect(m.pos).toBeGreaterThanOrEqual(m.elapsed - 40_000);
  }
}

describe("Player", () => {
  it("plays every frame once, in order, at its time (±1 frame), with the audio within 40 ms", () => {
    const truth = fileTruth(REC);
    expect(truth.stamps.length).toBe(150);
    expect(truth.tones.length).toBeGreaterThanOrEqual(3);
    const { one, shown, wav } = play("/sdcard/rec.mp4", [], "plain");
    expect(one("EOS").stats).toMatchObject({ state: "ended", framesShown: 150, framesDropped: 0, clock: "audio" });
    expect(shown.map((f) => f.stamp)).toEqual(truth.stamps);
    // Shown time minus media time is one constant (the start), give or take a frame.
    const offs = shown.map((f) => f.shownUs - truth.ptsOf.get(f.stamp)!);
    const mid = [...offs].sort((a, b) => a - b)[offs.length >> 1]!;
    const worst = Math.max(...offs.map((o) => Math.abs(o - mid)));
    const sync = syncErrors(truth, shown, wav);
    console.log(`player: 150 frames, worst frame ${(worst / 1000).toFixed(1)} ms off its time; A/V at ${sync.length} tone changes: ${sync.map((s) => (s.errUs / 1000).toFixed(1)).join(", ")} ms`);
    expect(worst).toBeLessThanOrEqual(FRAME_US);
    expect(sync.length).toBeGreaterThanOrEqual(3);
    for (const s of sync) expect(Math.abs(s.errUs)).toBeLessThanOrEqual(40_000);
  }, 60_000);

  it("pause, resume and seek land where asked, in sync", () => {
    const truth = fileTruth(REC);
    const { one, shown, wav } = play("/sdcard/rec.mp4", ["pause@1300", "resume@2300", "seek:0.5@3000"], "control");
    const [pause, resume, seek] = [one("PAUSE"), one("RESUME"), one("SEEK")];
    expect(one("EOS")).toBeDefined();
    const pts = (f: ShownFrame) => truth.ptsOf.get(f.stamp)!;
    // Pause: the picture stops at the pause position (within a frame) and nothing shows until resume.
    const before = shown.filter((f) => f.shownUs < resume.t);
    const last = before[before.length - 1]!;
    expect(Math.abs(pts(last) - pause.position * 1e6)).toBeLessThanOrEqual(FRAME_US);
    expect(last.shownUs).toBeLessThan(pause.t + FRAME_US);
    // Resume: the very next frame, then on in order until the seek; a frame is missing only
    // where the player says it dropped one (late by 150 ms: a loaded machine).
    const dropped = one("EOS").stats.framesDropped as number;
    const afterResume = shown.filter((f) => f.shownUs >= resume.t && f.shownUs < seek.t);
    expect(truth.stamps.indexOf(afterResume[0]!.stamp)).toBe(truth.stamps.indexOf(last.stamp) + 1);
    expect(gaps(truth, afterResume.map((f) => f.stamp))).toBeLessThanOrEqual(dropped);
    // Seek to 0.5 s: the first frame shown is the one at 0.5 s, then every frame to the end. (A
    // frame handed to the display just before seek() returned may be composed just after.)
    let afterSeek = shown.filter((f) => f.shownUs >= seek.t);
    if (pts(afterSeek[0]!) > 1_000_000) {
      expect(afterSeek[0]!.shownUs - seek.t).toBeLessThan(5000);
      afterSeek = afterSeek.slice(1);
    }
    expect(pts(afterSeek[0]!)).toBeGreaterThanOrEqual(500_000);
    expect(pts(afterSeek[0]!)).toBeLessThan(500_000 + FRAME_US);
    expect(gaps(truth, afterSeek.map((f) => f.stamp))).toBeLessThanOrEqual(dropped);
    expect(afterSeek[afterSeek.length - 1]!.stamp).toBe(truth.stamps[truth.stamps.length - 1]);
    // The speaker is silent through the pause (once its 100 ms queue has played out).
    const w = readTimedWav(wav);
    const at = (us: number) => Math.round(((us - w.firstUs) * w.rate) / 1e6);
    const quiet = w.samples.subarray(at(pause.t + 150_000), at(resume.t - 20_000));
    expect(quiet.length).toBeGreaterThan(6000);
    expect(quiet.every((s) => s === 0)).toBe(true);
    // Picture and sound together again after the resume and after the seek.
    const sync = syncErrors(truth, shown, wav).filter((s) => s.heardUs > resume.t);
    console.log(`player: paused at ${pause.position.toFixed(3)} s, showing ${(pts(last) / 1e6).toFixed(3)}; after seek(0.5) first frame ${(pts(afterSeek[0]!) / 1e6).toFixed(3)} s; A/V after resume/seek: ${sync.map((s) => (s.errUs / 1000).toFixed(1)).join(", ")} ms`);
    expect(sync.filter((s) => s.heardUs > seek.t).length).toBeGreaterThanOrEqual(3);
    for (const s of sync) expect(Math.abs(s.errUs)).toBeLessThanOrEqual(40_000);
  }, 60_000);

  it("controls in quick succession (seeks 10 ms apart, pause/seek/resume) end at the end, from the last seek", () => {
    const truth = fileTruth(REC);
    const actions = ["seek:2@200", "pause@300", "seek:1@350", "resume@400", "seek:3@450", "seek:0.2@460", "pause@700", "resume@720", "seek:4@900"];
    const { one, r, shown } = play("/sdcard/rec.mp4", actions, "rapid");
    expect(one("EOS")).toBeDefined();
    const last = r.lines.filter((l) => l.tag === "SEEK").at(-1)!.v;
    const after = shown.filter((f) => f.shownUs >= last.t + 5000);
    expect(truth.ptsOf.get(after[0]!.stamp)).toBeGreaterThanOrEqual(4_000_000 - 1);
    expect(truth.ptsOf.get(after[0]!.stamp)).toBeLessThan(4_000_000 + FRAME_US);
    expect(gaps(truth, after.map((f) => f.stamp))).toBeLessThanOrEqual(one("EOS").stats.framesDropped);
    expect(after.at(-1)!.stamp).toBe(truth.stamps.at(-1));
  }, 60_000);

  it("without audio the monotonic clock paces every frame at its time", () => {
    const truth = fileTruth(REC);
    const vonly = join(sd, "video-only.mp4");
    ffmpeg(["-i", REC, "-an", "-c", "copy", vonly]);
    const { one, shown } = play("/sdcard/video-only.mp4", [], "vonly");
    expect(one("EOS").stats).toMatchObject({ framesShown: 150, framesDropped: 0, clock: "system" });
    expect(shown.map((f) => f.stamp)).toEqual(truth.stamps);
    const offs = shown.map((f) => f.shownUs - truth.ptsOf.get(f.stamp)!);
    const mid = [...offs].sort((a, b) => a - b)[offs.length >> 1]!;
    expect(Math.max(...offs.map((o) => Math.abs(o - mid)))).toBeLessThanOrEqual(FRAME_US);
  }, 60_000);

  it("stop() mid-play releases it all; start() again plays the whole file from the beginning, in sync", () => {
    expectRestart(fileTruth(REC), play("/sdcard/rec.mp4", ["stop@1500", "start@2500"], "restart"));
  }, 60_000);

  it("an audio-only file plays every sample once, paced by the speaker's clock, and ends at its end", () => {
    expectAudioOnly(play("/sdcard/audio-only.mov", [], "aonly"));
  }, 60_000);

  it("a truncated MP4 plays to its last good frame and ends with an error event, not a crash", () => {
    const cut = join(sd, "cut.mp4");
    copyFileSync(REC, cut);
    truncateSync(cut, Math.floor(statSync(REC).size * 0.6));
    // What a real decoder makes of the same bytes: the frames whose data is all there.
    const good = grayFrames(cut, 320, 240).map((y) => readStamp(y, 320));
    const { one, shown, r } = play("/sdcard/cut.mp4", [], "cut");
    expect(one("INFO").info.warning).not.toBe("");
    expect(one("EOS")).toBeUndefined();
    const err = one("ERROR");
    expect(err).toMatchObject({ code: "ETRUNC" });
    expect(err.message).toContain("last good frame");
    const stamps = shown.map((f) => f.stamp);
    console.log(`player: truncated at 60%: ${stamps.length} frames shown (ffmpeg decodes ${good.length}), then "${err.message}"`);
    expect(stamps).toEqual(stamps.map((_, i) => i)); // from the first, in order, none twice
    expect(stamps.length).toBeGreaterThanOrEqual(good.length - 1);
    expect(stamps.length).toBeLessThanOrEqual(good.length);
    expect(r.status).toBe(0);
  }, 60_000);

  it("bad input: TypeError/RangeError naming the argument, coded errors for the wrong state", () => {
    const r = run("player-bad", []);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const cases = r.lines.filter((l) => l.tag === "CASE").map((l) => l.v);
    expect(cases.map((c) => [c.name, c.error, c.code ?? null])).toEqual([
      ["display HDMI", "RangeError", null],
      ["positionIntervalMs 5", "RangeError", null],
      ["start before load", "Error", "ESTATE"],
      ["load a missing file", "Error", "ENOENT"],
      ["load a text file", "Error", "EBADDATA"],
      ["load a number", "TypeError", null],
      ["pause before start", "Error", "ESTATE"],
      ["seek -1", "RangeError", null],
      ["seek past the end", "RangeError", null],
      ["seek \"1\"", "TypeError", null],
      ["start twice", "Error", "ESTATE"],
      ["on(\"end\")", "TypeError", null],
    ]);
    expect(cases.find((c) => c.name === "load a missing file").message).toContain("/sdcard/nope.mp4");
    expect(r.lines.find((l) => l.tag === "END")!.v).toEqual({ state: "loaded" });
  });

  it("the video-player example (CanMV's video_player.py) plays what mp4-record made", () => {
    const rec = run("mp4-record", ["/sdcard/test.mp4", "45"]);
    expect(rec.status, rec.stderr).toBe(0);
    const y4m = join(SINKS, "example.y4m");
    const r = spawnSync(RAISED[0]!, [...RAISED.slice(1), "--sdcard", sd, app("video-player")], {
      env: { ...process.env, K230JS_SIM_DISPLAY: `y4m:${y4m}`, K230JS_SIM_AUDIO_OUT: "none" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const frames = readShownY4m(y4m);
    expect([frames.width, frames.height]).toEqual([1280, 720]);
    // Every picture of the recording (the camera's stamps, gaps and all), once and in order.
    const truth = fileTruth(join(sd, "test.mp4"), 1280, 720);
    expect(truth.stamps.length).toBeGreaterThanOrEqual(45);
    expect(frames.frames.map((f) => f.stamp)).toEqual(truth.stamps);
    expect(r.stdout).toContain(`play over: ${truth.stamps.length} frames shown, 0 dropped`);
  }, 120_000);
});

// The same playback on hal/k230 (VDEC frames, VO picture insertion, the AO and its position
// model) over the MPP double, which enforces the vendor's call rules (test/mpp-double/README.md).
// An MPP where neither VO API compiles has no hal/k230 display (ports/k230/mpp.cmake): there a
// video must say so at start(), and audio alone still plays.
if (!GENERATIONS.length) console.log("SKIP: test/player.test.ts: K230_MPP_DIR is not set; the Player did not run on hal/k230 over the MPP double");
for (const gen of GENERATIONS) {
  describe(`Player on hal/k230 over the MPP double (${gen.env})`, () => {
    const runtime = () => join(doubleDir(gen), "k230js");
    const report = (name: string) => join(out, `${gen.build}-${name}.jsonl`);
    let display = true;
    beforeAll(async () => {
      await buildDouble(gen);
      if (!voApi(gen)) {
        display = false;
        console.log(`SKIP: test/player.test.ts: ${gen.env}: the MPP's mpi_vo_api.h declares neither VO API hal/k230 is written for, hal/k230 has no display there; video playback is not run, only its clear ENOTSUP`);
      }
    }, 900_000);

    it("plays every frame once, in order, at its time; seeks land; no rule broken, nothing left", (ctx) => {
      if (!display) return ctx.skip();
      const truth = fileTruth(REC);
      const plain = play("/sdcard/rec.mp4", [], `${gen.build}-plain`, { K230JS_DOUBLE_REPORT: report("video") }, runtime());
      expect(plain.one("EOS").stats).toMatchObject({ framesShown: 150, framesDropped: 0, clock: "audio" });
      expect(plain.shown.map((f) => f.stamp)).toEqual(truth.stamps);
      const offs = plain.shown.map((f) => f.shownUs - truth.ptsOf.get(f.stamp)!);
      const mid = [...offs].sort((a, b) => a - b)[offs.length >> 1]!;
      expect(Math.max(...offs.map((o) => Math.abs(o - mid)))).toBeLessThanOrEqual(FRAME_US);
      const ctl = play("/sdcard/rec.mp4", ["pause@1300", "resume@2300", "seek:0.5@3000"], `${gen.build}-control`, { K230JS_DOUBLE_REPORT: report("video") }, runtime());
      const seek = ctl.one("SEEK");
      const after = ctl.shown.filter((f) => f.shownUs >= seek.t + 5000);
      expect(truth.ptsOf.get(after[0]!.stamp)).toBeGreaterThanOrEqual(500_000);
      expect(truth.ptsOf.get(after[0]!.stamp)).toBeLessThan(500_000 + FRAME_US);
      expect(gaps(truth, after.map((f) => f.stamp))).toBeLessThanOrEqual(ctl.one("EOS").stats.framesDropped);
      expectClean(reports(report("video")));
    }, 120_000);

    it("stop() mid-play tears the decoder, display and AO down by the rules; start() again plays it all; nothing left", (ctx) => {
      if (!display) return ctx.skip();
      expectRestart(fileTruth(REC), play("/sdcard/rec.mp4", ["stop@1500", "start@2500"], `${gen.build}-restart`, { K230JS_DOUBLE_REPORT: report("restart") }, runtime()));
      expectClean(reports(report("restart")));
    }, 60_000);

    it("without a display in the build, a video's start() says ENOTSUP clearly, nothing left", (ctx) => {
      if (display) return ctx.skip();
      const r = run("player-play", ["/sdcard/rec.mp4"], { K230JS_DOUBLE_REPORT: report("nodisplay"), K230JS_SIM_AUDIO_OUT: "none" }, 60_000, runtime());
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("Player.start: cannot bring up the display: operation not supported");
      expectClean(reports(report("nodisplay")));
    });

    it("an audio-only file plays every sample once on the AO, paced by its position model; no rule broken, nothing left", () => {
      expectAudioOnly(play("/sdcard/audio-only.mov", [], `${gen.build}-aonly`, { K230JS_DOUBLE_REPORT: report("aonly") }, runtime()));
      expectClean(reports(report("aonly")));
    }, 60_000);
  });
}
