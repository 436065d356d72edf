// Display checks run on the simulator and on the MPP double alike. Args:
//   info <VIRT|ST7701|LT9611> <width> <height> [fps]   prints Display.info()
//   layers <dir-on-sdcard> [ST7701]   VIRT 320x240 (or the ST7701 at 800x480): a picture on
//                            video1, an ARGB8888 square on OSD0, an RGB565 square on OSD1; an OSD
//                            width that is no multiple of 8, a square partly off the screen; the
//                            write-back screen written to
//                            <dir>/wb.nv12. Prints what happened.
import { Display, type DisplayType, openFile } from "k230:media";
import { sleepMs } from "k230:sys";

const [, mode, ...rest] = scriptArgs;

function codeOf(f: () => void): string {
  try {
    f();
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

if (mode === "info") {
  const [type, w, h, fps] = rest as [DisplayType, string, string, string?];
  Display.init(type, { width: Number(w), height: Number(h), ...(fps ? { fps: Number(fps) } : {}) });
  console.log(JSON.stringify(Display.info()));
  Display.deinit();
} else if (mode === "layers") {
  const [dir, panel] = rest as [string, string?];
  const [W, H] = panel === "ST7701" ? [800, 480] : [320, 240];
  if (panel === "ST7701") Display.init(Display.ST7701, { width: W, height: H, osdNum: 2 });
  else Display.init(Display.VIRT, { width: W, height: H, fps: 30, osdNum: 2 });
  // video1: a gradient, Y = (x + 2y) mod 256, grey chroma.
  const nv12 = new Uint8Array((W * H * 3) / 2).fill(128);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) nv12[y * W + x] = (x + 2 * y) & 255;
  Display.showImage({ width: W, height: H, format: "NV12", data: nv12 }, { layer: Display.LAYER_VIDEO1 });
  // OSD0: an opaque red ARGB8888 square (bytes B, G, R, A) at (64, 64).
  const argb = new Uint8Array(32 * 32 * 4);
  for (let i = 0; i < 32 * 32; i++) argb.set([0, 0, 255, 255], i * 4);
  Display.showImage({ width: 32, height: 32, format: "ARGB8888", data: argb }, { x: 64, y: 64, layer: Display.LAYER_OSD0 });
  // OSD1: a green RGB565 square (little-endian 0x07e0) at (160, 64).
  const rgb565 = new Uint8Array(32 * 32 * 2);
  for (let i = 0; i < 32 * 32; i++) rgb565.set([0xe0, 0x07], i * 2);
  Display.showImage({ width: 32, height: 32, format: "RGB565", data: rgb565 }, { x: 160, y: 64, layer: Display.LAYER_OSD1 });
  const oddWidth = codeOf(() =>
    Display.showImage({ width: 36, height: 8, format: "RGB888", data: new Uint8Array(36 * 8 * 3) }, { x: 0, y: 200, layer: Display.LAYER_OSD1 }),
  );
  const offScreen = codeOf(() =>
    Display.showImage({ width: 32, height: 32, format: "ARGB8888", data: argb }, { x: W - 16, y: 0, layer: Display.LAYER_OSD1 }),
  );
  sleepMs(300); // the display composes on its own thread
  const wb = Display.writeback();
  let wbSize = "";
  if (wb) {
    wbSize = `${wb.width}x${wb.height}`;
    const f = openFile(`${dir}/wb.nv12`, "w");
    const bytes = new Uint8Array(wb.data);
    for (let r = 0; r < wb.height; r++) f.write(bytes.subarray(r * wb.strides[0]!, r * wb.strides[0]! + wb.width));
    const uv = wb.height * wb.strides[0]!; // NV12: UV right after Y in the frames handed out
    for (let r = 0; r < wb.height / 2; r++) f.write(bytes.subarray(uv + r * wb.strides[1]!, uv + r * wb.strides[1]! + wb.width));
    f.close();
    wb.release();
  }
  Display.deinit();
  console.log(JSON.stringify({ oddWidth, offScreen, wbSize }));
}
