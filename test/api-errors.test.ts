// What a new user meets when holding the API wrong (issue 12): a misspelt option is a TypeError
// naming it and the valid ones, for every class and method taking an options object (the shared
// reader, quickjs-bindings/src/args.c); a snapshot of a stopped sensor says it is not running; an
// encoder size names the constraint it breaks.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, ROOT, runtime, tempDir } from "./helpers/run.js";

const out = tempDir("api-errors");
const sd = join(out, "sd");
let got: Record<string, string> = {};

beforeAll(() => {
  mkdirSync(sd, { recursive: true });
  const b = cli(["build", join(ROOT, "test", "apps", "api-errors.ts"), "-o", join(out, "api-errors.js")]);
  expect(b.status, b.stderr).toBe(0);
  const r = runtime("host", ["--sdcard", sd, join(out, "api-errors.js"), "/sdcard"]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  got = JSON.parse(r.stdout);
});

// case -> [the misspelt name, the valid names the message lists]
const typos: Record<string, [string, string]> = {
  Sensor: ["widht", "id, width, height, fps"],
  "Sensor.setFramesize": ["chnn", "width, height, chn, bufCount, alignment"],
  "Sensor.setPixformat": ["chan", "chn"],
  "Sensor.bindInfo": ["z", "chn, x, y"],
  "Sensor.snapshot": ["timeout", "chn, timeoutMs"],
  Encoder: ["bitRate", "codec, profile, rc, chn, width, height, bitrate, gop, fps, srcFps, bufCount, quality, qp"],
  Decoder: ["maxwidth", "mode, chn, maxWidth, maxHeight, inBufCount, outBufCount"],
  "Decoder.bindInfo": ["w", "x, y, width, height"],
  Player: ["dispaly", "display, toIde, layer, audio, positionIntervalMs"],
  AnnexBReader: ["codex", "codec, maxUnitSize"],
  "Display.init": ["fsp", "width, height, fps, osdNum, toIde"],
  "Display.bindLayer": ["layr", "src, rect, pixFormat, layer, alpha"],
  "Display.bindLayer.rect": ["w", "x, y, width, height"],
  "Display.showImage": ["xx", "layer, x, y"],
  "Display.showImage.image": ["fmt", "width, height, format, data"],
  AudioIn: ["channel", "dev, rate, channels, samplesPerFrame"],
  AudioOut: ["samplerate", "dev, rate, channels, samplesPerFrame"],
  "AudioIn.pipeTo": ["onerror", "codec, onError"],
  writeWav: ["rate", "sampleRate, channels, data"],
  Mp4Muxer: ["fragmentms", "fragmented, mode, sync, fragmentMs, maxFragmentMs"],
  "Mp4Muxer.addVideoTrack": ["heigth", "codec, width, height"],
  "Mp4Muxer.addAudioTrack": ["rate", "codec, sampleRate, channels"],
  "Mp4Muxer.writeFrame": ["key", "keyframe"],
  Mp4Demuxer: ["annexB", "annexb"],
  Mp4Recorder: ["frag", "file, video, audio, sensorId, mode, fragmentMs"],
  "Mp4Recorder.video": ["bitrat", "codec, width, height, bitrate, fps, gop"],
  "Mp4Recorder.audio": ["samplerate", "codec, sampleRate, channels"],
  RtspServer: ["prot", "port, host, mtu, sessionTimeoutS, requestTimeoutS, maxClients, requestDeadlineS, maxClientsPerAddress, clientQueueBytes, auth"],
  "RtspServer.auth": ["pass", "user, password, realm, scheme"],
  "RtspServer.createSession": ["vidoe", "video, audio"],
  RtspPusher: ["mtuu", "video, audio, mtu, auth"],
  "RtspPusher.auth": ["realm", "user, password"],
  RtspProbe: ["transprt", "transport, auth"],
};

describe("a misspelt option", () => {
  it.each(Object.entries(typos))("%s: a TypeError naming it and the valid options", (name, [typo, valid]) => {
    expect(got[name]).toMatch(/^TypeError: /);
    expect(got[name]).toContain(`unknown option '${typo}' (options: ${valid})`);
  });
});

describe("vague errors made precise", () => {
  it("a snapshot of a sensor that is not running says so, and a channel not configured says which", () => {
    expect(got.snapshotNotRunning).toBe("Error[ESTATE]: Sensor.snapshot: the sensor is not running (run() first)");
    expect(got.snapshotNotRunningConfigured).toBe(got.snapshotNotRunning);
    expect(got.snapshotChannelOff).toBe(
      "Error[EINVAL]: Sensor.snapshot: channel 1 is not configured (setFramesize({chn: 1, ...}) before run())",
    );
  });

  it("a pipe target that is none lists the targets the imported modules registered, not a fixed list", () => {
    for (const fn of ["Encoder.pipeTo", "AudioIn.pipeTo"]) {
      const m = got[`${fn}.notTarget`]!.match(/^TypeError: (\S+): the target must be one of: (.*)$/);
      expect(m, got[`${fn}.notTarget`]).not.toBeNull();
      expect(m![1]).toBe(fn);
      expect(m![2]!.split(", ").sort()).toEqual(["Mp4Muxer", "NullSink", "RtspPusher", "RtspSession"]);
    }
  });

  it("an encoder size names the constraint it breaks", () => {
    expect(got.encoderOddWidth).toBe(
      "Error[EINVAL]: new Encoder: cannot create a h264 1281x720 encoder: invalid argument: width and height must be even",
    );
    expect(got.encoderTooSmall).toContain("64x720 encoder: invalid argument: width must be at least 128");
  });
});
