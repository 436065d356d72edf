import { UsageError } from "../lib/errors.js";
import { PORT_OPTIONS } from "../lib/ports.js";
import { runInputCommand } from "../lib/ts-repl.js";
import type { Command } from "../lib/command.js";

export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate an expression on the board and print its value",
  usage: "eval '<expression>' [--port P]",
  description:
    "Evaluates the expression on the board (TypeScript transpiled here, await allowed) and prints\n" +
    "its value as the board's REPL shows it ('text' quoted, objects inspected).",
  options: [...PORT_OPTIONS],
  async run(args) {
    if (args.positional.length !== 1) throw new UsageError("eval: give the expression as one argument (k230js eval '1 + 1')");
    return runInputCommand(args, "eval", true);
  },
};
