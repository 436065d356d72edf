// Encodes N frames of the simulated camera; writes the Annex-B stream to a file and prints one
// JSON line per stream, then the registry after teardown. Args: <out> <h264|h265> <frames> [WxH]
import { Encoder, MediaManager, openFile, Sensor } from "k230:media";

const [, out, codec, n, size = "320x240"] = scriptArgs as [string, string, "h264" | "h265", string, string?];
const [width, height] = size.split("x").map(Number) as [number, number];
const sensor = new Sensor();
sensor.setFramesize({ width, height });
const encoder = new Encoder({ codec, width, height, bitrate: 2000 });
const link = MediaManager.link(sensor.bindInfo().src, encoder);
encoder.start();
sensor.run();
const file = openFile(out, "w");
for (let i = 0; i < Number(n); ) {
  const s = encoder.getStream(2000);
  if (!s) throw new Error("encoder timed out");
  for (const p of s.packs) file.write(p.data);
  console.log(JSON.stringify({ seq: s.seq, types: s.packs.map((p) => p.type), pts: s.packs.map((p) => p.ptsUs) }));
  encoder.releaseStream(s);
  i++;
}
file.close();
sensor.stop();
link.destroy();
encoder.close();
sensor.close();
console.log(JSON.stringify(MediaManager.stats()));
