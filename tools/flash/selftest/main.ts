/**
 * The self-test `k230js doctor` runs on the device (or the simulator): the rows named in its
 * argument, one after the other, each reported as it completes (protocol.ts). A row passes or
 * fails with the exact error (its `.code` and message); a failed row never stops the next one.
 * After each row the media registry must be back where it was (anything left is released and
 * the row fails), so the device is left clean. Ctrl-C (the CLI's per-row timeout) is taken at
 * exit points, after which the row's own cleanup runs and the app ends with status 130.
 */
import { MediaManager } from "k230:media";
import { EXITPOINT_ENABLE, exitpoint, ticksMs } from "k230:sys";
import type { Check } from "./check.js";
import { audioIn, audioOut, rtsp } from "./checks-io.js";
import { display, h264, h265, sensor } from "./checks-media.js";
import { memory, runtime, sd, vb } from "./checks-system.js";
import { LINE_PREFIX, ROW_NAMES, type RowName, type RowResult, type SelftestArgs, type SelftestEvent } from "./protocol.js";

const CHECKS: Record<RowName, Check> = {
  runtime,
  memory,
  sd,
  vb,
  sensor,
  h264,
  h265,
  rtsp,
  display,
  "audio-in": audioIn,
  "audio-out": audioOut,
};

function emit(ev: SelftestEvent): void {
  console.log(LINE_PREFIX + JSON.stringify(ev));
}

function isInterrupt(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === "InterruptError";
}

function leftovers(before: ReturnType<typeof MediaManager.stats>): string {
  const now = MediaManager.stats();
  const kinds = ["pools", "blocks", "links", "sensors", "encoders", "decoders", "displays", "audioIns", "audioOuts", "frames"] as const;
  return kinds
    .filter((k) => now[k] > before[k])
    .map((k) => `${now[k] - before[k]} ${k}`)
    .join(", ");
}

async function runRow(name: RowName, args: SelftestArgs): Promise<RowResult> {
  const before = MediaManager.stats();
  const t0 = ticksMs();
  let result: RowResult;
  try {
    const out = await CHECKS[name](args);
    result = { row: name, ok: true, ms: ticksMs() - t0, text: out.text, figures: out.figures };
  } catch (e) {
    if (isInterrupt(e)) throw e;
    const err = e as { code?: unknown; name?: string; message?: string };
    const code = typeof err.code === "string" ? err.code : (err.name ?? "Error");
    const message = err.message ?? String(e);
    result = { row: name, ok: false, ms: ticksMs() - t0, text: `${code}: ${message}`, error: { code, message } };
  }
  const left = leftovers(before);
  if (left) {
    MediaManager.resetAll();
    if (result.ok) {
      const message = `the row left ${left} behind (released now)`;
      result = { ...result, ok: false, text: `ELEAK: ${message}`, error: { code: "ELEAK", message } };
    }
  }
  return result;
}

async function main(): Promise<void> {
  const args = JSON.parse(scriptArgs[1] ?? "{}") as SelftestArgs;
  const unknown = (args.rows ?? []).filter((r) => !ROW_NAMES.includes(r));
  if (unknown.length) throw new RangeError(`doctor self-test: unknown rows ${unknown.join(", ")}`);
  exitpoint(EXITPOINT_ENABLE);
  for (const row of args.rows) {
    emit({ event: "begin", row });
    emit({ event: "end", ...(await runRow(row, args)) });
  }
  emit({ event: "done" });
}

await main();
