/* The REPL's pure parts: line editor keys and history, SHA-256 vectors, path confinement. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../quickjs-bindings/src/repl_internal.h"
#include "check.h"
#include "kjs/lineedit.h"
#include "kjs/sha256.h"

static void sink(void *user, const char *s, size_t n) { (void)user, (void)s, (void)n; }

static int feed(kjs_line *l, const char *keys) {
  int ev = KJS_LINE_NONE;
  for (const char *p = keys; *p; p++) ev = kjs_line_feed(l, (unsigned char)*p);
  return ev;
}

static void test_lineedit(void) {
  kjs_line l;
  kjs_line_init(&l, sink, NULL);
  struct {
    const char *keys, *want;
  } rows[] = {
      {"abc\r", "abc"},
      {"ac\x1b[Db\r", "abc"},
      {"bc\x01"
       "a\r",
       "abc"},
      {"bc\x1b[Ha\x1b[Fd\r", "abcd"},
      {"abcdef\x1b[D\x1b[D\x0b\r", "abcd"},
      {"xyz\x15"
       "abc\r",
       "abc"},
      {"foo bar\x17"
       "baz\r",
       "foo baz"},
      {"abc\x7f\x7f\r", "a"},
      {"abc\x01\x1b[3~\r", "bc"},
      {"abc\x01\x04\r", "bc"},
      {"ab\x1b[1~X\x1b[4~Y\r", "XabY"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    kjs_line_start(&l, "> ");
    CHECK_EQ_INT(feed(&l, rows[i].keys), KJS_LINE_DONE);
    CHECK(strcmp(kjs_line_text(&l, NULL), rows[i].want) == 0);
  }
  kjs_line_start(&l, "> ");
  CHECK_EQ_INT(feed(&l, "\x04"), KJS_LINE_EOF);
  CHECK_EQ_INT(feed(&l, "\x01"), KJS_LINE_RAW);
  CHECK_EQ_INT(feed(&l, "x\x03"), KJS_LINE_INTR);
  CHECK_EQ_INT(feed(&l, "\t"), KJS_LINE_TAB);
  /* history: CRLF counts once, Up/Down walk entries, the new line comes back */
  kjs_line_history_add(&l, "one", 3);
  kjs_line_history_add(&l, "two", 3);
  kjs_line_history_add(&l, "two", 3);
  CHECK_EQ_INT(l.nhistory, 2);
  kjs_line_start(&l, "> ");
  CHECK_EQ_INT(feed(&l, "new\x1b[A\x1b[A"), KJS_LINE_NONE);
  CHECK(strcmp(kjs_line_text(&l, NULL), "one") == 0);
  feed(&l, "\x1b[B\x1b[B");
  CHECK(strcmp(kjs_line_text(&l, NULL), "new") == 0);
  CHECK_EQ_INT(feed(&l, "\r"), KJS_LINE_DONE);
  CHECK_EQ_INT(feed(&l, "\n"), KJS_LINE_NONE);
  for (int i = 0; i < KJS_LINE_HISTORY + 5; i++) kjs_line_history_add(&l, i % 2 ? "a" : "b", 1);
  CHECK_EQ_INT(l.nhistory, KJS_LINE_HISTORY);
  kjs_line_free(&l);
}

static void hex(const uint8_t *d, char *out) {
  for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha256(void) {
  struct {
    const char *in, *want;
  } rows[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
  };
  for (size_t i = 0; i < 3; i++) {
    kjs_sha256 h;
    uint8_t d[32];
    char s[65];
    kjs_sha256_init(&h);
    /* fed one byte at a time to cover the block buffering */
    for (const char *p = rows[i].in; *p; p++) kjs_sha256_update(&h, p, 1);
    kjs_sha256_final(&h, d);
    hex(d, s);
    CHECK(strcmp(s, rows[i].want) == 0);
  }
  kjs_sha256 h;
  uint8_t d[32];
  char s[65];
  char block[1000];
  memset(block, 'a', sizeof block);
  kjs_sha256_init(&h);
  for (int i = 0; i < 1000; i++) kjs_sha256_update(&h, block, sizeof block);
  kjs_sha256_final(&h, d);
  hex(d, s);
  CHECK(strcmp(s, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}

static void test_resolve(void) {
  const char *dir = tu_tmpdir();
  char sub[400], link[400];
  snprintf(sub, sizeof sub, "%s/sub", dir);
  mkdir(sub, 0755);
  snprintf(link, sizeof link, "%s/out", dir);
  CHECK(symlink("/etc", link) == 0);
  kjs_vm_config cfg = KJS_VM_CONFIG_DEFAULT;
  cfg.sdcard_dir = dir;
  kjs_vm *vm = kjs_vm_new(&cfg);
  char out[4096], want[4096];
  CHECK_EQ_INT(kjs_fs_resolve(vm, "/sdcard/sub/a.js", out, sizeof out), 0);
  snprintf(want, sizeof want, "%s/sub/a.js", dir);
  CHECK(strcmp(out, want) == 0);
  CHECK_EQ_INT(kjs_fs_resolve(vm, "sub//a.js/", out, sizeof out), 0);
  CHECK(strcmp(out, want) == 0);
  const char *refused[] = {"/sdcard/../x",       "/sdcard/sub/../../x", "/sdcard/./x", "/etc/passwd", "/sdcardx/y",
                           "/sdcard/out/passwd", "/sdcard/out",         "/",           ".."};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    CHECK_EQ_INT(kjs_fs_resolve(vm, refused[i], out, sizeof out), -13);
  kjs_vm_free(vm);
}

int main(void) {
  test_lineedit();
  test_sha256();
  test_resolve();
  return CHECK_DONE();
}
