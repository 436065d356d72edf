import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CliError, UsageError } from "../lib/errors.js";
import { PORT_OPTIONS, connect, disconnect } from "../lib/ports.js";
import { Progress } from "../lib/progress.js";
import { RawClient, RemoteError } from "../lib/rawproto.js";
import type { Command } from "../lib/command.js";

const SUB = ["ls", "cat", "cp", "rm", "mkdir", "stat"];

function isRemote(p: string): boolean {
  return p.startsWith(":");
}

/** ":/sdcard/x" -> "/sdcard/x"; ":" alone or ":x" is relative to /sdcard. */
function remotePath(p: string): string {
  const r = p.slice(1);
  if (r === "" || r === ".") return "/sdcard";
  return r.startsWith("/") ? r.replace(/\/+$/, "") || "/" : `/sdcard/${r}`.replace(/\/+$/, "");
}

function joinRemote(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

async function upload(c: RawClient, local: string, remote: string, quiet: boolean): Promise<number> {
  const data = readFileSync(local);
  const bar = new Progress(basename(local), data.length);
  const stats = await c.writeFile(remote, data, (n) => bar.update(n));
  bar.done(data.length);
  if (!quiet) console.log(`${local} -> :${remote} (${data.length} bytes, verified${stats.resent ? `, ${stats.resent} resent` : ""})`);
  return data.length;
}

async function download(c: RawClient, remote: string, local: string, quiet: boolean): Promise<number> {
  const bar = new Progress(basename(remote), 0);
  const { data, stats } = await c.readFile(remote, (n, total) => bar.update(n, total));
  bar.done(data.length);
  mkdirSync(dirname(local), { recursive: true });
  const tmp = `${local}.k230js-part`;
  writeFileSync(tmp, data);
  renameSync(tmp, local);
  if (!quiet) console.log(`:${remote} -> ${local} (${data.length} bytes, verified${stats.resent ? `, ${stats.resent} resent` : ""})`);
  return data.length;
}

async function ensureRemoteDir(c: RawClient, path: string): Promise<void> {
  const st = await c.stat(path);
  if (st?.type === "dir") return;
  if (st) throw new CliError(`:${path} exists and is not a directory`);
  await c.mkdir(path);
}

async function copy(c: RawClient, src: string, dst: string, recursive: boolean, quiet: boolean): Promise<void> {
  if (isRemote(src) && isRemote(dst)) throw new UsageError("fs cp: copying between two remote paths is not supported");
  if (!isRemote(src)) {
    const st = statSync(src, { throwIfNoEntry: false });
    if (!st) throw new CliError(`fs cp: ${src}: no such file or directory`);
    let target = remotePath(dst);
    const rst = await c.stat(target);
    if (rst?.type === "dir" || dst.endsWith("/")) target = joinRemote(target, basename(src));
    if (st.isDirectory()) {
      if (!recursive) throw new UsageError(`fs cp: ${src} is a directory (use -r)`);
      await ensureRemoteDir(c, target);
      for (const name of readdirSync(src).sort()) await copy(c, join(src, name), `:${joinRemote(target, name)}`, true, quiet);
      return;
    }
    await upload(c, src, target, quiet);
    return;
  }
  const from = remotePath(src);
  const st = await c.stat(from);
  if (!st) throw new CliError(`fs cp: :${from}: no such file or directory`);
  let target = dst;
  const lst = statSync(dst, { throwIfNoEntry: false });
  if (lst?.isDirectory() || dst.endsWith("/")) target = join(dst, basename(from));
  if (st.type === "dir") {
    if (!recursive) throw new UsageError(`fs cp: :${from} is a directory (use -r)`);
    mkdirSync(target, { recursive: true });
    for (const e of await c.list(from)) await copy(c, `:${joinRemote(from, e.name)}`, join(target, e.name), true, quiet);
    return;
  }
  await download(c, from, target, quiet);
}

async function removeTree(c: RawClient, path: string, recursive: boolean): Promise<void> {
  const st = await c.stat(path);
  if (!st) throw new CliError(`fs rm: :${path}: no such file or directory`);
  if (st.type === "dir") {
    if (!recursive) throw new UsageError(`fs rm: :${path} is a directory (use -r)`);
    for (const e of await c.list(path)) await removeTree(c, joinRemote(path, e.name), true);
  }
  await c.remove(path);
}

export const fsCommand: Command = {
  name: "fs",
  summary: "files on the board: ls, cat, cp, rm, mkdir, stat",
  usage:
    "fs ls [:dir] | cat :file | cp [-r] SRC DST | rm [-r] :path | mkdir :dir | stat :path   [--port P]",
  description:
    "Remote paths start with ':' (as in mpremote): ':/sdcard/app.js', or ':app.js' relative to\n" +
    "/sdcard. Only /sdcard and /data are reachable. cp copies either way, -r recursively, with a\n" +
    "progress bar; every file is checked chunk by chunk (CRC-32) and as a whole (SHA-256), and a\n" +
    "file on the board is replaced atomically, so an interrupted copy leaves the old one intact.",
  options: [
    ...PORT_OPTIONS,
    { name: "recursive", short: "r", type: "boolean", help: "cp/rm: whole directories" },
    { name: "quiet", short: "q", type: "boolean", help: "cp: no per-file lines" },
  ],
  async run(args) {
    const [sub, ...paths] = args.positional;
    if (!sub || !SUB.includes(sub)) throw new UsageError(`fs: give one of ${SUB.join(", ")} (see 'k230js fs --help')`);
    const need = (n: number, what: string) => {
      if (paths.length !== n) throw new UsageError(`fs ${sub}: ${what}`);
    };
    const remoteArg = (p: string) => {
      if (!isRemote(p)) throw new UsageError(`fs ${sub}: '${p}' is not a remote path (remote paths start with ':')`);
      return remotePath(p);
    };
    if (sub === "ls" && paths.length > 1) throw new UsageError("fs ls: give at most one directory");
    if (sub === "cp") need(2, "give a source and a destination");
    if (["cat", "rm", "mkdir", "stat"].includes(sub)) need(1, "give one remote path");
    const targets = sub === "ls" ? [remoteArg(paths[0] ?? ":")] : sub === "cp" ? [] : [remoteArg(paths[0]!)];
    const c = await connect(args, `fs ${sub}`);
    const recursive = Boolean(args.options.recursive);
    try {
      switch (sub) {
        case "ls": {
          const st = await c.stat(targets[0]!);
          if (!st) throw new CliError(`fs ls: :${targets[0]}: no such file or directory`);
          if (st.type !== "dir") {
            console.log(`${String(st.size).padStart(10)}  ${targets[0]}`);
            break;
          }
          for (const e of await c.list(targets[0]!)) console.log(`${e.type === "dir" ? "       dir" : String(e.size).padStart(10)}  ${e.name}${e.type === "dir" ? "/" : ""}`);
          break;
        }
        case "cat": {
          const { data } = await c.readFile(targets[0]!);
          process.stdout.write(data);
          break;
        }
        case "stat": {
          const st = await c.stat(targets[0]!);
          if (!st) throw new CliError(`fs stat: :${targets[0]}: no such file or directory`);
          console.log(JSON.stringify({ path: targets[0], ...st }));
          break;
        }
        case "mkdir":
          await c.mkdir(targets[0]!);
          break;
        case "rm":
          await removeTree(c, targets[0]!, recursive);
          break;
        case "cp":
          await copy(c, paths[0]!, paths[1]!, recursive, Boolean(args.options.quiet));
          break;
      }
    } catch (e) {
      if (e instanceof RemoteError) throw new CliError(`fs ${sub}: ${e.message}`);
      throw e;
    } finally {
      await disconnect(c);
    }
    return 0;
  },
};
