/** Self-test rows of the media blocks: the camera, the video encoder, the display. */
import { Display, Encoder, MediaManager, Sensor, type Frame, type Link } from "k230:media";
import { exitpoint, sleepMs, ticksMs } from "k230:sys";
import { fail, mb, type Check } from "./check.js";

export const sensor: Check = () => {
  const s = new Sensor();
  let frame: Frame | null = null;
  try {
    const info = s.info();
    s.setFramesize({ width: 640, height: 480 });
    s.setPixformat(Sensor.YUV420SP);
    const t0 = ticksMs();
    s.run();
    frame = s.snapshot({ timeoutMs: 3000 });
    const firstMs = ticksMs() - t0;
    if (frame.width !== 640 || frame.height !== 480 || frame.format !== "NV12")
      fail("EBADDATA", `asked for 640x480 NV12, got ${frame.width}x${frame.height} ${frame.format}`);
    const y = new Uint8Array(frame.data, 0, frame.strides[0]! * frame.height);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < y.length; i += 61, n++) sum += y[i]!;
    const luma = Math.round(sum / n);
    return {
      text: `${info.name}, ${info.width}x${info.height}@${info.fps}; first 640x480 frame in ${firstMs} ms (mean luma ${luma})`,
      figures: { name: info.name, width: info.width, height: info.height, fps: info.fps, firstFrameMs: firstMs, meanLuma: luma },
    };
  } finally {
    frame?.release();
    s.close();
  }
};

const WIDTH = 1280;
const HEIGHT = 720;
const SECONDS = 2;
const WARMUP_MS = 500;

/** The first NAL of the first pack must be the stream's first parameter set (SPS / VPS). */
function firstNalType(data: ArrayBuffer, codec: "h264" | "h265"): number {
  const b = new Uint8Array(data);
  let i = 0;
  while (i + 3 < b.length && !(b[i] === 0 && b[i + 1] === 0 && (b[i + 2] === 1 || (b[i + 2] === 0 && b[i + 3] === 1)))) i++;
  const h = b[i + 2] === 1 ? i + 3 : i + 4;
  if (h >= b.length) return -1;
  return codec === "h264" ? b[h]! & 0x1f : (b[h]! >> 1) & 0x3f;
}

/**
 * Camera -> encoder, bound as apps do. The first picture must open with the parameter sets.
 * Then the pictures of SECONDS of camera time (by their timestamps, after a 0.5 s warm-up) are
 * counted, so a backlog queued while the encoder started cannot pass for speed: fps is what the
 * encoder keeps up with (at most the camera's 30); the camera frames it could not take show as
 * drops.
 */
function encode(codec: "h264" | "h265"): Check {
  return () => {
    const s = new Sensor({ width: 1920, height: 1080, fps: 30 });
    let enc: Encoder | null = null;
    let link: Link | null = null;
    try {
      s.setFramesize({ width: WIDTH, height: HEIGHT });
      s.setPixformat(Sensor.YUV420SP);
      enc = new Encoder({ codec, width: WIDTH, height: HEIGHT, bitrate: 4000 });
      link = MediaManager.link(s.bindInfo().src, enc);
      enc.start();
      const t0 = ticksMs();
      s.run();
      let frames = 0;
      let bytes = 0;
      let firstMs = -1;
      let from = 0; // the counted window of timestamps: [from, to)
      let to = 0;
      let deadline = t0 + 10_000; // for the first picture; then for the window to pass
      let droppedBefore = 0;
      for (let done = false; !done && ticksMs() < deadline; ) {
        exitpoint();
        const st = enc.getStream(250);
        if (!st) continue;
        try {
          const pts = st.packs[st.packs.length - 1]?.ptsUs ?? 0;
          if (firstMs < 0) {
            firstMs = ticksMs() - t0;
            from = pts + WARMUP_MS * 1000;
            to = from + SECONDS * 1e6;
            deadline = ticksMs() + WARMUP_MS + SECONDS * 1000 + 3000;
            droppedBefore = enc.status().droppedFrames + s.stats().dropped;
            const want = codec === "h264" ? 7 : 32;
            const got = st.packs[0] ? firstNalType(st.packs[0].data, codec) : -1;
            if (st.packs[0]?.type !== "header" || got !== want)
              fail("EBADDATA", `the first picture does not open with the ${codec === "h264" ? "SPS" : "VPS"} (pack ${st.packs[0]?.type}, NAL type ${got})`);
          } else if (pts >= to) {
            done = true;
          } else if (pts >= from) {
            frames++;
            for (const p of st.packs) bytes += p.data.byteLength;
          }
        } finally {
          enc.releaseStream(st);
        }
      }
      if (firstMs < 0) fail("ETIMEDOUT", `no ${codec} picture within 10 s of starting the camera`);
      const dropped = enc.status().droppedFrames + s.stats().dropped - droppedBefore;
      const fps = Number((frames / SECONDS).toFixed(1));
      return {
        text: `${WIDTH}x${HEIGHT}: ${frames} pictures in ${SECONDS} s = ${fps.toFixed(1)} fps, ${mb(bytes)}; first after ${firstMs} ms${dropped ? `; ${dropped} camera frame${dropped === 1 ? "" : "s"} dropped` : ""}`,
        figures: { width: WIDTH, height: HEIGHT, frames, seconds: SECONDS, fps, bytes, firstMs, droppedFrames: dropped },
      };
    } finally {
      s.stop();
      link?.destroy();
      enc?.close();
      s.close();
    }
  };
}

export const h264 = encode("h264");
export const h265 = encode("h265");

export const display: Check = ({ display: type }) => {
  Display.init(type === "VIRT" ? Display.VIRT : type, type === "VIRT" ? { width: 640, height: 480 } : {});
  let shot: Frame | null = null;
  try {
    const info = Display.info();
    // A 64x64 opaque image on OSD0, its left half white and its right half black: the composed
    // screen must show both halves, whatever the background is.
    const img = new Uint8Array(64 * 64 * 4);
    for (let p = 0; p < 64 * 64; p++) {
      const v = p % 64 < 32 ? 255 : 0;
      img.set([v, v, v, 255], p * 4); // B, G, R, A
    }
    const t0 = ticksMs();
    Display.showImage({ width: 64, height: 64, format: "ARGB8888", data: img }, { x: 0, y: 0, layer: Display.LAYER_OSD0 });
    while (Display.info().framesComposed === 0 && ticksMs() - t0 < 3000) {
      exitpoint();
      sleepMs(10);
    }
    const composedMs = ticksMs() - t0;
    shot = Display.writeback();
    if (!shot) fail("ETIMEDOUT", `nothing composed within 3 s of showing an image on ${type}`);
    if (shot.width !== info.width || shot.height !== info.height)
      fail("EBADDATA", `writeback is ${shot.width}x${shot.height}, the display ${info.width}x${info.height}`);
    const y = new Uint8Array(shot.data, 0, shot.strides[0]! * shot.height);
    const white = y[32 * shot.strides[0]! + 16]!;
    const black = y[32 * shot.strides[0]! + 48]!;
    if (white < 200 || black > 60)
      fail("EBADDATA", `the composed screen does not show the image (luma ${white} where it is white, ${black} where black)`);
    return {
      text: `${type} ${info.width}x${info.height}@${info.fps}; an OSD image composed in ${composedMs} ms and read back`,
      figures: { type, width: info.width, height: info.height, fps: info.fps, composedMs },
    };
  } finally {
    shot?.release();
    Display.deinit();
  }
};
