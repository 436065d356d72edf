import type { OptionSpec, ParsedArgs } from "./args.js";

/** One `k230js <name>` command; each lives in its own file under commands/. */
export interface Command {
  name: string;
  summary: string;
  /** Usage line(s) after "k230js ". */
  usage: string;
  /** Longer help text shown by `k230js <name> --help`. */
  description: string;
  options: OptionSpec[];
  /** Returns the process exit code. Throws CliError for failures. */
  run(args: ParsedArgs): Promise<number>;
}
