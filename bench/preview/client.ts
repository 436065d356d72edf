// The CLI's raw-protocol client, pty transport and preview, bundled by bench/preview/run.mjs so
// the bench measures exactly the code `k230js preview` runs.
export { RawClient } from "../../tools/flash/src/lib/rawproto.js";
export { PtyTransport } from "../../tools/flash/src/lib/transport-serial.js";
export { Preview } from "../../tools/flash/src/lib/preview.js";
