/**
 * `k230:net` — the board's network interfaces (CanMV's `network` module): the wired `LAN`, and
 * `WLAN` as a Wi-Fi station or access point. Addresses are IPv4 (the board's stack is
 * IPv4-only); DHCP or static settings; scan and connect; events when a link comes or goes or an
 * address changes.
 *
 * `new LAN()` and `new WLAN()` return the same object each time (one per interface, as in
 * CanMV). Arguments are checked before anything changes: a bad SSID, key or address throws a
 * TypeError/RangeError naming it, and the interface stays as it was. Other errors are `Error`s
 * with a `.code`: "EBUSY" (a scan or connect is under way), "EAUTH" (the key was refused),
 * "ENOENT" (no such network in range), "ETIMEDOUT", "ENODEV" (the board has no such interface),
 * "ENOTSUP" (e.g. configuring the simulator's LAN, which is the host's own interface).
 *
 * On the simulator the LAN is the host's primary interface (read-only) and the Wi-Fi radio is
 * simulated: its networks and their behaviour come from the file named by K230JS_SIM_WLAN
 * (format in firmware/hal/include/hal/net.h).
 *
 * @example
 * ```ts
 * import { WLAN, address } from "k230:net";
 *
 * const sta = new WLAN(WLAN.STA_IF);
 * for (const n of await sta.scan()) console.log(n.ssid, n.rssi, n.security);
 * sta.on("disconnected", () => console.log("Wi-Fi lost"));
 * const ip = await sta.connect("Canaan", "Canaan314", { timeoutMs: 20000 });
 * console.log(`connected: ${ip.ip}; the board is reachable at ${address()}`);
 * ```
 */
declare module "k230:net" {
  /** The settings of an interface. "0.0.0.0" where there is none. */
  export interface IfConfig {
    ip: string;
    netmask: string;
    gateway: string;
    dns: string;
    /** The address comes from DHCP (as far as the system tells). */
    dhcp: boolean;
  }

  /** A static setting: `ip` must be a host of `ip`/`netmask`, the gateway another host of it. */
  export interface StaticConfig {
    ip: string;
    netmask: string;
    gateway?: string;
    dns?: string;
  }

  export interface NetEvent {
    /** "connected": the link came up (cable, association, access point started); "disconnected":
     * it went down; "address": the settings changed (read them in `ifconfig`). */
    type: "connected" | "disconnected" | "address";
    interface: "lan" | "sta" | "ap";
    /** The network joined, on a station's "connected". */
    ssid?: string;
    /** The settings when the event was delivered. */
    ifconfig: IfConfig;
  }

  export interface WlanNetwork {
    ssid: string;
    bssid: string;
    /** dBm. */
    rssi: number;
    channel: number;
    security: "open" | "wep" | "wpa" | "wpa2" | "wpa3" | "unknown";
    band: "2.4GHz" | "5GHz";
  }

  export interface NetStatus {
    interface: "lan" | "sta" | "ap";
    /** The interface exists on this board. */
    active: boolean;
    /** Cable plugged / associated / access point started. */
    link: boolean;
    /** Link and an address. */
    connected: boolean;
    /** The system's name for it ("eth0" on the simulator's LAN, "sta" on the board). */
    name: string;
    mac: string;
    ifconfig: IfConfig;
    /** Station: a connect() is under way. */
    connecting?: boolean;
    /** Station: the network it is on. */
    network?: WlanNetwork;
    /** Access point: stations joined. */
    stations?: number;
  }

  /** What LAN and WLAN have in common (merged into both; not a class of its own at run time). */
  interface NetInterfaceBase {
    /** The interface exists on this board (CanMV `active()`). */
    active(): boolean;
    /** The link is up and the interface has an address. */
    isconnected(): boolean;
    status(): NetStatus;
    /** The current settings. */
    ifconfig(): IfConfig;
    /** DHCP, or a static address (TypeError/RangeError, nothing changed, when it does not parse). */
    ifconfig(config: "dhcp" | StaticConfig): void;
    /** Listeners run on the loop. The interface objects do not keep an app running. */
    on(event: NetEvent["type"], listener: (this: this, ev: NetEvent) => void): this;
    off(event: NetEvent["type"], listener: (this: this, ev: NetEvent) => void): this;
    /** "aa:bb:cc:dd:ee:ff". */
    readonly mac: string;
    readonly name: string;
  }

  /**
   * The wired interface (USB Ethernet on the CanMV-K230).
   *
   * @example
   * ```ts
   * import { LAN } from "k230:net";
   *
   * const lan = new LAN();
   * if (lan.active()) {
   *   lan.on("connected", (ev) => console.log(`cable in, address ${ev.ifconfig.ip}`));
   *   console.log(lan.isconnected() ? `LAN up at ${lan.ifconfig().ip}` : "LAN down", lan.mac);
   * }
   * ```
   */
  export interface LAN extends NetInterfaceBase {}
  export class LAN {
    constructor();
    readonly interface: "lan";
  }

  /**
   * Wi-Fi: the station (`new WLAN()` or `new WLAN(WLAN.STA_IF)`) joins networks; the access
   * point (`new WLAN(WLAN.AP_IF)`) lets others join the board, where its driver has that mode.
   * Station-only methods throw "ENOTSUP" on the access point and the other way round.
   *
   * @example
   * ```ts
   * import { WLAN } from "k230:net";
   *
   * const ap = new WLAN(WLAN.AP_IF);
   * ap.start({ ssid: "k230-camera", key: "12345678", channel: 6 });
   * console.log(`access point up at ${ap.ifconfig().ip}; stations: ${ap.stations().join(", ")}`);
   * ```
   */
  export interface WLAN extends NetInterfaceBase {}
  export class WLAN {
    /** 0 / "sta" (default): the station; 1 / "ap": the access point. */
    constructor(mode?: 0 | 1 | "sta" | "ap");
    static readonly STA_IF: 0;
    static readonly AP_IF: 1;
    readonly interface: "sta" | "ap";

    /** Station: the networks in range (takes seconds on the board). */
    scan(): Promise<WlanNetwork[]>;
    /**
     * Station: joins `ssid` (1..32 bytes) with `key` (none for an open network; a WPA passphrase
     * of 8..63 characters or 64 hex digits) and resolves once the link is up with an address.
     * Rejects with "EAUTH", "ENOENT", "ETIMEDOUT" (default `timeoutMs` 15000), "EINTR" (a
     * disconnect() cancelled it) or, on the board, "EIO" (its driver gives no reason). Throws
     * "EBUSY" while another scan or connect is under way.
     */
    connect(ssid: string, key?: string, options?: { timeoutMs?: number }): Promise<IfConfig>;
    /** Station: leaves the network (and cancels a connect under way). */
    disconnect(): void;
    /** Access point: starts it (`channel` 0 = the driver's choice). */
    start(options: { ssid: string; key?: string; channel?: number }): void;
    /** Access point: stops it. */
    stop(): void;
    /** Access point: the MAC addresses of the stations joined. */
    stations(): string[];
  }

  export interface NetInterface {
    name: string;
    mac: string;
    up: boolean;
    running: boolean;
    loopback: boolean;
    addresses: { family: "IPv4" | "IPv6"; address: string; prefixlen: number }[];
  }

  /** Every interface the system has: the host's on the simulator, LAN/station/access point on
   * the board. */
  export function interfaces(): NetInterface[];
  /** The IPv4 address a laptop on the same network reaches the board at: the Wi-Fi station's
   * when connected, else the LAN's, else the access point's; "" when none is up. */
  export function address(): string;
  /** CanMV's names for `new WLAN(...)`'s mode. */
  export const STA_IF: 0;
  export const AP_IF: 1;
}
