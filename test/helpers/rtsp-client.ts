// A small RTSP load client of our own (tests and bench/rtsp): DESCRIBE, SETUP every track over
// TCP-interleaved (RFC 2326 §10.12) or UDP, PLAY, then counts RTP packets, bytes, frames (video
// marker bits) and sequence gaps per track. Basic and Digest (RFC 2617) credentials. A "stalled"
// client stops reading after PLAY, to check that it cannot slow anyone else.
import { createHash, randomBytes } from "node:crypto";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, isIPv6, type Socket } from "node:net";

export interface RtspClientOptions {
  transport?: "tcp" | "udp";
  user?: string;
  password?: string;
  /** Stop reading the socket after PLAY (the server's send buffer fills up). */
  stall?: boolean;
  /** Per request, ms (default 5000). */
  timeoutMs?: number;
}

export interface TrackStats {
  control: string;
  media: string;
  packets: number;
  bytes: number;
  /** Video: packets with the marker bit (one per access unit). Audio: packets. */
  frames: number;
  /** Missing sequence numbers (a jump forward of n counts n-1). */
  gaps: number;
  lastSeq: number;
  /** RTP timestamps that went backwards across frames. */
  tsBackwards: number;
  lastTs: number;
  rtcp: number;
  bye: boolean;
}

export interface RtspResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

export class RtspClient {
  readonly url: string;
  readonly tracks: TrackStats[] = [];
  /** performance.now() when the first RTP packet arrived. */
  firstPacketAt = 0;
  lastPacketAt = 0;
  playedAt = 0;
  /** performance.now() when PLAY was sent. */
  playRequestedAt = 0;
  closed = false;
  private sock!: Socket;
  private buf = Buffer.alloc(0);
  private cseq = 0;
  private waiting: { resolve: (r: RtspResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private session = "";
  private authHeader: ((method: string, uri: string) => string) | undefined;
  private udp: UdpSocket[] = [];
  private opts: Required<Omit<RtspClientOptions, "user" | "password">> & RtspClientOptions;

  constructor(url: string, opts: RtspClientOptions = {}) {
    this.url = url;
    this.opts = { transport: "tcp", stall: false, timeoutMs: 5000, ...opts };
  }

  get transport(): "tcp" | "udp" {
    return this.opts.transport;
  }

  /** Connects and runs DESCRIBE/SETUP/PLAY. */
  async play(): Promise<void> {
    await this.connect();
    const d = await this.request("DESCRIBE", this.url, { Accept: "application/sdp" });
    if (d.status !== 200) throw new Error(`DESCRIBE: ${d.status}`);
    const base = d.headers["content-base"] ?? this.url;
    this.parseSdp(d.body, base.endsWith("/") ? base : `${base}/`);
    for (let i = 0; i < this.tracks.length; i++) {
      const t = this.tracks[i]!;
      let transport: string;
      if (this.opts.transport === "tcp") {
        transport = `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}`;
      } else {
        const ports = await this.openUdp(i);
        transport = `RTP/AVP;unicast;client_port=${ports[0]}-${ports[1]}`;
      }
      const r = await this.request("SETUP", t.control, { Transport: transport, ...(this.session ? { Session: this.session } : {}) });
      if (r.status !== 200) throw new Error(`SETUP ${t.control}: ${r.status}`);
      this.session = (r.headers["session"] ?? "").split(";")[0]!;
    }
    this.playRequestedAt = performance.now();
    const p = await this.request("PLAY", this.url, { Session: this.session, Range: "npt=0.000-" });
    if (p.status !== 200) throw new Error(`PLAY: ${p.status}`);
    this.playedAt = performance.now();
    if (this.opts.stall) this.sock.pause();
  }

  /** One request; resolves with the response (any status). */
  async request(method: string, uri: string, headers: Record<string, string> = {}, retried = false): Promise<RtspResponse> {
    const h: Record<string, string> = { CSeq: String(++this.cseq), "User-Agent": "k230js-test", ...headers };
    if (this.authHeader) h.Authorization = this.authHeader(method, uri);
    const text = `${method} ${uri} RTSP/1.0\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
    const res = await new Promise<RtspResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`${method}: no reply in ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
      this.waiting = { resolve, reject, timer };
      this.sock.write(text);
    });
    if (res.status === 401 && !retried && this.opts.user !== undefined) {
      this.setAuth(res.headers["www-authenticate"] ?? "");
      return this.request(method, uri, headers, true);
    }
    return res;
  }

  /** TEARDOWN (when playing) and close; resolves once the socket is closed. */
  async close(teardown = true): Promise<void> {
    if (this.closed) return;
    if (teardown && this.session && !this.opts.stall) {
      try {
        await this.request("TEARDOWN", this.url, { Session: this.session });
      } catch {
        /* the server may have gone already */
      }
    }
    this.closed = true;
    for (const u of this.udp) u.close();
    await new Promise<void>((res) => {
      if (this.sock.destroyed) return res();
      this.sock.once("close", () => res());
      this.sock.destroy();
    });
  }

  /** Resolves when the server ends the stream (connection closed or RTCP BYE on every track). */
  ended(timeoutMs: number): Promise<boolean> {
    return new Promise((res) => {
      const done = () => this.sock.destroyed || (this.tracks.length > 0 && this.tracks.every((t) => t.bye));
      if (done()) return res(true);
      const iv = setInterval(() => {
        if (done()) {
          clearInterval(iv);
          clearTimeout(to);
          res(true);
        }
      }, 20);
      const to = setTimeout(() => {
        clearInterval(iv);
        res(false);
      }, timeoutMs);
    });
  }

  private setAuth(challenge: string): void {
    const user = this.opts.user ?? "";
    const pass = this.opts.password ?? "";
    if (/^basic/i.test(challenge)) {
      const v = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
      this.authHeader = () => v;
      return;
    }
    const f: Record<string, string> = {};
    for (const m of challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) f[m[1]!.toLowerCase()] = m[2] ?? m[3]!;
    const ha1 = md5(`${user}:${f.realm}:${pass}`);
    const qop = f.qop?.split(",").map((s) => s.trim()).includes("auth") ? "auth" : "";
    let nc = 0;
    this.authHeader = (method, uri) => {
      const ha2 = md5(`${method}:${uri}`);
      const base = `Digest username="${user}", realm="${f.realm}", nonce="${f.nonce}", uri="${uri}"`;
      if (!qop) return `${base}, response="${md5(`${ha1}:${f.nonce}:${ha2}`)}"`;
      const ncs = (++nc).toString(16).padStart(8, "0");
      const cnonce = randomBytes(8).toString("hex");
      const resp = md5(`${ha1}:${f.nonce}:${ncs}:${cnonce}:auth:${ha2}`);
      return `${base}, qop=auth, nc=${ncs}, cnonce="${cnonce}", response="${resp}"`;
    };
  }

  private parseSdp(sdp: string, base: string): void {
    let cur: TrackStats | undefined;
    for (const line of sdp.split(/\r?\n/)) {
      if (line.startsWith("m=")) {
        cur = { control: "", media: line.slice(2).split(" ")[0]!, packets: 0, bytes: 0, frames: 0, gaps: 0, lastSeq: -1, tsBackwards: 0, lastTs: -1, rtcp: 0, bye: false };
        this.tracks.push(cur);
      } else if (cur && line.startsWith("a=control:")) {
        const c = line.slice("a=control:".length);
        cur.control = /^rtsp:/i.test(c) ? c : base + c;
      }
    }
    if (!this.tracks.length) throw new Error(`no media in SDP:\n${sdp}`);
  }

  private connect(): Promise<void> {
    const u = new URL(this.url);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    return new Promise((resolve, reject) => {
      this.sock = connect({ host, port: Number(u.port || 554), family: isIPv6(host) ? 6 : 4 }, () => resolve());
      this.sock.setNoDelay(true);
      this.sock.on("error", (e) => {
        if (this.waiting) {
          clearTimeout(this.waiting.timer);
          this.waiting.reject(e);
          this.waiting = undefined;
        } else reject(e);
      });
      this.sock.on("data", (d) => this.onData(d));
      this.sock.on("close", () => {
        if (this.waiting) {
          clearTimeout(this.waiting.timer);
          this.waiting.reject(new Error("connection closed"));
          this.waiting = undefined;
        }
      });
    });
  }

  private async openUdp(track: number): Promise<[number, number]> {
    const fam = isIPv6(new URL(this.url).hostname.replace(/^\[|\]$/g, "")) ? "udp6" : "udp4";
    for (let attempt = 0; attempt < 20; attempt++) {
      const a = createSocket(fam);
      await new Promise<void>((r) => a.bind(0, r));
      const p = a.address().port;
      if (p % 2) {
        a.close();
        continue;
      }
      const b = createSocket(fam);
      const ok = await new Promise<boolean>((r) => {
        b.once("error", () => r(false));
        b.bind(p + 1, () => r(true));
      });
      if (!ok) {
        a.close();
        continue;
      }
      a.on("message", (m) => this.onRtp(track, m));
      b.on("message", (m) => this.onRtcp(track, m));
      this.udp.push(a, b);
      return [p, p + 1];
    }
    throw new Error("no UDP port pair");
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      if (!this.buf.length) return;
      if (this.buf[0] === 0x24) {
        if (this.buf.length < 4) return;
        const ch = this.buf[1]!;
        const len = this.buf.readUInt16BE(2);
        if (this.buf.length < 4 + len) return;
        const pkt = this.buf.subarray(4, 4 + len);
        this.buf = this.buf.subarray(4 + len);
        if (ch % 2 === 0) this.onRtp(ch / 2, pkt);
        else this.onRtcp((ch - 1) / 2, pkt);
        continue;
      }
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const l of head.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const blen = Number(headers["content-length"] ?? 0);
      if (this.buf.length < end + 4 + blen) return;
      const body = this.buf.subarray(end + 4, end + 4 + blen).toString("latin1");
      this.buf = this.buf.subarray(end + 4 + blen);
      const status = Number(head[0]!.split(" ")[1]);
      if (this.waiting && head[0]!.startsWith("RTSP/")) {
        const w = this.waiting;
        this.waiting = undefined;
        clearTimeout(w.timer);
        w.resolve({ status, headers, body });
      }
    }
  }

  private onRtp(track: number, p: Buffer): void {
    const t = this.tracks[track];
    if (!t || p.length < 12) return;
    if (!this.firstPacketAt) this.firstPacketAt = performance.now();
    this.lastPacketAt = performance.now();
    t.packets++;
    t.bytes += p.length;
    const seq = p.readUInt16BE(2);
    const ts = p.readUInt32BE(4);
    if (t.lastSeq >= 0) {
      const d = (seq - t.lastSeq + 65536) % 65536;
      if (d > 1 && d < 32768) t.gaps += d - 1;
    }
    t.lastSeq = seq;
    if (t.lastTs >= 0 && ts !== t.lastTs && ((ts - t.lastTs + 2 ** 32) % 2 ** 32) > 2 ** 31) t.tsBackwards++;
    t.lastTs = ts;
    if (t.media !== "video" || p[1]! & 0x80) t.frames++;
  }

  private onRtcp(track: number, p: Buffer): void {
    const t = this.tracks[track];
    if (!t) return;
    t.rtcp++;
    // compound packet: look for BYE (PT 203)
    for (let o = 0; o + 4 <= p.length; ) {
      if (p[o + 1] === 203) t.bye = true;
      o += (p.readUInt16BE(o + 2) + 1) * 4;
    }
  }
}
