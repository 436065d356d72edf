/**
 * What `k230js doctor` and its self-test app (main.ts, run on the device) share: the rows, the
 * app's arguments and the lines it prints. Plain data only: this file is bundled into both the
 * CLI (Node) and the app (QuickJS).
 *
 * The app prints one line per event on stdout, `@doctor <JSON>`, and nothing else; the CLI reads
 * them as they come, so a row shows up on the host the moment it completes on the device.
 */

/** The rows in the order they run, with what each checks (`k230js doctor --help` lists them). */
export const ROWS = [
  { name: "runtime", what: "k230js and QuickJS-ng versions, platform and board" },
  { name: "memory", what: "JS heap and process memory; 4 MiB allocated, written and read back" },
  { name: "sd", what: "SD card: 8 MiB written (fsync'd) and read back: MB/s both ways" },
  { name: "vb", what: "VB init: a pool created, a block mapped, written, read back, freed" },
  { name: "sensor", what: "camera probe: driver name, sensor mode, first frame" },
  { name: "h264", what: "2 s of H.264 encoding from the camera (1280x720): fps, bytes" },
  { name: "h265", what: "2 s of H.265 encoding from the camera (1280x720): fps, bytes" },
  { name: "rtsp", what: "RTSP on loopback: a server and a viewer over TCP and over UDP" },
  { name: "display", what: "display init: a picture composed and read back by writeback" },
  { name: "audio-in", what: "0.5 s from the microphone: frames, level" },
  { name: "audio-out", what: "0.5 s of a 440 Hz tone to the speaker" },
] as const;

export type RowName = (typeof ROWS)[number]["name"];

export const ROW_NAMES: readonly RowName[] = ROWS.map((r) => r.name);

/** The app's one argument (JSON in scriptArgs[1]). */
export interface SelftestArgs {
  rows: RowName[];
  /** Display.init type for the display row: "VIRT" needs no panel. */
  display: "VIRT" | "ST7701" | "LT9611";
  /** Where the sd row writes its temporary file (removed afterwards). */
  sdFile: string;
}

/** The temporary file of the sd row: a dot-name, so it stays out of the way if it is ever left. */
export const SD_TEMP_FILE = "/sdcard/.k230js-doctor.tmp";

export const LINE_PREFIX = "@doctor ";

/** A row's outcome. `text` is the one-line summary the table shows; `figures` the numbers. */
export interface RowResult {
  row: RowName;
  ok: boolean;
  ms: number;
  text: string;
  figures?: Record<string, number | string | boolean>;
  error?: { code: string; message: string };
}

export type SelftestEvent =
  | { event: "begin"; row: RowName }
  | ({ event: "end" } & RowResult)
  | { event: "done" };
