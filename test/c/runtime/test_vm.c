/* kjs/vm.h: exit statuses, timers and jobs, unhandled rejections, interrupts, no leaks. */
#include <pthread.h>

#include "check.h"
#include "run_js.h"
#include "hal/clock.h"
#include "kjs/vm.h"

static void *interrupt_later(void *arg) {
  hal_sleep_us(50000);
  kjs_vm_request_interrupt(arg);
  return NULL;
}

int main(void) {
  CHECK_EQ_INT(run_js("let x = 1;"), KJS_EXIT_OK);
  CHECK_EQ_INT(run_js("throw new Error('boom')"), KJS_EXIT_ERROR);
  CHECK_EQ_INT(run_js("let x = ;"), KJS_EXIT_ERROR);
  CHECK_EQ_INT(run_js("import 'k230:nope';"), KJS_EXIT_ERROR);
  CHECK_EQ_INT(run_js("Promise.reject(new Error('r'))"), KJS_EXIT_ERROR);
  CHECK_EQ_INT(run_js("const p = Promise.reject(1); p.catch(() => {});"), KJS_EXIT_OK);
  CHECK_EQ_INT(run_js("setTimeout(() => { throw new TypeError('late') }, 5)"), KJS_EXIT_ERROR);
  CHECK_EQ_INT(run_js("import { exit } from 'k230:sys'; setTimeout(() => exit(7), 1); setTimeout(() => exit(9), 50)"),
               7);
  CHECK_EQ_INT(
      run_js("await new Promise(r => setTimeout(r, 10)); const id = setInterval(() => {}, 1); clearInterval(id);"),
      KJS_EXIT_OK);
  CHECK_EQ_INT(run_js("let n = 0; const id = setInterval(() => { if (++n === 3) clearInterval(id) }, 1);"),
               KJS_EXIT_OK);

  /* An interrupt stops an infinite loop. */
  kjs_vm_config cfg = KJS_VM_CONFIG_DEFAULT;
  kjs_vm *vm = kjs_vm_new(&cfg);
  pthread_t th;
  pthread_create(&th, NULL, interrupt_later, vm);
  const char *spin = "for (;;) {}";
  CHECK_EQ_INT(kjs_vm_run_source(vm, "spin.js", spin, strlen(spin)), KJS_EXIT_INTERRUPTED);
  pthread_join(th, NULL);
  kjs_vm_free(vm);

  /* In EXITPOINT_ENABLE_SLEEP mode the interrupt is raised by exitpoint() as a catchable error,
   * so `finally` (media teardown) runs. */
  vm = kjs_vm_new(&cfg);
  pthread_create(&th, NULL, interrupt_later, vm);
  const char *coop =
      "import * as sys from 'k230:sys';\n"
      "sys.exitpoint(sys.EXITPOINT_ENABLE_SLEEP);\n"
      "let cleaned = false;\n"
      "try { for (;;) { sys.exitpoint(); } } finally { cleaned = true; }\n";
  CHECK_EQ_INT(kjs_vm_run_source(vm, "coop.js", coop, strlen(coop)), KJS_EXIT_INTERRUPTED);
  pthread_join(th, NULL);
  kjs_vm_free(vm);

  /* Memory limit: running out of memory is an error, not a crash. */
  cfg.memory_limit = 4 << 20;
  vm = kjs_vm_new(&cfg);
  const char *hog = "const a = []; for (;;) a.push(new Array(1000).fill(1));";
  CHECK_EQ_INT(kjs_vm_run_source(vm, "hog.js", hog, strlen(hog)), KJS_EXIT_ERROR);
  kjs_vm_free(vm);
  return CHECK_DONE();
}
