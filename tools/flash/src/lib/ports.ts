import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { basename, join } from "node:path";
import { CliError, EXIT_USAGE } from "./errors.js";
import type { OptionSpec, ParsedArgs } from "./args.js";
import { RawClient } from "./rawproto.js";
import type { Transport } from "./transport.js";
import { openSerial } from "./transport-serial.js";
import { SimTransport } from "./transport-sim.js";

/** The K230's USB CDC ACM interface (k230js firmware): pid.codes VID 1209, PID abd1. */
export const K230_VID = "1209";
export const K230_PID = "abd1";

export interface PortInfo {
  path: string;
  vid?: string;
  pid?: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  isK230: boolean;
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Serial ports from sysfs (works without udev): /sys/class/tty/<name>/device -> its USB parent. */
export function listPorts(sysRoot = process.env.K230JS_SYSFS ?? "/sys"): PortInfo[] {
  const cls = join(sysRoot, "class", "tty");
  if (!existsSync(cls)) return [];
  const out: PortInfo[] = [];
  for (const name of readdirSync(cls).sort()) {
    const dev = join(cls, name, "device");
    if (!existsSync(dev)) continue; // virtual consoles and ptys have no device
    let dir: string;
    try {
      dir = realpathSync(dev);
    } catch {
      continue;
    }
    const driver = existsSync(join(dev, "driver")) ? basename(realpathSync(join(dev, "driver"))) : "";
    if (driver === "serial8250" && !/ttyS[0-3]$/.test(name)) continue; // unused legacy UART slots
    const info: PortInfo = { path: `/dev/${name}`, isK230: false };
    // Walk up to the USB device that has idVendor/idProduct.
    for (let d = dir, i = 0; i < 6 && d !== "/"; i++, d = join(d, "..")) {
      const vid = readAttr(d, "idVendor");
      if (vid) {
        info.vid = vid.toLowerCase();
        info.pid = readAttr(d, "idProduct")?.toLowerCase();
        info.manufacturer = readAttr(d, "manufacturer");
        info.product = readAttr(d, "product");
        info.serial = readAttr(d, "serial");
        break;
      }
    }
    info.isK230 = info.vid === K230_VID && info.pid === K230_PID;
    out.push(info);
  }
  return out;
}

export const PORT_OPTIONS: OptionSpec[] = [
  { name: "port", short: "p", type: "string", help: "serial port of the board, or 'sim' for the host simulator (default: the K230 USB CDC port if exactly one)" },
  { name: "baud", type: "string", help: "baud rate for a UART adapter (default 115200; USB CDC ignores it)" },
  { name: "sdcard", type: "string", help: "with --port sim: directory the simulator sees as /sdcard (default build/sdcard)" },
];

/** Opens the link named by --port (a device path, or "sim" to start the simulator). */
export async function openTransport(args: ParsedArgs, command: string): Promise<Transport> {
  let port = args.options.port as string | undefined;
  if (!port) {
    const k230 = listPorts().filter((p) => p.isK230);
    if (k230.length !== 1)
      throw new CliError(`${command}: ${k230.length ? "several K230 boards found" : "no K230 board found"}; name one with --port (see 'k230js devices', or --port sim)`, EXIT_USAGE);
    port = k230[0]!.path;
  }
  if (port === "sim") return SimTransport.start({ sdcard: (args.options.sdcard as string | undefined) ?? join(process.cwd(), "build", "sdcard") });
  const baud = Number((args.options.baud as string | undefined) ?? 115200);
  if (!Number.isInteger(baud) || baud <= 0) throw new CliError(`${command}: --baud must be a positive integer`, EXIT_USAGE);
  return openSerial(port, baud);
}

/**
 * The link's bytes/s when it is known: a UART's baud rate (--baud, default 115200) / 10; 0 for
 * USB CDC (the K230's port), a pty and the simulator, whose pace the link itself sets. --baud
 * given for a pty (a relay that throttles it like a UART) counts.
 */
export function linkRate(args: ParsedArgs): number {
  const baud = args.options.baud as string | undefined;
  if (baud) return Math.floor(Number(baud) / 10) || 0;
  const port = args.options.port as string | undefined;
  if (!port || port === "sim" || port.startsWith("/dev/pts/")) return 0;
  const info = listPorts().find((p) => p.path === port);
  if (info?.isK230 || /ttyACM/.test(port)) return 0;
  return 11520;
}

/** Opens the link and enters raw mode. */
export async function connect(args: ParsedArgs, command: string): Promise<RawClient> {
  const t = await openTransport(args, command);
  const c = new RawClient(t);
  try {
    await c.enter();
  } catch (e) {
    await t.close();
    throw e;
  }
  return c;
}

/** Leaves raw mode and closes the link. */
export async function disconnect(c: RawClient): Promise<void> {
  try {
    await c.leave();
  } finally {
    await c.transport.close();
  }
}
