// An encoder whose creation fails inside the MPP (run with the codecs made unavailable): the
// error code, and nothing left registered. Prints one JSON line.
import { Encoder, MediaManager } from "k230:media";

let code = "";
try {
  new Encoder({ codec: "h264", width: 320, height: 240 });
} catch (e) {
  code = (e as { code: string }).code;
}
console.log(JSON.stringify({ code, total: MediaManager.stats().total }));
