import { NO_CHECK_OPTION, bundle, bytecodePath } from "../lib/bundle.js";
import { UsageError } from "../lib/errors.js";
import { formatBytes } from "../lib/format.js";
import type { Command } from "../lib/command.js";
import { relative } from "node:path";

export const buildCommand: Command = {
  name: "build",
  summary: "bundle a TypeScript/JavaScript app into one file for the runtime",
  usage: "build <entry.ts> [-o out.js] [--bytecode] [--minify] [--no-check]",
  description:
    "Type-checks the app with the TypeScript compiler (errors as file:line:col, exit 1, nothing\n" +
    "written), then bundles it with esbuild into one ES module (k230:* and qjs:* stay imports, everything\n" +
    "else is inlined), writes a source map beside it and prints the sizes. --bytecode also compiles\n" +
    "the bundle to k230js bytecode (out.bin beside out.js) with the runtime's own engine version: the source text is\n" +
    "left out, the line tables stay (stack traces still map to the TypeScript lines).",
  options: [
    { name: "out", short: "o", type: "string", help: "output bundle (default: <entry dir>/dist/<name>.js)" },
    { name: "bytecode", type: "boolean", help: "also emit QuickJS bytecode (<out>.bin + map)" },
    { name: "minify", type: "boolean", help: "minify the bundle" },
    NO_CHECK_OPTION,
  ],
  async run(args) {
    if (args.positional.length !== 1) throw new UsageError("build: give exactly one entry file (k230js build app.ts)");
    const out = args.options.out as string | undefined;
    // -o names the bundle and the bytecode goes beside it, so `-o app.bin` would write JavaScript
    // to app.bin and the bytecode to app.bin.bin.
    if (args.options.bytecode && out?.endsWith(".bin")) {
      const js = `${out.slice(0, -4)}.js`;
      throw new UsageError(`build: -o names the JavaScript bundle, not the bytecode: give -o ${js} and the bytecode goes to ${bytecodePath(js)}`);
    }
    const r = await bundle({
      entry: args.positional[0]!,
      outFile: out,
      minify: Boolean(args.options.minify),
      bytecode: Boolean(args.options.bytecode),
      check: !args.options["no-check"] && "build",
    });
    for (const w of r.warnings) console.error(`warning: ${w}`);
    for (const s of r.sizes) console.log(`${s.label.padEnd(11)} ${relative(process.cwd(), s.path).padEnd(40)} ${formatBytes(s.bytes).padStart(10)}`);
    return 0;
  },
};
