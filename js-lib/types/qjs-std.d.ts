/**
 * `qjs:std` — QuickJS-ng's standard library module: C stdio files, whole-file helpers, the
 * environment and script evaluation. Paths are the app's (`/sdcard/...`, `/data/...`).
 *
 * @example
 * ```ts
 * import * as std from "qjs:std";
 *
 * std.writeFile("/sdcard/note.txt", "hello\n");
 * const text = std.loadFile("/sdcard/note.txt");          // null when it cannot be read
 * const f = std.open("/sdcard/note.txt", "r");
 * if (f) {
 *   console.log(f.getline(), text?.length);
 *   f.close();
 * }
 * std.out.printf("%d files\n", 1);
 * ```
 */
declare module "qjs:std" {
  /** An error number holder: functions taking one set `errno` on failure. */
  export interface ErrorObj {
    errno: number;
  }

  /** A C stdio FILE. Methods throw on a closed file. */
  export interface FILE {
    /** Closes the file; returns 0 or -errno. */
    close(): number;
    /** Writes the string as UTF-8. */
    puts(str: string): void;
    /** C printf formatting (%d %i %x %f %s %c ...). */
    printf(fmt: string, ...args: unknown[]): number;
    flush(): void;
    /** Returns 0 or -errno. */
    seek(offset: number | bigint, whence: number): number;
    tell(): number;
    /** The position as a bigint (files over 2^53 bytes). */
    tello(): bigint;
    eof(): boolean;
    fileno(): number;
    /** True after a read or write error. */
    error(): boolean;
    clearerr(): void;
    /** Reads up to `length` bytes into `buffer` at `position`; returns the number read. */
    read(buffer: ArrayBuffer, position: number, length: number): number;
    /** Writes `length` bytes of `buffer` from `position`; returns the number written. */
    write(buffer: ArrayBuffer, position: number, length: number): number;
    /** The next line without its newline, or null at the end of the file. */
    getline(): string | null;
    /** The rest of the file (at most `maxSize` bytes) as bytes. */
    readAsArrayBuffer(maxSize?: number): ArrayBuffer;
    /** The rest of the file (at most `maxSize` bytes) as UTF-8 text. */
    readAsString(maxSize?: number): string;
    /** The next byte, or -1 at the end. */
    getByte(): number;
    putByte(c: number): number;
  }

  /** Standard input, output and error (on the board: the console UART). */
  const stdin: FILE;
  export { stdin as in };
  export const out: FILE;
  export const err: FILE;

  export const SEEK_SET: number;
  export const SEEK_CUR: number;
  export const SEEK_END: number;
  /** errno values. */
  export const Error: {
    readonly EINVAL: number;
    readonly EIO: number;
    readonly EACCES: number;
    readonly EEXIST: number;
    readonly ENOSPC: number;
    readonly ENOSYS: number;
    readonly EBUSY: number;
    readonly ENOENT: number;
    readonly EPERM: number;
    readonly EPIPE: number;
    readonly EBADF: number;
  };

  /** Ends the process with `code` (prefer `exit` of k230:sys in apps: it lets the runtime clean up). */
  export function exit(code: number): never;
  /** Runs the garbage collector now. */
  export function gc(): void;
  /** Evaluates a script in the global scope and returns its completion value. */
  export function evalScript(code: string, options?: { backtrace_barrier?: boolean; async?: boolean }): unknown;
  /** Evaluates a file as a global script. */
  export function loadScript(filename: string): unknown;
  /** A whole file as UTF-8 text, or null when it cannot be read. */
  export function loadFile(filename: string): string | null;
  /** A whole file as bytes, or null when it cannot be read. */
  export function loadFile(filename: string, options: { binary: true }): Uint8Array | null;
  /** Writes (replaces) a whole file from text or bytes. */
  export function writeFile(filename: string, data: string | ArrayBuffer | ArrayBufferView): void;
  /** The message of an errno value. */
  export function strerror(errno: number): string;
  export function getenv(name: string): string | undefined;
  export function setenv(name: string, value: string): void;
  export function unsetenv(name: string): void;
  export function getenviron(): Record<string, string>;
  /** Opens a file (`mode` as C fopen: "r", "w", "a", "r+", ...); null on failure (see `errorObj`). */
  export function open(filename: string, mode: string, errorObj?: ErrorObj): FILE | null;
  /** Opens a file descriptor as a FILE. */
  export function fdopen(fd: number, mode: string, errorObj?: ErrorObj): FILE | null;
  /** Runs a shell command with a pipe (host simulator only: the board has no shell). */
  export function popen(command: string, mode: string, errorObj?: ErrorObj): FILE | null;
  /** A temporary file, removed when closed. */
  export function tmpfile(errorObj?: ErrorObj): FILE | null;
  /** Fetches a URL with the curl program (host simulator only). */
  export function urlGet(url: string, options?: { binary?: false; full?: false }): string | null;
  export function urlGet(url: string, options: { binary: true; full?: false }): ArrayBuffer | null;
  export function urlGet(url: string, options: { binary?: boolean; full: true }): { response: string | ArrayBuffer | null; responseHeaders: string; status: number };
  /** std.out.puts. */
  export function puts(str: string): void;
  /** std.out.printf. */
  export function printf(fmt: string, ...args: unknown[]): number;
  /** C sprintf formatting into a string. */
  export function sprintf(fmt: string, ...args: unknown[]): string;
}
