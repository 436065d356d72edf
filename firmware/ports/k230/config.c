/* /sdcard/k230js.conf parser (config.h). Plain key = value lines so it can be edited from any PC
 * that mounts the SD card or the USB MTP disk. */
#include "config.h"

#include "kjs/args.h"
#include "kjs/repl.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
  return s;
}

static void complain(void (*warn)(const char *), int lineno, const char *what, const char *key) {
  if (!warn) return;
  char msg[160];
  snprintf(msg, sizeof msg, "k230js.conf:%d: %s '%s' (ignored)", lineno, what, key);
  warn(msg);
}

static void apply(char *line, int lineno, k230js_conf *c, void (*warn)(const char *)) {
  char *hash = strchr(line, '#');
  if (hash) *hash = 0;
  char *s = trim(line);
  if (!*s) return;
  char *eq = strchr(s, '=');
  if (!eq) {
    complain(warn, lineno, "expected key = value, got", s);
    return;
  }
  *eq = 0;
  char *key = trim(s), *val = trim(eq + 1);
  size_t n;
  if (!strcmp(key, "heap_limit")) {
    if (kjs_parse_size(val, &n) && (n == 0 || n >= (1u << 20))) c->heap_limit = n;
    else complain(warn, lineno, "heap_limit must be 0 or >= 1m, not", val);
  } else if (!strcmp(key, "js_stack")) {
    if (kjs_parse_size(val, &n) && n >= (64u << 10)) c->js_stack = n;
    else complain(warn, lineno, "js_stack must be >= 64k, not", val);
  } else if (!strcmp(key, "vm_thread_stack")) {
    if (kjs_parse_size(val, &n) && n >= (256u << 10) && n <= (256u << 20)) c->vm_thread_stack = n;
    else complain(warn, lineno, "vm_thread_stack must be 256k..256m, not", val);
  } else if (!strcmp(key, "console")) {
    if (*val && strlen(val) < sizeof c->console) snprintf(c->console, sizeof c->console, "%s", val);
    else complain(warn, lineno, "bad console", val);
  } else if (!strcmp(key, "boot")) {
    if (!strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "true")) c->boot = true;
    else if (!strcmp(val, "0") || !strcmp(val, "no") || !strcmp(val, "false")) c->boot = false;
    else complain(warn, lineno, "boot must be 0 or 1, not", val);
  } else if (!strcmp(key, "boot_window_ms")) {
    char *end;
    long v = strtol(val, &end, 10);
    if (*val && !*end && v >= 0 && v <= 10000) c->boot_window_ms = (int)v;
    else complain(warn, lineno, "boot_window_ms must be 0..10000, not", val);
  } else if (!strcmp(key, "preview")) {
    int p = kjs_preview_policy_parse(val);
    if (p >= 0) c->preview = p;
    else complain(warn, lineno, "preview must be toide, all or off, not", val);
  } else {
    complain(warn, lineno, "unknown key", key);
  }
}

void k230js_conf_parse(const char *text, k230js_conf *conf, void (*warn)(const char *)) {
  char line[256];
  int lineno = 0;
  while (*text) {
    size_t len = strcspn(text, "\n");
    size_t n = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, text, n);
    line[n] = 0;
    if (n && line[n - 1] == '\r') line[n - 1] = 0;
    apply(line, ++lineno, conf, warn);
    text += len;
    if (*text == '\n') text++;
  }
  /* The JS stack limit must leave room for the C frames of the engine and the HAL. */
  if (conf->js_stack + (128u << 10) > conf->vm_thread_stack) {
    if (warn) warn("k230js.conf: js_stack too close to vm_thread_stack; using vm_thread_stack - 128k");
    conf->js_stack = conf->vm_thread_stack - (128u << 10);
  }
}

int k230js_conf_load(const char *path, k230js_conf *conf, void (*warn)(const char *)) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  k230js_conf_parse(buf, conf, warn);
  return 0;
}

/* The vendor's REPL runs on USB CDC ACM; the kernel registers that port under a name that changed
 * with the firmware generations:
 *   /dev/ttyGS0   RT-Smart release/canmv-v1.7 and later (canmv-k230/rtsmart@ca71554 and @123aadc,
 *                 kernel/bsp/maix3/components/canmv_usb/usbd_cdc.c:48; output is dropped while
 *                 the host has not set DTR, ibid. :292)
 *   /dev/ttyUSB   release/canmv-v1.5 and v1.6 (canmv-k230/rtsmart@c617b4f and @9a15a99, usbd_cdc.c:197;
 *                 the REPL opens it in canmv-k230/canmv@cacd925:port/omv/ide_dbg.c:1169)
 *   /dev/ttyUSB1  the k230_sdk generation (kendryte/k230_canmv@208039d:micropython/port/omv/ide_dbg.c:1168) */
static const char *const usb_cdc_devices[] = {"/dev/ttyGS0", "/dev/ttyUSB", "/dev/ttyUSB1"};

int k230js_console_devices(const char *console, const char **out, int max) {
  int n = 0;
  if (!strcmp(console, "uart")) return 0;
  if (!strcmp(console, "usb")) {
    for (size_t i = 0; i < sizeof usb_cdc_devices / sizeof usb_cdc_devices[0] && n < max; i++)
      out[n++] = usb_cdc_devices[i];
    return n;
  }
  if (max > 0) out[n++] = console;
  return n;
}
