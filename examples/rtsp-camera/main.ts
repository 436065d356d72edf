// RTSP streaming from the camera: the TypeScript twin of CanMV's "2.6 RTSP Streaming".
// Network first, as on a CanMV board (Wi-Fi when an SSID is given, else the wired LAN with
// DHCP), then sensor -> H.264 encoder -> RTSP session; the per-frame path runs in C
// (encoder.pipeTo), so no streaming thread is needed. The URL printed names the board's address.
// Usage: k230js run examples/rtsp-camera/main.ts [-- SECONDS [PORT [SSID KEY]]]
import { Encoder, MediaManager, Sensor, type Link, type Pipe } from "k230:media";
import { LAN, WLAN } from "k230:net";
import { RtspServer as Server, type RtspSession } from "k230:rtsp";
import { EXITPOINT_ENABLE, exitpoint } from "k230:sys";

/** Brings the network up (CanMV network.WLAN / network.LAN) and returns the board's address. */
async function networkUp(ssid?: string, key?: string): Promise<string> {
  if (ssid) {
    const sta = new WLAN(WLAN.STA_IF);
    console.log(`connecting to ${ssid} ...`);
    return (await sta.connect(ssid, key, { timeoutMs: 30000 })).ip;
  }
  const lan = new LAN();
  if (!lan.active()) {
    console.log("no LAN here and no SSID given: the stream is reachable on this machine only");
    return "";
  }
  if (!lan.isconnected()) {
    lan.ifconfig("dhcp");
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("LAN: no address from DHCP within 15 s (is the cable in?)")), 15000);
      lan.on("address", (ev) => {
        if (ev.ifconfig.ip === "0.0.0.0") return;
        clearTimeout(t);
        resolve();
      });
    });
  }
  return lan.ifconfig().ip;
}

const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

class RtspServer {
  private server?: Server;
  private session?: RtspSession;
  private sensor?: Sensor;
  private encoder?: Encoder;
  private link?: Link;
  private pipe?: Pipe;

  constructor(
    private readonly sessionName = "test",
    private readonly port = 8554,
    private readonly videoType: "h264" | "h265" = "h264",
  ) {}

  start(): void {
    this.initStream();
    this.server = new Server({ port: this.port });
    this.session = this.server.createSession(this.sessionName, { video: this.videoType });
    this.pipe = this.encoder!.pipeTo(this.session); // streaming, in C
    this.pipe.on("error", (e) => console.log(`stream stopped: ${e.message}`));
    this.startStream();
  }

  stop(): void {
    if (!this.server) return;
    this.pipe?.close();
    this.stopStream();
    this.server.close();
    this.server = undefined;
  }

  getRtspUrl(): string {
    return this.server!.url(this.sessionName);
  }

  private initStream(): void {
    const width = alignUp(1280, 16);
    const height = 720;
    this.sensor = new Sensor();
    this.sensor.reset();
    this.sensor.setFramesize({ width, height });
    this.sensor.setPixformat(Sensor.YUV420SP);
    this.encoder = new Encoder({ codec: this.videoType, profile: "main", width, height, bufCount: 8 });
    this.link = MediaManager.link(this.sensor.bindInfo().src, this.encoder);
  }

  private startStream(): void {
    this.encoder!.start();
    this.sensor!.run();
  }

  private stopStream(): void {
    this.sensor!.stop();
    this.link!.destroy();
    this.encoder!.close();
    this.sensor!.close();
  }
}

exitpoint(EXITPOINT_ENABLE);
const [, secs = "60", port = "8554", ssid, key] = scriptArgs;
const seconds = Number(secs);
console.log("network up:", await networkUp(ssid, key));
const rtspserver = new RtspServer("test", Number(port));
rtspserver.start();
console.log("RTSP server start:", rtspserver.getRtspUrl());
setTimeout(() => {
  rtspserver.stop();
  console.log("done");
}, seconds * 1000);
