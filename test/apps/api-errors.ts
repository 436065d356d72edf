// The messages a new user meets when holding the API wrong: a misspelt option names itself and the
// valid ones (every class and method taking an options object), a snapshot of a sensor that is
// not running says so, an encoder size names the constraint it breaks. Prints {case: message}.
import { AudioIn, AudioOut, writeWav } from "k230:audio";
import { AnnexBReader, Decoder, Display, Encoder, Player, Sensor } from "k230:media";
import { Mp4Demuxer, Mp4Muxer, Mp4Recorder } from "k230:mp4";
import { RtspProbe, RtspPusher, RtspServer } from "k230:rtsp";

const out: Record<string, string> = {};
function attempt(name: string, fn: () => unknown): void {
  try {
    fn();
    out[name] = "no error";
  } catch (e) {
    const err = e as Error & { code?: string };
    out[name] = `${err.name}${err.code ? `[${err.code}]` : ""}: ${err.message}`;
  }
}
// A misspelt option, past the type checker as a user in plain JS would write it.
const typo = <T>(o: object): T => o as T;

const dir = (scriptArgs as string[])[1] ?? "/sdcard";
attempt("Sensor", () => new Sensor(typo({ widht: 640 })));
const s = new Sensor({ width: 640, height: 480 });
attempt("Sensor.setFramesize", () => s.setFramesize(typo({ width: 320, height: 240, chnn: 1 })));
attempt("Sensor.setPixformat", () => s.setPixformat(Sensor.YUV420SP, typo({ chan: 0 })));
attempt("Sensor.bindInfo", () => s.bindInfo(typo({ chn: 0, z: 1 })));
attempt("Sensor.snapshot", () => s.snapshot(typo({ timeout: 10 })));
attempt("snapshotNotRunning", () => s.snapshot());
s.setFramesize({ width: 320, height: 240 });
attempt("snapshotNotRunningConfigured", () => s.snapshot());
s.close();
const s3 = new Sensor({ width: 640, height: 480 });
s3.setFramesize({ width: 320, height: 240 });
s3.run();
attempt("snapshotChannelOff", () => s3.snapshot({ chn: 1 }));
s3.close();
attempt("Encoder", () => new Encoder(typo({ codec: "h264", width: 320, height: 240, bitRate: 1000 })));
attempt("encoderOddWidth", () => new Encoder({ codec: "h264", width: 1281, height: 720 }).close());
attempt("encoderTooSmall", () => new Encoder({ codec: "h264", width: 64, height: 720 }).close());
const enc = new Encoder({ codec: "h264", width: 320, height: 240 });
attempt("Encoder.pipeTo.notTarget", () => enc.pipeTo(typo({})));
enc.close();
attempt("Decoder", () => new Decoder("h264", typo({ maxwidth: 640 })));
const d = new Decoder("h264");
attempt("Decoder.bindInfo", () => d.bindInfo(typo({ w: 1 })));
d.close();
attempt("Player", () => new Player(typo({ dispaly: "VIRT" })));
attempt("AnnexBReader", () => new AnnexBReader(new Uint8Array(16), typo({ codex: "h264" })));
attempt("Display.init", () => Display.init("VIRT", typo({ width: 320, height: 240, fsp: 30 })));
Display.init("VIRT", { width: 320, height: 240 });
const src = { mod: "sensor", dev: 0, chn: 0 } as const;
attempt("Display.bindLayer", () => Display.bindLayer(typo({ src, layr: Display.LAYER_VIDEO1 })));
attempt("Display.bindLayer.rect", () => Display.bindLayer(typo({ src, rect: { x: 0, y: 0, w: 8 } })));
const img = { width: 8, height: 8, format: "ARGB8888" as const, data: new Uint8Array(256) };
attempt("Display.showImage", () => Display.showImage(img, typo({ layer: Display.LAYER_OSD0, xx: 1 })));
attempt("Display.showImage.image", () => Display.showImage(typo({ ...img, fmt: "RGB888" })));
Display.deinit();
attempt("AudioIn", () => new AudioIn(typo({ rate: 8000, channel: 1 })));
attempt("AudioOut", () => new AudioOut(typo({ samplerate: 8000 })));
const mic = new AudioIn();
attempt("AudioIn.pipeTo", () => mic.pipeTo({}, typo({ codec: "alaw", onerror: () => {} })));
attempt("AudioIn.pipeTo.notTarget", () => mic.pipeTo(typo({}), { codec: "alaw" }));
mic.close();
attempt("writeWav", () => writeWav(`${dir}/x.wav`, typo({ sampleRate: 8000, channels: 1, data: new Int16Array(8), rate: 1 })));
attempt("Mp4Muxer", () => new Mp4Muxer(`${dir}/x.mp4`, typo({ fragmentms: 500 })));
const m = new Mp4Muxer(`${dir}/x.mp4`);
attempt("Mp4Muxer.addVideoTrack", () => m.addVideoTrack(typo({ codec: "h264", width: 320, heigth: 240 })));
attempt("Mp4Muxer.addAudioTrack", () => m.addAudioTrack(typo({ codec: "alaw", rate: 8000 })));
const t = m.addAudioTrack({ codec: "alaw" });
attempt("Mp4Muxer.writeFrame", () => m.writeFrame(t, new Uint8Array(8), 0, typo({ key: true })));
m.writeFrame(t, new Uint8Array(8), 0);
m.close();
attempt("Mp4Demuxer", () => new Mp4Demuxer(`${dir}/x.mp4`, typo({ annexB: false })));
attempt("Mp4Recorder", () => new Mp4Recorder(typo({ file: `${dir}/r.mp4`, video: {}, frag: 1 })));
attempt("Mp4Recorder.video", () => new Mp4Recorder(typo({ file: `${dir}/r.mp4`, video: { codec: "h264", bitrat: 1 } })));
attempt("Mp4Recorder.audio", () => new Mp4Recorder(typo({ file: `${dir}/r.mp4`, video: {}, audio: { samplerate: 8000 } })));
attempt("RtspServer", () => new RtspServer(typo({ prot: 8554 })));
attempt("RtspServer.auth", () => new RtspServer(typo({ port: 0, auth: { user: "u", password: "p", pass: "x" } })));
const server = new RtspServer({ host: "127.0.0.1", port: 0 });
attempt("RtspServer.createSession", () => server.createSession("x", typo({ vidoe: "h264" })));
server.close();
attempt("RtspPusher", () => new RtspPusher("rtsp://127.0.0.1:9/x", typo({ video: "h264", mtuu: 1400 })));
attempt("RtspPusher.auth", () => new RtspPusher("rtsp://127.0.0.1:9/x", typo({ auth: { user: "u", password: "p", realm: "r" } })));
attempt("RtspProbe", () => new RtspProbe("rtsp://127.0.0.1:9/x", typo({ transprt: "udp" })));
console.log(JSON.stringify(out));
