/**
 * Drives the doctor's self-test on a device: starts the app with the rows still to run, reports
 * each row as its line arrives, and enforces the per-row timeout from the host, where a hung
 * device cannot stop it: the row is reported as timed out, the app is interrupted (Ctrl-C, then
 * again, then the run is abandoned), and the rows after it run in a fresh app (on a board after
 * a soft reset). A run that ends in the middle of a row (a crash) fails that row the same way.
 */
import { LINE_PREFIX, type RowName, type RowResult, type SelftestArgs, type SelftestEvent } from "../../selftest/protocol.js";
import type { AppRun, DoctorDevice } from "./doctor-device.js";

export interface RunnerOptions {
  args: SelftestArgs;
  timeoutS: number;
  onBegin(row: RowName): void;
  onResult(r: RowResult): void;
  /** Lines from the app that are not the protocol's, and whatever the app or runtime writes to stderr. */
  onOther(text: string): void;
}

/** How long an interrupted app has to end before a second Ctrl-C, and then before it is abandoned. */
const GRACE_MS = [3000, 5000];

function failed(row: RowName, ms: number, code: string, message: string): RowResult {
  return { row, ok: false, ms, text: `${code}: ${message}`, error: { code, message } };
}

export class DoctorRunner {
  private stopped = false; // the user pressed Ctrl-C
  private lost: string | null = null; // the device went away: why
  private run: AppRun | null = null;
  private endReason = "";

  constructor(
    private readonly device: DoctorDevice,
    private readonly bundle: string,
    private readonly opts: RunnerOptions,
  ) {}

  /** The user pressed Ctrl-C: the running row is interrupted and nothing more starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.run?.interrupt();
  }

  /** Whether the user pressed Ctrl-C. */
  get interrupted(): boolean {
    return this.stopped;
  }

  /** Whether the device went away (no more requests can reach it). */
  get deviceLost(): boolean {
    return this.lost !== null;
  }

  /** Runs every row; returns a result for each, in row order. */
  async runAll(): Promise<RowResult[]> {
    const results = new Map<RowName, RowResult>();
    const { rows } = this.opts.args;
    for (;;) {
      const pending = rows.filter((r) => !results.has(r));
      if (!pending.length) break;
      // An app that completes no row (it did not even load) would not do better a second time.
      const progressed = !this.stopped && !this.lost && (await this.runOnce(pending, results));
      if (progressed) continue;
      const why: [string, string] = this.stopped
        ? ["EINTR", "not run: interrupted (Ctrl-C)"]
        : this.lost
          ? ["ESTOPPED", `not run: the device was lost (${this.lost})`]
          : ["ESTOPPED", this.endReason];
      for (const r of rows.filter((x) => !results.has(x))) {
        const res = failed(r, 0, why[0], why[1]);
        results.set(r, res);
        this.opts.onResult(res);
      }
      break;
    }
    return rows.map((r) => results.get(r)!);
  }

  /** One app run over `pending`; false when it completed no row. */
  private async runOnce(pending: RowName[], results: Map<RowName, RowResult>): Promise<boolean> {
    let current: { row: RowName; t0: number } | null = null;
    let completed = 0;
    let timedOut = false; // the rest of this run is ignored: its rows run again in the next one
    let timer: NodeJS.Timeout | null = null;
    const escalation: NodeJS.Timeout[] = [];
    const clear = () => {
      if (timer) clearTimeout(timer);
      timer = null;
    };
    const record = (r: RowResult) => {
      if (results.has(r.row)) return; // already reported (timed out)
      results.set(r.row, r);
      completed++;
      this.opts.onResult(r);
    };
    const onLine = (line: string) => {
      if (timedOut) return;
      if (!line.startsWith(LINE_PREFIX)) {
        this.opts.onOther(`${line}\n`);
        return;
      }
      let ev: SelftestEvent;
      try {
        ev = JSON.parse(line.slice(LINE_PREFIX.length)) as SelftestEvent;
      } catch {
        this.opts.onOther(`${line}\n`);
        return;
      }
      if (ev.event === "begin") {
        current = { row: ev.row, t0: Date.now() };
        this.opts.onBegin(ev.row);
        clear();
        timer = setTimeout(() => onTimeout(ev.row), this.opts.timeoutS * 1000);
      } else if (ev.event === "end") {
        clear();
        const { event: _, ...r } = ev;
        record(r);
        current = null;
      }
    };
    const onTimeout = (row: RowName) => {
      record(failed(row, this.opts.timeoutS * 1000, "ETIMEDOUT", `timed out after ${this.opts.timeoutS} s`));
      current = null;
      timedOut = true;
      void this.run?.interrupt();
      escalation.push(
        setTimeout(() => void this.run?.interrupt(), GRACE_MS[0]),
        setTimeout(() => void this.run?.abandon(), GRACE_MS[0]! + GRACE_MS[1]!),
      );
    };
    const args: SelftestArgs = { ...this.opts.args, rows: pending };
    let status: number | string;
    try {
      this.run = await this.device.start(this.bundle, JSON.stringify(args), onLine, (text) => this.opts.onOther(text));
      status = await this.run.done;
    } catch (e) {
      status = (e as Error).message;
    } finally {
      clear();
      for (const t of escalation) clearTimeout(t);
      this.run = null;
    }
    if (typeof status !== "number") this.lost = status;
    const ended = typeof status === "number" ? `the self-test app ended with status ${status}` : `the device was lost (${status})`;
    const stderr = this.device.stderrTail();
    this.endReason = `${ended} before running this row${stderr ? `: ${stderr}` : ""}`;
    const cur = current as { row: RowName; t0: number } | null;
    if (cur) {
      const ms = Date.now() - cur.t0;
      if (this.stopped) record(failed(cur.row, ms, "EINTR", "interrupted (Ctrl-C)"));
      else record(failed(cur.row, ms, "ESTOPPED", `${ended} during this row${stderr ? `: ${stderr}` : ""}`));
    }
    return completed > 0;
  }
}
