// G.711 over every input: writes encode(all 65536 samples) and decode(all 256 codes) per law.
// Args: <dir>
import { g711, readWav, writeWav } from "k230:audio";
import { openFile } from "k230:media";

const [, dir] = scriptArgs as [string, string];
const all = new Int16Array(65536);
for (let i = 0; i < 65536; i++) all[i] = i - 32768;
const codes = new Uint8Array(256).map((_, i) => i);
for (const law of ["alaw", "ulaw"] as const) {
  const f = openFile(`${dir}/${law}-enc.bin`, "w");
  f.write(g711.encode(all, law));
  f.close();
  const d = openFile(`${dir}/${law}-dec.bin`, "w");
  d.write(g711.decode(codes, law));
  d.close();
}
writeWav(`${dir}/tone.wav`, { sampleRate: 8000, channels: 1, data: all.subarray(0, 8000) });
const back = readWav(`${dir}/tone.wav`);
console.log(JSON.stringify({ rate: back.sampleRate, bytes: back.data.byteLength }));
