/* Runtime C tests: one script run in a fresh VM with the default configuration, then the VM
 * freed; returns the script's exit status (kjs/vm.h). */
#ifndef TEST_RUN_JS_H
#define TEST_RUN_JS_H

#include <string.h>

#include "kjs/vm.h"

static inline int run_js(const char *src) {
  kjs_vm_config cfg = KJS_VM_CONFIG_DEFAULT;
  kjs_vm *vm = kjs_vm_new(&cfg);
  int status = kjs_vm_run_source(vm, "t.js", src, strlen(src));
  kjs_vm_free(vm);
  return status;
}

#endif
