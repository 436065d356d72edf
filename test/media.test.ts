// k230:media and Mp4Recorder from JS on the simulator, checked against ffmpeg/ffprobe.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeErrors, ffmpeg, grayFrames, H264, makeClip, probePackets, readStamp, SENSOR_ALIGNMENT, VIDEO_IN } from "./helpers/media.js";
import { cli, HOST_RUNTIME, ROOT, runtime, tempDir } from "./helpers/run.js";

const out = tempDir("media");
const sd = join(out, "sd");
mkdirSync(sd, { recursive: true });
const app = (name: string) => join(out, `${name}.js`);
const run = (name: string, args: string[]) => {
  const r = runtime("host", ["--sdcard", sd, app(name), ...args]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout.trim().split("\n");
};

beforeAll(() => {
  for (const name of ["media-encode", "media-decode", "media-bad", "media-record-twice", "media-fanout", "pipe-join", "sensor-alignment", "record-losses", "annexb-units", "audio-pipe-reset"]) {
    const r = cli(["build", join(ROOT, "test", "apps", `${name}.ts`), "-o", app(name)]);
    expect(r.status, r.stderr).toBe(0);
  }
  const r = cli(["build", join(ROOT, "examples", "mp4-record", "main.ts"), "-o", app("mp4-record")]);
  expect(r.status, r.stderr).toBe(0);
});

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return se === 0 ? 99 : 10 * Math.log10((255 * 255 * a.length) / se);
}

describe("Encoder (sensor -> venc, getStream/releaseStream)", () => {
  const cases = [
    { codec: "h264", stall: 0, name: "h264" },
    { codec: "h265", stall: 0, name: "h265" },
    { codec: "h264", stall: 1000, name: "h264, consumer stalled 1 s (the encoder drops input)" },
  ] as const;
  for (const { codec, stall, name } of cases) {
    it(`${name}: header then IDR, exact pts, decodes cleanly, stamps in order, nothing held`, () => {
      const file = join(sd, `enc-${stall}.${codec}`);
      const lines = run("media-encode", [`/sdcard/enc-${stall}.${codec}`, codec, "45", "320x240", String(stall)]);
      const streams = lines.slice(0, -1).map((l) => JSON.parse(l) as { seq: number; types: string[]; pts: number[] });
      const stats = JSON.parse(lines.at(-1)!);
      expect(streams).toHaveLength(45);
      expect(streams[0]!.types).toEqual(["header", "i"]);
      streams.forEach((s, i) => {
        expect(s.seq).toBe(i);
        expect(s.types.at(-1)).toBe(i % 30 === 0 ? "i" : "p");
        if (i % 30 === 0) expect(s.types[0]).toBe("header");
      });
      // pts are the sensor's: frame n at floor(n * 1e6 / 30) µs. The sensor runs in real time:
      // on a starved machine (2 CI cores, ASan) the encoder drops input frames as the board
      // would, so n comes from the picture's own stamp, never from its index.
      const pts = streams.map((s) => s.pts.at(-1)!);
      expect(stats.total).toBe(0);
      expect(stats.streamBytesCopied).toBe(0);
      expect(decodeErrors(file)).toBe("");
      const frames = grayFrames(file, 320, 240);
      expect(frames).toHaveLength(45);
      const stamps = frames.map((f) => readStamp(f, 320));
      expect(stamps[0]).toBe(0);
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).toBeGreaterThan(stamps[i - 1]!);
      expect(pts).toEqual(stamps.map((n) => Math.floor((n * 1e6) / 30)));
      // Gaps only where the HAL says it dropped: none without drops, at most `dropped` in all.
      const gaps = stamps.at(-1)! + 1 - stamps.length;
      if (stats.dropped === 0) expect(gaps).toBe(0);
      else expect(gaps).toBeLessThanOrEqual(stats.dropped);
      if (stall) expect(gaps).toBeGreaterThan(0); // 30 frames arrive while 6 stream buffers wait
    });
  }
});

describe("Encoder fan-out (one encoder, several pipeTo targets)", () => {
  it("every pipe gets every frame; a failing target or a closed pipe leaves the others running; a late pipe starts at an IDR", () => {
    const r = JSON.parse(run("media-fanout", ["/sdcard", "20", "60"])[0]!);
    expect(r.samePipeTwice).toBe("EBUSY");
    expect(r.getStreamWhilePiped).toBe("EBUSY");
    expect(r.errors).toEqual({ A: [], B: [], C: ["ECLOSED"] });
    expect(r.messageC).toBe("pipe: the target (Mp4Muxer) failed: object is closed"); // the target names itself
    expect(r.closed).toEqual([true, true, true, true]);
    expect(r.held).toBe(0);
    // A and B were fed the same streams, in the same loop turns, until A was closed.
    expect(r.atCloseA).toBe(r.atCloseB);
    expect(r.a.frames).toBe(r.atCloseA);
    expect(r.b.frames).toBeGreaterThanOrEqual(60);
    expect([r.a.errors, r.b.errors, r.c.errors, r.d.errors]).toEqual([0, 0, 1, 0]);
    expect(r.n).toEqual({ frames: r.b.frames, bytes: r.b.bytes, errors: 0, sinkFrames: r.b.frames, sinkBytes: r.b.bytes });
    const [a, b, c, d] = ["A", "B", "C", "D"].map((n) => probePackets(join(sd, `fan${n}.mp4`)).filter((p) => p.stream === 0));
    expect(a!.length).toBe(r.a.frames);
    expect(b!.length).toBe(r.b.frames);
    expect(c!.length).toBe(r.c.frames);
    expect(d!.length).toBe(r.d.frames);
    const shape = (p: { size: number; key: boolean }) => [p.size, p.key];
    expect(a!.map(shape)).toEqual(b!.slice(0, a!.length).map(shape));
    // D joined a running encoder: it starts on the IDR it requested, within the stream buffers
    // already encoded, and from there on gets what B gets.
    expect(d![0]!.key).toBe(true);
    expect(d!.length).toBeGreaterThanOrEqual(r.b.frames - r.atJoinD - 6);
    expect(d!.map(shape)).toEqual(b!.slice(b!.length - d!.length).map(shape));
    for (const n of ["A", "B", "D"]) expect(decodeErrors(join(sd, `fan${n}.mp4`))).toBe("");
  });
});

describe("the pipe's keyframe gate (the only one: targets have none of their own)", () => {
  it("a pipe joining mid-GOP with P pictures waiting starts every target at the next IDR", () => {
    const r = JSON.parse(run("pipe-join", ["/sdcard", "40"])[0]!);
    expect(r.types).toEqual(["header+i", "p"]);
    expect(r.waiting).toBeGreaterThanOrEqual(2); // P pictures were queued when the pipes joined
    expect(r.errors).toEqual([]); // an Mp4Muxer fed a P picture first fails with ESTATE
    expect(r.muxer).toBeGreaterThanOrEqual(40);
    expect(r.nullSink).toBe(r.muxer); // the NullSink skipped the same pictures
    const file = join(sd, "join.mp4");
    const flags = spawnSync("ffprobe", ["-v", "error", "-fflags", "+noparse", "-show_entries", "packet=flags", "-of", "csv=p=0", file], { encoding: "utf8" }).stdout.trim().split("\n");
    expect(flags.length).toBe(r.muxer);
    expect(flags[0]).toMatch(/^K/);
    expect(decodeErrors(file)).toBe("");
  });
});

describe("MediaManager.resetAll with a microphone piped", () => {
  it("halts the pipe before it closes the input (it was read after being freed), the app ends, the file keeps its audio", () => {
    const r = JSON.parse(run("audio-pipe-reset", ["/sdcard"])[0]!);
    expect(r.released).toBe(1); // the microphone
    expect(r.errors).toEqual([]); // a reset halts quietly, as it does the encoder's pipes
    const probe = spawnSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,duration", "-of", "csv=p=0", join(sd, "reset-audio.mp4")], { encoding: "utf8" });
    expect(probe.stderr).toBe("");
    const [codec, duration] = probe.stdout.trim().split(",");
    expect(codec).toBe("pcm_alaw");
    expect(Number(duration)).toBeGreaterThan(0.1); // what came before the reset
  });
});

describe("Decoder", () => {
  it("40 KB chunks and the whole file give identical frames; they match ffmpeg's decode (PSNR > 35 dB)", () => {
    const clip = makeClip("dec-320x240.264", [...VIDEO_IN, ...H264, "-f", "h264"]);
    ffmpeg(["-i", clip, "-c", "copy", join(sd, "in.264")]);
    const a = JSON.parse(run("media-decode", ["/sdcard/in.264", "h264", "40960", "/sdcard/a.y"])[0]!);
    const b = JSON.parse(run("media-decode", ["/sdcard/in.264", "h264", "0", "/sdcard/b.y"])[0]!);
    expect(a).toEqual({ frames: 90, errors: 0, held: 0 });
    expect(b.frames).toBe(90);
    const ya = readFileSync(join(sd, "a.y"));
    expect(ya.equals(readFileSync(join(sd, "b.y")))).toBe(true);
    const ref = grayFrames(clip, 320, 240);
    expect(ref).toHaveLength(90);
    ref.forEach((f, i) => expect(psnr(new Uint8Array(ya.buffer, ya.byteOffset + i * f.length, f.length), f)).toBeGreaterThan(35));
  });
});

describe("AnnexBReader (access units of a raw stream, split in C)", () => {
  /** ffprobe's packets of a raw stream (its parser's access units) in stream order. */
  function probeUnits(file: string): { offset: number; size: number; key: boolean }[] {
    const r = spawnSync("ffprobe", ["-v", "error", "-show_entries", "packet=pos,size,flags", "-of", "json", file], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const bytes = readFileSync(file);
    const units = (JSON.parse(r.stdout).packets as { pos: string; size: string; flags: string }[]).map((p) => ({
      offset: Number(p.pos),
      size: Number(p.size),
      key: p.flags.startsWith("K"),
    }));
    // FFmpeg's HEVC parser ends a packet after the next start code's zero_byte; H.264 Annex B.1
    // (and H.265's) makes that byte part of the next NAL unit, as its H.264 parser and we do.
    units.forEach((u, i) => {
      const next = units[i + 1];
      const end = u.offset + u.size;
      if (next && next.offset === end && bytes[end - 1] === 0 && bytes.subarray(end, end + 3).equals(Buffer.from([0, 0, 1]))) {
        u.size--;
        next.offset--;
        next.size++;
      }
    });
    return units;
  }

  const streams = {
    "B-frames, 3 slices": { name: "au-bf-slices.264", args: ["-c:v", "libx264", "-bf", "2", "-x264-params", "slices=3", "-f", "h264"] },
    "AUD NAL units": { name: "au-aud.264", args: ["-c:v", "libx264", "-x264-params", "aud=1", "-f", "h264"] },
    "H.265, 2 slice segments": { name: "au-slices.265", args: ["-c:v", "libx265", "-x265-params", "log-level=error:slices=2", "-f", "hevc"] },
  };
  for (const [label, { name, args }] of Object.entries(streams)) {
    it(`${label}: the same units as ffprobe's packets (offset, size, key), from a file, a pipe, a buffer and a view, zero-copy`, () => {
      const file = makeClip(name, ["-f", "lavfi", "-i", "testsrc=size=640x360:rate=30:duration=2", "-g", "20", "-pix_fmt", "yuv420p", ...args]);
      const want = probeUnits(file);
      expect(want).toHaveLength(60);
      // A file is mapped; a pipe cannot be, and is read (the reader's read() path).
      for (const source of ["file", "pipe", "buffer", "view"]) {
        let path = file;
        let writer;
        if (source === "pipe") {
          path = join(out, `pipe-${name}`);
          if (!existsSync(path)) expect(spawnSync("mkfifo", [path]).status).toBe(0);
          writer = spawn("sh", ["-c", 'exec cat "$0" > "$1"', file, path]);
        }
        const lines = run("annexb-units", ["units", path, source === "pipe" ? "file" : source]);
        writer?.kill();
        expect(lines.at(-1)).toBe(`end 60 ${name.endsWith(".265") ? "h265" : "h264"} true`);
        const got = lines.slice(0, -1).map((l) => {
          const [offset, size, key] = l.split(",");
          return { offset: Number(offset), size: Number(size), key: key === "K" };
        });
        expect(got).toEqual(want);
      }
    });
  }

  it("Mp4Muxer.writeFrame of a file's units (the splitter's NAL table, read-only units) writes the file a search gives; changed bytes are searched", () => {
    for (const [label, { name, args }] of Object.entries(streams)) {
      const file = makeClip(name, ["-f", "lavfi", "-i", "testsrc=size=640x360:rate=30:duration=2", "-g", "20", "-pix_fmt", "yuv420p", ...args]);
      const sliced = label !== "AUD NAL units";
      for (const source of ["file", "buffer"]) {
        const prefix = `mux-${name}-${source}`;
        const lines = run("annexb-units", ["mux", file, source, `/sdcard/${prefix}`]);
        const [, frames, , changed, , immutable] = lines.at(-1)!.split(" ");
        expect(Number(frames)).toBe(60);
        expect(immutable).toBe(source === "file" ? "yes" : "-");
        const bytes = (k: string) => readFileSync(join(sd, `${prefix}-${k}.mp4`));
        expect(bytes("unit").equals(bytes("copy")), `${name} ${source}: table vs search`).toBe(true);
        expect(bytes("forms").equals(bytes("copy")), `${name} ${source}: every argument form`).toBe(true);
        // A buffer's unit changed after it was split: the muxer searches the bytes it is given.
        expect(Number(changed)).toBe(source === "buffer" && sliced ? 60 : 0);
        expect(bytes("changed").equals(bytes("changed-copy")), `${name} ${source}: changed unit`).toBe(true);
        if (Number(changed)) expect(bytes("changed").equals(bytes("unit"))).toBe(false);
      }
    }
  });

  it("a file of 34 MB (made present ahead and unmapped behind in steps of MiBs) gives the units a buffer of it gives, byte for byte", () => {
    const file = makeClip("au-noise.264", ["-f", "lavfi", "-i", "testsrc=size=640x360:rate=30:duration=3", "-vf", "noise=alls=60:allf=t", "-g", "20", "-pix_fmt", "yuv420p",
      "-c:v", "libx264", "-preset", "ultrafast", "-qp", "8", "-f", "h264"]);
    expect(readFileSync(file).length).toBeGreaterThan(32 << 20);
    for (const source of ["file", "buffer"]) expect(run("annexb-units", ["mux", file, source, `/sdcard/big-${source}`]).at(-1)).toMatch(/^frames 90 /);
    const unit = (source: string) => readFileSync(join(sd, `big-${source}-unit.mp4`));
    expect(unit("file").equals(unit("buffer"))).toBe(true);
  });

  it("misuse: clear errors with codes; an oversized unit is skipped once and reading goes on", () => {
    const file = makeClip("au-bf-slices.264", []);
    const lines = run("annexb-units", ["bad", file]);
    const sizes = probeUnits(file).map((u) => u.size);
    const small = sizes.filter((n) => n <= 1024).length;
    expect(small).toBeGreaterThan(0);
    expect(lines).toEqual([
      "missing Error ENOENT",
      "number TypeError -",
      "codec RangeError -",
      "size RangeError -",
      `limited ${small} ${sizes.length - small}`,
      "closed Error ECLOSED",
      "detached Error ESTATE",
      "empty ok",
    ]);
  });
});

describe("bad input", () => {
  it("clear errors with codes, no crash, nothing held", () => {
    const r = JSON.parse(run("media-bad", [])[0]!);
    expect(r).toEqual({
      encoderOddSize: "Error:EINVAL",
      encoderBadCodec: "RangeError:",
      sensorTooBig: "Error:EINVAL",
      bindRgbToVenc: "Error:EINVAL",
      garbage: "ok",
      closedEncoder: "Error:ECLOSED",
      closedSensor: "Error:ECLOSED",
      releaseForeign: "TypeError:",
      held: 0,
    });
  });
});

describe("camera channel alignment (CanMV set_framesize(alignment=))", () => {
  it("places the UV plane as asked; the encoder takes a 12-aligned channel only", () => {
    expect(JSON.parse(run("sensor-alignment", [])[0]!)).toEqual(SENSOR_ALIGNMENT);
  });
});

describe("Mp4Recorder", () => {
  it("records twice in one runtime; ffprobe sees exactly the frames recorded; reset frees a leaked pipeline", () => {
    const r = JSON.parse(run("media-record-twice", ["/sdcard", "40"])[0]!);
    expect(r.afterRecord).toBe(0);
    expect(r.leaked).toBeGreaterThan(0);
    expect(r.afterReset).toBe(0);
    expect(r.detached).toBe(0);
    expect(r.closedCode).toBe("ECLOSED");
    for (let i = 0; i < 2; i++) {
      const file = join(sd, `rec${i}.mp4`);
      const pk = probePackets(file);
      const video = pk.filter((p) => p.stream === 0);
      expect(video.length).toBe(r.results[i].frames);
      expect(pk.filter((p) => p.stream === 1).length).toBe(r.results[i].audioFrames);
      expect(video[0]!.key).toBe(true);
      expect(decodeErrors(file)).toBe("");
    }
  });

  it("a recording left running does not keep the app alive; the file is finished at exit and plays", () => {
    const file = join(sd, "left.mp4");
    const r = runtime("host", [
      "--sdcard",
      sd,
      "-e",
      `import { Mp4Recorder } from "k230:mp4";
       const rec = new Mp4Recorder({ file: "/sdcard/left.mp4", video: { width: 320, height: 240 }, audio: { codec: "alaw" } });
       rec.start();
       while (rec.process() < 10) {}
       console.log("left running");`,
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0); // not killed by the 60 s timeout
    expect(r.stdout.trim()).toBe("left running");
    expect(probePackets(file).filter((p) => p.stream === 0).length).toBeGreaterThanOrEqual(10);
    expect(decodeErrors(file)).toBe("");
  });

  it("kill -9 during a recording leaves a file that plays up to its last fragment", async () => {
    const child = spawn(HOST_RUNTIME, ["--sdcard", sd, app("mp4-record"), "/sdcard/killed.mp4", "100000"], { stdio: "ignore" });
    // Kill once a few fragments are on the card: a fixed delay is too short on a starved machine
    // (x265 at 720p runs below real time under load), and the point is the cut, not the timing.
    const file = join(sd, "killed.mp4");
    const fragments = () => (existsSync(file) ? readFileSync(file).toString("latin1").split("moof").length - 1 : 0);
    for (let waited = 0; fragments() < 3 && waited < 25_000; waited += 200) await new Promise((res) => setTimeout(res, 200));
    expect(fragments()).toBeGreaterThanOrEqual(3);
    child.kill("SIGKILL");
    await new Promise((res) => child.on("exit", res));
    const pk = probePackets(join(sd, "killed.mp4"));
    expect(pk.filter((p) => p.stream === 0).length).toBeGreaterThan(10);
    const errs = decodeErrors(join(sd, "killed.mp4"))
      .split("\n")
      .filter((l) => l && !/trun|moof|fragment|Invalid data|End of file|exit/i.test(l));
    expect(errs).toEqual([]);
  }, 60_000);
});

// The simulated sensor only: on a board the sensor is clocked by hardware (late stays 0), so the
// MPP double's run of the "Mp4Recorder" cases leaves this out.
describe("recording losses on a CPU-starved simulated sensor", () => {
  it("counts the camera frames it loses and those a CPU-starved simulated sensor makes late", () => {
    // 100x the frame rate: the simulated camera outruns the encoder (drops) and the host (late).
    const r = cli(["run", app("record-losses"), "--sdcard", sd, "--", "/sdcard/losses.mp4", "60"], ROOT, { K230JS_SIM_SENSOR_PACE: "100" });
    expect(r.stderr).toBe("");
    const { during, final, after } = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(during.dropped).toBeGreaterThan(0);
    expect(during.late).toBeGreaterThan(0);
    expect(final.dropped).toBeGreaterThanOrEqual(during.dropped);
    expect(final.late).toBeGreaterThanOrEqual(during.late);
    expect(after).toEqual(final); // kept once the camera and the encoder are gone
    expect(probePackets(join(sd, "losses.mp4")).filter((p) => p.stream === 0).length).toBe(final.frames);
  }, 60_000);
});
