// Live media over RTSP for the tests: the simulated camera (H.264, encoder.pipeTo) and the
// microphone (G.711, audioIn.pipeTo) into an RtspSession or an RtspPusher, no JS per frame.
// Args: session <alaw|ulaw> <seconds>          prints "READY <url>", serves for <seconds>
//       push <url> <alaw|ulaw> <seconds>       publishes for <seconds> once RECORD is accepted
//       api                                   prints "API {...}": ownership and spelling checks
import { AudioIn } from "k230:audio";
import { Encoder, MediaManager, Sensor } from "k230:media";
import { RtspPusher, RtspServer } from "k230:rtsp";

const mode = scriptArgs[1];
const code = (f: () => unknown) => {
  try {
    f();
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

function live(target: object, law: "alaw" | "ulaw", seconds: number, done: () => void): void {
  const width = 320;
  const height = 240;
  const sensor = new Sensor({ fps: 30 });
  sensor.setFramesize({ width, height });
  const encoder = new Encoder({ codec: "h264", width, height, bitrate: 800, gop: 30 });
  const link = MediaManager.link(sensor.bindInfo().src, encoder);
  const mic = new AudioIn({ rate: 8000, samplesPerFrame: 320 });
  encoder.pipeTo(target).on("error", (e) => console.log(`VIDEO ERROR ${e.message}`));
  mic.pipeTo(target, { codec: law, onError: (e) => console.log(`AUDIO ERROR ${e.message}`) });
  encoder.start();
  sensor.run();
  setTimeout(() => {
    mic.close();
    sensor.stop();
    link.close();
    encoder.close();
    sensor.close();
    done();
  }, seconds * 1000);
}

if (mode === "session") {
  const law = scriptArgs[2] as "alaw" | "ulaw";
  const server = new RtspServer({ host: "127.0.0.1", port: 0 });
  const session = server.createSession("live", { video: "h264", audio: law });
  console.log(`READY ${session.url}`);
  live(session, law, Number(scriptArgs[3]), () => server.close());
} else if (mode === "push") {
  const law = scriptArgs[3] as "alaw" | "ulaw";
  const pusher = new RtspPusher(scriptArgs[2]!, { video: "h264", audio: law });
  pusher.connect().then(
    () => {
      console.log("RECORDING");
      live(pusher, law, Number(scriptArgs[4]), () => {
        console.log(`STATS ${JSON.stringify(pusher.stats())}`);
        pusher.close();
      });
    },
    (e: Error) => console.log(`ERROR ${e.message}`),
  );
} else {
  const server = new RtspServer({ host: "127.0.0.1", port: 0 });
  server.createSession("x", { video: "h264" }); // the result is dropped: the server keeps it
  let junk: object[] = [];
  for (let i = 0; i < 200000; i++) junk.push({ i }); // enough garbage for a collection
  junk = [];
  const result = {
    again: code(() => server.createSession("x", { video: "h264" })),
    listed: Object.keys(server.stats().perSession),
    alaw: code(() => server.createSession("a", { video: "none", audio: "alaw" }).close()),
    ulaw: code(() => server.createSession("u", { video: "none", audio: "ulaw" }).close()),
    g711a: code(() => server.createSession("g", { video: "none", audio: "g711a" }).close()),
    pusherAlaw: code(() => new RtspPusher("rtsp://127.0.0.1:1/x", { audio: "alaw" })),
    bad: code(() => server.createSession("b", { video: "none", audio: "pcma" as "alaw" })),
  };
  server.close();
  const closedAfter = code(() => server.createSession("y"));
  console.log(`API ${JSON.stringify({ ...result, junk: junk.length, closedAfter })}`);
}
