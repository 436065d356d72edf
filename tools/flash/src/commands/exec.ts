import { UsageError } from "../lib/errors.js";
import { PORT_OPTIONS } from "../lib/ports.js";
import { runInputCommand } from "../lib/ts-repl.js";
import type { Command } from "../lib/command.js";

export const execCommand: Command = {
  name: "exec",
  summary: "run TypeScript/JavaScript code on the board",
  usage: "exec '<code>' [--port P]",
  description:
    "Runs the code on the board as a global script, the way a REPL line runs: TypeScript is\n" +
    "transpiled here, import lines work, top-level await works, and the board keeps the variables\n" +
    "until a reset. Output streams back; the exit status is the code's (1 after an uncaught error).",
  options: [...PORT_OPTIONS],
  async run(args) {
    if (args.positional.length !== 1) throw new UsageError("exec: give the code as one argument (k230js exec 'console.log(1)')");
    return runInputCommand(args, "exec", false);
  },
};
