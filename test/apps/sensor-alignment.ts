// CanMV's `alignment` for camera channels: chn 0 by default, chn 1 with 0, chn 2 with 8, all
// 320x250 NV12; one snapshot each (uvOffset, strides, whether the UV plane holds colour); the
// encoder takes the 12-aligned channel and refuses the one with 0. Prints one JSON line.
import { Encoder, MediaManager, Sensor } from "k230:media";

const sensor = new Sensor({ width: 640, height: 480 });
sensor.setFramesize({ width: 320, height: 250, chn: 0 });
sensor.setFramesize({ width: 320, height: 250, chn: 1, alignment: 0 });
sensor.setFramesize({ width: 320, height: 250, chn: 2, alignment: 8 });
// Before run, as CanMV does: on the 2024 MPP the encoder's buffers are claimed before VB starts.
const encoder = new Encoder({ codec: "h264", width: 320, height: 250 });
sensor.run();
const frames = [];
for (let chn = 0; chn < 3; chn++) {
  const f = sensor.snapshot({ chn, timeoutMs: 2000 });
  const uv = new Uint8Array(f.data, f.uvOffset, (f.width * f.height) / 2);
  let colour = 0;
  for (let i = 0; i < uv.length; i++) if (uv[i] !== 128) colour++;
  frames.push({ chn, uvOffset: f.uvOffset, strides: f.strides.slice(0, 2), colour: colour > uv.length / 10 });
  f.release();
}
sensor.stop();
const link: Record<string, string> = {};
for (const chn of [1, 0]) {
  try {
    MediaManager.link(sensor.bindInfo({ chn }).src, encoder).destroy();
    link[chn] = "ok";
  } catch (e) {
    link[chn] = `${(e as Error & { code?: string }).code}: ${(e as Error).message}`;
  }
}
encoder.close();
sensor.close();
console.log(JSON.stringify({ frames, link }));
