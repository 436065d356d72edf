// Decodes an Annex-B file in chunks (0 = whole file at once) and writes every frame's Y plane
// (tight rows) to <out>. Prints {frames, errors}. Args: <in> <h264|h265> <chunk> <out>
import { Decoder, MediaManager, openFile } from "k230:media";

const [, input, codec, chunk, out] = scriptArgs as [string, string, "h264" | "h265", string, string];
const dec = new Decoder(codec);
dec.start();
const fin = openFile(input);
const fout = openFile(out, "w");
let frames = 0;
const drain = (timeout: number) => {
  for (let f = dec.getFrame(timeout); f; f = dec.getFrame(timeout)) {
    const y = new Uint8Array(f.data);
    for (let r = 0; r < f.height; r++) fout.write(y.subarray(r * f.strides[0]!, r * f.strides[0]! + f.width));
    f.release();
    frames++;
  }
};
const size = Number(chunk) || 1 << 26;
for (let data = fin.read(size); data; data = fin.read(size)) {
  dec.decode(data);
  drain(0);
}
dec.endOfStream();
drain(2000);
const st = dec.status();
fin.close();
fout.close();
dec.close();
console.log(JSON.stringify({ frames, errors: st.errors, held: MediaManager.stats().total }));
