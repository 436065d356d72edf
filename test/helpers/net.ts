// k230:net tests' shared pieces: the scripted Wi-Fi world (K230JS_SIM_WLAN, format in
// hal/net.h) that the simulator (test/net.test.ts) and the netmgmt double (test/k230-net.test.ts)
// both run, and the "TAG {json}" lines the net apps print.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./run.js";

export const WORLD = `# the simulated neighbourhood
ssid=Home key=secret123 rssi=-40 channel=11 address=192.168.50.23/24 join-ms=150
ssid="Cafe Free" rssi=-71 channel=1
ssid=Silent key=whatever1 no-answer
ssid=Slow key=secret123 join-ms=500 address=10.1.2.3/16
station mac=aa:bb:cc:dd:ee:01
`;

/** A fresh world file holding `text`. */
export function world(text = WORLD): string {
  const f = join(tempDir("net-world"), "world.txt");
  writeFileSync(f, text);
  return f;
}

/** "TAG {json}" lines of an app's stdout. */
export function lines(stdout: string): { tag: string; v: any }[] {
  return stdout
    .split("\n")
    .filter((l) => /^[A-Z]+ /.test(l))
    .map((l) => ({ tag: l.slice(0, l.indexOf(" ")), v: JSON.parse(l.slice(l.indexOf(" ") + 1)) }));
}
