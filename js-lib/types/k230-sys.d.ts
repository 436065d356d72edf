/**
 * `k230:sys` — time, sleeping, cooperative interruption, memory and platform facts.
 *
 * @example
 * ```ts
 * import { ticksMs, sleepMs, exitpoint, EXITPOINT_ENABLE, memInfo, platform } from "k230:sys";
 *
 * exitpoint(EXITPOINT_ENABLE);          // Ctrl-C is raised only at exit points and sleeps
 * const t0 = ticksMs();
 * try {
 *   for (let i = 0; i < 100; i++) {
 *     exitpoint();                       // throws InterruptError here if Ctrl-C was pressed
 *     sleepMs(10);
 *   }
 * } finally {
 *   console.log(`ran ${ticksMs() - t0} ms on ${platform}, heap ${memInfo().heapUsed} B`);
 * }
 * ```
 */
declare module "k230:sys" {
  /** Milliseconds since the runtime started (board: since boot). Monotonic. */
  export function ticksMs(): number;
  /** Microseconds since the runtime started (board: since boot). Monotonic. */
  export function ticksUs(): number;
  /**
   * Blocks the app for `ms` milliseconds (timers and I/O wait too, as with CanMV's
   * `time.sleep_ms`). A sleep is an exit point unless the mode is EXITPOINT_ENABLE_SLEEP.
   * @throws RangeError when ms is negative, NaN or over one day.
   * @throws InterruptError (`.code === "EINTR"`) when Ctrl-C arrives during the sleep.
   */
  export function sleepMs(ms: number): void;

  /** Ctrl-C stops JavaScript wherever it is (the default; `finally` blocks are skipped). */
  export const EXITPOINT_DISABLE: 0;
  /** Ctrl-C is deferred to the next `exitpoint()` call or sleep, as a catchable InterruptError. */
  export const EXITPOINT_ENABLE: 1;
  /**
   * Exit points enabled, sleeps sleep through: Ctrl-C waits for the next `exitpoint()` call, and
   * a sleep is never cut short by it. CanMV's name for the mode (os.EXITPOINT_ENABLE_SLEEP): "sleep"
   * is what it protects, not what it interrupts. Set it before teardown, so the pause between
   * stopping media objects cannot be interrupted half-way.
   */
  export const EXITPOINT_ENABLE_SLEEP: 2;
  export type ExitpointMode = 0 | 1 | 2;

  /**
   * CanMV's `os.exitpoint`. With a mode: sets how Ctrl-C is delivered and returns the previous
   * mode. Without arguments: throws a pending interrupt now (an `Error` named "InterruptError"
   * with `.code === "EINTR"`), so cleanup in `finally` runs before the app stops. Pressing
   * Ctrl-C twice stops the app even in a deferred mode.
   */
  export function exitpoint(mode: ExitpointMode): ExitpointMode;
  export function exitpoint(): void;

  export interface MemInfo {
    /** Bytes of JS heap in use. */
    heapUsed: number;
    /** Bytes the JS heap has allocated from the system. */
    heapAllocated: number;
    /** The JS heap limit in bytes, or null when unlimited. */
    heapLimit: number | null;
    /** Number of live JS objects. */
    objects: number;
    /** Resident memory of the whole process in bytes, or null when the platform cannot tell. */
    rss: number | null;
  }
  /** JS heap and process memory. */
  export function memInfo(): MemInfo;

  export interface DiskInfo {
    /** Bytes the file system holds. */
    total: number;
    /** Bytes free for files. */
    free: number;
  }
  /**
   * Size and free space of the file system holding `path` (default "/sdcard"), as `k230js df`
   * shows them.
   * @example
   * ```ts
   * import { diskInfo } from "k230:sys";
   * const { total, free } = diskInfo("/sdcard");
   * console.log(`${(free / 2 ** 20).toFixed(0)} of ${(total / 2 ** 20).toFixed(0)} MiB free`);
   * ```
   * @throws Error (`.code` "ENOENT", "EIO") naming the path when it cannot be read.
   */
  export function diskInfo(path?: string): DiskInfo;

  /**
   * Stops the app after the current task with exit status `code` (0..255); no more JS runs.
   * @throws RangeError when code is outside 0..255.
   */
  export function exit(code?: number): never;

  /** The k230js version, e.g. "0.1.0". */
  export const version: string;
  /** The QuickJS-ng engine version, e.g. "0.17.0". */
  export const engineVersion: string;
  /** "host" on the simulator, "k230" on the board. */
  export const platform: "host" | "k230";
  /** "simulator" on the host, the board's name (e.g. "CanMV-K230") on the board. */
  export const board: string;
}
