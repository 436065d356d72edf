// Inputs of the playback examples (mp4-demux, rtsp-file, video-decode, video-player), made from the camera when
// the card does not have them yet: a fresh card (or the simulator's) has no test media, and each
// example should run on its own. Files at the card's root, which every card has.
import { Encoder, MediaManager, openFile, Sensor } from "k230:media";
import { Mp4Recorder } from "k230:mp4";

export const TEST_MP4 = "/sdcard/test.mp4";
export const TEST_H264 = "/sdcard/test.264";

function exists(path: string): boolean {
  try {
    openFile(path).close();
    return true;
  } catch {
    return false;
  }
}

/** Records `frames` camera pictures (H.264 1280x720, the mp4-record example's way) unless `path` exists. */
export function ensureMp4(path: string, frames = 60): void {
  if (exists(path)) return;
  console.log(`${path} not found: recording ${frames} camera frames into it first`);
  const recorder = new Mp4Recorder({ file: path, video: { codec: "h264", width: 1280, height: 720 } });
  recorder.start();
  try {
    while (recorder.process() < frames);
  } finally {
    recorder.stop();
  }
}

/** Encodes `frames` camera pictures to a raw H.264 (Annex-B) file unless `path` exists. */
export function ensureH264(path: string, frames = 60, width = 800, height = 480): void {
  if (exists(path)) return;
  console.log(`${path} not found: encoding ${frames} camera frames into it first`);
  const sensor = new Sensor();
  sensor.setFramesize({ width, height });
  sensor.setPixformat(Sensor.YUV420SP);
  const encoder = new Encoder({ codec: "h264", width, height });
  const link = MediaManager.link(sensor.bindInfo().src, encoder);
  const file = openFile(path, "w");
  encoder.start();
  sensor.run();
  try {
    for (let n = 0; n < frames; ) {
      const stream = encoder.getStream(1000);
      if (!stream) continue;
      for (const pack of stream.packs) {
        file.write(pack.data);
        if (pack.type !== Encoder.STREAM_TYPE_HEADER) n++;
      }
      encoder.releaseStream(stream);
    }
  } finally {
    file.close();
    sensor.stop();
    link.destroy();
    encoder.close();
    sensor.close();
  }
}
