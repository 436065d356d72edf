// Play an MP4 file: the TypeScript twin of CanMV's video_player.py (media.player). H.264/H.265
// video on the display and G.711 audio on the speaker, paced by the audio clock, every frame
// handled in C. Plays what examples/mp4-record made.
// Usage: k230js run examples/video-player/main.ts --sdcard <dir> [-- FILE.mp4]
// Without FILE: /sdcard/test.mp4 (mp4-record's), recorded from the camera first when the card has
// none (CanMV's original plays /data/test.mp4).
import { Display, Player } from "k230:media";
import { ensureMp4, TEST_MP4 } from "../shared/inputs.js";

async function playMp4Test(filename: string): Promise<void> {
  const player = new Player({ display: Display.VIRT }); // the IDE's view: any resolution
  // const player = new Player({ display: Display.ST7701 }); // the 800x480 LCD
  // const player = new Player({ display: Display.LT9611 }); // HDMI
  const info = player.load(filename);
  console.log(`${filename}: ${info.duration.toFixed(2)} s`, info.video ?? "no video", info.audio ?? "no audio");
  // The end of the file (CanMV's K_PLAYER_EVENT_EOF); a damaged file ends with "error".
  const over = new Promise<void>((resolve) => {
    player.on("eos", () => resolve());
    player.on("error", (e) => {
      console.log("stopped early:", e.message);
      resolve();
    });
  });
  player.start();
  try {
    await over;
  } finally {
    player.stop();
  }
  const s = player.stats();
  console.log(`play over: ${s.framesShown} frames shown, ${s.framesDropped} dropped`);
}

const filename = scriptArgs[1] ?? TEST_MP4;
if (filename === TEST_MP4) ensureMp4(filename);
await playMp4Test(filename);
