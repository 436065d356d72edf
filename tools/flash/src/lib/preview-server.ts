/**
 * The preview's page: the simulator's live view page (firmware/hal/host/liveview.html, put in
 * by build.mjs) on a loopback-only HTTP server. GET / is the page, /frame the latest picture
 * (JPEG), /stats the numbers as JSON with the line the page shows.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CliError } from "./errors.js";
import { describe, type Preview } from "./preview.js";

declare const K230JS_LIVEVIEW_PAGE: string;

export interface PreviewServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `preview` on 127.0.0.1:port (0: any free port). */
export async function servePreview(preview: Preview, port: number): Promise<PreviewServer> {
  const page = K230JS_LIVEVIEW_PAGE.replaceAll("@INTERVAL@", String(Math.max(1, Math.floor(1000 / preview.opts.fps / 2))));
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET") return send(405, "text/plain", "GET only\n");
    if (path === "/") return send(200, "text/html; charset=utf-8", page);
    if (path === "/frame") {
      const p = preview.latest;
      return p ? send(200, "image/jpeg", p.jpeg) : send(503, "text/plain", "no frame yet\n");
    }
    if (path === "/stats") {
      const s = preview.stats();
      return send(200, "application/json", JSON.stringify({ ...s, line: describe(s) }));
    }
    send(404, "text/plain", "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new CliError(e.code === "EADDRINUSE" ? `preview: port ${port} is taken (choose another with --http)` : `preview: cannot serve the page: ${e.message}`)),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
