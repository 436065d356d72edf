// The JS behaviour tests that need no codec, run on the static riscv64 build under qemu-riscv64
// (the board's ISA; the build has no FFmpeg, so nothing here may depend on hal/host codecs) and
// compared byte for byte with the host build: k230:sys, MP4 demux of ffmpeg-made files, MP4
// remux in every muxer mode, from source and from host-made bytecode.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AUDIO_IN, H264, H265, makeClip, VIDEO_IN } from "./helpers/media.js";
import { cli, ROOT, runtime, tempDir, type Result } from "./helpers/run.js";

const out = tempDir("riscv64");
const js = (name: string) => join(out, `${name}.js`);
const bin = (name: string) => join(out, `${name}.bin`);

beforeAll(() => {
  for (const name of ["sys-demo", "mp4-packets", "mp4-remux"]) {
    const r = cli(["build", join(ROOT, "test", "apps", `${name}.ts`), "-o", js(name), "--bytecode"]);
    expect(r.status, r.stderr).toBe(0);
  }
}, 120_000);

function ok(r: Result, what: string): string {
  expect(r.stderr, `${what}: stderr`).toBe("");
  expect(r.status, `${what}: exit status`).toBe(0);
  return r.stdout;
}

/** Same app, same args: host vs riscv64, source and bytecode; returns the host output. */
function same(app: string, args: string[]): string {
  const host = ok(runtime("host", [js(app), ...args]), `host ${app}`);
  expect(host.length, "the host produced output").toBeGreaterThan(0);
  expect(ok(runtime("riscv64", [js(app), ...args]), `riscv64 ${app}`)).toBe(host);
  expect(ok(runtime("riscv64", [bin(app), ...args]), `riscv64 ${app} bytecode`)).toBe(host);
  return host;
}

describe("riscv64 (qemu) gives the host's output exactly", () => {
  it("k230:sys demo", () => {
    const o = same("sys-demo", ["x", "y"]);
    expect(o).toContain("args: x y");
  });

  const clips: Record<string, string[]> = {
    "h264.mp4": [...VIDEO_IN, ...H264, "-f", "mp4"],
    "h265.mp4": [...VIDEO_IN, ...H265, "-tag:v", "hvc1", "-f", "mp4"],
    "h264+alaw.mov": [...VIDEO_IN, ...AUDIO_IN, ...H264, "-c:a", "pcm_alaw", "-f", "mov"],
    "h264-frag.mp4": [...VIDEO_IN, ...H264, "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4"],
  };
  for (const [name, recipe] of Object.entries(clips)) {
    it(`Mp4Demuxer packet list of an ffmpeg ${name}`, () => {
      const file = makeClip(name, recipe);
      const o = same("mp4-packets", [file]);
      expect(o.trim().split("\n").length, "tracks line + packets").toBeGreaterThan(80);
      same("mp4-packets", [file, "--seek", "1500000"]);
    });
  }

  for (const mode of ["fragmented", "indexed", "faststart"]) {
    it(`Mp4Muxer remux (${mode}) writes the same bytes`, () => {
      const input = makeClip("h264+alaw.mov", clips["h264+alaw.mov"]!);
      const h = join(out, `host-${mode}.mp4`), r = join(out, `rv-${mode}.mp4`), rb = join(out, `rvb-${mode}.mp4`);
      const host = ok(runtime("host", [js("mp4-remux"), input, h, mode]), "host remux");
      expect(ok(runtime("riscv64", [js("mp4-remux"), input, r, mode]), "riscv64 remux")).toBe(host);
      expect(ok(runtime("riscv64", [bin("mp4-remux"), input, rb, mode]), "riscv64 remux bytecode")).toBe(host);
      const hb = readFileSync(h);
      expect(hb.length).toBeGreaterThan(10_000);
      expect(readFileSync(r).equals(hb), "riscv64 file == host file").toBe(true);
      expect(readFileSync(rb).equals(hb), "riscv64 bytecode file == host file").toBe(true);
      // and what was written reads back identically on both
      expect(same("mp4-packets", [r])).toBe(same("mp4-packets", [h]));
    });
  }
});
