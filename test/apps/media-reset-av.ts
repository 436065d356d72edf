// A decoder bound to the display in the middle of a stream, an OSD picture, a microphone frame
// held and a speaker playing: all leaked, then a soft reset; twice. With "nodisplay", the
// decoder is not bound and one of its frames is held instead. Args: <file.264> [nodisplay]
import { AudioIn, AudioOut } from "k230:audio";
import { Decoder, Display, MediaManager, openFile } from "k230:media";

const [, file, nodisplay] = scriptArgs as [string, string, string?];
const display = nodisplay !== "nodisplay";

function leak(): number {
  if (display) Display.init(Display.VIRT, { width: 320, height: 240, fps: 30 });
  const dec = new Decoder("h264");
  if (display) Display.bindLayer({ ...dec.bindInfo({ width: 320, height: 240 }), layer: Display.LAYER_VIDEO1 });
  dec.start();
  const fi = openFile(file);
  dec.decode(fi.read(100000)!); // part of the stream, no end
  fi.close();
  if (display) {
    const argb = new Uint8Array(32 * 32 * 4).fill(255);
    Display.showImage({ width: 32, height: 32, format: "ARGB8888", data: argb }, { layer: Display.LAYER_OSD0 });
  } else if (!dec.getFrame(2000)) {
    throw new Error("no frame from the decoder");
  }
  const mic = new AudioIn();
  mic.read(2000); // held
  const speaker = new AudioOut();
  speaker.write(new Int16Array(320));
  return MediaManager.stats().total;
}

const runs = [];
for (let i = 0; i < 2; i++) {
  const leaked = leak();
  const released = MediaManager.resetAll();
  runs.push({ leaked, released, after: MediaManager.stats().total, displayInited: Display.inited() });
}
console.log(JSON.stringify(runs));
