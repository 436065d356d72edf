// The RTSP suites' serving app (test/apps/rtsp-serve.ts): built once per suite, run on a runtime
// build until it prints READY, its SENT and (latest) STATS lines parsed at exit.
import { join } from "node:path";
import { expect } from "vitest";
import { HOST_RUNTIME, ROOT, cli, startUntil, tempDir } from "./run.js";

export interface Sent { video: number; audio: number; videoBytes: number; audioBytes: number }

export interface Served {
  url: string;
  pid: number;
  done: Promise<{ code: number | null; stdout: string; stderr: string; sent: Sent; stats: Record<string, unknown> }>;
  kill: () => void;
}

/** Bundles the app into a temporary directory; returns its path. */
export function buildServeApp(): string {
  const app = join(tempDir("rtsp-app"), "rtsp-serve.js");
  const r = cli(["build", join(ROOT, "test", "apps", "rtsp-serve.ts"), "-o", app]);
  expect(r.status, r.stderr).toBe(0);
  return app;
}

/** Starts the app on `runtime`; resolves once it listens. */
export async function serve(app: string, clip: string, args: string[] = [], runtime = HOST_RUNTIME): Promise<Served> {
  const s = startUntil([app, clip, ...args], "READY ", runtime);
  await s.ready;
  const url = /READY (\S+)/.exec(s.output().stdout)![1]!;
  const done = s.exited.then(({ code }) => {
    const { stdout, stderr } = s.output();
    const sent = JSON.parse(/SENT (.*)/.exec(stdout)?.[1] ?? "null") as Sent;
    const stats = JSON.parse([...stdout.matchAll(/STATS (.*)/g)].at(-1)?.[1] ?? "null"); // the latest
    return { code, stdout, stderr, sent, stats };
  });
  return { url, pid: s.child.pid!, done, kill: () => s.child.kill("SIGTERM") };
}
