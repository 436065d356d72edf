// k230:net facts, one JSON line each: every interface, the LAN's status, configuring the LAN
// (refused on the simulator, where it is the host's own) and the board's address.
import { LAN, address, interfaces } from "k230:net";

const log = (tag: string, v: unknown) => console.log(`${tag} ${JSON.stringify(v)}`);
const lan = new LAN();
log("INTERFACES", interfaces());
const before = JSON.stringify(lan.status());
log("LAN", lan.status());
try {
  lan.ifconfig("dhcp");
  log("LANSET", { threw: false });
} catch (e) {
  log("LANSET", { code: (e as Error & { code?: string }).code, message: (e as Error).message, unchanged: JSON.stringify(lan.status()) === before });
}
log("ADDRESS", address());
