/** Self-test rows of the runtime itself: versions, memory, the SD card, VB. */
import { MediaManager, openFile, removeFile, type MediaFile } from "k230:media";
import { board, diskInfo, engineVersion, exitpoint, memInfo, platform, ticksUs, version } from "k230:sys";
import { fail, gb, mib, pattern, patternMismatch, type Check } from "./check.js";

export const runtime: Check = () => ({
  text: `k230js ${version}, QuickJS-ng ${engineVersion}, ${platform} (${board})`,
  figures: { version, engineVersion, platform, board },
});

const ALLOC = 4 << 20;

export const memory: Check = () => {
  const m = memInfo();
  const buf = new Uint32Array(ALLOC / 4);
  pattern(buf, 7);
  const bad = patternMismatch(buf, 7);
  if (bad >= 0) fail("EBADDATA", `4 MiB in the JS heap read back wrong at word ${bad}`);
  const limit = m.heapLimit === null ? "no limit" : `limit ${mib(m.heapLimit)}`;
  const rss = m.rss === null ? "RSS unknown" : `RSS ${mib(m.rss)}`;
  return {
    text: `heap ${mib(m.heapUsed)} used, ${limit}, ${rss}; 4 MiB allocated and read back`,
    figures: { heapUsed: m.heapUsed, heapLimit: m.heapLimit ?? -1, rss: m.rss ?? -1, objects: m.objects },
  };
};

const SD_BYTES = 8 << 20;
const SD_CHUNK = 256 << 10;

export const sd: Check = ({ sdFile }) => {
  let f: MediaFile | null = null;
  const chunk = new Uint32Array(SD_CHUNK / 4);
  try {
    // Only the file calls are timed, not making the data.
    let writeUs = 0;
    let t0 = ticksUs();
    f = openFile(sdFile, "w");
    writeUs += ticksUs() - t0;
    for (let off = 0; off < SD_BYTES; off += SD_CHUNK) {
      exitpoint();
      pattern(chunk, off / SD_CHUNK);
      t0 = ticksUs();
      f.write(chunk);
      writeUs += ticksUs() - t0;
    }
    t0 = ticksUs();
    f.sync();
    f.close();
    f = null;
    writeUs = Math.max(writeUs + ticksUs() - t0, 1);
    f = openFile(sdFile, "r");
    let got = 0;
    let readUs = 0;
    for (;;) {
      exitpoint();
      const t1 = ticksUs();
      const data = f.read(SD_CHUNK);
      readUs += ticksUs() - t1;
      if (!data) break;
      // fread fills whole chunks until the end of the file: the chunks line up with the writes
      if (data.byteLength !== SD_CHUNK) fail("ETRUNC", `${sdFile}: a read at byte ${got} returned ${data.byteLength} bytes`);
      const bad = patternMismatch(new Uint32Array(data), got / SD_CHUNK);
      if (bad >= 0) fail("EBADDATA", `${sdFile}: read back wrong at byte ${got + bad * 4}`);
      got += data.byteLength;
    }
    readUs = Math.max(readUs, 1);
    f.close();
    f = null;
    if (got !== SD_BYTES) fail("ETRUNC", `${sdFile}: wrote ${SD_BYTES} bytes, read back ${got}`);
    const w = SD_BYTES / writeUs;
    const r = SD_BYTES / readUs;
    const disk = diskInfo(sdFile);
    return {
      text: `write ${w.toFixed(1)} MB/s, read ${r.toFixed(1)} MB/s (8 MiB, fsync'd, verified); ${gb(disk.free)} free of ${gb(disk.total)}`,
      figures: {
        bytes: SD_BYTES,
        writeMBps: Number(w.toFixed(2)),
        readMBps: Number(r.toFixed(2)),
        writeMs: Math.round(writeUs / 1000),
        readMs: Math.round(readUs / 1000),
        diskTotal: disk.total,
        diskFree: disk.free,
      },
    };
  } finally {
    try {
      f?.close();
    } catch {
      // the write's own error is the one to report
    }
    try {
      removeFile(sdFile);
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
    }
  }
};

const VB_BLOCK = 64 << 10;

export const vb: Check = () => {
  const pool = MediaManager.VBPool.create(VB_BLOCK, 2);
  try {
    const block = pool.get();
    try {
      if (block.size < VB_BLOCK) fail("EBADDATA", `a ${VB_BLOCK}-byte block came back with ${block.size} bytes`);
      if (!block.physAddr) fail("EBADDATA", "the block has no physical address");
      const words = new Uint32Array(block.data, 0, VB_BLOCK / 4);
      pattern(words, 3);
      const bad = patternMismatch(new Uint32Array(block.data, 0, VB_BLOCK / 4), 3);
      if (bad >= 0) fail("EBADDATA", `the block's mapping read back wrong at word ${bad}`);
      return {
        text: `pool of 2 x 64 KiB; block at 0x${block.physAddr.toString(16)} mapped, written and read back`,
        figures: { blockSize: block.size, physAddr: block.physAddr },
      };
    } finally {
      block.destroy();
    }
  } finally {
    pool.destroy();
  }
};
