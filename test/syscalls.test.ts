// The board's system-call discipline, checked where it can be: the static riscv64 build (linked
// for RT-Smart's calls, K230JS_RTSMART_SYSCALLS) runs under `qemu-riscv64 -strace` through the
// runtime (test/apps), MP4 mux and demux, an RTSP server with a TCP and a UDP viewer (ffmpeg),
// k230:net and the Player, boot and a raw-protocol file transfer over its pty, and every system
// call it makes must have a slot in the K230 RT-Smart kernel's table (docs/board.md, "System
// calls"). qemu speaks the Linux riscv64 ABI, so each Linux call is mapped below to the RT-Smart
// slot that RT-Smart's musl would enter for the same libc function. The build runs the
// simulator's HAL: hal/k230's MPP calls are not under this check.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { RawClient } from "../tools/flash/src/lib/rawproto.js";
import { PtyTransport } from "../tools/flash/src/lib/transport-serial.js";
import { AUDIO_IN, H264, makeClip, VIDEO_IN } from "./helpers/media.js";
import { ptyAnnounced } from "./helpers/pty.js";
import { cli, RISCV64_RUNTIME, ROOT, runAsync, startUntil, tempDir } from "./helpers/run.js";

// The kernel's table: canmv-k230/rtsmart@123aadc (release/canmv-v1.8, the kernel of the current
// CanMV K230 release) kernel/rt-thread/components/lwp/lwp_syscall.c, func_table[] (line 4538 on),
// every slot except sys_notimpl.
const TABLE = new Set(
  `exit read write lseek open close ioctl fstat poll nanosleep gettimeofday settimeofday exec kill
   getpid getpriority setpriority sem_create sem_delete sem_take sem_release mutex_create
   mutex_delete mutex_take mutex_release event_create event_delete event_send event_recv mb_create
   mb_delete mb_send mb_send_wait mb_recv mq_create mq_delete mq_send mq_urgent mq_recv
   thread_create thread_delete thread_startup thread_self channel_open channel_close channel_send
   channel_send_recv_timeout channel_reply channel_recv_timeout enter_critical exit_critical brk
   mmap2 munmap shmget shmrm shmat shmdt device_init device_register device_control device_find
   device_open device_close device_read device_write stat thread_find accept bind shutdown
   getpeername getsockname getsockopt setsockopt connect listen recv recvfrom send sendto socket
   closesocket getaddrinfo gethostbyname2_r select tick_get exit_group thread_mdelay sigaction
   thread_sigprocmask tkill cacheflush waitpid rt_timer_create rt_timer_delete rt_timer_start
   rt_timer_stop rt_timer_control getcwd chdir unlink mkdir rmdir getdents get_errno
   set_thread_area set_tid_address access pipe clock_settime clock_gettime clock_getres clone futex
   pmutex dup dup2 rename fork execve vfork gettid prlimit64 getrlimit setrlimit setsid getrandom
   readlink mremap madvise sched_setparam sched_getparam sched_get_priority_max
   sched_get_priority_min sched_setscheduler sched_getscheduler setaffinity fsync clock_nanosleep
   timer_create timer_delete timer_settime timer_gettime timer_getoverrun hw_interrupt_disable
   hw_interrupt_enable statfs sched_yield`
    .split(/\s+/)
    .filter(Boolean)
    .map((n) => `sys_${n}`),
);

/** A Linux call (as qemu names it) -> the RT-Smart slot; check() names what the slot cannot do. */
interface Slot {
  slot: string | ((args: string) => string);
  slots?: string[]; /* every slot a function slot can name */
  why?: string;
  check?: (args: string) => string | undefined;
}
const slotOf = (m: Slot, args: string) => (typeof m.slot === "string" ? m.slot : m.slot(args));
const slotsOf = (m: Slot) => (typeof m.slot === "string" ? [m.slot] : m.slots!);
const arg = (args: string, i: number) => args.split(",")[i]?.trim() ?? "";
// qemu prints AT_FDCWD by name where it knows the call's format, as -100 where it does not
const cwd = (args: string, i: number) => ["AT_FDCWD", "-100"].includes(arg(args, i));
const atCwd = (...at: number[]) => (a: string) => (at.every((i) => cwd(a, i)) ? undefined : "relative to a directory fd");

// Calls our code (firmware/, quickjs-bindings/, the QuickJS engine) makes. Where riscv64 Linux has
// only the newer form of a call (openat, ppoll, pipe2, newfstatat...), glibc uses it for the
// classic libc function and RT-Smart's musl enters the classic slot: the check keeps the
// arguments to what the classic call can express.
const LINUX_TO_RTSMART: Record<string, Slot> = {
  read: { slot: "sys_read" },
  write: { slot: "sys_write" },
  lseek: { slot: "sys_lseek" },
  close: { slot: "sys_close" },
  ioctl: { slot: "sys_ioctl" },
  fsync: { slot: "sys_fsync" },
  openat: { slot: "sys_open", check: atCwd(0) },
  newfstatat: {
    // fstat(fd) is newfstatat(fd, "", AT_EMPTY_PATH); stat(path) newfstatat(AT_FDCWD, path, 0);
    // lstat(path) has AT_SYMLINK_NOFOLLOW, and RT-Smart has no lstat slot
    slot: (a) => (arg(a, 1) === '""' ? "sys_fstat" : "sys_stat"),
    slots: ["sys_fstat", "sys_stat"],
    check: (a) =>
      arg(a, 1) === '""' ? undefined : !cwd(a, 0) ? "relative to a directory fd" : arg(a, 3) === "0" ? undefined : `${arg(a, 3)}: lstat has no slot`,
  },
  fstat: { slot: "sys_fstat" },
  unlinkat: { slot: (a) => (arg(a, 2) === "AT_REMOVEDIR" ? "sys_rmdir" : "sys_unlink"), slots: ["sys_unlink", "sys_rmdir"], check: atCwd(0) },
  mkdirat: { slot: "sys_mkdir", check: atCwd(0) },
  renameat: { slot: "sys_rename", check: atCwd(0, 2) },
  renameat2: {
    slot: "sys_rename",
    why: "riscv64 Linux has only renameat2: rename() is renameat2(AT_FDCWD, old, AT_FDCWD, new, 0)",
    check: (a) => atCwd(0, 2)(a) ?? (arg(a, 4) === "0" ? undefined : "with flags"),
  },
  getdents64: { slot: "sys_getdents" },
  faccessat: { slot: "sys_access" },
  getcwd: { slot: "sys_getcwd" },
  chdir: { slot: "sys_chdir" },
  statfs: { slot: "sys_statfs" },
  readlinkat: { slot: "sys_readlink", check: atCwd(0) },
  dup: { slot: "sys_dup" },
  dup3: { slot: "sys_dup2", check: (a) => (arg(a, 2) === "0" ? undefined : "with O_CLOEXEC") },
  pipe2: { slot: "sys_pipe", why: "riscv64 Linux has only pipe2: pipe() is pipe2(fds, 0)", check: (a) => (arg(a, 1) === "0" ? undefined : "with flags") },
  ppoll: {
    slot: "sys_poll",
    why: "riscv64 Linux has only ppoll: poll() is ppoll with a NULL signal mask",
    check: (a) => (arg(a, 3) === "0" ? undefined : "with a signal mask"),
  },
  // RT-Smart's musl routes F_GETFL/F_SETFL through ioctl, which its DFS and its socket layer
  // handle (canmv-k230/rtsmart@123aadc kernel/rt-thread/components/dfs/src/dfs_file.c:407,
  // components/net/sal_socket/impl/af_inet_lwip.c:229); nothing else, FD_CLOEXEC included.
  fcntl: {
    slot: "sys_ioctl",
    check: (a) => (/^\d+,F_(GETFL|SETFL)\b/.test(a) ? undefined : `${arg(a, 1)}: only F_GETFL/F_SETFL reach RT-Smart's ioctl`),
  },
  socket: { slot: "sys_socket" },
  bind: { slot: "sys_bind" },
  listen: { slot: "sys_listen" },
  accept: { slot: "sys_accept" },
  accept4: { slot: "sys_accept", check: (a) => (arg(a, 3) === "0" ? undefined : "with flags") },
  connect: { slot: "sys_connect" },
  getsockname: { slot: "sys_getsockname" },
  getpeername: { slot: "sys_getpeername" },
  setsockopt: { slot: "sys_setsockopt" },
  getsockopt: { slot: "sys_getsockopt" },
  shutdown: { slot: "sys_shutdown" },
  // riscv64 Linux has no send/recv: send(fd, b, n, f) is sendto(fd, b, n, f, NULL, 0)
  sendto: { slot: (a) => (arg(a, 4) === "0" ? "sys_send" : "sys_sendto"), slots: ["sys_send", "sys_sendto"] },
  recvfrom: { slot: (a) => (arg(a, 4) === "0" ? "sys_recv" : "sys_recvfrom"), slots: ["sys_recv", "sys_recvfrom"] },
  brk: { slot: "sys_brk" },
  mmap: { slot: "sys_mmap2" },
  munmap: { slot: "sys_munmap" },
  mremap: { slot: "sys_mremap" },
  madvise: { slot: "sys_madvise" },
  clone: { slot: "sys_clone" },
  futex: { slot: "sys_futex" },
  set_tid_address: { slot: "sys_set_tid_address" },
  exit: { slot: "sys_exit" },
  exit_group: { slot: "sys_exit_group" },
  rt_sigaction: { slot: "sys_sigaction" },
  rt_sigprocmask: { slot: "sys_thread_sigprocmask" },
  tgkill: { slot: "sys_tkill", why: "glibc's pthread_kill/raise use tgkill, musl's use tkill" },
  tkill: { slot: "sys_tkill" },
  getpid: { slot: "sys_getpid" },
  gettid: { slot: "sys_gettid" },
  getrandom: { slot: "sys_getrandom" },
  prlimit64: { slot: "sys_prlimit64" },
  sched_yield: { slot: "sys_sched_yield" },
  clock_gettime: { slot: "sys_clock_gettime" },
  clock_getres: { slot: "sys_clock_getres" },
  clock_nanosleep: { slot: "sys_clock_nanosleep" },
  nanosleep: { slot: "sys_nanosleep" },
  gettimeofday: { slot: "sys_gettimeofday" },
};

// Calls Debian's static glibc makes on its own, with no counterpart in RT-Smart's musl; nothing
// in our sources or the QuickJS engine asks for them (checked below by a search of the sources).
const LIBC_INTERNAL: Record<string, { why: string; symbol: RegExp; check?: (args: string) => string | undefined }> = {
  set_robust_list: {
    why: "glibc registers the main thread's robust-mutex list at start-up (ENOSYS under qemu, so threads skip it); musl only when a robust mutex is locked, and we create none",
    symbol: /\bset_robust_list\b|PTHREAD_MUTEX_ROBUST|pthread_mutexattr_setrobust/,
  },
  mprotect: {
    why: "glibc's static start-up makes RELRO read-only, and its pthread_create maps a stack PROT_NONE and opens all but the guard page",
    symbol: /\bmprotect\s*\(/,
    check: (a) => (/PROT_EXEC/.test(a) ? "executable memory" : undefined),
  },
};
const SOURCES = ["firmware", "quickjs-bindings/src"].map((d) => join(ROOT, d));

/** Every system call in a qemu -strace log: name, its argument text, and the raw line. */
function parseStrace(log: string): { name: string; args: string; line: string }[] {
  const out: { name: string; args: string; line: string }[] = [];
  // "PID name(args) = ret"; threads can interleave, so a call may start anywhere on a line
  const re = /(?:^|[\s)])(\d+) ([a-z_][a-z0-9_]*)\((.*?)\)(?= = |\s*$|\d+ [a-z_])|(\d+) Unknown syscall (\d+)/gm;
  for (const m of log.matchAll(re)) {
    if (m[5]) out.push({ name: `syscall_${m[5]}`, args: "", line: m[0].trim() });
    else out.push({ name: m[2]!, args: m[3]!, line: m[0].trim() });
  }
  return out;
}

interface Seen {
  count: number;
  scenarios: Set<string>;
  example: string;
}
const seen = new Map<string, Seen>(); // "name -> slot" or "name: what is wrong"
const libcSeen = new Map<string, Seen>();
const outside = new Map<string, Seen>();

function record(map: Map<string, Seen>, key: string, scenario: string, line: string): void {
  const s = map.get(key) ?? { count: 0, scenarios: new Set<string>(), example: line };
  s.count++;
  s.scenarios.add(scenario);
  map.set(key, s);
}


/** Classifies every call of a log; returns the calls outside the table. */
function audit(scenario: string, logFile: string): Map<string, Seen> {
  const calls = parseStrace(readFileSync(logFile, "utf8"));
  expect(calls.length, `${scenario}: qemu logged system calls`).toBeGreaterThan(20);
  const bad = new Map<string, Seen>();
  for (const c of calls) {
    const m = LINUX_TO_RTSMART[c.name];
    if (m) {
      const wrong = m.check?.(c.args);
      if (!wrong) {
        record(seen, `${c.name} -> ${slotOf(m, c.args)}`, scenario, c.line);
        continue;
      }
      record(bad, `${c.name}: ${wrong}`, scenario, c.line);
    } else if (LIBC_INTERNAL[c.name]) {
      const wrong = LIBC_INTERNAL[c.name]!.check?.(c.args);
      if (wrong) record(bad, `${c.name}: ${wrong}`, scenario, c.line);
      else record(libcSeen, c.name, scenario, c.line);
    } else {
      record(bad, `${c.name}: no slot in RT-Smart's table`, scenario, c.line);
    }
  }
  return bad;
}

function expectNoneOutside(scenario: string, logFile: string): void {
  const bad = audit(scenario, logFile);
  for (const [k, v] of bad) record(outside, k, scenario, v.example);
  const lines = [...bad].map(([k, v]) => `${k} (${v.count}x, e.g. ${v.example})`);
  expect(lines, `${scenario}: system calls outside the K230 RT-Smart table:\n  ${lines.join("\n  ")}\n`).toEqual([]);
}

/* The muxer's output on the card: each fragment leaves in one write, its commit in a seek, a
 * 4-byte write and a seek back, and nothing is read back or sought twice (a stdio buffer split
 * each fragment in two writes and read the output's block back at every seek). Faststart mode
 * reads the file back by design: not asked of it. */
function expectFragmentsWrittenWhole(mode: string, logFile: string, path: string): void {
  const lines = readFileSync(logFile, "utf8").split("\n");
  const fd = lines.map((l) => /openat\(AT_FDCWD,"([^"]*)",[^)]*\) = (\d+)/.exec(l)).find((m) => m?.[1] === path)?.[2];
  expect(fd, `${mode}: the output's open`).toBeDefined();
  // read(fd,buf,len) = n, write(fd,buf,len) = n, lseek(fd,offset,SEEK_SET) = offset
  const ops = lines
    .map((l) => /^\d+ (read|write|lseek)\((\d+),(\w+),(\w+)\) = (-?\d+)/.exec(l))
    .filter((m) => m !== null && m[2] === fd)
    .map((m) => ({ call: m![1]!, arg: Number(m![3]), ret: Number(m![5]) }));
  expect(ops.filter((o) => o.call === "read"), `${mode}: reads of the output`).toEqual([]);
  const writes = ops.filter((o) => o.call === "write");
  const commits = writes.filter((o) => o.ret === 4).length;
  expect(commits, `${mode}: fragments committed`).toBeGreaterThan(1);
  if (mode === "fragmented") expect(writes.length, `${mode}: the init segment, each fragment and its commit, the duration`).toBe(2 * commits + 2);
  let at = 0;
  const idle: number[] = [];
  for (const o of ops) {
    if (o.call === "lseek" && o.arg === at) idle.push(at);
    at = o.call === "lseek" ? o.arg : at + o.ret;
  }
  expect(idle, `${mode}: seeks to where the file already was`).toEqual([]);
}

const out = tempDir("syscalls");
const log = (name: string) => join(out, `${name}.strace`);
const js = (name: string) => join(out, `${name}.js`);
const straced = (name: string, args: string[]) => ["-strace", "-D", log(name), RISCV64_RUNTIME, ...args];

function runTraced(name: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync("qemu-riscv64", straced(name, args), { cwd: ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });
  expect(r.stderr, `${name}: stderr`).toBe("");
  expect(r.status, `${name}: exit status`).toBe(0);
  return r.stdout;
}

beforeAll(() => {
  for (const app of ["sys-demo", "mp4-packets", "mp4-remux", "rtsp-serve", "net-info", "net-bad", "player-play"]) {
    const r = cli(["build", join(ROOT, "test", "apps", `${app}.ts`), "-o", js(app)]);
    expect(r.status, r.stderr).toBe(0);
  }
}, 120_000);

describe("the riscv64 build makes only RT-Smart's system calls", () => {
  it("is linked for RT-Smart's system calls (K230JS_RTSMART_SYSCALLS)", () => {
    const cache = readFileSync(join(RISCV64_RUNTIME, "..", "CMakeCache.txt"), "utf8");
    expect(/^K230JS_RTSMART_SYSCALLS:BOOL=ON$/m.test(cache), "build/riscv64 has K230JS_RTSMART_SYSCALLS=ON").toBe(true);
  });

  it("every mapping names a slot of the table, and no libc-internal call is one of ours", () => {
    for (const [linux, m] of Object.entries(LINUX_TO_RTSMART)) for (const slot of slotsOf(m)) expect(TABLE.has(slot), `${linux} -> ${slot}`).toBe(true);
    for (const name of Object.keys(LIBC_INTERNAL)) expect(LINUX_TO_RTSMART[name], name).toBeUndefined();
    // what the engine is compiled from: the pinned QuickJS-ng sources
    const qjs = /^K230JS_QJS_SRC_DIR:PATH=(.*)$/m.exec(readFileSync(join(RISCV64_RUNTIME, "..", "CMakeCache.txt"), "utf8"))?.[1];
    expect(qjs && existsSync(join(qjs, "quickjs.c")), "the QuickJS-ng sources of the riscv64 build").toBeTruthy();
    for (const [name, { symbol }] of Object.entries(LIBC_INTERNAL)) {
      const r = spawnSync("grep", ["-rlE", "--include=*.c", "--include=*.h", symbol.source, ...SOURCES, qjs!], { encoding: "utf8" });
      expect(r.stdout.trim(), `${name} is asked for by`).toBe("");
    }
  });

  it("runtime: timers, sleeps, console, inspect (sys-demo)", () => {
    expect(runTraced("runtime", [js("sys-demo"), "a", "b"])).toContain("args: a b");
    expectNoneOutside("runtime", log("runtime"));
  });

  it("MP4: remux in every muxer mode, then demux with a seek", () => {
    const clip = makeClip("h264+alaw.mov", [...VIDEO_IN, ...AUDIO_IN, ...H264, "-c:a", "pcm_alaw", "-f", "mov"]);
    for (const mode of ["fragmented", "indexed", "faststart"]) {
      const mp4 = join(out, `${mode}.mp4`);
      runTraced(`mp4-${mode}`, [js("mp4-remux"), clip, mp4, mode]);
      expectNoneOutside(`mp4 ${mode}`, log(`mp4-${mode}`));
      if (mode !== "faststart") expectFragmentsWrittenWhole(mode, log(`mp4-${mode}`), mp4);
      expect(runTraced(`demux-${mode}`, [js("mp4-packets"), mp4, "--seek", "1500000"]).split("\n").length).toBeGreaterThan(20);
      expectNoneOutside(`demux ${mode}`, log(`demux-${mode}`));
    }
  }, 180_000);

  it("RTSP: a TCP and a UDP viewer (ffmpeg) get the stream", async () => {
    const clip = makeClip("h264+alaw.mov", [...VIDEO_IN, ...AUDIO_IN, ...H264, "-c:a", "pcm_alaw", "-f", "mov"]);
    const server = startUntil(straced("rtsp", [js("rtsp-serve"), clip, "--wait-plays", "2", "--linger-ms", "300"]), "READY ", "qemu-riscv64");
    try {
      await server.ready;
      const url = /READY (\S+)/.exec(server.output().stdout)![1]!;
      const play = (transport: string) =>
        runAsync("ffmpeg", ["-hide_banner", "-v", "error", "-rtsp_transport", transport, "-timeout", "10000000", "-i", url, "-map", "0:v", "-f", "framemd5", "-"], 90_000);
      const [tcp, udp] = await Promise.all([play("tcp"), play("udp")]);
      expect((await server.exited).code, `server: ${server.output().stderr}`).toBe(0);
      for (const [name, r] of [["tcp", tcp], ["udp", udp]] as const) {
        const frames = r.stdout.split("\n").filter((l) => l && !l.startsWith("#")).length;
        expect(frames, `${name} viewer's frames (${r.stderr})`).toBeGreaterThan(60);
      }
    } finally {
      if (server.child.exitCode === null) server.child.kill("SIGKILL");
    }
    expectNoneOutside("rtsp", log("rtsp"));
  }, 150_000);

  it("k230:net (the host's interfaces, a simulated Wi-Fi join with every bad input) and the Player (G.711 to the speaker)", () => {
    expect(runTraced("net-info", [js("net-info")])).toContain("INTERFACES ");
    expectNoneOutside("net-info", log("net-info"));
    const world = join(out, "wlan.txt");
    writeFileSync(world, "ssid=Home key=secret123 address=192.168.50.23/24 join-ms=150\nssid=Slow key=secret123 join-ms=500 address=10.1.2.3/16\n");
    expect(runTraced("net-wlan", [js("net-bad")], { K230JS_SIM_WLAN: world })).toContain('END {"network":"Slow"}');
    expectNoneOutside("net-wlan", log("net-wlan"));
    // The riscv64 build has no video decoder (no FFmpeg): the Player plays a file's sound alone.
    const clip = makeClip("alaw.mov", [...AUDIO_IN, "-c:a", "pcm_alaw", "-f", "mov"]);
    const played = runTraced("player", [js("player-play"), clip, "pause@500", "resume@700", "seek:1@900"], { K230JS_SIM_AUDIO_OUT: `wav:${join(out, "player.wav")}` });
    expect(played).toMatch(/^EOS .*"clock":"audio"/m);
    expectNoneOutside("player", log("player"));
  }, 120_000);

  it("boot (main.js) then the raw protocol: a file up and back down over the pty, mkdir, rename, list, remove, an exec", async () => {
    const sd = tempDir("syscalls-sd");
    writeFileSync(join(sd, "main.js"), 'console.log("main.js ran");\n');
    const rt: ChildProcess = spawn("qemu-riscv64", straced("raw", ["--uart", "pty", "--sdcard", sd, "--boot"]), { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise<void>((res) => rt.on("exit", () => res()));
    try {
      const path = await ptyAnnounced(rt, 30_000);
      const link = PtyTransport.open(path);
      let text = "";
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`main.js did not run: ${text}`)), 30_000);
        link.onData((b) => {
          text += b.toString("latin1");
          if (text.includes("main.js ran")) {
            clearTimeout(t);
            res();
          }
        });
      });
      const c = new RawClient(link, { timeoutMs: 20_000 }); // after the boot window: Ctrl-C there means safe mode
      await c.enter();
      expect(existsSync(join(sd, ".k230js-running")), "main.js finished: its crash marker is gone").toBe(false);
      const data = Buffer.alloc(200_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7919) >>> 5;
      await c.writeFile("/sdcard/up.bin", data);
      const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
      expect(sha(readFileSync(join(sd, "up.bin")))).toBe(sha(data));
      expect(sha((await c.readFile("/sdcard/up.bin")).data)).toBe(sha(data));
      await c.mkdir("/sdcard/d");
      await c.rename("/sdcard/up.bin", "/sdcard/d/moved.bin");
      expect((await c.list("/sdcard/d")).map((e) => e.name)).toEqual(["moved.bin"]);
      expect((await c.stat("/sdcard/d/moved.bin"))?.size).toBe(data.length);
      await c.remove("/sdcard/d/moved.bin");
      await c.remove("/sdcard/d");
      expect(await c.stat("/sdcard/d")).toBeNull();
      let printed = "";
      expect(await c.exec("console.log(6 * 7)", { onStdout: (b) => (printed += b), onStderr: () => {} })).toBe(0);
      expect(printed).toBe("42\n");
      await link.close();
    } finally {
      rt.kill("SIGTERM");
      await exited;
    }
    expect(readFileSync(log("raw"), "latin1"), "the boot flow wrote its crash marker").toMatch(/openat\(AT_FDCWD,"[^"]*\/\.k230js-running",O_WRONLY\|O_CREAT/);
    expectNoneOutside("raw protocol", log("raw"));
  }, 150_000);

  it("prints what it saw", () => {
    const rows = (m: Map<string, Seen>) => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `  ${k.padEnd(40)} ${String(v.count).padStart(6)}  ${[...v.scenarios].join(", ")}`);
    console.log(
      [
        "system calls of the riscv64 build (Linux -> RT-Smart slot):",
        ...rows(seen),
        "made by glibc on its own (no RT-Smart counterpart needed):",
        ...[...libcSeen].map(([k, v]) => `  ${k.padEnd(40)} ${String(v.count).padStart(6)}  ${LIBC_INTERNAL[k]!.why}`),
        ...(outside.size ? ["OUTSIDE the table:", ...rows(outside)] : []),
      ].join("\n"),
    );
    expect(seen.size).toBeGreaterThan(20);
  });
});
