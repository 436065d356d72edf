import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CliError, UsageError } from "../lib/errors.js";
import { PORT_OPTIONS } from "../lib/ports.js";
import { Progress } from "../lib/progress.js";
import { RawClient, RemoteError } from "../lib/rawproto.js";
import { openBoard, releaseBoard } from "../lib/session.js";
import type { Command } from "../lib/command.js";

const SUB = ["ls", "cat", "cp", "rm", "mkdir", "rmdir", "stat", "tree", "touch", "sha256sum"];

/** A path with a leading ':' is on the board; anything else is on this machine (as in mpremote). */
export function isRemote(p: string): boolean {
  return p.startsWith(":");
}

/** ":/sdcard/x" -> "/sdcard/x"; ":" alone or ":x" is relative to /sdcard. */
export function remotePath(p: string): string {
  const r = p.slice(1);
  if (r === "" || r === ".") return "/sdcard";
  return r.startsWith("/") ? r.replace(/\/+$/, "") || "/" : `/sdcard/${r}`.replace(/\/+$/, "");
}

function joinRemote(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

function remoteBase(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

async function upload(c: RawClient, local: string, remote: string, quiet: boolean): Promise<void> {
  const data = readFileSync(local);
  const bar = new Progress(basename(local), data.length);
  const stats = await c.writeFile(remote, data, (n) => bar.update(n));
  bar.done(data.length);
  if (!quiet) console.log(`${local} -> :${remote} (${data.length} bytes, verified${stats.resent ? `, ${stats.resent} resent` : ""})`);
}

async function download(c: RawClient, remote: string, local: string, quiet: boolean): Promise<void> {
  const bar = new Progress(basename(remote), 0);
  const { data, stats } = await c.readFile(remote, (n, total) => bar.update(n, total));
  bar.done(data.length);
  mkdirSync(dirname(local), { recursive: true });
  const tmp = `${local}.k230js-part`;
  writeFileSync(tmp, data);
  renameSync(tmp, local);
  if (!quiet) console.log(`:${remote} -> ${local} (${data.length} bytes, verified${stats.resent ? `, ${stats.resent} resent` : ""})`);
}

async function ensureRemoteDir(c: RawClient, path: string): Promise<void> {
  const st = await c.stat(path);
  if (st?.type === "dir") return;
  if (st) throw new CliError(`:${path} exists and is not a directory`);
  await c.mkdir(path);
}

/** Where SRC lands: inside DST when DST is a directory (or ends with '/'), else DST itself. */
async function destination(c: RawClient, dst: string, name: string): Promise<string> {
  if (isRemote(dst)) {
    const target = remotePath(dst);
    const st = await c.stat(target);
    return st?.type === "dir" || dst.endsWith("/") ? joinRemote(target, name) : target;
  }
  const st = statSync(dst, { throwIfNoEntry: false });
  return st?.isDirectory() || dst.endsWith("/") ? join(dst, name) : dst;
}

async function copy(c: RawClient, src: string, dst: string, recursive: boolean, quiet: boolean): Promise<void> {
  if (!isRemote(src) && !isRemote(dst)) throw new UsageError(`fs cp: ${src} and ${dst} are both on this machine; board paths start with ':'`);
  if (!isRemote(src)) {
    const st = statSync(src, { throwIfNoEntry: false });
    if (!st) throw new CliError(`fs cp: ${src}: no such file or directory`);
    const target = await destination(c, dst, basename(src));
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
  const target = await destination(c, dst, remoteBase(from));
  if (st.type === "dir") {
    if (!recursive) throw new UsageError(`fs cp: :${from} is a directory (use -r)`);
    if (isRemote(dst)) await ensureRemoteDir(c, target);
    else mkdirSync(target, { recursive: true });
    for (const e of await c.list(from)) {
      await copy(c, `:${joinRemote(from, e.name)}`, isRemote(dst) ? `:${joinRemote(target, e.name)}` : join(target, e.name), true, quiet);
    }
    return;
  }
  if (!isRemote(dst)) return download(c, from, target, quiet);
  // Board to board: through this machine, verified both ways like any other copy.
  const { data } = await c.readFile(from);
  await c.writeFile(target, data);
  if (!quiet) console.log(`:${from} -> :${target} (${data.length} bytes, verified)`);
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

/** `fs tree`: the directory drawn as a tree, with sizes. */
async function tree(c: RawClient, path: string, prefix: string, out: string[]): Promise<void> {
  const entries = await c.list(path);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const last = i === entries.length - 1;
    out.push(`${prefix}${last ? "└── " : "├── "}${e.name}${e.type === "dir" ? "/" : `  (${e.size})`}`);
    if (e.type === "dir") await tree(c, joinRemote(path, e.name), `${prefix}${last ? "    " : "│   "}`, out);
  }
}

/**
 * SHA-256 of a file on the board computed there: a read from offset = size streams no data and
 * ends with the F frame carrying the whole file's hash (docs/protocol.md, Files).
 */
async function remoteSha256(c: RawClient, path: string): Promise<string> {
  const st = await c.stat(path);
  if (!st) throw new CliError(`fs sha256sum: :${path}: no such file or directory`);
  if (st.type !== "file") throw new CliError(`fs sha256sum: :${path} is not a file`);
  const off = Buffer.alloc(8);
  off.writeBigUInt64LE(BigInt(st.size));
  await c.send("r", Buffer.concat([off, Buffer.from(path, "utf8")]));
  for (;;) {
    const f = await c.next();
    if (!f) throw new CliError(`fs sha256sum: no reply from ${c.transport.name}`);
    if (!f.ok) continue;
    if (f.type === "R" && f.payload.readInt32LE(0) < 0) throw new CliError(`fs sha256sum: ${f.payload.subarray(4).toString("utf8")}`);
    if (f.type === "F") return f.payload.subarray(8, 40).toString("hex");
  }
}

function sha256Local(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export const fsCommand: Command = {
  name: "fs",
  summary: "files on the board: ls, cat, cp, rm, mkdir, rmdir, stat, tree, touch, sha256sum",
  usage:
    "fs ls [:dir...] | cat :file... | cp [-r] SRC... DST | rm [-r] :path... | mkdir :dir... | rmdir :dir...\n" +
    "             | stat :path... | tree [:dir...] | touch :file... | sha256sum PATH...   [--port P]",
  description:
    "Paths starting with ':' are on the board (as in mpremote): ':/sdcard/app.js', or ':app.js'\n" +
    "relative to /sdcard; any other path is on this machine. Only /sdcard and /data are\n" +
    "reachable. cp copies up, down or board to board (SRC... into a directory DST), -r\n" +
    "recursively, with a progress bar; every file is checked chunk by chunk (CRC-32) and as a whole\n" +
    "(SHA-256), and a file on the board is replaced atomically, so an interrupted copy leaves the\n" +
    "old one intact. A copy whose ends are both local is refused. touch creates a missing file\n" +
    "empty. sha256sum hashes files on the board there (nothing is transferred) and local ones here.",
  options: [
    ...PORT_OPTIONS,
    { name: "recursive", short: "r", type: "boolean", help: "cp/rm: whole directories" },
    { name: "quiet", short: "q", type: "boolean", help: "cp: no per-file lines" },
  ],
  async run(args) {
    const [sub, ...paths] = args.positional;
    if (!sub || !SUB.includes(sub)) throw new UsageError(`fs: give one of ${SUB.join(", ")} (see 'k230js fs --help')`);
    const remoteArg = (p: string) => {
      if (!isRemote(p)) throw new UsageError(`fs ${sub}: '${p}' is not a board path (board paths start with ':', e.g. ':${p}')`);
      return remotePath(p);
    };
    let targets: string[] = [];
    if (sub === "cp") {
      if (paths.length < 2) throw new UsageError("fs cp: give a source and a destination (fs cp SRC... DST)");
      if (paths.every((p) => !isRemote(p)))
        throw new UsageError(`fs cp: ${paths.join(" and ")} are all on this machine; board paths start with ':' (e.g. ':${paths.at(-1)}')`);
    } else if (sub === "sha256sum") {
      if (!paths.length) throw new UsageError("fs sha256sum: give one or more files");
    } else if (sub === "ls" || sub === "tree") {
      targets = (paths.length ? paths : [":"]).map(remoteArg);
    } else {
      if (!paths.length) throw new UsageError(`fs ${sub}: give one or more board paths`);
      targets = paths.map(remoteArg);
    }
    const needsBoard = sub !== "sha256sum" || paths.some(isRemote);
    const c = needsBoard ? await openBoard(args, `fs ${sub}`) : null;
    const recursive = Boolean(args.options.recursive);
    try {
      switch (sub) {
        case "ls":
          for (const t of targets) {
            const st = await c!.stat(t);
            if (!st) throw new CliError(`fs ls: :${t}: no such file or directory`);
            if (targets.length > 1) console.log(`:${t}:`);
            if (st.type !== "dir") {
              console.log(`${String(st.size).padStart(10)}  ${t}`);
              continue;
            }
            for (const e of await c!.list(t)) console.log(`${e.type === "dir" ? "       dir" : String(e.size).padStart(10)}  ${e.name}${e.type === "dir" ? "/" : ""}`);
          }
          break;
        case "tree":
          for (const t of targets) {
            const st = await c!.stat(t);
            if (st?.type !== "dir") throw new CliError(`fs tree: :${t}: ${st ? "not a directory" : "no such file or directory"}`);
            const out = [`:${t}`];
            await tree(c!, t, "", out);
            console.log(out.join("\n"));
          }
          break;
        case "cat":
          for (const t of targets) process.stdout.write((await c!.readFile(t)).data);
          break;
        case "stat":
          for (const t of targets) {
            const st = await c!.stat(t);
            if (!st) throw new CliError(`fs stat: :${t}: no such file or directory`);
            console.log(JSON.stringify({ path: t, ...st }));
          }
          break;
        case "mkdir":
          for (const t of targets) await c!.mkdir(t);
          break;
        case "rmdir":
          for (const t of targets) {
            const st = await c!.stat(t);
            if (st?.type !== "dir") throw new CliError(`fs rmdir: :${t}: ${st ? "not a directory" : "no such file or directory"}`);
            await c!.remove(t);
          }
          break;
        case "rm":
          for (const t of targets) await removeTree(c!, t, recursive);
          break;
        case "touch":
          for (const t of targets) {
            const st = await c!.stat(t);
            if (st?.type === "dir") throw new CliError(`fs touch: :${t} is a directory`);
            if (!st) await c!.writeFile(t, new Uint8Array(0));
          }
          break;
        case "sha256sum":
          for (const p of paths) {
            if (isRemote(p)) console.log(`${await remoteSha256(c!, remotePath(p))}  :${remotePath(p)}`);
            else {
              if (!statSync(p, { throwIfNoEntry: false })?.isFile()) throw new CliError(`fs sha256sum: ${p}: no such file`);
              console.log(`${sha256Local(p)}  ${p}`);
            }
          }
          break;
        case "cp": {
          const dst = paths.at(-1)!;
          const srcs = paths.slice(0, -1);
          if (srcs.length > 1) {
            const isDir = isRemote(dst) ? (await c!.stat(remotePath(dst)))?.type === "dir" : statSync(dst, { throwIfNoEntry: false })?.isDirectory();
            if (!isDir) throw new UsageError(`fs cp: copying ${srcs.length} sources needs a directory as destination, and ${dst} is not one`);
          }
          for (const s of srcs) await copy(c!, s, dst, recursive, Boolean(args.options.quiet));
          break;
        }
      }
    } catch (e) {
      if (e instanceof RemoteError) throw new CliError(`fs ${sub}: ${e.message}`);
      throw e;
    } finally {
      if (c) await releaseBoard();
    }
    return 0;
  },
};
