/* kjs/media.h: two runtimes in one process share the HAL; each owns its media. Resetting one
 * (MediaManager.resetAll, or a soft reset: its VM freed) releases its sensor, encoder, links,
 * microphone, display and Player and nothing of the other's, whose camera -> encoder path (pulled
 * and piped in C) keeps working; freeing both leaves the HAL's registry empty (and ASan finds no
 * leak). */
#include <unistd.h>

#include "check.h"
#include "hal/vb.h"
#include "kjs/vm.h"

static int run(kjs_vm *vm, const char *name, const char *src) {
  int status = kjs_vm_run_source(vm, name, src, strlen(src));
  kjs_vm_resume(vm);
  return status;
}

static uint32_t held(void) {
  hal_registry_stats st;
  hal_registry_stats_get(&st);
  return st.total;
}

/* A camera bound to an encoder, started, and a microphone; kept in globalThis.m. */
static const char setup_fmt[] =
    "import { Sensor, Encoder, MediaManager } from 'k230:media';\n"
    "import { AudioIn } from 'k230:audio';\n"
    "const s = new Sensor({ id: %d, width: 320, height: 240 });\n"
    "s.setFramesize({ width: 320, height: 240 });\n"
    "const e = new Encoder({ codec: 'h264', width: 320, height: 240 });\n"
    "const l = MediaManager.link(s.bindInfo().src, e);\n"
    "e.start();\n"
    "s.run();\n"
    "const mic = new AudioIn();\n"
    "globalThis.m = { s, e, l, mic };\n";

/* The path still works: streams pulled from JS, then piped in C (posts to this VM's loop). */
static const char works[] =
    "import { NullSink } from 'k230:media';\n"
    "const st = m.e.getStream(3000);\n"
    "if (!st || st.packs.length === 0) throw new Error('no stream');\n"
    "m.e.releaseStream(st);\n"
    "if (m.l.closed) throw new Error('the link is gone');\n"
    "if (!m.mic.read(2000)) throw new Error('no microphone frame');\n"
    "const sink = new NullSink();\n"
    "const pipe = m.e.pipeTo(sink);\n"
    "const t0 = Date.now();\n"
    "while (sink.frames < 3 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));\n"
    "pipe.close();\n"
    "if (sink.frames < 3) throw new Error('the pipe delivered ' + sink.frames + ' streams');\n";

/* A second of the camera recorded through a pipe, then played: the Player brings the display up
 * and holds its decoder at the end of the file. */
static const char play_fmt[] =
    "import { Player } from 'k230:media';\n"
    "import { Mp4Muxer } from 'k230:mp4';\n"
    "const mux = new Mp4Muxer('%s');\n"
    "mux.addVideoTrack({ codec: 'h264', width: 320, height: 240 });\n"
    "const pipe = m.e.pipeTo(mux);\n"
    "await new Promise((r) => setTimeout(r, 1000));\n"
    "pipe.close();\n"
    "mux.close();\n"
    "const p = new Player();\n"
    "p.load('%s');\n"
    "p.start();\n"
    "globalThis.player = p;\n";

/* A reset stops this runtime's Player first (its decoder and the display it brought up go with
 * it), then releases the other four objects, which answer ECLOSED. */
static const char reset_own[] =
    "import { MediaManager, Display } from 'k230:media';\n"
    "const n = MediaManager.resetAll();\n"
    "if (n !== 4) throw new Error('resetAll released ' + n + ', not 4');\n"
    "if (Display.inited()) throw new Error('the display is still up');\n"
    "let code = '';\n"
    "try { m.e.getStream(0); } catch (err) { code = err.code; }\n"
    "if (code !== 'ECLOSED') throw new Error('the encoder answers ' + code);\n"
    "if (!m.l.closed) throw new Error('the link is not closed');\n";

/* A second set-up, running, with the display up (no object holds it: only the runtime's state). */
static const char again_fmt[] =
    "import { Sensor, Encoder, MediaManager, Display } from 'k230:media';\n"
    "Display.init('VIRT', { width: 320, height: 240 });\n"
    "const s = new Sensor({ id: %d, width: 320, height: 240 });\n"
    "s.setFramesize({ width: 320, height: 240 });\n"
    "const e = new Encoder({ codec: 'h264', width: 320, height: 240 });\n"
    "MediaManager.link(s.bindInfo().src, e);\n"
    "e.start();\n"
    "s.run();\n"
    "globalThis.keep = { s, e };\n";

int main(void) {
  kjs_vm_config cfg = KJS_VM_CONFIG_DEFAULT;
  kjs_vm *a = kjs_vm_new(&cfg), *b = kjs_vm_new(&cfg);
  CHECK(a && b);
  char src[2048];
  snprintf(src, sizeof src, setup_fmt, 0);
  CHECK_EQ_INT(run(a, "a-setup.js", src), KJS_EXIT_OK);
  snprintf(src, sizeof src, setup_fmt, 1);
  CHECK_EQ_INT(run(b, "b-setup.js", src), KJS_EXIT_OK);
  CHECK_EQ_INT(held(), 8);
  CHECK_EQ_INT(run(a, "a-works.js", works), KJS_EXIT_OK);
  CHECK_EQ_INT(run(b, "b-works.js", works), KJS_EXIT_OK);
  const char *mp4 = tu_path("play.mp4");
  snprintf(src, sizeof src, play_fmt, mp4, mp4);
  CHECK_EQ_INT(run(a, "a-play.js", src), KJS_EXIT_OK);
  CHECK_EQ_INT(held(), 10); /* + the display and the Player's decoder */

  /* MediaManager.resetAll() in A: A's objects go, B's stay and work. */
  CHECK_EQ_INT(run(a, "a-reset.js", reset_own), KJS_EXIT_OK);
  CHECK_EQ_INT(held(), 4);
  CHECK_EQ_INT(run(b, "b-after-a-reset.js", works), KJS_EXIT_OK);

  /* A soft reset of A (its VM freed) with a path running and the display up: A's objects go,
   * B's stay and work. */
  snprintf(src, sizeof src, again_fmt, 0);
  CHECK_EQ_INT(run(a, "a-again.js", src), KJS_EXIT_OK);
  CHECK_EQ_INT(held(), 8);
  CHECK_EQ_INT(kjs_vm_free(a), 1); /* the display; the finalizers closed the rest */
  CHECK_EQ_INT(held(), 4);
  CHECK_EQ_INT(run(b, "b-after-a-free.js", works), KJS_EXIT_OK);

  /* B's soft reset, as the last runtime: nothing is left. */
  a = kjs_vm_new(&cfg);
  CHECK(a != NULL);
  CHECK_EQ_INT(kjs_vm_free(b), 0); /* the finalizers closed everything; not the last runtime */
  CHECK_EQ_INT(held(), 0);
  kjs_vm_free(a);
  CHECK_EQ_INT(held(), 0);
  return CHECK_DONE();
}
