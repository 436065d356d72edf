import { isAbsolute, relative } from "node:path";

/** "12.3 kB" style sizes for reports. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1000 * 1000) return `${(n / 1000).toFixed(1)} kB`;
  if (n < 1000 * 1000 * 1000) return `${(n / 1000 / 1000).toFixed(2)} MB`;
  return `${(n / 1000 / 1000 / 1000).toFixed(2)} GB`;
}

/** A path as messages show it: relative to the current directory when inside it, else absolute. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}
