import { CliError } from "../lib/errors.js";
import { PORT_OPTIONS, openTransport } from "../lib/ports.js";
import type { Command } from "../lib/command.js";

export const replCommand: Command = {
  name: "repl",
  summary: "a terminal on the board's console (Ctrl-] leaves)",
  usage: "repl [--port P]",
  description:
    "Connects this terminal to the board's REPL: keys go to the board as typed (line editing,\n" +
    "history and completion happen on the board), output comes back. Ctrl-] leaves. With --port\n" +
    "sim it starts the host simulator and talks to it over its pty.",
  options: [...PORT_OPTIONS],
  async run(args) {
    const t = await openTransport(args, "repl");
    const stdin = process.stdin;
    const tty = stdin.isTTY;
    process.stderr.write(`connected to ${t.name}; Ctrl-] leaves\n`);
    return new Promise<number>((resolve, reject) => {
      let done = false;
      const finish = async (code: number, err?: Error) => {
        if (done) return;
        done = true;
        if (tty) stdin.setRawMode(false);
        stdin.pause();
        await t.close();
        if (err) reject(err);
        else resolve(code);
      };
      t.onData((b) => process.stdout.write(b));
      t.onClose((why) => void finish(1, new CliError(`link lost: ${why}`)));
      if (tty) stdin.setRawMode(true);
      stdin.on("data", (b: Buffer) => {
        const quit = b.indexOf(0x1d);
        if (quit >= 0) {
          if (quit > 0) void t.write(b.subarray(0, quit));
          process.stdout.write("\n");
          void finish(0);
          return;
        }
        void t.write(b);
      });
      stdin.on("end", () => void finish(0));
      stdin.resume();
      // Show the prompt (and the banner on a fresh REPL).
      void t.write("\x02");
    });
  },
};
