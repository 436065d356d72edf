// One object of every native class, all left open and referenced from globalThis: running
// sensor, encoders (one with a stream and its pack buffers out, one piped), a lent frame, a
// decoder, a file, a link, a VB block, audio ports, a muxer mid-recording, a demuxer that handed
// out a frame, an access-unit reader part-read, a player playing, the network interfaces, a
// running recorder, an RTSP server with a session, a pusher connected to it and a
// probe playing it.
// A soft reset (or the process exit) must release all of it. Prints the live native objects of
// the fresh VM before (all 0) and after, then "leaked".
// Reads /sdcard/leak-source.mp4. With the argument "exit" it ends with exit(0) 300 ms later
// (everything still open, the pusher and the probe connected).
import { openFile, AnnexBReader, Decoder, Encoder, MediaManager, NullSink, Player, Sensor } from "k230:media";
import { Mp4Demuxer, Mp4Muxer, Mp4Recorder } from "k230:mp4";
import { RtspProbe, RtspPusher, RtspServer } from "k230:rtsp";
import { AudioIn, AudioOut } from "k230:audio";
import { LAN, WLAN } from "k230:net";
import { exit, memInfo } from "k230:sys";

const before = memInfo().native;
const width = 320;
const height = 240;
const keep: Record<string, unknown> = {};
(globalThis as Record<string, unknown>).leaked = keep;

const sensor = new Sensor({ fps: 30 });
sensor.setFramesize({ width, height });
sensor.setFramesize({ width, height, chn: 1 });
keep.sensor = sensor;
const encoder = new Encoder({ codec: "h264", width, height, bitrate: 500, gop: 10 });
keep.link = MediaManager.link(sensor.bindInfo().src, encoder);
encoder.start();
sensor.run();
keep.encoder = encoder;
keep.frame = sensor.snapshot({ chn: 1, timeoutMs: 2000 });
const stream = encoder.getStream(2000);
if (!stream) throw new Error("no stream");
keep.stream = stream;
const packs = stream.packs.map((p) => new Uint8Array(p.data));
keep.packs = packs;

const piped = new Encoder({ codec: "h264", width, height });
keep.piped = piped;
keep.sink = new NullSink();
keep.pipe = piped.pipeTo(keep.sink as NullSink);

const decoder = new Decoder("h264");
decoder.start();
keep.decoder = decoder;
const file = openFile("/sdcard/leak.bin", "w");
file.write(new Uint8Array(100));
keep.file = file;
const pool = MediaManager.VBPool.create(4096, 2);
keep.pool = pool;
keep.block = pool.get();
keep.audioIn = new AudioIn({ rate: 8000 });
keep.audioOut = new AudioOut({ rate: 8000 });

const muxer = new Mp4Muxer("/sdcard/leak-muxer.mp4");
muxer.addVideoTrack({ codec: "h264", width, height });
for (const p of stream.packs) muxer.writeFrame(1, p.data, p.ptsUs, { keyframe: p.type === "i" });
keep.muxer = muxer;
const demuxer = new Mp4Demuxer("/sdcard/leak-source.mp4");
const frame = demuxer.getFrame();
keep.demuxer = demuxer;
keep.demuxed = new Uint8Array(frame.data);
const units = new AnnexBReader(packs[0]!);
units.next();
keep.units = units;
const player = new Player({ audio: false });
player.load("/sdcard/leak-source.mp4");
player.start();
keep.player = player;
keep.lan = new LAN();
keep.wlan = new WLAN("sta");

const recorder = new Mp4Recorder({ file: "/sdcard/leak-recorder.mp4", sensorId: 1, video: { width, height, fps: 30, bitrate: 300 } });
recorder.start();
keep.recorder = recorder;

const server = new RtspServer({ port: 0, host: "127.0.0.1" });
keep.server = server;
const session = server.createSession("leak", { video: "h264" });
keep.session = session;
const pusher = new RtspPusher(`rtsp://127.0.0.1:${server.port}/leak-push`, { video: "h264" });
pusher.connect().catch(() => {});
keep.pusher = pusher;
const probe = new RtspProbe(session.url);
probe.play().catch(() => {});
keep.probe = probe;

console.log(`native before: ${JSON.stringify(before)}`);
console.log(`native after: ${JSON.stringify(memInfo().native)}`);
console.log("leaked");
if (scriptArgs.includes("exit")) setTimeout(() => exit(0), 300);
