import { CliError } from "../lib/errors.js";
import { PORT_OPTIONS } from "../lib/ports.js";
import { openBoard, releaseBoard, reopenBoard } from "../lib/session.js";
import { SimTransport } from "../lib/transport-sim.js";
import type { Command } from "../lib/command.js";

export const resetCommand: Command = {
  name: "reset",
  summary: "soft-reset the board (a fresh VM; --hard restarts the simulator)",
  usage: "reset [--hard] [--port P]",
  description:
    "A soft reset frees the JavaScript VM and everything apps left (media objects, buffers,\n" +
    "links), makes a new one and reruns /sdcard/boot.js, as Ctrl-D does in the REPL. --hard\n" +
    "restarts the whole runtime: the simulator's process; a board cannot reboot itself from\n" +
    "software (RT-Smart gives user programs no reboot call), so there it says to press RESET.",
  options: [...PORT_OPTIONS, { name: "hard", type: "boolean", help: "restart the runtime (the simulator's process)" }],
  async run(args) {
    let c = await openBoard(args, "reset");
    try {
      if (args.options.hard) {
        if (!(c.transport instanceof SimTransport))
          throw new CliError(`reset --hard: ${c.transport.name} cannot be rebooted from software (no reboot call on RT-Smart); press the board's RESET button, or use a soft reset`);
        c = await reopenBoard();
        console.log(`hard reset: a new simulator (${c.hello?.info ?? c.transport.name})`);
        return 0;
      }
      const hello = await c.softReset();
      console.log(`soft reset: ${hello.info}`);
      return 0;
    } finally {
      await releaseBoard();
    }
  },
};
