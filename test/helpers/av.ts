// Reading back what the simulator showed and played, on its clock: the Y4M display sink (each
// FRAME stamped XSHOWN_US=, hal/display.h) and the WAV audio sink (the device's timeline with its
// first sample's time in a "clk " chunk, hal/audio.h); and finding the tone changes in PCM.
import { readFileSync } from "node:fs";
import { readStamp } from "./media.js";

export interface ShownFrame {
  /** hal_clock_us() when the display composed it. */
  shownUs: number;
  /** The pattern sensor's stamp in it (-1 when unreadable). */
  stamp: number;
}

/** Every frame of a Y4M written by K230JS_SIM_DISPLAY=y4m:PATH, with its time and stamp. */
export function readShownY4m(file: string): { width: number; height: number; frames: ShownFrame[] } {
  const buf = readFileSync(file);
  const headEnd = buf.indexOf(10);
  const head = buf.subarray(0, headEnd).toString("latin1");
  const width = Number(/ W(\d+)/.exec(head)![1]);
  const height = Number(/ H(\d+)/.exec(head)![1]);
  const size = (width * height * 3) / 2;
  const frames: ShownFrame[] = [];
  for (let o = headEnd + 1; o < buf.length; ) {
    const nl = buf.indexOf(10, o);
    const line = buf.subarray(o, nl).toString("latin1");
    const m = /^FRAME.* XSHOWN_US=(\d+)/.exec(line);
    if (!m) throw new Error(`${file}: no XSHOWN_US in frame header "${line}"`);
    const y = new Uint8Array(buf.buffer, buf.byteOffset + nl + 1, width * height);
    frames.push({ shownUs: Number(m[1]), stamp: readStamp(y, width) });
    o = nl + 1 + size;
  }
  return { width, height, frames };
}

/** A 16-bit PCM WAV as the audio sinks write it; firstUs is the "clk " chunk's time of the first
 * sample (a timeline sink, hal/audio.h), -1 when the file has none (the MPP double's speaker). */
export function readWav(file: string): { rate: number; channels: number; firstUs: number; samples: Int16Array } {
  const b = readFileSync(file);
  if (b.toString("latin1", 0, 4) !== "RIFF" || b.toString("latin1", 8, 12) !== "WAVE") throw new Error(`${file}: not a WAV file`);
  let rate = 0;
  let channels = 0;
  let firstUs = -1;
  for (let o = 12; o + 8 <= b.length; ) {
    const id = b.toString("latin1", o, o + 4);
    const len = b.readUInt32LE(o + 4);
    if (id === "fmt ") {
      channels = b.readUInt16LE(o + 10);
      rate = b.readUInt32LE(o + 12);
    } else if (id === "clk ") {
      firstUs = Number(b.readBigUInt64LE(o + 8));
    } else if (id === "data") {
      const data = b.subarray(o + 8, o + 8 + len);
      return { rate, channels, firstUs, samples: new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) };
    }
    o += 8 + len + (len & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

/** A WAV written by K230JS_SIM_AUDIO_OUT=wav:PATH: sample k was heard at firstUs + k * 1e6 / rate. */
export function readTimedWav(file: string): { rate: number; channels: number; firstUs: number; samples: Int16Array } {
  const w = readWav(file);
  if (w.firstUs < 0) throw new Error(`${file}: no "clk " chunk before the data`);
  return w;
}

export interface ToneChange {
  /** Sample index of the change (to the nearest hop). */
  at: number;
  from: number;
  to: number;
}

/**
 * Where a signal made of steady tones (one of `freqs` at a time, or silence) switches from one
 * tone straight to another: Goertzel power per window, each window labelled by its strongest
 * frequency, a change where a run of one label is followed by a run of another.
 */
export function toneChanges(pcm: Int16Array, rate: number, freqs: number[], windowMs = 10, hopMs = 2.5): ToneChange[] {
  const win = Math.round((rate * windowMs) / 1000);
  const hop = Math.max(1, Math.round((rate * hopMs) / 1000));
  const labels: number[] = [];
  for (let s = 0; s + win <= pcm.length; s += hop) {
    let best = -1;
    let bestP = 0;
    let total = 0;
    for (let i = s; i < s + win; i++) total += pcm[i]! * pcm[i]!;
    freqs.forEach((f, k) => {
      const c = 2 * Math.cos((2 * Math.PI * f) / rate);
      let s1 = 0;
      let s2 = 0;
      for (let i = s; i < s + win; i++) {
        const v = pcm[i]! + c * s1 - s2;
        s2 = s1;
        s1 = v;
      }
      const p = s1 * s1 + s2 * s2 - c * s1 * s2;
      if (p > bestP) {
        bestP = p;
        best = k;
      }
    });
    // Silence, or no tone standing out: no label.
    labels.push(total / win < 1e5 || bestP < 0.2 * total * win ? -1 : best);
  }
  // Runs of one label; a change is a run of one tone followed by a run of another, with at most
  // a few unlabelled windows (those straddling the switch) between them.
  const runs: { label: number; from: number; to: number }[] = [];
  labels.forEach((l, i) => {
    const last = runs[runs.length - 1];
    if (last && last.label === l) last.to = i;
    else runs.push({ label: l, from: i, to: i });
  });
  const RUN = 4;
  const GAP = Math.ceil(win / hop) + 1;
  const changes: ToneChange[] = [];
  for (let r = 1; r < runs.length; r++) {
    const a = runs[r - 1]!;
    let b = runs[r]!;
    let gap = 0;
    if (b.label < 0 && r + 1 < runs.length) {
      gap = b.to - b.from + 1;
      b = runs[r + 1]!;
    }
    if (a.label < 0 || b.label < 0 || a.label === b.label || gap > GAP) continue;
    if (a.to - a.from + 1 < RUN || b.to - b.from + 1 < RUN) continue;
    // The switch sits half a window after the midpoint between the two runs' window starts.
    changes.push({ at: Math.round(((a.to + b.from) / 2) * hop + win / 2), from: a.label, to: b.label });
  }
  return changes;
}
