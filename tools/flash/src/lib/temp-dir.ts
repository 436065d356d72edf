import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/**
 * A fresh directory for a command's intermediate files (a bundle before it is installed, an
 * image's staging area). Removed when the process exits, however the command ended.
 */
export function tempBuildDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "k230js-build-"));
  if (made.push(dir) === 1) process.on("exit", removeAll);
  return dir;
}

function removeAll(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
