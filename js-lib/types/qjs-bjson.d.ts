/**
 * `qjs:bjson` — QuickJS-ng's binary JSON: any value the engine can serialize (objects, arrays,
 * typed arrays, Map, Set, BigInt, Date, ...) to bytes and back, optionally with bytecode.
 *
 * @example
 * ```ts
 * import * as bjson from "qjs:bjson";
 *
 * const bytes = bjson.write({ when: new Date(0), ids: new Set([1, 2]) });
 * const back = bjson.read(bytes, 0, bytes.byteLength) as { when: Date; ids: Set<number> };
 * console.log(back.ids.has(2), bytes.byteLength);
 * ```
 */
declare module "qjs:bjson" {
  /** Serializes `value`; `flags` is a sum of the WRITE_OBJ_* constants. */
  export function write(value: unknown, flags?: number): ArrayBuffer;
  /**
   * Reads one value from `length` bytes of `buffer` at `offset`; `flags` is a sum of READ_OBJ_*.
   * @throws RangeError when offset + length is past the end of the buffer.
   */
  export function read(buffer: ArrayBuffer, offset: number, length: number, flags?: number): unknown;
  export const READ_OBJ_BYTECODE: number;
  export const READ_OBJ_REFERENCE: number;
  export const WRITE_OBJ_BYTECODE: number;
  export const WRITE_OBJ_REFERENCE: number;
  export const WRITE_OBJ_STRIP_DEBUG: number;
  export const WRITE_OBJ_STRIP_SOURCE: number;
}
