// Reads a file that the test shrinks part-way (test/shrink.test.ts). Args:
//   <mp4|mp4-stored|annexb> <file> <after> <go-file>
// Reads <after> frames and on to a picture (Mp4Demuxer, Annex-B or as stored) or units (AnnexBReader), prints
// "ready", waits for <go-file> to exist (the test has shrunk the file then), prints "held <n>"
// with the number of non-zero bytes in the frame still held, then reads on, reading every byte
// of every frame, printing "frames <n>" at the end; a read error is left uncaught.
import { AnnexBReader } from "k230:media";
import { Mp4Demuxer } from "k230:mp4";
import { sleepMs } from "k230:sys";
import * as std from "qjs:std";

const [, kind, file, after, go] = scriptArgs as [string, string, string, string, string];

const frames: Iterator<{ data: ArrayBuffer | Uint8Array; codec?: string }> =
  kind === "annexb" ? new AnnexBReader(file) : new Mp4Demuxer(file, { annexb: kind === "mp4" });

function nonZero(data: ArrayBuffer | Uint8Array): number {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) n++;
  return n;
}

let count = 0;
let held: ArrayBuffer | Uint8Array | undefined;
for (let r = frames.next(); !r.done; r = frames.next()) {
  count++;
  held = r.value.data;
  if (count >= Number(after) && r.value.codec !== "alaw") break; /* a picture (still lent: the last read) */
}
console.log("ready");
for (let f = std.open(go, "r"); ; f = std.open(go, "r")) {
  if (f) {
    f.close();
    break;
  }
  sleepMs(5);
}
console.log(`held ${held ? nonZero(held) : -1}`);
for (let r = frames.next(); !r.done; r = frames.next()) {
  count++;
  nonZero(r.value.data);
}
console.log(`frames ${count}`);
