/** The TypeScript compiler, loaded on first use (~0.2 s): only commands that need it pay for it. */
import type * as TS from "typescript";

export type Ts = typeof TS;
let tsModule: Ts | undefined;

export async function loadTs(): Promise<Ts> {
  tsModule ??= ((await import("typescript")) as unknown as { default: Ts }).default;
  return tsModule;
}
