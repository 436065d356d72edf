import { join } from "node:path";
import { ROWS, ROW_NAMES, SD_TEMP_FILE, type RowName, type RowResult, type SelftestArgs } from "../../selftest/protocol.js";
import { bundle } from "../lib/bundle.js";
import type { Command } from "../lib/command.js";
import { BoardDevice, HostDevice, type DoctorDevice } from "../lib/doctor-device.js";
import { DoctorRunner } from "../lib/doctor-runner.js";
import { EXIT_FAILED, UsageError } from "../lib/errors.js";
import { projectRoot } from "../lib/paths.js";
import { PORT_OPTIONS } from "../lib/ports.js";
import { tempBuildDir } from "../lib/temp-dir.js";
import { closeBoard, openBoard, releaseBoard } from "../lib/session.js";

const DISPLAYS = ["VIRT", "ST7701", "LT9611"] as const;
const NAME_W = Math.max(...ROW_NAMES.map((n) => n.length)) + 2;

function rowList(value: string | undefined, option: string): RowName[] | null {
  if (value === undefined) return null;
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(ROW_NAMES as readonly string[]).includes(n));
  if (bad.length || !names.length)
    throw new UsageError(`doctor: --${option}: ${bad.length ? `unknown row '${bad[0]}'` : "give row names"} (rows: ${ROW_NAMES.join(", ")})`);
  return names as RowName[];
}

/** One line of the table: name, ok/FAIL, figures or the error (code: message). */
function formatRow(r: RowResult): string {
  return `${r.row.padEnd(NAME_W)}${(r.ok ? "ok" : "FAIL").padEnd(6)}${r.text}`;
}

/** A transient "running <row>..." on stderr while a row runs (terminals only). */
class RunningRow {
  private readonly tty = Boolean(process.stderr.isTTY);
  private shown = false;
  begin(row: string): void {
    if (!this.tty) return;
    process.stderr.write(`\r\x1b[K${row.padEnd(NAME_W)}...`);
    this.shown = true;
  }
  clear(): void {
    if (this.shown) process.stderr.write("\r\x1b[K");
    this.shown = false;
  }
}

export const doctorCommand: Command = {
  name: "doctor",
  summary: "self-test a board (or the simulator): one table, each row ok or its exact error",
  usage: "doctor [--port P] [--only a,b | --skip a,b] [--timeout S] [--json] [--display TYPE]",
  description:
    "Runs a self-test app on the device and prints one row per check as it completes: ok with\n" +
    "its figures, or FAIL with the exact error (code: message). Without --port it runs on the\n" +
    "host simulator (build/host/k230js, /sdcard = --sdcard DIR, default build/sdcard), as 'run'\n" +
    "does; with --port on a board through the raw protocol (--port sim: the simulator over its\n" +
    "pty). A row that takes longer than --timeout is reported as timed out, interrupted, and the\n" +
    "rows after it run in a fresh app. Every media object is released after each row and the\n" +
    "temporary file removed from the card. Exit status 0 when every row is ok, 1 otherwise.\n\n" +
    "rows:\n" +
    ROWS.map((r) => `  ${r.name.padEnd(NAME_W)}${r.what}`).join("\n"),
  options: [
    ...PORT_OPTIONS.map((o) =>
      o.name === "port"
        ? { ...o, help: "a board's serial port, or 'sim' (the simulator over its pty); default: the simulator directly" }
        : o.name === "sdcard"
          ? { ...o, help: "the simulator's /sdcard directory (no --port, or --port sim; default build/sdcard)" }
          : o,
    ),
    { name: "only", type: "string", help: "run only these rows (comma-separated)" },
    { name: "skip", type: "string", help: "skip these rows (comma-separated)" },
    { name: "timeout", type: "string", help: "seconds each row may take (default 30)" },
    { name: "display", type: "string", help: "display for the display row: VIRT (default, no panel), ST7701 or LT9611" },
    { name: "json", type: "boolean", help: "print one JSON document instead of the table" },
  ],
  async run(args) {
    if (args.positional.length) throw new UsageError(`doctor: unexpected argument '${args.positional[0]}'`);
    const only = rowList(args.options.only as string | undefined, "only");
    const skip = rowList(args.options.skip as string | undefined, "skip");
    if (only && skip) throw new UsageError("doctor: give --only or --skip, not both");
    const rows = ROW_NAMES.filter((r) => (!only || only.includes(r)) && !skip?.includes(r));
    if (!rows.length) throw new UsageError("doctor: --skip leaves no rows to run");
    const timeoutS = Number((args.options.timeout as string | undefined) ?? 30);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`doctor: --timeout must be a positive number of seconds, not '${args.options.timeout}'`);
    const display = ((args.options.display as string | undefined) ?? "VIRT").toUpperCase();
    if (!(DISPLAYS as readonly string[]).includes(display)) throw new UsageError(`doctor: --display must be one of ${DISPLAYS.join(", ")}, not '${args.options.display}'`);
    const json = Boolean(args.options.json);

    const app = await bundle({ entry: join(projectRoot(), "tools", "flash", "selftest", "main.ts"), outFile: join(tempBuildDir(), "doctor.js") });
    const port = args.options.port as string | undefined;
    // As with run: --port (or 'sim') is a board, over the link of a '+' chain when one is open.
    const board = port ? new BoardDevice(await openBoard(args, "doctor")) : null;
    const device: DoctorDevice = board ?? new HostDevice((args.options.sdcard as string | undefined) ?? join(process.cwd(), "build", "sdcard"));

    const running = new RunningRow();
    const t0 = Date.now();
    if (!json) console.log(`k230js doctor: ${device.description}`);
    const selftest: SelftestArgs = { rows, display: display as SelftestArgs["display"], sdFile: SD_TEMP_FILE };
    const runner = new DoctorRunner(device, app.output, {
      args: selftest,
      timeoutS,
      onBegin: (row) => running.begin(row),
      onResult: (r) => {
        running.clear();
        if (!json) console.log(formatRow(r));
      },
      onOther: (text) => {
        running.clear();
        process.stderr.write(text); // the device's own words, out of the table's way
      },
    });
    const onSigint = () => void runner.stop();
    process.on("SIGINT", onSigint);
    let results: RowResult[];
    const notes: string[] = [];
    try {
      results = await runner.runAll();
      if (!runner.deviceLost) {
        // The sd row removes its file; a row cut short by a timeout may not have.
        if (await device.exists(SD_TEMP_FILE)) {
          await device.remove(SD_TEMP_FILE);
          notes.push(`removed ${SD_TEMP_FILE}, left by an interrupted sd row`);
        }
        await device.close();
      }
    } finally {
      process.off("SIGINT", onSigint);
      running.clear();
      // A lost or given-up link cannot even be told to leave raw mode: it is only dropped.
      if (board && runner.deviceLost) await closeBoard().catch(() => {});
      else if (board) await releaseBoard();
    }
    const failedRows = results.filter((r) => !r.ok).map((r) => r.row);
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (json) {
      console.log(JSON.stringify({ device: device.description, ok: failedRows.length === 0, seconds: Number(secs), rows: results, notes }, null, 2));
    } else {
      for (const n of notes) console.log(`note: ${n}`);
      const okCount = results.length - failedRows.length;
      const n = `${results.length} row${results.length === 1 ? "" : "s"}`;
      console.log(
        failedRows.length
          ? `${n}: ${okCount} ok, ${failedRows.length} failed (${failedRows.join(", ")}) in ${secs} s`
          : `${n}: all ok in ${secs} s`,
      );
    }
    if (runner.interrupted) return 130;
    return failedRows.length ? EXIT_FAILED : 0;
  },
};
