/**
 * Globals of the k230js runtime (no DOM, no Node): console, timers and scriptArgs.
 * The engine's standard built-ins (Promise, ArrayBuffer, ...) come from TypeScript's ES lib.
 */
declare global {
  interface Console {
    /** Prints to the UART (stdout); objects are inspected like Node's console.log. */
    log(...args: unknown[]): void;
    info(...args: unknown[]): void;
    debug(...args: unknown[]): void;
    /** Prints to stderr. */
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    trace(...args: unknown[]): void;
    assert(condition: unknown, ...args: unknown[]): void;
    time(label?: string): void;
    timeEnd(label?: string): void;
  }
  var console: Console;
  /** Calls `fn(...args)` once after `ms` milliseconds (0 if omitted); returns an id for clearTimeout. */
  function setTimeout<A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): number;
  /** The form `new Promise((resolve) => setTimeout(resolve, ms))` uses. */
  function setTimeout(fn: (arg: void) => void, ms?: number): number;
  /** Calls `fn(...args)` every `ms` milliseconds (at least 1) until clearInterval. */
  function setInterval<A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): number;
  function clearTimeout(id: number | undefined): void;
  function clearInterval(id: number | undefined): void;
  function queueMicrotask(fn: () => void): void;
  /** The app file followed by its arguments. */
  var scriptArgs: string[];
}
export {};
