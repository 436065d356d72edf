/**
 * Maps stack frames of a bundle run on a board back to the TypeScript sources with the bundle's
 * local source map (the board has the bundle under its exec name, not the map). Frames look like
 * "    at fn (app.js:12:5)" or "    at app.js:12:5" (QuickJS-ng, lines and columns from 1).
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";
import { displayPath } from "./format.js";

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class StackMapper {
  private readonly map: SourceMap | null;
  private readonly re: RegExp;
  private pending = "";

  /**
   * @param bundle the bundle file (its map is `${bundle}.map`)
   * @param name the name the code ran under on the board
   * @param firstLineShift characters put in front of the bundle's first line (the args prologue)
   */
  constructor(
    private readonly bundle: string,
    name: string,
    private readonly firstLineShift = 0,
  ) {
    const mapFile = `${bundle}.map`;
    this.map = existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, "utf8"))) : null;
    this.re = new RegExp(`${escapeRe(name)}:(\\d+):(\\d+)`, "g");
  }

  /** Rewrites every `name:line:col` the map covers; others stay as they are. */
  mapText(text: string): string {
    if (!this.map) return text;
    return text.replace(this.re, (whole, l: string, c: string) => {
      const line = Number(l);
      const col = Number(c) - (line === 1 ? this.firstLineShift : 0);
      const e = this.map!.findEntry(line - 1, Math.max(col - 1, 0)) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (!e || e.originalSource === undefined || e.originalLine === undefined) return whole;
      const src = resolve(dirname(this.bundle), e.originalSource.replace(/^file:\/\//, ""));
      return `${displayPath(src)}:${e.originalLine + 1}:${(e.originalColumn ?? 0) + 1}`;
    });
  }

  /** Streams: maps whole lines, holding back a partial last line until it completes or flush(). */
  push(chunk: Buffer | string): string {
    this.pending += chunk.toString();
    const nl = this.pending.lastIndexOf("\n");
    if (nl < 0) return "";
    const out = this.pending.slice(0, nl + 1);
    this.pending = this.pending.slice(nl + 1);
    return this.mapText(out);
  }

  flush(): string {
    const out = this.mapText(this.pending);
    this.pending = "";
    return out;
  }
}
