// The CLI's own raw-protocol client and pty transport, bundled by bench/transfer/run.mjs so the
// bench measures exactly the code `k230js fs cp` runs.
export { RawClient } from "../../tools/flash/src/lib/rawproto.js";
export { PtyTransport } from "../../tools/flash/src/lib/transport-serial.js";
