/**
 * One process per serial port. Two programs on one port interleave their bytes, and the raw
 * protocol (or a terminal) then sees the other's replies: errors that are not its own, stalls,
 * garbage. A k230js command therefore takes the port's UUCP lock file (`LCK..<device>`, the
 * process id in ASCII, in /run/lock or /var/lock) before opening it: the convention minicom,
 * picocom and cu follow, so a terminal program on the port is found too, and they find us. A lock
 * whose process is gone (killed) is taken over. K230JS_LOCK_DIR overrides the directory.
 */
import { accessSync, closeSync, constants, linkSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError } from "./errors.js";

function lockDir(): string {
  if (process.env.K230JS_LOCK_DIR) return process.env.K230JS_LOCK_DIR;
  for (const d of ["/run/lock", "/var/lock"]) {
    try {
      accessSync(d, constants.W_OK);
      return d;
    } catch {
      // not there or not ours to write
    }
  }
  return tmpdir();
}

/** "LCK..ttyACM0" for /dev/ttyACM0, "LCK..pts_5" for /dev/pts/5 (lockdev's spelling). */
export function lockFileOf(device: string): string {
  let real = device;
  try {
    real = realpathSync(device);
  } catch {
    // a device that is not there: its open fails with the clear message
  }
  return join(lockDir(), `LCK..${real.replace(/^\/dev\//, "").replace(/\//g, "_")}`);
}

function holder(lock: string): number | null {
  try {
    const pid = parseInt(readFileSync(lock, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return null; // gone meanwhile
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the lock of `device` for this process; returns its release. Throws "port busy (used by
 * pid N)" when a live process holds it. Where no lock can be written at all, goes on unlocked.
 */
export function lockPort(device: string): () => void {
  const lock = lockFileOf(device);
  const mine = `${lock}.${process.pid}`;
  for (let attempt = 0; attempt < 5; attempt++) {
    // The lock appears with its contents (link of a complete file), never empty.
    try {
      const fd = openSync(mine, "w", 0o644);
      writeSync(fd, `${String(process.pid).padStart(10)}\n`);
      closeSync(fd);
    } catch {
      return () => {};
    }
    try {
      linkSync(mine, lock);
      unlinkSync(mine);
      const release = () => {
        process.off("exit", release);
        try {
          if (holder(lock) === process.pid) unlinkSync(lock);
        } catch {
          // already gone
        }
      };
      process.on("exit", release);
      return release;
    } catch (e) {
      unlinkSync(mine);
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return () => {};
    }
    const pid = holder(lock);
    if (pid === null) continue;
    if (pid > 0 && alive(pid)) throw new CliError(`${device}: port busy (used by pid ${pid}${pid === process.pid ? ", this process" : ""})`);
    // Stale: its process is gone.
    try {
      unlinkSync(lock);
    } catch {
      // another process took it over first
    }
  }
  throw new CliError(`${device}: cannot take the port's lock ${lock}`);
}
