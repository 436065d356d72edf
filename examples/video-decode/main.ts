// Video decode: the TypeScript twin of CanMV's "2.5 H264/H265 Decoding". Reads a .264/.265 file
// in 40 KB chunks into the decoder, which is bound to a display layer.
// On the host the virtual display writes PNG snapshots (K230JS_SIM_DISPLAY=png:DIR) or shows in
// a browser (K230JS_SIM_DISPLAY=http:8090, then open http://127.0.0.1:8090/); for watching, pass
// SECONDS: decoding is paced at 30 fps and the last picture stays up that long.
// Usage: k230js run examples/video-decode/main.ts --sdcard <dir> [-- FILE.264|FILE.265 800 480 [SECONDS]]
// Without FILE: /sdcard/test.264, encoded from the camera first when the card has none
// (CanMV's original reads /sdcard/examples/test.264).
import { Decoder, Display, MediaManager, openFile, STREAM_SIZE } from "k230:media";
import { EXITPOINT_ENABLE, EXITPOINT_ENABLE_SLEEP, exitpoint, platform, sleepMs, ticksMs } from "k230:sys";
import { ensureH264, TEST_H264 } from "../shared/inputs.js";

const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

function vdecTest(fileName: string, width = 1280, height = 720, watchSeconds = 0): void {
  console.log("vdec_test start");
  const vdecWidth = alignUp(width, 16);
  const vdecHeight = height;
  // The simulator has the virtual display; on the board: the ST7701 panel (or LT9611 for HDMI).
  const displayType = platform === "host" ? Display.VIRT : Display.ST7701;

  // Determine the file type
  const suffix = fileName.split(".").pop();
  let payloadType: "h264" | "h265";
  if (suffix === "264") payloadType = "h264";
  else if (suffix === "265") payloadType = "h265";
  else {
    console.log("Unknown file extension");
    return;
  }

  const vdec = new Decoder(payloadType);
  if (displayType === Display.VIRT) Display.init(displayType, { width: vdecWidth, height: vdecHeight, fps: 30 });
  else Display.init(displayType, { toIde: true });
  MediaManager.init();

  // Bind the decoder to the display
  const bindInfo = vdec.bindInfo({ width: vdecWidth, height: vdecHeight });
  Display.bindLayer({ ...bindInfo, layer: Display.LAYER_VIDEO1 });

  vdec.start();
  const fi = openFile(fileName);
  const t0 = ticksMs();
  try {
    for (;;) {
      exitpoint();
      const data = fi.read(watchSeconds > 0 ? 1024 : STREAM_SIZE); // read video stream data (small reads pace finely)
      if (!data) break;
      vdec.decode(data); // decode stream data
      // Watching: no faster than 30 pictures a second.
      while (watchSeconds > 0 && vdec.status().framesDecoded > ((ticksMs() - t0) * 30) / 1000) sleepMs(10);
    }
  } finally {
    fi.close();
  }
  if (watchSeconds > 0) sleepMs(watchSeconds * 1000);

  exitpoint(EXITPOINT_ENABLE_SLEEP); // the teardown below is not interrupted
  vdec.stop(); // waits for the display to show the last picture
  console.log(`decoded ${vdec.status().framesDecoded} frames, displayed ${Display.info().framesComposed}`);
  vdec.close();
  sleepMs(100);
  Display.deinit();
  MediaManager.deinit();
  console.log("vdec_test stop");
}

exitpoint(EXITPOINT_ENABLE);
const [file = TEST_H264, w = "800", h = "480", watch = "0"] = scriptArgs.slice(1);
if (file === TEST_H264) ensureH264(file, 60, Number(w), Number(h));
vdecTest(file, Number(w), Number(h), Number(watch));
