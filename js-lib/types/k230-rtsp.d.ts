/**
 * `k230:rtsp` — an RTSP 1.0 server (RFC 2326) for H.264/H.265 video and G.711 audio.
 *
 * One server listens on one port and serves any number of sessions (paths such as
 * `rtsp://board:8554/live`). Clients play over UDP or TCP (interleaved); each client has its
 * own bounded queue, so a slow or stalled client loses frames (video resumes at the next
 * keyframe) instead of slowing the producer or anyone else.
 *
 * Frames go in as Annex-B access units with their presentation time in microseconds:
 * `session.sendVideo(pack.data, pack.ptsUs)`. The bytes are read in place (no JS copy) and
 * packetized before the call returns, so a lent encoder buffer can be released right after.
 * A buffer holding only parameter sets (the encoder's HEADER pack) is fine: SPS/PPS (and VPS)
 * are cached and sent ahead of every keyframe and in the SDP.
 *
 * An open server keeps the app running; `close()` ends it.
 *
 * @example
 * ```ts
 * import { RtspServer } from "k230:rtsp";
 * import { Mp4Demuxer } from "k230:mp4";
 *
 * const server = new RtspServer({ port: 8554 });
 * const session = server.createSession("file", { video: "h264" });
 * server.on("play", (ev) => console.log(`${ev.peer} plays ${ev.session}`));
 * console.log("play", server.url("file"));
 *
 * const demuxer = new Mp4Demuxer("/sdcard/examples/test.mp4");
 * const frame = demuxer.getFrame();
 * if (!frame.eof) session.sendVideo(frame.data, frame.ptsUs);
 * console.log(server.stats().clients, "clients");
 * setTimeout(() => { demuxer.close(); server.close(); }, 1000);
 * ```
 */
declare module "k230:rtsp" {
  export interface RtspAuthOptions {
    user: string;
    password: string;
    /** "digest" (default, MD5, RFC 2617) or "basic". */
    scheme?: "digest" | "basic";
    /** Default "k230js". */
    realm?: string;
  }

  export interface RtspServerOptions {
    /** TCP port; default 8554. 0 picks a free port (read it back from `server.port`). */
    port?: number;
    /** Numeric bind address: "0.0.0.0" (default, every IPv4 interface), "127.0.0.1", "::", "::1". */
    host?: string;
    /**
     * When given, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER and SET_PARAMETER need
     * these credentials (401 otherwise); OPTIONS is answered without them, as RFC 2326 clients
     * expect when they probe a server.
     */
    auth?: RtspAuthOptions;
    /** Largest RTP packet in bytes, header included (576-9000, default 1400). */
    mtu?: number;
    /** A client that sends nothing for this long is dropped; advertised as `Session: …;timeout=`. Default 60. */
    sessionTimeoutS?: number;
    /** A request must arrive complete within this many seconds (slow senders are dropped). Default 10. */
    requestTimeoutS?: number;
    /**
     * Most TCP connections at once (default 64). At the cap a newcomer replaces the oldest
     * connection that has sent nothing yet; when there is none it gets "503 Service
     * Unavailable". So does one waiting while the process is out of file descriptors.
     */
    maxClients?: number;
    /** Most TCP connections from one address (default 16), with the same rule among them. */
    maxClientsPerAddress?: number;
    /**
     * A connection with nothing playing is closed when it has not completed a request for this
     * many seconds (default 5): idle sockets cannot hold slots.
     */
    requestDeadlineS?: number;
    /**
     * Media queued per client before frames are dropped for that client (default 4 MiB). Bounds
     * the memory a stalled client can hold: at most maxClients times this.
     */
    clientQueueBytes?: number;
  }

  export interface RtspSessionOptions {
    /** Default "h264". "none" for an audio-only session. */
    video?: "h264" | "h265" | "none";
    /**
     * G.711 µ-law (RTP payload type 0) or A-law (8), 8 kHz mono, spelled as in k230:audio and
     * k230:mp4 (an Mp4Demuxer track's `codec` fits as is). "g711u"/"g711a" are accepted as
     * aliases. Default: no audio.
     */
    audio?: "ulaw" | "alaw" | "g711u" | "g711a" | "none";
  }

  export type RtspEventType = "connect" | "disconnect" | "play" | "stop";

  export interface RtspEvent {
    type: RtspEventType;
    /** The connection's id (unique per server). */
    id: number;
    /** "ip:port" ("[ip]:port" for IPv6). */
    peer: string;
    /** The session name, for "play" and "stop". */
    session?: string;
  }

  export interface RtspSessionStats {
    /** Clients playing this session now. */
    readers: number;
    /** Frames given with sendVideo/sendAudio (or piped in). */
    framesIn: number;
    /** Frames dropped for slow clients, summed over clients. */
    drops: number;
  }

  export interface RtspServerStats {
    /** Open TCP connections. */
    clients: number;
    /** RTSP sessions set up (any state). */
    sessions: number;
    /** Sessions receiving media. */
    playing: number;
    bytesSent: number;
    packetsSent: number;
    /** Frames a client missed once it was playing (its queue was full); not those before its first keyframe. */
    drops: number;
    framesIn: number;
    connectionsTotal: number;
    /** Connections turned away: at maxClients or maxClientsPerAddress with none silent to replace, or blocked. */
    connectionsRefused: number;
    /** Silent connections closed for a newcomer (a cap, or out of descriptors), or by requestDeadlineS. */
    connectionsEvicted: number;
    /** Wrong credentials. After 3 from an address or on a connection, each costs an exponential
     * delay (100 ms doubling to 5 s) on that connection and on new ones from the address; 10
     * from an address block it for 60 s. An address's failures are forgotten 60 s after its last. */
    authFailures: number;
    /** Connections refused or closed while their address was blocked. */
    authBlocked: number;
    /** The listener paused because the process ran out of file descriptors. */
    acceptPauses: number;
    /** By session name. */
    perSession: Record<string, RtspSessionStats>;
  }

  /**
   * The server. Errors are `Error`s with a `.code`: "EBUSY" (port in use, or a session name
   * taken), "EINVAL", "ECLOSED" (used after close()). Bad arguments throw TypeError/RangeError.
   */
  export class RtspServer {
    constructor(options?: RtspServerOptions);
    /** Adds a path clients can play: `rtsp://host:port/<name>`. */
    createSession(name: string, options?: RtspSessionOptions): RtspSession;
    /**
     * The URL for a session. A server listening on every address (the default) is named by the
     * address a laptop reaches the board at (k230:net `address()`: Wi-Fi, else LAN), or 127.0.0.1
     * (::1) when no interface is up.
     */
    url(name?: string): string;
    /** Listeners run on the loop, after the server has done its work (they may call close()). */
    on(event: RtspEventType, listener: (this: RtspServer, ev: RtspEvent) => void): this;
    off(event: RtspEventType, listener: (this: RtspServer, ev: RtspEvent) => void): this;
    stats(): RtspServerStats;
    /** Disconnects every client, closes the sockets and lets the app end. Safe to call twice. */
    close(): void;
    /** Open TCP connections. */
    readonly clientCount: number;
    /** The listening port (useful with `port: 0`). */
    readonly port: number;
    readonly host: string;
    readonly closed: boolean;
  }

  /**
   * One path on the server. Keep a reference while it streams: a session that is garbage
   * collected is closed. `encoder.pipeTo(session)` (k230:media) feeds it from C.
   */
  export class RtspSession {
    private constructor();
    /**
     * One access unit in Annex-B (start codes), or parameter sets alone. `ptsUs` in µs sets the
     * RTP timestamp (90 kHz). Throws "ENOTSUP" for a session without video, "ECLOSED" after close.
     */
    sendVideo(data: ArrayBuffer | ArrayBufferView, ptsUs: number): void;
    /** G.711 bytes as configured (8 kHz mono: 8 bytes per ms); `ptsUs` sets the 8 kHz RTP timestamp. */
    sendAudio(data: ArrayBuffer | ArrayBufferView, ptsUs: number): void;
    stats(): RtspSessionStats;
    /** Ends the clients' playback (RTCP BYE, then their connections close) and removes the path. */
    close(): void;
    readonly name: string;
    readonly url: string;
    readonly closed: boolean;
    readonly server: RtspServer;
  }

  export interface RtspPusherOptions {
    video?: "h264" | "h265";
    /** As RtspSessionOptions.audio. */
    audio?: "ulaw" | "alaw" | "g711u" | "g711a";
    /** Answered on a 401 with Basic or Digest, as the server asks (credentials in the URL work too). */
    auth?: { user: string; password: string };
    /** Max RTP packet size incl. header (576-9000, default 1400). */
    mtu?: number;
  }

  export type RtspPusherState = "idle" | "connecting" | "recording" | "failed" | "closed";

  export interface RtspPusherStats {
    state: RtspPusherState;
    framesSent: number;
    /** Frames sent before RECORD was accepted, while waiting for a keyframe, or over a 4 MiB backlog. */
    framesDropped: number;
    packetsSent: number;
    bytesSent: number;
  }

  /**
   * Push mode: publishes to an existing RTSP server (a media server that fans out to many
   * viewers). `connect()` sends OPTIONS, ANNOUNCE (SDP), SETUP per track with
   * `RTP/AVP/TCP;interleaved;mode=record` and RECORD; media then flows as interleaved RTP on
   * the same TCP connection. The data is read in place (no JS copy), as with RtspSession, and
   * `encoder.pipeTo(pusher)` (k230:media) feeds it from C. Frames given before RECORD is
   * accepted only update the cached parameter sets (SPS/PPS/VPS, sent ahead of every keyframe).
   * An open connection keeps the app running; `close()` sends TEARDOWN and ends it.
   *
   * @example
   * ```ts
   * import { RtspPusher } from "k230:rtsp";
   * import { Mp4Demuxer } from "k230:mp4";
   *
   * const pusher = new RtspPusher("rtsp://192.168.1.10:8554/cam1", { video: "h264" });
   * const demuxer = new Mp4Demuxer("/sdcard/examples/test.mp4");
   * pusher.connect().then(() => {
   *   const frame = demuxer.getFrame();
   *   if (!frame.eof) pusher.sendVideo(frame.data, frame.ptsUs);
   *   console.log(pusher.stats().framesSent, "frames sent");
   *   pusher.close();
   *   demuxer.close();
   * }, (e: Error & { code: string; status?: number }) => console.log("publish failed:", e.code, e.status, e.message));
   * ```
   */
  export class RtspPusher {
    /** `url`: rtsp://host[:port]/path with a numeric IPv4/IPv6 host or localhost (no DNS on the loop). */
    constructor(url: string, options?: RtspPusherOptions);
    /**
     * Connects and publishes. Resolves once the server accepted RECORD. Rejects with an Error
     * whose `.code` is the socket error ("ECONNREFUSED", "ETIMEDOUT" after 5 s, ...) or "EIO",
     * and whose `.status` is the server's RTSP status for a non-2xx reply (the status line is in
     * the message, e.g. "ANNOUNCE rtsp://…/cam1: RTSP/1.0 404 Not Found"). Calling it again
     * returns the same promise.
     */
    connect(): Promise<void>;
    /** One access unit in Annex-B; `ptsUs` sets the 90 kHz RTP timestamp. Throws after a failure. */
    sendVideo(data: ArrayBuffer | ArrayBufferView, ptsUs: number): void;
    /** G.711 bytes (8 kHz mono) as configured. */
    sendAudio(data: ArrayBuffer | ArrayBufferView, ptsUs: number): void;
    stats(): RtspPusherStats;
    /** Sends TEARDOWN; the connection closes once the server replied (at most ~1 s later). */
    close(): void;
    readonly state: RtspPusherState;
    readonly url: string;
  }

  export interface RtspProbeOptions {
    /** "tcp" (default): interleaved on the RTSP connection; "udp": RTP to two client ports. */
    transport?: "tcp" | "udp";
    /** Answered on a 401 with Basic or Digest, as the server asks (credentials in the URL work too). */
    auth?: { user: string; password: string };
  }

  export interface RtspProbeStats {
    state: "idle" | "connecting" | "playing" | "failed" | "closed";
    /** RTP packets of the set-up tracks that arrived (RTCP not counted). */
    packetsReceived: number;
    bytesReceived: number;
  }

  /**
   * A viewer that checks a stream arrives: OPTIONS, DESCRIBE, SETUP of the SDP's first video and
   * first audio track (over TCP or UDP) and PLAY, as a player does, then it counts the RTP
   * packets that arrive without decoding them. `k230js doctor` checks the board's RTSP path on
   * loopback with it; it also tells whether a camera or server elsewhere is reachable.
   * An open probe keeps the app running; `close()` sends TEARDOWN and ends it.
   * @example
   * ```ts
   * import { RtspProbe, RtspServer } from "k230:rtsp";
   * const server = new RtspServer({ host: "127.0.0.1", port: 0 });
   * const session = server.createSession("live", { video: "h264" });
   * const probe = new RtspProbe(session.url, { transport: "udp" });
   * probe.play().then(() => {
   *   // ... session.sendVideo(...) ...
   *   setTimeout(() => {
   *     console.log(probe.stats().packetsReceived, "packets arrived of", server.stats().packetsSent);
   *     probe.close();
   *     server.close();
   *   }, 500);
   * }, (e: Error & { code: string; status?: number }) => console.log("cannot play:", e.code, e.message));
   * ```
   */
  export class RtspProbe {
    /** `url`: rtsp://host[:port]/path with a numeric IPv4/IPv6 host or localhost (no DNS on the loop). */
    constructor(url: string, options?: RtspProbeOptions);
    /**
     * Connects and starts playing. Resolves once the server accepted PLAY. Rejects as
     * RtspPusher.connect() does: `.code` the socket error or "EIO", `.status` the server's RTSP
     * status for a non-2xx reply (e.g. 404 for a path that does not exist). Calling it again
     * returns the same promise.
     */
    play(): Promise<void>;
    stats(): RtspProbeStats;
    /** Sends TEARDOWN; the connection closes once the server replied (at most ~1 s later). */
    close(): void;
    readonly state: RtspProbeStats["state"];
    readonly url: string;
  }
}
