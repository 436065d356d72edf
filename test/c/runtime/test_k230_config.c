/* The board port's settings (firmware/ports/k230/config.c): /sdcard/k230js.conf parsing and the
 * console devices tried for each setting, run on the host. */
#include <string.h>

#include "check.h"
#include "config.h"
#include "kjs/repl.h"

static int warnings;
static void warn(const char *line) {
  (void)line;
  warnings++;
}

static void test_defaults_and_parse(void) {
  k230js_conf c = K230JS_CONF_DEFAULT;
  CHECK_EQ_STR(c.console, "usb"); /* as the vendor's REPL */
  k230js_conf_parse("console = uart\nheap_limit = 48m\n", &c, warn);
  CHECK_EQ_STR(c.console, "uart");
  CHECK_EQ_INT(c.heap_limit, 48u << 20);
  k230js_conf_parse("console = /dev/ttyS2  # a user UART\n", &c, warn);
  CHECK_EQ_STR(c.console, "/dev/ttyS2");
  CHECK_EQ_INT(warnings, 0);
  k230js_conf_parse("console =\nbogus = 1\nboot = maybe\n", &c, warn);
  CHECK_EQ_INT(warnings, 3);
  CHECK_EQ_STR(c.console, "/dev/ttyS2"); /* bad values leave the setting alone */
  /* Which display the preview on the link shows. */
  CHECK_EQ_INT(c.preview, KJS_PREVIEW_TOIDE);
  k230js_conf_parse("preview = all\n", &c, warn);
  CHECK_EQ_INT(c.preview, KJS_PREVIEW_ALL);
  k230js_conf_parse("preview = sometimes\n", &c, warn);
  CHECK_EQ_INT(warnings, 4);
  CHECK_EQ_INT(c.preview, KJS_PREVIEW_ALL);
  k230js_conf_parse("preview = off\n", &c, warn);
  CHECK_EQ_INT(c.preview, KJS_PREVIEW_OFF);
}

static void test_shipped_file(void) {
  /* The k230js.conf installed on the card parses cleanly and says what the defaults are. */
  const char *path = K230JS_CONF_FILE;
  k230js_conf want = K230JS_CONF_DEFAULT, got = K230JS_CONF_DEFAULT;
  strcpy(got.console, "x");
  got.heap_limit = 1;
  got.preview = -1;
  warnings = 0;
  CHECK_EQ_INT(k230js_conf_load(path, &got, warn), 0);
  CHECK_EQ_INT(warnings, 0);
  CHECK_EQ_STR(got.console, want.console);
  CHECK_EQ_INT(got.heap_limit, want.heap_limit);
  CHECK_EQ_INT(got.vm_thread_stack, want.vm_thread_stack);
  CHECK_EQ_INT(got.boot_window_ms, want.boot_window_ms);
  CHECK_EQ_INT(got.preview, want.preview);
}

static void test_console_devices(void) {
  const char *d[4];
  /* USB CDC: each firmware generation's name, newest first. */
  CHECK_EQ_INT(k230js_console_devices("usb", d, 4), 3);
  CHECK_EQ_STR(d[0], "/dev/ttyGS0");
  CHECK_EQ_STR(d[1], "/dev/ttyUSB");
  CHECK_EQ_STR(d[2], "/dev/ttyUSB1");
  CHECK_EQ_INT(k230js_console_devices("usb", d, 1), 1);
  CHECK_EQ_INT(k230js_console_devices("uart", d, 4), 0); /* stdin/stdout */
  CHECK_EQ_INT(k230js_console_devices("/dev/ttyS2", d, 4), 1);
  CHECK_EQ_STR(d[0], "/dev/ttyS2");
}

int main(void) {
  test_defaults_and_parse();
  test_shipped_file();
  test_console_devices();
  return CHECK_DONE();
}
