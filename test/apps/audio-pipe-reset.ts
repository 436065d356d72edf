// A microphone piped into an MP4 (audio only) when the app resets the media blocks: the pipe's
// input is closed under it, so the pipe must stop once, say why, and let the app end (it used
// to retry the closed input in a tight loop and keep the app running). Args: <dir>
import { AudioIn } from "k230:audio";
import { MediaManager } from "k230:media";
import { Mp4Muxer } from "k230:mp4";

const [, dir] = scriptArgs as [string, string];
const muxer = new Mp4Muxer(`${dir}/reset-audio.mp4`);
muxer.addAudioTrack({ codec: "alaw", sampleRate: 8000, channels: 1 });
const mic = new AudioIn({ rate: 8000, samplesPerFrame: 320 });
const errors: string[] = [];
mic.pipeTo(muxer, { codec: "alaw", onError: (e) => errors.push(e.message) });
setTimeout(() => {
  const released = MediaManager.resetAll();
  setTimeout(() => {
    muxer.close();
    console.log(JSON.stringify({ released, errors }));
  }, 300);
}, 300);
