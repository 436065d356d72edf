// Set-up is part of the product: a second run finds everything current and does no work.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tempDir } from "./helpers/run.js";

describe("scripts/setup.sh", () => {
  it("a second run re-downloads and rebuilds nothing", () => {
    const t0 = performance.now();
    const r = spawnSync("bash", ["scripts/setup.sh", "--all"], { cwd: ROOT, encoding: "utf8" });
    const ms = performance.now() - t0;
    expect(r.status, r.stderr).toBe(0);
    for (const word of ["installing", "configuring", "built ", "building", "downloading", "updating"]) {
      expect(r.stderr, word).not.toContain(word);
    }
    expect(ms).toBeLessThan(30_000);
  });

  it("a .deb that does not match the pinned sha256 is refused with a clear error", () => {
    const top = tempDir("pin");
    mkdirSync(join(top, "scripts"));
    copyFileSync(join(ROOT, "scripts", "fetch-qjs-src.sh"), join(top, "scripts", "fetch-qjs-src.sh"));
    writeFileSync(join(top, "scripts", "qjs-src.lock"), `QJS_SRC_VERSION=0.17.0-1\nQJS_SRC_SHA256=${"0".repeat(64)}\n`);
    const deb = join(ROOT, ".cache", "apt", "archives", "qjs-src_0.17.0-1_all.deb");
    const r = spawnSync("bash", [join(top, "scripts", "fetch-qjs-src.sh")], {
      encoding: "utf8",
      env: { ...process.env, K230JS_QJS_DEB: deb },
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^fetch-qjs-src: error: qjs-src \.deb checksum mismatch: got 0463.* \(scripts\/qjs-src\.lock\)$/);
    expect(existsSync(join(top, ".cache", "qjs-src", "0.17.0-1", "quickjs.h"))).toBe(false);
  });
});
