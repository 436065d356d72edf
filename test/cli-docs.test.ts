// docs/cli.md stays true: every k230js command its comparison table names exists (fs
// subcommands included), and every command the CLI has is documented in its command table.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT } from "./helpers/run.js";

const doc = readFileSync(join(ROOT, "docs", "cli.md"), "utf8");
const commands = [...cli(["--help"]).stdout.matchAll(/^ {2}(\w[\w-]*)\s{2,}/gm)].map((m) => m[1]!);
const fsUsage = cli(["fs", "--help"]).stdout;
const fsSubs = [...fsUsage.split("\n\n")[0]!.matchAll(/(?:^usage: k230js fs |\| )(\w+)/gm)].map((m) => m[1]!);

function section(title: string): string {
  const at = doc.indexOf(title);
  expect(at, title).toBeGreaterThan(0);
  const rest = doc.slice(at);
  return rest.slice(0, rest.indexOf("\n\n", rest.indexOf("|---")));
}

describe("docs/cli.md", () => {
  it("the CLI lists its commands and fs subcommands (what this test checks against)", () => {
    expect(commands).toEqual(expect.arrayContaining(["build", "run", "repl", "fs", "exec", "eval", "reset", "dev", "init"]));
    expect(fsSubs).toEqual(expect.arrayContaining(["ls", "cat", "cp", "rm", "mkdir", "rmdir", "stat", "tree", "touch", "sha256sum"]));
  });

  it("every k230js verb in the comparison with mpremote and the CanMV IDE exists", () => {
    const table = section("## k230js, mpremote and the CanMV IDE");
    const rows = table.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Task"));
    expect(rows.length).toBeGreaterThan(20);
    let checked = 0;
    for (const row of rows) {
      const ours = row.split(" | ")[1]!;
      for (const m of ours.matchAll(/`k230js ([\w-]+)(?: ([\w-]+))?/g)) {
        const [, verb, sub] = m;
        if (verb === "A") continue; // the chain row's placeholder
        expect(commands, row).toContain(verb);
        if (verb === "fs") expect(fsSubs, row).toContain(sub);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("every command of the CLI is in the command table", () => {
    const table = section("| Command | What it does |");
    const firstCells = table.split("\n").map((l) => l.split(" | ")[0]!);
    const documented = new Set(firstCells.flatMap((c) => [...c.matchAll(/`(\w[\w-]*)/g)].map((m) => m[1]!)));
    for (const c of commands) expect([...documented], c).toContain(c);
  });
});
