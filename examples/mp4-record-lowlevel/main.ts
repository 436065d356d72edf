// MP4 recording, low level: the TypeScript twin of CanMV's "2.1" vi_bind_venc_mp4_test.
// Sensor bound to the encoder, every encoded picture written by JS with Mp4Muxer.writeFrame.
// Usage: k230js run examples/mp4-record-lowlevel/main.ts --sdcard <dir> [-- /sdcard/test.mp4 200]
import { Encoder, MediaManager, Sensor } from "k230:media";
import { Mp4Muxer } from "k230:mp4";
import { EXITPOINT_ENABLE, exitpoint } from "k230:sys";

const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

function viBindVencMp4Test(fileName: string, width = 1280, height = 720, codec: "h264" | "h265" = "h264", frameLimit = 200): void {
  console.log("venc_test start");
  width = alignUp(width, 16);

  // mp4 muxer init (fragmented) and its video track
  const mp4 = new Mp4Muxer(fileName, { fragmented: true });
  const videoTrack = mp4.addVideoTrack({ codec, width, height });

  // Initialize the sensor
  const sensor = new Sensor();
  sensor.reset();
  sensor.setFramesize({ width, height });
  sensor.setPixformat(Sensor.YUV420SP);

  // The encoder, bound to the camera
  const encoder = new Encoder({ codec, profile: "main", width, height, bufCount: 8 });
  const link = MediaManager.link(sensor.bindInfo().src, encoder);
  encoder.start();
  sensor.run();

  console.log("save stream to file: ", fileName);
  let frameCount = 0;
  let videoStartTimestamp: number | undefined;
  try {
    while (frameCount < frameLimit) {
      exitpoint();
      const stream = encoder.getStream(1000); // one encoded picture
      if (!stream) continue;
      for (const pack of stream.packs) {
        // The first picture of the file must be an IDR: skip P frames until one comes.
        if (videoStartTimestamp === undefined && pack.type === Encoder.STREAM_TYPE_P) continue;
        videoStartTimestamp ??= pack.ptsUs;
        const timeStamp = pack.ptsUs - videoStartTimestamp;
        // Written straight from the encoder's memory: no copy in JS.
        mp4.writeFrame(videoTrack, pack.data, timeStamp, { keyframe: pack.type === Encoder.STREAM_TYPE_I });
        if (pack.type !== Encoder.STREAM_TYPE_HEADER) {
          console.log("video size: ", pack.data.byteLength, "video type: ", pack.type, "video timestamp:", timeStamp);
          frameCount++;
        }
      }
      encoder.releaseStream(stream); // release a frame of stream
    }
  } catch (e) {
    console.log(e);
  }

  sensor.stop(); // stop the camera
  link.destroy(); // destroy the camera -> venc binding
  encoder.close(); // stop and destroy the encoder
  sensor.close();
  mp4.close(); // finish the file
  console.log("venc_test stop");
}

exitpoint(EXITPOINT_ENABLE);
const [file = "/sdcard/test.mp4", frames = "200", codec = "h264"] = scriptArgs.slice(1);
viBindVencMp4Test(file, 1280, 720, codec as "h264" | "h265", Number(frames));
