// Camera snapshot: take frames from the sensor into JS (zero-copy), print their brightness, and
// save the last one as a JPEG through the hardware encoder.
// Usage: k230js run examples/camera-snapshot/main.ts --sdcard <dir> [-- /sdcard/snapshot.jpg]
import { Encoder, openFile, Sensor } from "k230:media";

const [out = "/sdcard/snapshot.jpg"] = scriptArgs.slice(1);
const width = 640;
const height = 480;

const sensor = new Sensor();
sensor.setFramesize({ width, height });
sensor.setPixformat(Sensor.YUV420SP);
sensor.run();

const jpeg = new Encoder({ codec: "jpeg", width, height, quality: 80 });
jpeg.start();
for (let i = 0; i < 5; i++) {
  const frame = sensor.snapshot({ timeoutMs: 1000 });
  const luma = new Uint8Array(frame.data, 0, frame.strides[0]! * frame.height);
  let sum = 0;
  for (let p = 0; p < luma.length; p += 64) sum += luma[p]!;
  console.log(`frame ${frame.seq}: ${frame.width}x${frame.height} ${frame.format}, mean luma ${(sum / (luma.length / 64)).toFixed(1)}`);
  if (i === 4) jpeg.sendFrame(frame); // copied into the encoder
  frame.release(); // hand the buffer back to the camera
}
const picture = jpeg.getStream(2000);
if (picture) {
  const file = openFile(out, "w");
  for (const pack of picture.packs) file.write(pack.data);
  file.close();
  console.log(`saved ${out} (${picture.packs[0]!.data.byteLength} bytes)`);
  jpeg.releaseStream(picture);
}
jpeg.close();
sensor.close();
