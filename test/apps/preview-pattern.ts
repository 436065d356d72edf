// The preview test's app: colour bars on OSD0 (800x480) and a white 80x80 square moving across
// OSD1 at 30 fps, on a virtual display brought up with toIde: true; runs until Ctrl-C or for
// scriptArgs[1] seconds. The bars are red, green, blue and yellow quarters (left to right).
import { Display } from "k230:media";

const W = 800;
const H = 480;
const seconds = Number(scriptArgs[1] ?? 0);
Display.init(Display.VIRT, { width: W, height: H, fps: 30, osdNum: 2, toIde: true });

const bars = new Uint32Array(W * H);
const colours = [0xffff0000, 0xff00ff00, 0xff0000ff, 0xffffff00];
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) bars[y * W + x] = colours[Math.floor((x * 4) / W)]!;
Display.showImage({ width: W, height: H, format: "ARGB8888", data: bars }, { layer: Display.LAYER_OSD0 });

const S = 80;
const square = new Uint32Array(S * S).fill(0xffffffff);
let x = 0;
const timer = setInterval(() => {
  x = (x + 8) % (W - S);
  Display.showImage({ width: S, height: S, format: "ARGB8888", data: square }, { layer: Display.LAYER_OSD1, x, y: 40 });
}, 33);
console.log("pattern on the display");
if (seconds > 0)
  setTimeout(() => {
    clearInterval(timer);
    Display.deinit();
    console.log("pattern done");
  }, seconds * 1000);
