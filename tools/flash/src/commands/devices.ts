import { K230_PID, K230_VID, listPorts } from "../lib/ports.js";
import type { Command } from "../lib/command.js";

export const devicesCommand: Command = {
  name: "devices",
  summary: "list serial ports, marking K230 boards",
  usage: "devices [--json]",
  description:
    `Lists the serial ports of this machine. A port whose USB VID:PID is ${K230_VID}:${K230_PID} (the\n` +
    "k230js firmware's USB CDC console) is marked K230; commands that take --port use it by default\n" +
    "when it is the only one.",
  options: [{ name: "json", type: "boolean", help: "print JSON" }],
  async run(args) {
    const ports = listPorts();
    if (args.options.json) {
      console.log(JSON.stringify(ports, null, 2));
      return 0;
    }
    if (!ports.length) {
      console.log("no serial ports found (the simulator is always there: --port sim)");
      return 0;
    }
    for (const p of ports) {
      const id = p.vid ? `${p.vid}:${p.pid}` : "-        ";
      const what = [p.manufacturer, p.product].filter(Boolean).join(" ");
      console.log(`${p.path.padEnd(16)} ${id}  ${p.isK230 ? "K230  " : "      "}${what}`.trimEnd());
    }
    return 0;
  },
};
