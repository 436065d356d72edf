/**
 * `k230:media` — the camera (Sensor), the hardware video encoder (Encoder) and decoder
 * (Decoder), the display (Display), the bindings between them (MediaManager) and an MP4 player
 * (Player), with CanMV's names in camelCase so its examples port line by line.
 *
 * Frames and encoded packs reach JS as zero-copy ArrayBuffers over the hardware's buffers: give
 * them back with `releaseStream()` / `frame.release()` (GC and a soft reset are the fallback).
 * Bound paths (sensor -> encoder, decoder -> display) and `encoder.pipeTo(target)` run entirely
 * in C: a 30 fps stream costs JS nothing per frame. Every hardware object has `close()`; any
 * call on a closed object throws an `Error` with `code === "ECLOSED"`. Timestamps are µs.
 *
 * @example
 * ```ts
 * import { Sensor, Encoder, MediaManager } from "k230:media";
 *
 * const sensor = new Sensor();
 * sensor.setFramesize({ width: 1280, height: 720 });
 * sensor.setPixformat(Sensor.YUV420SP);
 * const encoder = new Encoder({ codec: "h264", width: 1280, height: 720 });
 * const link = MediaManager.link(sensor.bindInfo().src, encoder);
 * encoder.start();
 * sensor.run();
 * for (let i = 0; i < 30; i++) {
 *   const stream = encoder.getStream(1000);
 *   if (!stream) continue;
 *   for (const pack of stream.packs) console.log(pack.type, pack.data.byteLength, pack.ptsUs);
 *   encoder.releaseStream(stream);
 * }
 * sensor.stop();
 * link.destroy();
 * encoder.close();
 * sensor.close();
 * ```
 */
declare module "k230:media" {
  /** Pixel formats (`Sensor.YUV420SP` is "NV12"). */
  export type PixelFormat = "NV12" | "RGB888" | "RGB565" | "GRAYSCALE" | "ARGB8888";
  /** Media blocks that can be bound. */
  export type ModId = "sensor" | "venc" | "vdec" | "display";
  /** One channel of a media block: CanMV's `(mod, dev, chn)` tuple. */
  export interface Chn {
    mod: ModId;
    dev: number;
    chn: number;
  }
  export interface Rect {
    x: number;
    y: number;
    width: number;
    height: number;
  }
  /** What a source produces, for `Display.bindLayer` or `MediaManager.link` (CanMV bind_info). */
  export interface BindInfo {
    src: Chn;
    rect: Rect;
    pixFormat: PixelFormat;
  }

  /**
   * A picture lent by the hardware (sensor snapshot, decoder output, display writeback).
   * `data` is the whole picture in place: NV12 has the Y plane (`strides[0]` bytes per row), then
   * the interleaved UV plane at `uvOffset`. Call `release()` when done; `data` is detached then.
   *
   * @example
   * ```ts
   * import { Sensor } from "k230:media";
   *
   * const sensor = new Sensor();
   * sensor.setFramesize({ width: 640, height: 480 });
   * sensor.run();
   * const frame = sensor.snapshot();
   * const y = new Uint8Array(frame.data, 0, frame.strides[0]! * frame.height);
   * console.log(frame.width, frame.height, frame.format, y[0]);
   * frame.release();
   * sensor.close();
   * ```
   */
  export interface Frame {
    readonly width: number;
    readonly height: number;
    readonly format: PixelFormat;
    readonly ptsUs: number;
    /** Frame number from its source, from 0. */
    readonly seq: number;
    /** The picture, zero-copy; detached (byteLength 0) after release(). */
    readonly data: ArrayBuffer;
    readonly strides: number[];
    /** Byte offset of the UV plane in `data` (NV12), else 0. */
    readonly uvOffset: number;
    readonly released: boolean;
    /** Gives the buffer back to the hardware now. Safe to call twice. */
    release(): void;
  }

  export interface SensorOptions {
    /** CSI port 0-2. Default 0. */
    id?: number;
    /** Sensor mode. Default 1920x1080 @ 30 fps. */
    width?: number;
    height?: number;
    fps?: number;
  }

  /**
   * The camera (CanMV `media.sensor.Sensor`). Up to three output channels, each with its own
   * size and pixel format; configure them before `run()`.
   *
   * @example
   * ```ts
   * import { Sensor } from "k230:media";
   *
   * const sensor = new Sensor({ id: 0, fps: 30 });
   * sensor.reset();
   * sensor.setFramesize({ width: 800, height: 480, chn: Sensor.CAM_CHN_ID_0 });
   * sensor.setPixformat(Sensor.RGB888, { chn: Sensor.CAM_CHN_ID_0 });
   * sensor.run();
   * const info = sensor.bindInfo({ x: 0, y: 0, chn: Sensor.CAM_CHN_ID_0 });
   * console.log(info.src, info.rect, info.pixFormat);
   * sensor.close();
   * ```
   */
  export class Sensor {
    constructor(options?: SensorOptions);
    static readonly YUV420SP: "NV12";
    static readonly NV12: "NV12";
    static readonly RGB888: "RGB888";
    static readonly RGB565: "RGB565";
    static readonly GRAYSCALE: "GRAYSCALE";
    static readonly ARGB8888: "ARGB8888";
    static readonly CAM_CHN_ID_0: 0;
    static readonly CAM_CHN_ID_1: 1;
    static readonly CAM_CHN_ID_2: 2;
    /** Stops the sensor if it runs (channel settings are kept). */
    reset(): void;
    /**
     * Output size of a channel (default chn 0); `bufCount` output buffers (default 6).
     * `alignment` (CanMV's, 0..12): log2 of the byte alignment of the channel's planes, so an NV12
     * frame's `uvOffset` is `width * height` rounded up to `2 ** alignment`. The encoder takes a
     * camera channel only with 12 (`MediaManager.link` throws EINVAL otherwise). Default: 12 for
     * NV12 and GRAYSCALE channels, 0 for RGB ones (CanMV's default is 0, and its examples that
     * encode pass 12).
     */
    setFramesize(options: { width: number; height: number; chn?: number; bufCount?: number; alignment?: number }): void;
    setPixformat(format: PixelFormat, options?: { chn?: number }): void;
    run(): void;
    stop(): void;
    /** The next frame of a channel, lent zero-copy (release it). Throws ETIMEDOUT. */
    snapshot(options?: { chn?: number; timeoutMs?: number }): Frame;
    bindInfo(options?: { x?: number; y?: number; chn?: number }): BindInfo;
    /**
     * Frames produced since open; `dropped`: not produced, every output buffer in use (the app
     * or the encoder holds them too long); `late`: produced more than a frame period after their
     * time (a simulated sensor starved of CPU; always 0 on the board, whose sensor is clocked by
     * hardware).
     */
    stats(): { frames: number; dropped: number; late: number };
    /**
     * What was found: the sensor driver's name (board, e.g. "gc2093_csi2"; simulator, its source
     * "pattern" or "file:PATH") and the sensor mode in use, which on the board is the driver's
     * mode closest to the one asked for.
     */
    info(): { name: string; width: number; height: number; fps: number };
    width(chn?: number): number;
    height(chn?: number): number;
    fps(): number;
    id(): number;
    /** Stops, unbinds whatever it feeds and frees the sensor. Safe to call twice. */
    close(): void;
    readonly closed: boolean;
  }

  export type VideoCodec = "h264" | "h265" | "jpeg";

  export interface EncoderOptions {
    codec: VideoCodec;
    width: number;
    height: number;
    /** Channel 0-3; default: the lowest free one. */
    chn?: number;
    /** "default" is H.264 high / H.265 main. */
    profile?: "default" | "baseline" | "main" | "high";
    rc?: "cbr" | "vbr" | "fixqp";
    /** kbit/s, default 4000. */
    bitrate?: number;
    /** I-frame interval in frames, default 30. */
    gop?: number;
    /** Output frame rate (default 30); `srcFps` is the input rate (default = fps). */
    fps?: number;
    srcFps?: number;
    /** Streams in flight (fetched or not) before input frames are dropped. Default 6. */
    bufCount?: number;
    /** JPEG quality 1-99. */
    quality?: number;
    /** FIXQP quantiser. */
    qp?: number;
  }

  export type PackType = "header" | "i" | "p";
  /** One pack of an encoded picture: Annex-B bytes lent zero-copy until releaseStream(). */
  export interface Pack {
    data: ArrayBuffer;
    /** "header" carries the parameter sets alone (SPS/PPS[/VPS]); it precedes every "i". */
    type: PackType;
    ptsUs: number;
  }
  /** One encoded picture (CanMV StreamData). */
  export interface EncoderStream {
    readonly packs: Pack[];
    readonly seq: number;
    /** Same as `encoder.releaseStream(this)`. */
    release(): void;
  }

  export interface PipeStats {
    frames: number;
    bytes: number;
    errors: number;
  }
  /**
   * The C-side path from an encoder to a target (`encoder.pipeTo`). It keeps the app alive
   * until closed; a target error ends it and is reported on "error".
   */
  export interface Pipe {
    close(): void;
    readonly stats: PipeStats;
    readonly closed: boolean;
    on(event: "error", listener: (error: Error & { code: string }) => void): this;
  }
  /** What an encoder can be piped into: an RtspSession (k230:rtsp) or an Mp4Muxer (k230:mp4). */
  export type PipeTarget = object;

  /**
   * A pipe target that counts what it gets and drops it: the C path with no consumer cost, for
   * benchmarks and tests. `encoder.pipeTo(new NullSink())`.
   */
  export class NullSink {
    constructor();
    /** Pictures received (HEADER packs not counted). */
    readonly frames: number;
    readonly bytes: number;
  }

  /**
   * The hardware video encoder (CanMV `media.vencoder.Encoder`): H.264, H.265 or JPEG from a
   * bound sensor channel or frames sent by the app.
   *
   * @example
   * ```ts
   * import { Encoder } from "k230:media";
   * import { Mp4Muxer } from "k230:mp4";
   *
   * const encoder = new Encoder({ codec: "h265", width: 1280, height: 720, bitrate: 2000 });
   * const muxer = new Mp4Muxer("/sdcard/clip.mp4");
   * muxer.addVideoTrack({ codec: "h265", width: 1280, height: 720 });
   * const pipe = encoder.pipeTo(muxer);          // every picture goes to the file, in C
   * pipe.on("error", (e) => console.log("recording stopped:", e.code));
   * encoder.start();
   * ```
   */
  export class Encoder {
    constructor(options: EncoderOptions);
    static readonly PAYLOAD_TYPE_H264: "h264";
    static readonly PAYLOAD_TYPE_H265: "h265";
    static readonly PAYLOAD_TYPE_JPEG: "jpeg";
    static readonly H264_PROFILE_BASELINE: "baseline";
    static readonly H264_PROFILE_MAIN: "main";
    static readonly H264_PROFILE_HIGH: "high";
    static readonly H265_PROFILE_MAIN: "main";
    static readonly STREAM_TYPE_HEADER: "header";
    static readonly STREAM_TYPE_I: "i";
    static readonly STREAM_TYPE_P: "p";
    static readonly VENC_CHN_ID_0: 0;
    static readonly VENC_CHN_ID_1: 1;
    static readonly VENC_CHN_ID_2: 2;
    static readonly VENC_CHN_ID_3: 3;
    readonly chn: number;
    readonly codec: VideoCodec;
    readonly width: number;
    readonly height: number;
    readonly closed: boolean;
    start(): void;
    stop(): void;
    requestIdr(): void;
    /** The next encoded picture, or null after `timeoutMs` (default -1: wait). EBUSY while piped. */
    getStream(timeoutMs?: number): EncoderStream | null;
    /** Gives a picture back; its pack buffers are detached. */
    releaseStream(stream: EncoderStream): void;
    /** Encodes an NV12 frame the app holds (copied into the encoder). */
    sendFrame(frame: Frame, timeoutMs?: number): void;
    status(): {
      chn: number;
      readyStreams: number;
      outstandingStreams: number;
      framesIn: number;
      streamsOut: number;
      droppedFrames: number;
      bytesOut: number;
      running: boolean;
    };
    /**
     * Hands every picture to `target` in C (no JS per frame) until the pipe is closed. Call it
     * once per target: one encoder feeds any number of pipes, each target's sink called in turn;
     * a failing target breaks only its own pipe. A pipe added to a running encoder starts at the
     * next IDR (requested at once). EBUSY for a target this encoder already feeds.
     */
    pipeTo(target: PipeTarget): Pipe;
    /** The encoder as a link destination: `{ dst: {mod: "venc", dev: 0, chn} }`. */
    bindInfo(): { dst: Chn };
    /** Breaks its pipe, unbinds, stops and frees the channel. Safe to call twice. */
    close(): void;
  }

  export interface DecoderOptions {
    /** "stream" (default): any chunking; "frame": one access unit per decode(). */
    mode?: "stream" | "frame";
    chn?: number;
    maxWidth?: number;
    maxHeight?: number;
    inBufCount?: number;
    outBufCount?: number;
  }

  /**
   * The hardware video decoder (CanMV `media.vdecoder.Decoder`): Annex-B H.264/H.265 in, NV12
   * frames out to a bound display layer or to `getFrame()`.
   *
   * @example
   * ```ts
   * import { Decoder, openFile, STREAM_SIZE } from "k230:media";
   *
   * const decoder = new Decoder("h264");
   * decoder.start();
   * const file = openFile("/sdcard/examples/test.264");
   * for (let data = file.read(STREAM_SIZE); data; data = file.read(STREAM_SIZE)) {
   *   decoder.decode(data);
   *   for (let f = decoder.getFrame(0); f; f = decoder.getFrame(0)) f.release();
   * }
   * file.close();
   * decoder.close();
   * ```
   */
  export class Decoder {
    constructor(codec: "h264" | "h265", options?: DecoderOptions);
    readonly chn: number;
    readonly closed: boolean;
    start(): void;
    /** Queues bytes (copied before returning). Waits up to `timeoutMs` (10000) for room. */
    decode(data: ArrayBuffer | ArrayBufferView, ptsUs?: number, timeoutMs?: number): void;
    /** Marks the end of the stream: the last picture is flushed. */
    endOfStream(): void;
    /** Flushes (waits for a bound display to show the rest) and stops. */
    stop(): void;
    /** The next decoded frame, or null after `timeoutMs` (default 1000) or once drained. */
    getFrame(timeoutMs?: number): Frame | null;
    status(): {
      chn: number;
      bytesIn: number;
      chunksIn: number;
      framesDecoded: number;
      errors: number;
      width: number;
      height: number;
      endOfStream: boolean;
    };
    bindInfo(options?: { x?: number; y?: number; width?: number; height?: number }): BindInfo;
    close(): void;
  }

  export type DisplayType = "VIRT" | "ST7701" | "LT9611";
  export type Layer = "video1" | "video2" | "video3" | "osd0" | "osd1" | "osd2" | "osd3";

  /**
   * The display (CanMV `media.display.Display`): one per board, static methods. On the host the
   * virtual display writes PNGs or Y4M (env K230JS_SIM_DISPLAY=png:DIR).
   *
   * @example
   * ```ts
   * import { Display, Sensor } from "k230:media";
   *
   * const sensor = new Sensor();
   * sensor.setFramesize({ width: 640, height: 480 });
   * Display.init(Display.VIRT, { width: 640, height: 480, toIde: true });
   * Display.bindLayer({ ...sensor.bindInfo(), layer: Display.LAYER_VIDEO1 });
   * sensor.run();
   * ```
   */
  export class Display {
    private constructor();
    static readonly VIRT: "VIRT";
    static readonly ST7701: "ST7701";
    static readonly LT9611: "LT9611";
    static readonly LAYER_VIDEO1: "video1";
    static readonly LAYER_VIDEO2: "video2";
    static readonly LAYER_VIDEO3: "video3";
    static readonly LAYER_OSD0: "osd0";
    static readonly LAYER_OSD1: "osd1";
    static readonly LAYER_OSD2: "osd2";
    static readonly LAYER_OSD3: "osd3";
    static init(type: DisplayType, options?: { width?: number; height?: number; fps?: number; osdNum?: number; toIde?: boolean }): void;
    /** Unbinds every layer and turns the display off. */
    static deinit(): void;
    static inited(): boolean;
    /** Binds a source (e.g. `sensor.bindInfo()` or `decoder.bindInfo()`) to a layer. */
    static bindLayer(options: { src: Chn; rect?: Partial<Rect>; pixFormat?: PixelFormat; layer?: Layer; alpha?: number }): void;
    static unbindLayer(layer: Layer): void;
    /** Shows a picture (copied) on a layer, default OSD0: NV12 on video layers, ARGB8888, RGB888 or
     * RGB565 on OSD layers; its width a multiple of 8 (else an Error with code EINVAL). */
    static showImage(
      image: Frame | { width: number; height: number; format?: PixelFormat; data: ArrayBuffer | ArrayBufferView },
      options?: { x?: number; y?: number; layer?: Layer },
    ): void;
    /** The latest composed screen (NV12), or null before the first one. */
    static writeback(): Frame | null;
    static info(): { width: number; height: number; fps: number; framesComposed: number };
    static width(): number;
    static height(): number;
    static fps(): number;
  }

  export interface PlayerOptions {
    /** The display to bring up when none is (CanMV `Player(display_type)`): "VIRT" (default, at
     * the video's size), "ST7701" or "LT9611". An initialised display is used as it is. */
    display?: DisplayType;
    /** Accepted for CanMV's `display_to_ide`. */
    toIde?: boolean;
    /** The video layer, default "video1". */
    layer?: "video1" | "video2" | "video3";
    /** Play the audio track (default true); false paces the video by the monotonic clock. */
    audio?: boolean;
    /** How often "position" events come while playing, default 1000 ms. */
    positionIntervalMs?: number;
  }

  export interface PlayerInfo {
    /** Seconds. */
    duration: number;
    video: { codec: "h264" | "h265"; width: number; height: number } | null;
    audio: { codec: "alaw" | "ulaw"; sampleRate: number; channels: number } | null;
    /** What was dropped from a damaged or truncated file ("" if nothing): it plays to its last good frame. */
    warning: string;
  }

  export type PlayerState = "idle" | "loaded" | "playing" | "paused" | "ended";

  export interface PlayerStats {
    state: Exclude<PlayerState, "idle">;
    framesDecoded: number;
    framesShown: number;
    /** Frames that came too late (more than 150 ms) and were not shown. */
    framesDropped: number;
    decodeErrors: number;
    audioSamples: number;
    /** What paces playback: the audio device, or the monotonic clock for files without audio. */
    clock: "audio" | "system";
    /** Seconds: the media time of the picture on screen, null before the first. */
    lastShown: number | null;
  }

  /** "eos" at the end of the file; "error" (an Error with `.code`, e.g. "ETRUNC" for a damaged
   * file played to its last good frame) when playback could not go on; "position" every
   * `positionIntervalMs` while playing. Every event has `position` in seconds. */
  export interface PlayerEvent {
    type: "eos" | "position";
    position: number;
  }
  export interface PlayerError extends Error {
    type: "error";
    code: string;
    position: number;
  }

  /**
   * An MP4 player in one object (CanMV `media.player.Player`): H.264/H.265 video through the
   * decoder onto a display layer and G.711 audio through the audio output, paced by one clock
   * (the audio device's when the file has audio), with the whole per-frame path in C. Seeks are
   * frame-accurate; a pause freezes the picture at once and resume continues picture and sound
   * from there. A playing Player keeps the app running until "eos"/"error" or stop().
   *
   * @example
   * ```ts
   * import { Player } from "k230:media";
   *
   * const player = new Player({ display: "VIRT" });
   * const info = player.load("/sdcard/test.mp4");
   * console.log(`${info.duration} s`, info.video, info.audio);
   * player.on("position", (ev) => console.log(`at ${ev.position.toFixed(1)} s`));
   * player.on("eos", () => player.stop());
   * player.start();
   * setTimeout(() => player.pause(), 2000);
   * setTimeout(() => { player.seek(1.0); player.resume(); }, 3000);
   * ```
   */
  export class Player {
    constructor(options?: PlayerOptions);
    /** Opens an MP4 (or MOV) with H.264/H.265 video and/or G.711 audio; stops what was playing. */
    load(path: string): PlayerInfo;
    /** Brings the display up if needed and plays from the beginning (or from a seek made while loaded). */
    start(): void;
    /** Freezes the picture and the clock at once; the speaker plays out what it had queued. */
    pause(): void;
    resume(): void;
    /** Seconds from 0 to the duration; playback (or the paused picture) continues at that frame. After the end, plays again from there. */
    seek(seconds: number): void;
    /** Stops playback and releases the decoder, the audio output and the display it brought up. Safe to call twice. */
    stop(): void;
    /** stop(), and forgets the file. */
    close(): void;
    stats(): PlayerStats;
    on(event: "eos" | "position", listener: (this: Player, ev: PlayerEvent) => void): this;
    on(event: "error", listener: (this: Player, ev: PlayerError) => void): this;
    off(event: "eos" | "position", listener: (this: Player, ev: PlayerEvent) => void): this;
    off(event: "error", listener: (this: Player, ev: PlayerError) => void): this;
    /** Seconds: what is being heard and shown now. */
    readonly position: number;
    readonly duration: number;
    readonly state: PlayerState;
    readonly info: PlayerInfo | null;
    readonly path: string | null;
  }

  /** A binding made by `MediaManager.link`; `destroy()` unbinds (so do closing either end and soft reset; dropping the object does not). */
  export interface Link {
    destroy(): void;
    close(): void;
    readonly closed: boolean;
  }
  /** A block from a VB pool, mapped zero-copy. */
  export interface Buffer {
    readonly data: ArrayBuffer;
    readonly size: number;
    readonly physAddr: number;
    readonly handle: number;
    destroy(): void;
  }
  export interface VBPool {
    get(size?: number): Buffer;
    destroy(): void;
  }
  export interface MediaStats {
    pools: number;
    blocks: number;
    links: number;
    sensors: number;
    encoders: number;
    decoders: number;
    displays: number;
    audioIns: number;
    audioOuts: number;
    frames: number;
    /** Everything the app holds in the media stack. */
    total: number;
    /** Debug counters of the zero-copy paths (goal 0 for the first two). */
    streamBytesCopied: number;
    frameBytesCopied: number;
    convertBytes: number;
  }

  /**
   * Bindings and buffers (CanMV `media.media.MediaManager`). `init()`/`deinit()` exist for
   * ported code and do nothing: buffers are managed per object and by soft reset.
   *
   * @example
   * ```ts
   * import { MediaManager, Sensor, Encoder } from "k230:media";
   *
   * const sensor = new Sensor();
   * sensor.setFramesize({ width: 1280, height: 720 });
   * const encoder = new Encoder({ codec: "h264", width: 1280, height: 720 });
   * const link = MediaManager.link(sensor.bindInfo().src, { mod: MediaManager.VIDEO_ENCODE_MOD_ID, dev: MediaManager.VENC_DEV_ID, chn: encoder.chn });
   * console.log(MediaManager.stats().links);
   * link.destroy();
   * ```
   */
  export class MediaManager {
    private constructor();
    static readonly CAMERA_MOD_ID: "sensor";
    static readonly VIDEO_ENCODE_MOD_ID: "venc";
    static readonly VIDEO_DECODE_MOD_ID: "vdec";
    static readonly DISPLAY_MOD_ID: "display";
    static readonly VENC_DEV_ID: 0;
    static readonly VDEC_DEV_ID: 0;
    static init(): void;
    static deinit(): void;
    /** Binds a source channel to a sink channel (or an Encoder). EINVAL when incompatible. */
    static link(src: Chn, dst: Chn | Encoder): Link;
    static unlink(link: Link): void;
    /** What the app holds in the media stack and the zero-copy counters (debug). */
    static stats(): MediaStats;
    /** Releases everything (what a soft reset does); returns how many objects were freed. */
    static resetAll(): number;
    static readonly VBPool: { create(blkSize: number, blkCnt?: number): VBPool };
  }

  /** Bytes per read in CanMV's decode example (40 KB). */
  export const STREAM_SIZE: 40960;
  /**
   * A binary file on the board ("/sdcard/..."), for streaming media in chunks. Failures throw an
   * Error naming the path, with the C library's reason as `.code` ("ENOSPC" for a full card,
   * "ENOENT", "EIO" for the rest).
   *
   * @example
   * ```ts
   * import { openFile, removeFile } from "k230:media";
   *
   * const f = openFile("/sdcard/log.bin", "w");
   * f.write(new Uint8Array([1, 2, 3]));
   * f.sync();                      // on the card now (throws ENOSPC when it is full)
   * f.close();
   * removeFile("/sdcard/log.bin");
   * ```
   */
  export interface MediaFile {
    /** Up to `size` bytes, or null at the end of the file. */
    read(size: number): ArrayBuffer | null;
    /** Buffered: a full card may show only at sync() or close(). */
    write(data: ArrayBuffer | ArrayBufferView): void;
    /** Writes what is buffered and flushes the file system's cache to the medium (fsync). */
    sync(): void;
    /** Writes what is buffered and closes; throws when those bytes could not be written. Safe to call twice. */
    close(): void;
  }
  export function openFile(path: string, mode?: "r" | "w" | "a"): MediaFile;
  /** Deletes a file ("/sdcard/..."). Throws with `.code` "ENOENT" when it does not exist. */
  export function removeFile(path: string): void;

  /** One access unit (one picture, with its parameter sets and SEI) of a raw stream. */
  export interface AccessUnit {
    /**
     * The unit's Annex-B bytes, start codes included, zero-copy. From a file: a read-only view
     * (its ArrayBuffer is immutable) of the file mapped or of the reader's read buffer, valid
     * until the next `read()`/`next()` or `close()`, after which it is detached (length 0; keep
     * a copy with `data.slice()`). Such a unit, given whole to `Mp4Muxer.writeFrame`, is
     * converted with the start codes the splitter already found (no second search; the same
     * file). From a buffer: a view into that buffer, valid as long as it is (the muxer searches
     * it: its bytes may have changed).
     */
    readonly data: Uint8Array;
    /** Holds an IDR (H.264) / IRAP (H.265) picture. */
    readonly keyframe: boolean;
    /** 0, 1, 2 ... in stream (decode) order. */
    readonly index: number;
    /** Byte offset of `data[0]` in the stream (what ffprobe reports as the packet's pos). */
    readonly offset: number;
  }

  export interface AnnexBReaderOptions {
    /** Default "h265" for a path ending in .265, .h265 or .hevc, else "h264". */
    codec?: "h264" | "h265";
    /**
     * The largest unit accepted, in bytes (default 1920 * 1088, the K230 decoder's input
     * block). A larger one is skipped: read() throws an Error with code "ELIMIT" and the next
     * read() goes on after it. From a file the read buffer grows up to this size as units need.
     */
    maxUnitSize?: number;
  }

  /**
   * The access units of a raw H.264/H.265 stream (Annex-B: a .264/.265 file, or bytes in
   * memory), split in C and handed to JS without copying — what a decoder in "frame" mode,
   * `Mp4Muxer.writeFrame` or an `RtspSession` takes. A unit ends where the next picture (or
   * its AUD/parameter sets/SEI) begins (ITU-T H.264 §7.4.1.2.3, H.265 §7.4.2.4.4); bytes before
   * the first start code and zeros at the very end are left out, everything else is delivered.
   * Iterating yields units until the end of the stream.
   *
   * @example
   * ```ts
   * import { AnnexBReader } from "k230:media";
   * import { Mp4Muxer } from "k230:mp4";
   *
   * const units = new AnnexBReader("/sdcard/examples/test.264");
   * const muxer = new Mp4Muxer("/sdcard/examples/test.mp4", { mode: "indexed" });
   * const track = muxer.addVideoTrack({ codec: units.codec, width: 1280, height: 720 });
   * for (const unit of units) muxer.writeFrame(track, unit.data, Math.floor((unit.index * 1e6) / 30));
   * muxer.close();
   * units.close();
   * ```
   */
  export class AnnexBReader implements IterableIterator<AccessUnit> {
    /**
     * `source`: a path (mapped where the system maps files, else read in chunks, see `data`), or
     * the whole stream in memory (an ArrayBuffer or a view of one, scanned in place: do not
     * detach or resize it while reading; read() throws ESTATE if it was).
     *
     * A file that shrinks while it is open (another program truncates it) crashes nothing:
     * read() throws an Error with code `ETRUNC` naming the file ("AnnexBReader.read: '<path>'
     * shrank while it was open: ...") at the next call when mapped (a unit you still hold from
     * past the new end then reads as zeros), or where the rest ends when read (the board).
     */
    constructor(source: string | ArrayBuffer | ArrayBufferView, options?: AnnexBReaderOptions);
    readonly codec: "h264" | "h265";
    readonly closed: boolean;
    /** The next unit, or null at the end of the stream. */
    read(): AccessUnit | null;
    /** Closes the file (a buffer source is let go). Safe to call twice. */
    close(): void;
    [Symbol.iterator](): IterableIterator<AccessUnit>;
    next(): IteratorResult<AccessUnit, undefined>;
  }
}
