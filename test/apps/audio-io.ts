// Audio in -> audio out, as the simulator and the MPP double both run it: reads <frames> frames
// from the microphone (K230JS_SIM_AUDIO_IN), checks their sequence numbers and timestamps, plays
// them (K230JS_SIM_AUDIO_OUT) and prints what it heard. Args: <frames> <rate> <channels> <samplesPerFrame>
import { AudioIn, AudioOut } from "k230:audio";

const [, frames = "50", rate = "16000", channels = "1", spf = "320"] = scriptArgs;
const opts = { rate: Number(rate), channels: Number(channels), samplesPerFrame: Number(spf) };
const mic = new AudioIn(opts);
const speaker = new AudioOut(opts);
let n = 0, samples = 0, badSeq = 0, badPts = 0, peak = 0, crossings = 0, prev = 0;
for (; n < Number(frames); n++) {
  const f = mic.read(2000);
  if (!f) break;
  if (f.seq !== n) badSeq++;
  if (f.ptsUs !== Math.floor((samples * 1e6) / opts.rate)) badPts++;
  const pcm = new Int16Array(f.data);
  for (let i = 0; i < f.samples; i++) {
    const s = pcm[i * f.channels]!;
    peak = Math.max(peak, Math.abs(s));
    if ((prev < 0 && s >= 0) || (prev >= 0 && s < 0)) crossings++;
    prev = s;
  }
  samples += f.samples;
  speaker.write(pcm);
}
mic.close();
speaker.close();
console.log(JSON.stringify({ frames: n, samples, badSeq, badPts, peak, hz: Math.round(crossings / 2 / (samples / opts.rate)) }));
