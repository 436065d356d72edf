/**
 * `k230:mp4` — record and play MP4 files: H.264/H.265 video and G.711 (A-law/µ-law) audio.
 *
 * Recordings are fragmented by default: a file cut by power loss or a full SD card plays up to
 * its last complete fragment (about one second). The first fragment ends right after the first
 * picture, so a recording cut any time after its first pictures plays. At close the file can
 * stay fragmented or be finalized into a classic indexed file (`mode: "indexed"`, index at the
 * end, no media copied) or a web-friendly one (`mode: "faststart"`, index at the front).
 *
 * Timestamps are microseconds everywhere (the encoder's `ptsUs`), never milliseconds.
 *
 * @example
 * ```ts
 * import { Mp4Demuxer } from "k230:mp4";
 * import { ticksMs, sleepMs } from "k230:sys";
 *
 * const demuxer = new Mp4Demuxer("/sdcard/examples/test.mp4");
 * for (const t of demuxer.tracks) console.log(t.kind, t.codec, t.trackId);
 * const start = ticksMs();
 * for (const frame of demuxer) {
 *   const late = frame.ptsUs / 1000 - (ticksMs() - start);
 *   if (late > 0) sleepMs(late);            // play at the file's pace
 *   console.log(frame.codec, frame.data.byteLength, frame.ptsUs);
 * }
 * demuxer.close();
 * ```
 */
declare module "k230:mp4" {
  export type VideoCodec = "h264" | "h265";
  export type AudioCodec = "alaw" | "ulaw";
  export type Codec = VideoCodec | AudioCodec;

  export interface Mp4MuxerOptions {
    /**
     * The layout after close(). Recording is always fragmented, so power loss keeps all but the
     * last fragment. "fragmented" (default) leaves it so; "indexed" appends a classic index;
     * "faststart" puts the index at the front.
     */
    mode?: "fragmented" | "indexed" | "faststart";
    /** CanMV's fmp4_flag: `false` means mode "indexed". Default true. */
    fragmented?: boolean;
    /** Start a new fragment at the first keyframe after this many ms (default 1000). */
    fragmentMs?: number;
    /** ... or after this many ms even without a keyframe (0 = never; default 10000). */
    maxFragmentMs?: number;
    /**
     * The first fragment ends at the second keyframe or after this many ms, whichever comes
     * first, so a short or cut recording still plays. Default 0: right after the first picture.
     */
    firstFragmentMs?: number;
    /** What happens to each finished fragment: "fsync" (default, durable), "flush" or "none". */
    sync?: "none" | "flush" | "fsync";
    /** Loop recording into a series of files (see {@link SegmentOptions}). */
    segment?: SegmentOptions;
  }

  /**
   * Loop recording, as dashcams and NVRs do: a new file starts at a keyframe once the current
   * one spans `durationMs` or holds `maxMB`, and the oldest files are deleted to keep at most
   * `keepFiles` of them or at least `minFreeMB` free on the card. Give at least one. The path is
   * then a pattern whose file name holds `{index}` — the file's number, counting on from the
   * highest one already in the directory, `{index:N}` zero-padded to N digits — and may hold
   * `{time}`, the local time the file started (YYYYMMDD-HHMMSS):
   * `"/sdcard/dashcam/cam-{index:5}-{time}.mp4"`. Only files of the pattern are ever deleted,
   * oldest (lowest index) first, never the one being written. Each file plays on its own from
   * 0 s. The pattern's directory is created if missing (its parent must exist). Files are only
   * created and deleted, never renamed (FAT cannot rename over a name).
   *
   * A full card with a retention policy does not stop the recording: the oldest file goes, the
   * fragment being written is lost and the next keyframe starts a new file (`recovered` counts
   * it). Keep `minFreeMB` above what a fragment writes so that this never happens.
   */
  export interface SegmentOptions {
    /** A new file at the first keyframe once one spans this long. */
    durationMs?: number;
    /** ... or once it holds this many MiB. */
    maxMB?: number;
    /** Keep at most this many files of the pattern, the current one included. */
    keepFiles?: number;
    /** Delete the oldest files while the card has less than this many MiB free (checked at every fragment). */
    minFreeMB?: number;
  }

  /** Where a loop recording is. */
  export interface SegmentStats {
    /** The number of the file being written ({index}; 0 without one). */
    index: number;
    /** Files started. */
    files: number;
    /** Old files deleted by the retention policy. */
    deleted: number;
    /** Times a full card was made room on (each lost the fragment being written). */
    recovered: number;
  }

  export interface VideoTrackOptions {
    codec: VideoCodec;
    width: number;
    height: number;
  }

  export interface AudioTrackOptions {
    /** Default "ulaw". "g711a"/"g711u" are accepted as aliases. */
    codec?: AudioCodec | "g711a" | "g711u";
    /** Default 8000. */
    sampleRate?: number;
    /** Default 1. */
    channels?: number;
  }

  /**
   * The low-level muxer: CanMV's kd_mp4_create / create_track / write_frame / destroy sequence.
   * Errors are `Error`s with a `.code` ("ENOSPC" when the card is full, "EIO", "ESTATE" when the
   * first video frame is not a keyframe, "ECLOSED" after close()). With `segment` it records
   * into a series of files (a new one at a keyframe), `path` being a pattern. What pipes bring
   * (`encoder.pipeTo(muxer)`, `audioIn.pipeTo(muxer)`: its first video and audio tracks) is
   * written by a thread of the muxer's own, so a card slow to write or fsync never stalls the
   * event loop; if the card falls behind by seconds, frames are dropped (`dropped`) and the video
   * resumes at the next keyframe. That thread writes in batches: a keyframe (which ends a
   * fragment) and the picture after it at once, any other frame within 50 ms, so a fragment goes
   * to the card (`sync` applied) at most 50 ms after the frame that ends it came, and `fragments`,
   * `path` and `segments` may lag that much; `close()` writes everything first.
   *
   * @example
   * ```ts
   * import { Encoder, MediaManager, Sensor } from "k230:media";
   * import { Mp4Muxer } from "k230:mp4";
   *
   * // Camera -> H.264 -> one-minute files, keeping the newest 60, with the per-frame path in C.
   * const sensor = new Sensor();
   * sensor.setFramesize({ width: 1280, height: 720 });
   * const encoder = new Encoder({ codec: "h264", width: 1280, height: 720 });
   * MediaManager.link(sensor.bindInfo().src, encoder);
   * const muxer = new Mp4Muxer("/sdcard/nvr/{time}-{index}.mp4", { segment: { durationMs: 60000, keepFiles: 60 } });
   * muxer.addVideoTrack({ codec: "h264", width: 1280, height: 720 });
   * encoder.pipeTo(muxer);
   * encoder.start();
   * sensor.run();
   * setInterval(() => console.log(muxer.path, muxer.segments), 10000);
   * ```
   */
  export class Mp4Muxer {
    /** Creates (truncates) the file; with `segment`, the first file of the series. */
    constructor(path: string, options?: Mp4MuxerOptions);
    /** Adds a video track before the first write; returns its track id (from 1). */
    addVideoTrack(options: VideoTrackOptions): number;
    /** Adds a G.711 audio track before the first write; returns its track id. */
    addAudioTrack(options?: AudioTrackOptions): number;
    /**
     * Writes one frame. Video is Annex-B (start codes); a HEADER pack holding only the parameter
     * sets may be written on its own. The bytes are read directly from `data` (no JS copy); an
     * `AnnexBReader` unit of a file (`unit.data`) is converted with its splitter's start codes,
     * any other bytes are searched for them (the same file either way).
     * `ptsUs` is in microseconds and must increase per video track. `options.keyframe` says
     * whether a video frame is a sync sample (a seek and segment point), recorded as given (an
     * encoder's pack type: `pack.type === "i"`); without it the NAL types decide (IDR/IRAP).
     */
    writeFrame(track: number, data: ArrayBuffer | ArrayBufferView, ptsUs: number, options?: { keyframe?: boolean }): void;
    /** Finishes the file. Safe to call twice. */
    close(): void;
    /** Fragments written so far (every file). */
    readonly fragments: number;
    /** The file being written (with `segment`: the current one of the series). */
    readonly path: string;
    /** Where a loop recording is (without `segment`: one file, index 0). */
    readonly segments: SegmentStats;
    /** Piped frames dropped because the card fell behind (the writer's queue was full). */
    readonly dropped: number;
    readonly closed: boolean;
  }

  export interface Mp4FileInfo {
    /** Where the longest track's samples end. */
    durationUs: number;
    trackCount: number;
    fragmented: boolean;
    /**
     * Times in the file (durations, fragment starts, edit lists) went beyond 2^50 µs (35 years):
     * a damaged or crafted file. They were clamped there; `warning` says so too.
     */
    timesClamped: boolean;
  }

  export interface Mp4VideoTrack {
    kind: "video";
    trackId: number;
    codec: VideoCodec;
    timescale: number;
    durationUs: number;
    frameCount: number;
    width: number;
    height: number;
  }

  export interface Mp4AudioTrack {
    kind: "audio";
    trackId: number;
    codec: AudioCodec;
    timescale: number;
    durationUs: number;
    frameCount: number;
    sampleRate: number;
    channels: number;
    bitsPerSample: number;
  }

  export type Mp4Track = Mp4VideoTrack | Mp4AudioTrack;

  export interface Mp4Frame {
    trackId: number;
    codec: Codec | "none";
    /**
     * The frame's bytes, lent without copying: valid until the next getFrame(), seek() or
     * close(), after which this ArrayBuffer is detached (byteLength 0). Keep a copy with
     * `data.slice(0)`. Video is Annex-B with parameter sets before keyframes (decoder-ready)
     * unless the demuxer was opened with `annexb: false`.
     */
    data: ArrayBuffer;
    ptsUs: number;
    dtsUs: number;
    keyframe: boolean;
    /** true on the call after the last frame of every track; no data then. */
    eof: boolean;
  }

  /**
   * Reads MP4/MOV files (classic and fragmented; ours, FFmpeg's, GStreamer's). A damaged or
   * truncated file still opens with everything before the damage; `warning` says what was lost.
   * Iterating yields frames in time order across tracks until eof.
   *
   * The file is mapped into memory where the system maps files (the simulator; the board reads
   * it): frames are lent in place, without a copy. A frame you write into changes this process's
   * copy only, never the file. If the file shrinks while it is open (another program truncates
   * it), nothing crashes: the next `getFrame()` or `seek()`, and every one after it, throws an
   * Error with code `ETRUNC` naming the file ("Mp4Demuxer.getFrame: '<path>' shrank while it was
   * open: ..."), and a frame you still hold from past the new end reads as zeros.
   */
  export class Mp4Demuxer implements IterableIterator<Mp4Frame> {
    constructor(path: string, options?: { annexb?: boolean });
    fileInfo(): Mp4FileInfo;
    readonly tracks: Mp4Track[];
    trackByIndex(index: number): Mp4Track;
    getFrame(): Mp4Frame;
    /** Moves every track to its last keyframe at or before `timeUs`. */
    seek(timeUs: number): void;
    close(): void;
    readonly warning: string;
    readonly closed: boolean;
    [Symbol.iterator](): IterableIterator<Mp4Frame>;
    next(): IteratorResult<Mp4Frame, undefined>;
  }

  export interface Mp4RecorderOptions {
    /** The file to write, e.g. "/sdcard/examples/test.mp4". */
    file: string;
    /** The camera's encoded picture. Defaults: h264, 1280x720, 4000 kbit/s, 30 fps, gop = fps. */
    video?: { codec?: VideoCodec; width?: number; height?: number; bitrate?: number; fps?: number; gop?: number };
    /** G.711 audio from the microphone, 8 kHz mono (AudioIn.pipeTo); omit for video only. */
    audio?: { codec?: AudioTrackOptions["codec"]; sampleRate?: number; channels?: number };
    /** Layout after stop(); default "fragmented" (a cut recording plays to its last fragment). */
    mode?: Mp4MuxerOptions["mode"];
    /** Loop recording: `file` is then a pattern with `{index}` (see {@link SegmentOptions}). */
    segment?: SegmentOptions;
    fragmentMs?: number;
    firstFragmentMs?: number;
    /** CSI port of the camera, default 0. */
    sensorId?: number;
  }

  export interface Mp4RecorderStats {
    /** Video pictures written. */
    frames: number;
    audioFrames: number;
    bytes: number;
    /** Fragments written, every file. */
    fragments: number;
    /** Files started (1 without `segment`). */
    files: number;
    /** Old files the retention policy deleted. */
    deleted: number;
    /** Times a full card was made room on. */
    recovered: number;
    /** Camera frames lost before the file: the sensor had no free buffer, the encoder no room,
     * or the muxer's writer fell behind by seconds (the card too slow). */
    dropped: number;
    /** Camera frames the simulated sensor produced late (the host starved of CPU); 0 on the board. */
    late: number;
  }

  /**
   * The one-object recorder, twin of CanMV's Mp4Container: camera -> encoder (+ microphone ->
   * G.711) -> MP4, made of the pieces an app can use by hand: a Sensor linked to an Encoder
   * piped into an {@link Mp4Muxer} (and an AudioIn piped into it), so the per-frame path is in C
   * and the file is written by the muxer's own thread. `process()` turns the event loop (timers
   * and sockets run meanwhile) until the next picture is written and surfaces errors, so a JS
   * loop of `process()` calls costs nothing per frame. Recording again after stop() (or with a
   * new recorder) works in the same runtime.
   *
   * @example
   * ```ts
   * import { Mp4Recorder } from "k230:mp4";
   * import { exitpoint } from "k230:sys";
   *
   * const recorder = new Mp4Recorder({ file: "/sdcard/examples/test.mp4", video: { codec: "h265", width: 1280, height: 720 }, audio: { codec: "ulaw" } });
   * recorder.start();
   * for (let frames = 0; frames < 200; ) {
   *   exitpoint();
   *   frames = recorder.process();
   * }
   * console.log(recorder.stop());
   * ```
   */
  export class Mp4Recorder {
    constructor(options: Mp4RecorderOptions);
    /** Opens the file, starts the camera, encoder (and microphone) and pipes them into it. */
    start(): void;
    /** Runs the event loop up to `timeoutMs` (default 1000) for the next picture; returns the pictures written. Throws the recording's error (e.g. ENOSPC). */
    process(timeoutMs?: number): number;
    /**
     * Stops everything in order and finishes the file; returns the final stats. Safe to call
     * twice. Throws the recording's error only if process() has not thrown it already, so
     * `try { ... process() ... } finally { stop() }` reports a full card once.
     */
    stop(): Mp4RecorderStats;
    /** Same as stop(). */
    close(): Mp4RecorderStats;
    readonly stats: Mp4RecorderStats;
    readonly recording: boolean;
    /** The file being written (with `segment`: the current one), else the last one. */
    readonly file: string;
  }
}
