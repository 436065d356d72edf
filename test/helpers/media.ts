import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./run.js";

/** Test media is made at test time with Debian's ffmpeg and cached per run under build/test-media. */
export const MEDIA_DIR = join(ROOT, "build", "test-media");

export function ffmpeg(args: string[]): void {
  const r = spawnSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(" ")} failed: ${r.stderr}`);
}

/** Makes (once) a clip: testsrc video (+ sine audio), named by its recipe. */
export function makeClip(name: string, args: string[]): string {
  mkdirSync(MEDIA_DIR, { recursive: true });
  const out = join(MEDIA_DIR, name);
  if (existsSync(out)) return out;
  // Made under a temporary name so a failed or interrupted ffmpeg never leaves a cached stub.
  const tmp = join(MEDIA_DIR, `.partial-${process.pid}-${name}`);
  ffmpeg([...args, tmp]);
  renameSync(tmp, out);
  return out;
}

export const VIDEO_IN = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=3"];
export const AUDIO_IN = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=3"];
export const H264 = ["-c:v", "libx264", "-g", "30", "-bf", "0", "-pix_fmt", "yuv420p"];
export const H265 = ["-c:v", "libx265", "-x265-params", "log-level=error:bframes=0:keyint=30", "-pix_fmt", "yuv420p"];

export interface ProbePacket {
  stream: number;
  ptsUs: number;
  key: boolean;
  size: number;
}

/** ffprobe's packet list (decode order within each stream), pts converted to µs. */
export function probePackets(file: string): ProbePacket[] {
  const r = spawnSync(
    "ffprobe",
    ["-v", "error", "-show_entries", "packet=stream_index,pts_time,flags,size", "-of", "json", file],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as { packets: { stream_index: number; pts_time: string; flags: string; size: string }[] };
  return json.packets.map((p) => ({
    stream: p.stream_index,
    ptsUs: Math.round(Number(p.pts_time) * 1e6),
    key: p.flags.startsWith("K"),
    size: Number(p.size),
  }));
}

export function probeStreams(file: string): { codec_name: string; codec_type: string; width?: number; height?: number; sample_rate?: string; channels?: number }[] {
  const r = spawnSync("ffprobe", ["-v", "error", "-show_streams", "-of", "json", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  return JSON.parse(r.stdout).streams;
}

/** Decodes the whole file with ffmpeg; returns what it printed at -v error (empty = clean). */
export function decodeErrors(file: string): string {
  const r = spawnSync("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" });
  return (r.stderr + (r.status === 0 ? "" : `exit ${r.status}`)).trim();
}

/** The pattern sensor's frame stamp (firmware/hal/host/stamp.c) read from a gray picture. */
export function readStamp(y: Uint8Array, width: number): number {
  const cw = Math.floor(width / 24);
  let word = 0;
  for (let cell = 0; cell < 24; cell++) {
    let sum = 0;
    let n = 0;
    for (let r = 4; r < 12; r++)
      for (let x = cell * cw + Math.floor(cw / 4); x < cell * cw + Math.floor((cw * 3) / 4); x++) {
        sum += y[r * width + x]!;
        n++;
      }
    word = (word << 1) | (sum / n > 128 ? 1 : 0);
  }
  const c = word >>> 8;
  return ((c ^ (c >> 8) ^ 0xa5) & 0xff) === (word & 0xff) ? c : -1;
}

/** Every picture of a video file as yuv420p (Y, then U, then V), decoded by ffmpeg: one per coded
 * frame of the first video stream (no frame-rate conversion). */
export function yuvFrames(file: string, w: number, h: number): Uint8Array[] {
  const r = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-map", "0:v:0", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"], { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ffmpeg decoding ${file} failed: ${r.stderr}`);
  const frames = [];
  const size = (w * h * 3) / 2;
  for (let o = 0; o + size <= r.stdout.length; o += size) frames.push(new Uint8Array(r.stdout.buffer, r.stdout.byteOffset + o, size));
  return frames;
}

/** The Y planes of a video file's pictures ("gray" would rescale limited-range luma to full range). */
export function grayFrames(file: string, w: number, h: number): Uint8Array[] {
  return yuvFrames(file, w, h).map((f) => f.subarray(0, w * h));
}

/** PSNR in dB of two same-sized pictures (99 when identical). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return se === 0 ? 99 : 10 * Math.log10((255 * 255 * a.length) / se);
}

/** BT.601 limited-range YUV -> RGB (the simulator's conversion, hal/host/yuv.c). */
export function yuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const c = y - 16, d = u - 128, e = v - 128;
  const clamp = (x: number) => Math.max(0, Math.min(255, x));
  return [clamp((298 * c + 409 * e + 128) >> 8), clamp((298 * c - 100 * d - 208 * e + 128) >> 8), clamp((298 * c + 516 * d + 128) >> 8)];
}

/** What test/apps/sensor-alignment.ts prints on every backend: 320x250 NV12 (80000 bytes of Y)
 * has its UV plane at 81920 by default (12), 80000 with alignment 0, 80128 with 8; the encoder
 * takes the 12-aligned channel and refuses the other with a reason. */
export const SENSOR_ALIGNMENT = {
  frames: [
    { chn: 0, uvOffset: 81920, strides: [320, 320], colour: true },
    { chn: 1, uvOffset: 80000, strides: [320, 320], colour: true },
    { chn: 2, uvOffset: 80128, strides: [320, 320], colour: true },
  ],
  link: {
    0: "ok",
    1: "EINVAL: MediaManager.link: cannot bind sensor 0/1 to venc 0/0: invalid argument (an encoder takes NV12 pictures of its own size; a camera channel with alignment 12)",
  },
};
