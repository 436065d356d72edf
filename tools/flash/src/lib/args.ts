import { UsageError } from "./errors.js";

/** One option of a command: `--name VALUE` (string) or `--name` (boolean). */
export interface OptionSpec {
  name: string;
  short?: string;
  type: "string" | "boolean";
  help: string;
  /** Passed through to the runtime when given (e.g. --sdcard). */
  runtime?: boolean;
}

export interface ParsedArgs {
  positional: string[];
  options: Record<string, string | boolean | undefined>;
  /** Everything after a bare `--`. */
  rest: string[];
}

/** Parses argv against the option table; unknown options are usage errors. */
export function parseArgs(argv: string[], specs: OptionSpec[], command: string): ParsedArgs {
  const out: ParsedArgs = { positional: [], options: {}, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith("-") && a !== "-") {
      const [flag, inline] = a.split("=", 2) as [string, string | undefined];
      const spec = specs.find((s) => `--${s.name}` === flag || (s.short && `-${s.short}` === flag));
      if (!spec) throw new UsageError(`${command}: unknown option '${flag}' (see 'k230js ${command} --help')`);
      if (spec.type === "boolean") {
        if (inline !== undefined) throw new UsageError(`${command}: option '--${spec.name}' takes no value`);
        out.options[spec.name] = true;
      } else {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`${command}: option '--${spec.name}' needs a value`);
        out.options[spec.name] = v;
      }
      continue;
    }
    out.positional.push(a);
  }
  return out;
}

export function formatOptions(specs: OptionSpec[]): string {
  const rows = specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.type === "string" ? " VALUE" : ""}`;
    return [left, s.help] as const;
  });
  const w = Math.max(...rows.map(([l]) => l.length), 10) + 2;
  return rows.map(([l, h]) => `  ${l.padEnd(w)}${h}`).join("\n");
}
