import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { CliError, UsageError } from "../lib/errors.js";
import { projectFiles } from "../lib/init-templates.js";
import { projectRoot } from "../lib/paths.js";
import type { Command } from "../lib/command.js";

/** npm package names: lower case, no spaces; the directory's name made to fit. */
function packageName(dir: string): string {
  const n = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "");
  return n || "k230js-app";
}

export const initCommand: Command = {
  name: "init",
  summary: "make a new app project (package.json, tsconfig, main.ts, VS Code tasks)",
  usage: "init <dir>",
  description:
    "Creates an app project in <dir> (a new or empty directory, anywhere): package.json depending\n" +
    "on this k230js checkout's CLI and type declarations (file: links: npm install needs no\n" +
    "network), a strict tsconfig.json, main.ts, .gitignore, README.md and .vscode/tasks.json\n" +
    "(dev, deploy, repl; type errors go to the Problems panel). Then: cd <dir> && npm install &&\n" +
    "npx k230js run main.ts.",
  options: [],
  async run(args) {
    if (args.positional.length !== 1) throw new UsageError("init: give the directory of the new project (k230js init my-app)");
    const dir = resolve(args.positional[0]!);
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(`init: ${dir} is not empty; give a new or empty directory`);
    const root = projectRoot();
    const files = projectFiles({ name: packageName(dir), cliDir: join(root, "tools", "flash"), typesDir: join(root, "js-lib") });
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    const rel = relative(process.cwd(), dir) || ".";
    console.log(`created ${dir}: ${Object.keys(files).join(", ")}`);
    console.log(`next: cd ${rel} && npm install && npx k230js run main.ts`);
    return 0;
  },
};
