import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/helpers/temp-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The suites drive processes (runtime, qemu, ffmpeg) and share build outputs: one file at a time
    // keeps timing assertions honest on a 2-core machine.
    fileParallelism: false,
    reporters: ["default"],
  },
});
