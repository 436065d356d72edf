/**
 * A host directory on the board (`k230js mount`, as mpremote mount; docs/protocol.md "Mount"):
 * the board asks for file bytes ('G' {id, flags, offset, length, path}) whenever its module
 * loader or k230:media openFile reads a path under the mount point, and this answers with 'g'
 * frames (live frames: they may arrive while code runs). Module requests for TypeScript come
 * back as JavaScript (types stripped by esbuild, per file); `./util.js` finds util.ts, and a
 * path without extension finds .ts, .js or index.ts/js, as TypeScript's own resolution does.
 * Nothing outside the directory is served (no `..`, no symbolic link leading out).
 */
import { transform } from "esbuild";
import { readFile, realpath, stat } from "node:fs/promises";
import { extname, relative, resolve, sep } from "node:path";
import { ENGINE_TARGET } from "./bundle.js";
import { encodeFrameNo03, MAX_PAYLOAD, type Frame } from "./frames.js";
import type { RawClient } from "./rawproto.js";

const REPLY_HDR = 24;
const TS = new Set([".ts", ".mts", ".cts", ".tsx"]);

class Refused extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface MountStats {
  requests: number;
  bytes: number;
}

export class MountServer {
  readonly stats: MountStats = { requests: 0, bytes: 0 };
  /** Content served per path, kept while the file is unchanged (a module is read in pieces). */
  private cache = new Map<string, { mtimeMs: number; size: number; data: Buffer }>();
  private root = "";

  constructor(
    private readonly client: RawClient,
    readonly dir: string,
    readonly point = "/remote",
    /** Called with each path the board reads, and an error when it could not have it. */
    private readonly log?: (path: string, error?: string) => void,
  ) {}

  async start(): Promise<void> {
    this.root = await realpath(resolve(this.dir));
    this.client.onService("G", (f) => void this.serve(f));
    await this.client.mountPoint(this.point);
  }

  async stop(): Promise<void> {
    this.client.onService("G", null);
    await this.client.mountPoint("").catch(() => {});
  }

  private async serve(f: Frame): Promise<void> {
    const p = f.payload;
    if (p.length < 17) return;
    const id = p.readUInt32LE(0);
    const module = (p[4]! & 1) === 1;
    const off = Number(p.readBigUInt64LE(5));
    const want = p.readUInt32LE(13);
    const rel = p.subarray(17).toString("utf8");
    this.stats.requests++;
    let data: Buffer;
    try {
      data = await this.content(rel, module);
      if (off === 0) this.log?.(rel);
    } catch (e) {
      const code = e instanceof Refused ? e.code : -5;
      const msg = e instanceof Refused ? e.message : `${rel}: ${(e as Error).message}`;
      this.log?.(rel, msg);
      await this.reply(id, code, 0, 0, Buffer.from(msg, "utf8"));
      return;
    }
    const end = Math.min(data.length, off + want);
    let at = Math.min(off, data.length);
    // Every request gets at least one frame (an empty one at the end of the file).
    do {
      let n = Math.min(end - at, 16000);
      for (;;) {
        const frame = this.frame(id, 0, data.length, at, data.subarray(at, at + n));
        if (frame.length - 9 <= (this.client.hello?.maxPayload ?? MAX_PAYLOAD)) {
          await this.client.transport.write(frame);
          break;
        }
        n = Math.floor(n * 0.8); // escaping made it too long
      }
      at += n;
      this.stats.bytes += n;
    } while (at < end);
  }

  private frame(id: number, code: number, size: number, off: number, data: Buffer): Buffer {
    const h = Buffer.alloc(REPLY_HDR);
    h.writeUInt32LE(id, 0);
    h.writeInt32LE(code, 4);
    h.writeBigUInt64LE(BigInt(size), 8);
    h.writeBigUInt64LE(BigInt(off), 16);
    return encodeFrameNo03("g", Buffer.concat([h, data]));
  }

  private async reply(id: number, code: number, size: number, off: number, data: Buffer): Promise<void> {
    await this.client.transport.write(this.frame(id, code, size, off, data));
  }

  /** The file a board path names, inside the directory. */
  private async locate(rel: string, module: boolean): Promise<string> {
    const bad = rel.split("/").some((c) => c === ".." || c === ".");
    if (bad || rel.includes("\0") || rel.includes("\\")) throw new Refused(-13, `${rel}: '.' and '..' are not served from the mount`);
    const base = resolve(this.root, rel);
    const ext = extname(base);
    const candidates = [base];
    if (module) {
      if (ext === ".js" || ext === ".mjs") candidates.push(base.slice(0, -ext.length) + (ext === ".js" ? ".ts" : ".mts"));
      if (!ext) candidates.push(`${base}.ts`, `${base}.js`, `${base}${sep}index.ts`, `${base}${sep}index.js`);
    }
    for (const c of candidates) {
      const st = await stat(c).catch(() => null);
      if (!st) continue;
      if (st.isDirectory()) {
        if (c === candidates.at(-1) || !module) throw new Refused(-21, `${rel}: is a directory`);
        continue;
      }
      const real = await realpath(c);
      const r = relative(this.root, real);
      if (r.startsWith("..") || r.startsWith(sep)) throw new Refused(-13, `${rel}: leads outside the mounted directory`);
      return real;
    }
    throw new Refused(-2, `${rel}: no such file in ${this.dir}`);
  }

  private async content(rel: string, module: boolean): Promise<Buffer> {
    const file = await this.locate(rel, module);
    const st = await stat(file);
    const key = `${module ? "m" : "f"}:${file}`;
    const hit = this.cache.get(key);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.data;
    let data = await readFile(file);
    const ext = extname(file);
    if (module && TS.has(ext)) {
      try {
        const out = await transform(data.toString("utf8"), { loader: ext === ".tsx" ? "tsx" : "ts", format: "esm", target: ENGINE_TARGET, sourcefile: file });
        data = Buffer.from(out.code, "utf8");
      } catch (e) {
        throw new Refused(-22, `${rel}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    this.cache.set(key, { mtimeMs: st.mtimeMs, size: st.size, data });
    return data;
  }
}
