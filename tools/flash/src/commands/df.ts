import { CliError } from "../lib/errors.js";
import { formatBytes } from "../lib/format.js";
import { PORT_OPTIONS } from "../lib/ports.js";
import { openBoard, releaseBoard } from "../lib/session.js";
import type { Command } from "../lib/command.js";

const ROOTS = ["/sdcard", "/data"];

/** Asks the board (k230:sys diskInfo) rather than a protocol operation: the raw protocol has none. */
const PROBE = `import("k230:sys").then(({ diskInfo }) => { for (const p of ${JSON.stringify(ROOTS)}) { try { console.log(JSON.stringify({ path: p, ...diskInfo(p) })); } catch (e) {} } });`;

export const dfCommand: Command = {
  name: "df",
  summary: "size and free space of the board's file systems",
  usage: "df [--port P]",
  description: "Size, used and free bytes of /sdcard and /data on the board (what it can reach of them).",
  options: [...PORT_OPTIONS],
  async run(args) {
    const c = await openBoard(args, "df");
    let out = "";
    let err = "";
    try {
      const status = await c.exec(PROBE, { module: false, name: "<df>", onStdout: (b) => (out += b), onStderr: (b) => (err += b) });
      if (status !== 0) throw new CliError(`df: the board could not tell (${err.trim() || `status ${status}`})`);
    } finally {
      await releaseBoard();
    }
    const rows = out
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { path: string; total: number; free: number });
    console.log(`${"mount".padEnd(10)}${"size".padStart(13)}${"used".padStart(13)}${"avail".padStart(13)}${"use%".padStart(6)}`);
    for (const r of rows) {
      const used = r.total - r.free;
      const pct = r.total ? Math.round((used / r.total) * 100) : 0;
      console.log(`${r.path.padEnd(10)}${formatBytes(r.total).padStart(13)}${formatBytes(used).padStart(13)}${formatBytes(r.free).padStart(13)}${`${pct}%`.padStart(6)}`);
    }
    return 0;
  },
};
