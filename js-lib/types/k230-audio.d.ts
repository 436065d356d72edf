/**
 * `k230:audio` — audio in and out (CanMV pyaudio), G.711 A-law/µ-law (CanMV media.g711) and
 * 16-bit PCM WAV files (CanMV media.wave). Samples are signed 16-bit little-endian, interleaved.
 *
 * @example
 * ```ts
 * import { AudioIn, g711, writeWav } from "k230:audio";
 *
 * const mic = new AudioIn({ rate: 8000, channels: 1, samplesPerFrame: 320 });
 * const chunks: Uint8Array[] = [];
 * for (let i = 0; i < 25; i++) {
 *   const frame = mic.read();
 *   if (frame) chunks.push(new Uint8Array(g711.encode(new Int16Array(frame.data), "ulaw")));
 * }
 * mic.close();
 * const pcm = new Int16Array(g711.decode(chunks[0]!, "ulaw"));
 * writeWav("/sdcard/first-frame.wav", { sampleRate: 8000, channels: 1, data: pcm });
 * ```
 */
declare module "k230:audio" {
  export interface AudioOptions {
    /** "i2s" (default) or "pdm" microphones. */
    dev?: "i2s" | "pdm";
    /** Hz, default 8000. */
    rate?: number;
    /** 1 (default) or 2. */
    channels?: number;
    /** Samples per channel per frame, default 320. */
    samplesPerFrame?: number;
  }

  export interface AudioFrame {
    /** Interleaved 16-bit PCM. */
    data: ArrayBuffer;
    /** Samples per channel. */
    samples: number;
    channels: number;
    ptsUs: number;
    seq: number;
  }

  /**
   * Audio input. On the host: a tone or a WAV file (env K230JS_SIM_AUDIO_IN).
   *
   * @example
   * ```ts
   * import { AudioIn } from "k230:audio";
   *
   * const mic = new AudioIn({ rate: 16000 });
   * const frame = mic.read(1000);
   * if (frame) console.log(frame.samples, frame.ptsUs);
   * mic.close();
   * ```
   */
  export class AudioIn {
    constructor(options?: AudioOptions);
    /** The next frame, or null after `timeoutMs` (default 1000). Throws EBUSY while piped. */
    read(timeoutMs?: number): AudioFrame | null;
    /**
     * Sends the input, G.711-encoded in C, to an RtspSession or an RtspPusher (`encoder.pipeTo`'s
     * targets that take audio) with no JS per frame, until `close()`. Needs 8000 Hz mono. The
     * target puts the audio on the same clock as video piped into it. A failing target stops
     * the pipe and calls `onError`.
     *
     * @example
     * ```ts
     * import { AudioIn } from "k230:audio";
     * import { RtspServer } from "k230:rtsp";
     *
     * const server = new RtspServer({ host: "127.0.0.1" });
     * const mic = new AudioIn({ rate: 8000 });
     * mic.pipeTo(server.createSession("mic", { video: "none", audio: "alaw" }), { codec: "alaw" });
     * setTimeout(() => { mic.close(); server.close(); }, 1000);
     * ```
     */
    pipeTo(target: object, options?: { codec?: G711Law; onError?: (e: Error) => void }): void;
    close(): void;
    readonly rate: number;
    readonly channels: number;
    readonly samplesPerFrame: number;
    readonly closed: boolean;
  }

  /**
   * Audio output. On the host: a WAV file (env K230JS_SIM_AUDIO_OUT=wav:PATH) or nothing.
   *
   * @example
   * ```ts
   * import { AudioOut } from "k230:audio";
   *
   * const speaker = new AudioOut({ rate: 8000 });
   * const beep = new Int16Array(8000);
   * for (let i = 0; i < beep.length; i++) beep[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
   * speaker.write(beep);
   * speaker.close();
   * ```
   */
  export class AudioOut {
    constructor(options?: AudioOptions);
    /** Plays interleaved 16-bit samples (whole frames). */
    write(pcm: Int16Array | ArrayBuffer, timeoutMs?: number): void;
    close(): void;
    readonly rate: number;
    readonly channels: number;
    readonly samplesPerFrame: number;
    readonly closed: boolean;
  }

  export type G711Law = "alaw" | "ulaw" | "g711a" | "g711u";

  /**
   * ITU-T G.711 companding, bit-exact with the standard's tables. Typed arrays in, a new
   * ArrayBuffer out.
   *
   * @example
   * ```ts
   * import { g711 } from "k230:audio";
   *
   * const codes = new Uint8Array(g711.encode(new Int16Array([0, 1000, -1000]), g711.ALAW));
   * const back = new Int16Array(g711.decode(codes, g711.ALAW));
   * console.log(codes, back);
   * ```
   */
  export const g711: {
    /** 16-bit PCM -> one byte per sample. Default law "ulaw". */
    encode(pcm: Int16Array | ArrayBuffer, law?: G711Law): ArrayBuffer;
    /** One byte per sample -> 16-bit PCM (an ArrayBuffer for an Int16Array). */
    decode(codes: Uint8Array | ArrayBuffer, law?: G711Law): ArrayBuffer;
    readonly ALAW: "alaw";
    readonly ULAW: "ulaw";
  };

  export interface Wav {
    sampleRate: number;
    channels: number;
    bitsPerSample: 16;
    /** Interleaved 16-bit PCM. */
    data: ArrayBuffer;
  }
  /**
   * Reads a 16-bit PCM WAV file ("/sdcard/..." paths work on the host too).
   *
   * @example
   * ```ts
   * import { readWav, AudioOut } from "k230:audio";
   *
   * const wav = readWav("/sdcard/examples/test.wav");
   * const out = new AudioOut({ rate: wav.sampleRate, channels: wav.channels });
   * out.write(wav.data);
   * out.close();
   * ```
   */
  export function readWav(path: string): Wav;
  /** Writes a 16-bit PCM WAV file. */
  export function writeWav(path: string, wav: { sampleRate: number; channels: number; data: Int16Array | ArrayBuffer }): void;
}
