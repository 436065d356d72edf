// bench/transfer: file upload and download over a pty line throttled to a real rate (115200 and
// 921600 baud UARTs, 8N1 = baud/10 bytes/s, and a USB-CDC-like 2 MB/s), as a fraction of that
// line rate, for the raw protocol's file transfer (`k230js fs cp`) and, on the same line in the
// same run, for the same bytes sent as text-escaped chunks through exec, the way mpremote copies
// files (`f.write("\x..")` source lines; downloads print the escaped chunks).
// The line: bench/transfer/relay.mjs between the simulator's pty and a socat pty.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadClient, openLine } from "../lib/line.mjs";
import { HOST, ROOT } from "../lib/measure.mjs";

const OUT = join(ROOT, "bench", "out", "transfer");
const TEXT_CHUNK = 2048; // bytes per exec on the text path (mpremote uses 256; larger favours it)
const SCALE = Number(process.env.BENCH_TRANSFER_SCALE ?? 1);

// Per line: a file that takes ~3 s (the streaming rate) and a small one (per-file costs show).
const LINES = [
  { name: "UART 115200", rate: 11_520, sizes: [32 << 10, 4 << 10] },
  { name: "UART 921600", rate: 92_160, sizes: [256 << 10, 32 << 10] },
  { name: "USB CDC 2 MB/s", rate: 2_000_000, sizes: [2 << 20, 256 << 10] },
];

function random(n, seed) {
  const b = Buffer.alloc(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const sha = (b) => createHash("sha256").update(b).digest("hex");

/** Text-escaped form of bytes as a JS string literal body (printable ASCII kept). Downloads also
 * escape '%': console.log treats it as a format character. */
function escape(buf) {
  let s = "";
  for (const c of buf) s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  return s;
}

function unescape(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && s[i + 1] === "x") {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else out.push(s.charCodeAt(i));
  }
  return Buffer.from(out);
}

async function execQuiet(c, code) {
  let out = "";
  let err = "";
  const st = await c.exec(code, { onStdout: (b) => (out += b.toString("latin1")), onStderr: (b) => (err += b) });
  if (st !== 0) throw new Error(`exec failed (${st}): ${err} for ${code.slice(0, 80)}`);
  return out;
}

async function textUpload(c, path, data) {
  await execQuiet(
    c,
    `globalThis.__std = await import("qjs:std"); globalThis.__f = __std.open(${JSON.stringify(path)}, "wb");
globalThis.__w = (s) => { const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); __f.write(b.buffer, 0, b.length); };`,
  );
  for (let off = 0; off < data.length; off += TEXT_CHUNK) await execQuiet(c, `__w("${escape(data.subarray(off, off + TEXT_CHUNK))}")`);
  await execQuiet(c, "__f.close()");
}

async function textDownload(c, path, size) {
  await execQuiet(
    c,
    `globalThis.__std = await import("qjs:std"); globalThis.__f = __std.open(${JSON.stringify(path)}, "rb");
globalThis.__r = (n) => { const b = new Uint8Array(n); const k = __f.read(b.buffer, 0, n); let s = "";
  for (let i = 0; i < k; i++) { const c = b[i]; s += c >= 32 && c < 127 && c !== 34 && c !== 92 && c !== 37 ? String.fromCharCode(c) : "\\\\x" + (c < 16 ? "0" : "") + c.toString(16); }
  console.log('"' + s + '"'); };`,
  );
  const parts = [];
  for (let off = 0; off < size; off += TEXT_CHUNK) {
    const line = (await execQuiet(c, `__r(${TEXT_CHUNK})`)).trimEnd();
    parts.push(unescape(line.slice(1, -1)));
  }
  await execQuiet(c, "__f.close()");
  return Buffer.concat(parts);
}

async function measureLine(lib, line) {
  const { c, sd, close } = await openLine(lib, line);
  try {
    const rows = [];
    for (const size of line.sizes.map((n) => Math.max(4096, Math.round(n * SCALE)))) rows.push(...(await measureSize(c, sd, line, size)));
    return rows;
  } finally {
    await close();
  }
}

async function measureSize(c, sd, line, size) {
  {
    const data = random(size, line.rate);
    // Small files: the median of 3 runs (one-off costs such as the first fsync of a run vary);
    // the big ones take seconds each and run once.
    const runs = size <= line.sizes[1] ? 3 : 1;
    const time = async (f) => {
      const all = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const r = await f();
        all.push({ s: (performance.now() - t0) / 1000, r });
      }
      return all.sort((a, b) => a.s - b.s)[runs >> 1];
    };
    const frac = (s) => size / s / line.rate;
    const up = await time(() => c.writeFile("/sdcard/ours.bin", data));
    if (sha(readFileSync(join(sd, "ours.bin"))) !== sha(data)) throw new Error("raw upload: wrong bytes on the card");
    const down = await time(() => c.readFile("/sdcard/ours.bin"));
    if (sha(down.r.data) !== sha(data)) throw new Error("raw download: wrong bytes");

    const tup = await time(() => textUpload(c, join(sd, "text.bin"), data));
    if (sha(readFileSync(join(sd, "text.bin"))) !== sha(data)) throw new Error("text upload: wrong bytes on the card");
    const tdown = await time(() => textDownload(c, join(sd, "text.bin"), size));
    if (sha(tdown.r) !== sha(data)) throw new Error(`text download: wrong bytes (${tdown.r.length} of ${size}; first difference at ${tdown.r.findIndex((b, i) => b !== data[i])})`);

    const kib = `${size >> 10} KiB`;
    const peerName = `text exec, ${TEXT_CHUNK / 1024} KiB/exec`;
    process.stderr.write(
      `transfer: ${line.name}: ${kib} up ${up.s.toFixed(2)} s (resent ${up.r.resent}), down ${down.s.toFixed(2)} s; text up ${tup.s.toFixed(2)} s, down ${tdown.s.toFixed(2)} s\n`,
    );
    return [
      { bench: "transfer", case: `${line.name}, upload ${kib}`, unit: "of line", ours: frac(up.s), peer: frac(tup.s), peerName, higherIsBetter: true },
      { bench: "transfer", case: `${line.name}, download ${kib}`, unit: "of line", ours: frac(down.s), peer: frac(tdown.s), peerName, higherIsBetter: true },
    ];
  }
}

export default async function transfer() {
  if (!existsSync(join(HOST, "k230js"))) throw new Error("build/host/k230js is not built (npm run setup)");
  const lib = await loadClient(join(ROOT, "bench", "transfer", "client.ts"), OUT);
  const only = process.env.BENCH_TRANSFER_LINES?.split(",");
  const rows = [];
  for (const line of LINES) if (!only || only.some((o) => line.name.includes(o))) rows.push(...(await measureLine(lib, line)));
  return rows;
}
