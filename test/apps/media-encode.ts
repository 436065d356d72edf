// Encodes N frames of the simulated camera; writes the Annex-B stream to a file and prints one
// JSON line per stream, then the registry after teardown with the encoder's input drops.
// Args: <out> <h264|h265> <frames> [WxH] [stallMs: the consumer stalls once, after stream 10]
import { Encoder, MediaManager, openFile, Sensor } from "k230:media";
import { sleepMs } from "k230:sys";

const [, out, codec, n, size = "320x240", stall = "0"] = scriptArgs as [string, string, "h264" | "h265", string, string?, string?];
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
  if (i === 10 && Number(stall) > 0) sleepMs(Number(stall)); // the stream buffers fill: input frames drop
}
file.close();
// Frames lost before the encoder (no free sensor buffer) or at its input (queue full).
const dropped = encoder.status().droppedFrames + sensor.stats().dropped;
sensor.stop();
link.destroy();
encoder.close();
sensor.close();
console.log(JSON.stringify({ ...MediaManager.stats(), dropped }));
