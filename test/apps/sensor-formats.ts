// The camera's channel formats: chn 0 NV12 with a width that is not a multiple of 16, chn 1
// RGB565, chn 2 GRAYSCALE. One snapshot per channel; each picture's first plane is written to
// <dir>/chn<N>.raw and described on one JSON line.
// Args: <dir-on-sdcard>
import { openFile, Sensor } from "k230:media";

const [, dir] = scriptArgs as [string, string];
const sensor = new Sensor();
sensor.setFramesize({ width: 328, height: 240, chn: 0 });
sensor.setFramesize({ width: 320, height: 240, chn: 1 });
sensor.setPixformat(Sensor.RGB565, { chn: 1 });
sensor.setFramesize({ width: 320, height: 240, chn: 2 });
sensor.setPixformat(Sensor.GRAYSCALE, { chn: 2 });
sensor.run();
const out = [];
for (let chn = 0; chn < 3; chn++) {
  const f = sensor.snapshot({ chn, timeoutMs: 2000 });
  const file = openFile(`${dir}/chn${chn}.raw`, "w");
  file.write(new Uint8Array(f.data, 0, f.strides[0]! * f.height));
  file.close();
  out.push({ chn, width: f.width, height: f.height, format: f.format, stride: f.strides[0] });
  f.release();
}
sensor.close();
console.log(JSON.stringify(out));
