/* The /sdcard and /data namespace (kjs/paths.h). */
#include "kjs/paths.h"

#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "kjs/vm.h"

static const char *under(const char *path, const char *root) {
  size_t n = strlen(root);
  if (strncmp(path, root, n) != 0) return NULL;
  if (path[n] == 0 || path[n] == '/') return path + n;
  return NULL;
}

int kjs_path_map(kjs_vm *vm, const char *path, char *out, size_t size) {
  const kjs_vm_config *cfg = kjs_vm_config_of(vm);
  const char *rest;
  int n;
  if (cfg->sdcard_dir && (rest = under(path, "/sdcard")))
    n = snprintf(out, size, "%s%s", cfg->sdcard_dir, rest);
  else if (cfg->data_dir && (rest = under(path, "/data")))
    n = snprintf(out, size, "%s%s", cfg->data_dir, rest);
  else
    n = snprintf(out, size, "%s", path);
  return (n < 0 || (size_t)n >= size) ? ERR_ELIMIT : 0;
}
