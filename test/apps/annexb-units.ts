// The access units of a raw H.264/H.265 stream through k230:media AnnexBReader, for comparison
// with ffprobe. Args: units <file> <file|buffer|view> | bad <file> | mux <file> <file|buffer> <out-prefix>
//   units: one line per unit "offset,size,K|_", then "end <count>"; checks that a file source's
//          previous unit is detached at the next read, that a buffer source's units are views
//          into the very buffer (zero copy), and that every unit is a plain object with its four
//          own data properties.
//   bad:   one line per misuse: "<case> <error name> <code>"
//   mux:   the units into Mp4Muxer.writeFrame three ways: as they come (<prefix>-unit.mp4: a
//          file's units carry the splitter's NAL table), copied first (<prefix>-copy.mp4: no
//          table), and with each unit's last start code unmade, in the unit itself for a buffer
//          source (<prefix>-changed.mp4) and in a copy (<prefix>-changed-copy.mp4), and in every
//          form writeFrame takes, in turn (<prefix>-forms.mp4); prints
//          "frames <n> changed <n> immutable <yes|no|->".
import { AnnexBReader, openFile, type AccessUnit } from "k230:media";
import { Mp4Muxer } from "k230:mp4";

const [, mode, file] = scriptArgs as [string, string, string];

function load(path: string): ArrayBuffer {
  const f = openFile(path);
  const buf = f.read(64 << 20) ?? new ArrayBuffer(0);
  f.close();
  return buf;
}

/** The offset of the last start code in u when it and the one before it begin slices (unmade,
 * the unit stays a picture), or -1. */
function lastSliceStart(u: Uint8Array, h265: boolean): number {
  const vcl = (at: number) => (h265 ? ((u[at + 3]! >> 1) & 0x3f) <= 31 : (u[at + 3]! & 0x1f) >= 1 && (u[at + 3]! & 0x1f) <= 5);
  const starts: number[] = [];
  for (let i = 0; i + 3 < u.length; i++) if (u[i] === 0 && u[i + 1] === 0 && u[i + 2] === 1) starts.push(i);
  const [prev, last] = starts.slice(-2);
  return prev !== undefined && last !== undefined && vcl(prev) && vcl(last) ? last : -1;
}

if (mode === "mux") {
  const source = scriptArgs[3]!;
  const prefix = scriptArgs[4]!;
  const codec = file.endsWith(".265") ? "h265" : "h264";
  const open = () => new AnnexBReader(source === "file" ? file : load(file), { codec });
  const muxers = ["unit", "copy", "changed", "changed-copy", "forms"].map((k) => {
    const m = new Mp4Muxer(`${prefix}-${k}.mp4`, { mode: "indexed", sync: "none" });
    return { m, track: m.addVideoTrack({ codec, width: 640, height: 360 }) };
  });
  const write = (i: number, data: Uint8Array | ArrayBuffer | DataView, n: number, options?: { keyframe?: boolean }) =>
    muxers[i]!.m.writeFrame(muxers[i]!.track, data, Math.floor((n * 1e6) / 30), options);
  // Every form writeFrame takes, in turn: the unit itself, with empty options, with its own
  // keyframe flag, an ArrayBuffer copy, a DataView and a Uint8Array inside bigger buffers.
  const inside = (u: Uint8Array, at: number) => {
    const big = new Uint8Array(u.byteLength + at + 9);
    big.set(u, at);
    return big;
  };
  const forms = [
    (u: AccessUnit, n: number) => write(4, u.data, n),
    (u: AccessUnit, n: number) => write(4, u.data, n, {}),
    (u: AccessUnit, n: number) => write(4, u.data, n, { keyframe: u.keyframe }),
    (u: AccessUnit, n: number) => write(4, u.data.slice().buffer, n),
    (u: AccessUnit, n: number) => write(4, new DataView(inside(u.data, 3).buffer, 3, u.data.byteLength), n),
    (u: AccessUnit, n: number) => write(4, inside(u.data, 5).subarray(5, 5 + u.data.byteLength), n),
  ];
  let n = 0;
  let immutable = "-";
  for (const unit of open()) {
    if (source === "file" && n === 0) {
      const before = unit.data[5];
      try {
        unit.data[5] = before! ^ 0xff;
      } catch {
        // an immutable buffer throws in strict code
      }
      immutable = unit.data[5] === before ? "yes" : "no";
    }
    write(0, unit.data, n);
    write(1, new Uint8Array(unit.data), n);
    forms[n % forms.length]!(unit, n);
    n++;
  }
  // Only a buffer's units can be changed in place; a file's are read-only.
  let changed = 0;
  n = 0;
  for (const unit of open()) {
    const at = lastSliceStart(unit.data, codec === "h265");
    const copy = new Uint8Array(unit.data);
    if (at > 0 && source !== "file") {
      unit.data[at + 2] = 2;
      copy[at + 2] = 2;
      changed++;
    }
    write(2, unit.data, n);
    write(3, copy, n);
    n++;
  }
  for (const { m } of muxers) m.close();
  console.log(`frames ${n} changed ${changed} immutable ${immutable}`);
} else if (mode === "units") {
  const source = scriptArgs[3] ?? "file";
  const whole = source === "file" ? undefined : load(file);
  // A view that starts 7 bytes into a bigger buffer: offsets stay the stream's own.
  let input: string | ArrayBuffer | Uint8Array = file;
  let base = 0;
  if (whole && source === "view") {
    const padded = new Uint8Array(whole.byteLength + 7);
    padded.set(new Uint8Array(whole), 7);
    input = padded.subarray(7);
    base = 7;
  } else if (whole) {
    input = whole;
  }
  // A path names its codec (.265); bytes in memory are told.
  const reader = new AnnexBReader(input, source === "file" ? {} : { codec: file.endsWith(".265") ? "h265" : "h264" });
  let previous: AccessUnit | undefined;
  let count = 0;
  for (const unit of reader) {
    if (previous && source === "file" && previous.data.byteLength !== 0) throw new Error("the previous unit was not revoked");
    if (source !== "file") {
      const expected = source === "view" ? (input as Uint8Array).buffer : input;
      if (unit.data.buffer !== expected || unit.data.byteOffset !== base + unit.offset) throw new Error("not a view into the source");
    }
    if (unit.index !== count) throw new Error(`index ${unit.index}, expected ${count}`);
    // Plain own data properties, in this order, on every unit.
    const props = Object.entries(Object.getOwnPropertyDescriptors(unit)).map(([k, d]) => `${k}${d.writable && d.enumerable && d.configurable ? "" : "!"}`);
    if (props.join() !== "data,keyframe,index,offset" || Object.getPrototypeOf(unit) !== Object.prototype) throw new Error(`unit properties ${props}`);
    console.log(`${unit.offset},${unit.data.byteLength},${unit.keyframe ? "K" : "_"}`);
    previous = unit;
    count++;
  }
  if (reader.read() !== null) throw new Error("read() after the end is not null");
  reader.close();
  console.log(`end ${count} ${reader.codec} ${reader.closed}`);
} else {
  const report = (name: string, fn: () => unknown) => {
    try {
      fn();
      console.log(`${name} ok`);
    } catch (e) {
      const err = e as Error & { code?: string };
      console.log(`${name} ${err.name} ${err.code ?? "-"}`);
    }
  };
  report("missing", () => new AnnexBReader("/sdcard/no-such.264"));
  report("number", () => new AnnexBReader(42 as unknown as string));
  report("codec", () => new AnnexBReader(file, { codec: "vp9" as "h264" }));
  report("size", () => new AnnexBReader(file, { maxUnitSize: 10 }));
  // Units over 1 KiB are skipped with ELIMIT, one read at a time; the small ones still come.
  const small = new AnnexBReader(file, { maxUnitSize: 1024 });
  let got = 0;
  let limits = 0;
  for (;;) {
    try {
      if (!small.read()) break;
      got++;
    } catch (e) {
      if ((e as { code?: string }).code !== "ELIMIT") throw e;
      limits++;
    }
  }
  console.log(`limited ${got} ${limits}`);
  small.close();
  report("closed", () => small.read());
  const buf = load(file);
  const r = new AnnexBReader(buf);
  r.read();
  (buf as unknown as { transfer(): ArrayBuffer }).transfer(); // detaches buf (ES2024)
  report("detached", () => r.read());
  report("empty", () => {
    if (new AnnexBReader(new ArrayBuffer(0)).read() !== null) throw new Error("not null");
  });
}
