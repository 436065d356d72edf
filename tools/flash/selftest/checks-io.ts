/** Self-test rows of the board's I/O: RTSP on loopback, audio in and out. */
import { AudioIn, AudioOut } from "k230:audio";
import { RtspProbe, RtspServer, type RtspSession } from "k230:rtsp";
import { exitpoint, ticksMs } from "k230:sys";
import { delay, fail, mb, type Check } from "./check.js";

const FRAMES = 30;

/**
 * A synthetic H.264 access unit: the NAL headers a real stream has (SPS, PPS and IDR, or a
 * non-IDR slice) and 3 kB of slice payload, so the packetizer fragments it (FU-A) as it would a
 * camera's. Nothing decodes it: the row checks that what the server sends arrives.
 */
function accessUnit(n: number): Uint8Array {
  const key = n % 10 === 0;
  const head = key ? [0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80] : [];
  const au = new Uint8Array(head.length + 5 + 3000);
  au.set(head);
  au.set([0, 0, 0, 1, key ? 0x65 : 0x41], head.length);
  for (let i = head.length + 5; i < au.length; i++) au[i] = ((i * 31 + n) & 0x7f) | 0x80; // never 0: no start code
  return au;
}

async function viaProbe(server: RtspServer, session: RtspSession, transport: "tcp" | "udp") {
  const probe = new RtspProbe(session.url, { transport });
  try {
    const t0 = ticksMs();
    await probe.play();
    const playMs = ticksMs() - t0;
    const before = server.stats().packetsSent;
    for (let i = 0; i < FRAMES; i++) {
      exitpoint();
      session.sendVideo(accessUnit(i), i * 33_333);
      await delay(10); // paced: a board's UDP receive queue is short
    }
    const sent = server.stats().packetsSent - before;
    const deadline = ticksMs() + 2000;
    while (probe.stats().packetsReceived < sent && ticksMs() < deadline) await delay(20);
    const { packetsReceived, bytesReceived } = probe.stats();
    if (packetsReceived < sent)
      fail("EIO", `${transport.toUpperCase()}: the server sent ${sent} RTP packets, ${packetsReceived} arrived within 2 s`);
    return { sent, received: packetsReceived, bytes: bytesReceived, playMs };
  } finally {
    probe.close();
  }
}

export const rtsp: Check = async () => {
  const server = new RtspServer({ host: "127.0.0.1", port: 0 });
  try {
    const session = server.createSession("doctor", { video: "h264" });
    const tcp = await viaProbe(server, session, "tcp");
    const udp = await viaProbe(server, session, "udp");
    return {
      text: `port ${server.port}: TCP ${tcp.received}/${tcp.sent} RTP packets (${mb(tcp.bytes)}), UDP ${udp.received}/${udp.sent}; ${FRAMES} frames each`,
      figures: {
        port: server.port,
        tcpSent: tcp.sent,
        tcpReceived: tcp.received,
        tcpBytes: tcp.bytes,
        tcpPlayMs: tcp.playMs,
        udpSent: udp.sent,
        udpReceived: udp.received,
        udpBytes: udp.bytes,
        udpPlayMs: udp.playMs,
      },
    };
  } finally {
    server.close();
  }
};

const RATE = 16000;
const HALF_SECOND = RATE / 2;

function dbfs(v: number): string {
  return v > 0 ? `${(20 * Math.log10(v / 32768)).toFixed(1)} dBFS` : "silence";
}

export const audioIn: Check = () => {
  const mic = new AudioIn({ rate: RATE, channels: 1 });
  try {
    let samples = 0;
    let frames = 0;
    let peak = 0;
    let sq = 0;
    let lastPts = -1;
    const t0 = ticksMs();
    while (samples < HALF_SECOND) {
      exitpoint();
      const f = mic.read(1000);
      if (!f) fail("ETIMEDOUT", `no audio frame within 1 s (${frames} frames so far)`);
      if (f.ptsUs <= lastPts) fail("EBADDATA", `frame ${f.seq}: ptsUs ${f.ptsUs} after ${lastPts}`);
      lastPts = f.ptsUs;
      const pcm = new Int16Array(f.data);
      for (const v of pcm) {
        const a = Math.abs(v);
        if (a > peak) peak = a;
        sq += v * v;
      }
      samples += f.samples;
      frames++;
    }
    const ms = ticksMs() - t0;
    const rms = Math.sqrt(sq / samples);
    return {
      text: `${RATE} Hz mono: ${frames} frames (${(samples / RATE).toFixed(2)} s) in ${(ms / 1000).toFixed(2)} s; peak ${dbfs(peak)}, RMS ${dbfs(rms)}`,
      figures: { rate: RATE, frames, samples, ms, peak, rms: Math.round(rms) },
    };
  } finally {
    mic.close();
  }
};

export const audioOut: Check = () => {
  const out = new AudioOut({ rate: RATE, channels: 1 });
  try {
    const spf = out.samplesPerFrame;
    const tone = new Int16Array(Math.ceil(HALF_SECOND / spf) * spf);
    for (let i = 0; i < tone.length; i++) tone[i] = Math.round(3277 * Math.sin((2 * Math.PI * 440 * i) / RATE)); // -20 dBFS
    const t0 = ticksMs();
    for (let off = 0; off < tone.length; off += spf) {
      exitpoint();
      out.write(tone.subarray(off, off + spf));
    }
    const ms = ticksMs() - t0;
    return {
      text: `${RATE} Hz mono: ${(tone.length / RATE).toFixed(2)} s of 440 Hz at -20 dBFS written in ${(ms / 1000).toFixed(2)} s`,
      figures: { rate: RATE, samples: tone.length, ms },
    };
  } finally {
    out.close();
  }
};
