// Bad input: every misuse gives a clear error with a code; nothing is held afterwards.
import { Decoder, Encoder, MediaManager, Sensor } from "k230:media";

const out: Record<string, string> = {};
function attempt(name: string, fn: () => void): void {
  try {
    fn();
    out[name] = "ok";
  } catch (e) {
    const err = e as Error & { code?: string };
    out[name] = `${err.name}:${err.code ?? ""}`;
  }
}
attempt("encoderOddSize", () => new Encoder({ codec: "h264", width: 100, height: 33 }).close());
attempt("encoderBadCodec", () => new Encoder({ codec: "vp8" as "h264", width: 320, height: 240 }));
attempt("sensorTooBig", () => {
  const s = new Sensor({ width: 640, height: 480 });
  try {
    s.setFramesize({ width: 1280, height: 720 });
  } finally {
    s.close();
  }
});
attempt("bindRgbToVenc", () => {
  const s = new Sensor();
  s.setFramesize({ width: 320, height: 240 });
  s.setPixformat(Sensor.RGB888);
  const e = new Encoder({ codec: "h264", width: 320, height: 240 });
  try {
    MediaManager.link(s.bindInfo().src, e);
  } finally {
    e.close();
    s.close();
  }
});
attempt("garbage", () => {
  const d = new Decoder("h264");
  d.start();
  const junk = new Uint8Array(200000);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + (i >> 3)) & 0xff;
  d.decode(junk);
  d.endOfStream();
  while (d.getFrame(500)) {}
  d.close();
});
const closed = new Encoder({ codec: "h264", width: 320, height: 240 });
closed.close();
attempt("closedEncoder", () => closed.start());
const s2 = new Sensor();
s2.close();
attempt("closedSensor", () => s2.run());
attempt("releaseForeign", () => closed.releaseStream({} as never));
console.log(JSON.stringify({ ...out, held: MediaManager.stats().total }));
