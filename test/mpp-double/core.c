/* The double's core: violations, the module list and the accounting at process exit.
 *
 * At exit every module reports what is still allocated. One summary line results:
 *   mpp-double: <generation> rules=<n> violations=<v> leaks=<l>[: <first items>]
 * It goes to stderr, or, when K230JS_DOUBLE_REPORT=<file> is set, to that file as one JSON
 * object per process (appended) and to stderr only when something is wrong. Violations or leaks
 * make the process exit with DBL_EXIT_STATUS. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>

#include "double.h"

#define MAX_MODULES 32
#define MAX_ITEMS 64

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static const dbl_module *g_modules[MAX_MODULES];
static int g_module_count;
static int g_violations;
static char *g_vitems[MAX_ITEMS]; /* "ID: what" of the first violations, for the report */
static int g_vitem_count;
/* Every rule table (referenced here, so the linker keeps them all). */
static const struct {
  const dbl_rule_def *rows;
  const int *count;
} k_tables[] = {{dbl_rules, &dbl_rule_count}, {dbl_rules_av, &dbl_rule_av_count}, {dbl_rules_net, &dbl_rule_net_count}};
#define N_TABLES (int)(sizeof k_tables / sizeof k_tables[0])

static int rule_total(void) {
  int n = 0;
  for (int t = 0; t < N_TABLES; t++) n += *k_tables[t].count;
  return n;
}

void dbl_module_register(const dbl_module *m) {
  pthread_mutex_lock(&g_mu);
  if (g_module_count < MAX_MODULES) g_modules[g_module_count++] = m;
  pthread_mutex_unlock(&g_mu);
}

static void record(const char *id, const char *what, const char *cite) {
  fprintf(stderr, "mpp-double: VIOLATION %s: %s (%s)\n", id, what, cite);
  pthread_mutex_lock(&g_mu);
  g_violations++;
  if (g_vitem_count < MAX_ITEMS) {
    size_t n = strlen(id) + strlen(what) + 3;
    char *s = malloc(n);
    if (s) {
      snprintf(s, n, "%s: %s", id, what);
      g_vitems[g_vitem_count++] = s;
    }
  }
  pthread_mutex_unlock(&g_mu);
}

const dbl_rule_def *dbl_rule(const char *id) {
  for (int t = 0; t < N_TABLES; t++)
    for (int i = 0; i < *k_tables[t].count; i++)
      if (strcmp(k_tables[t].rows[i].id, id) == 0) return &k_tables[t].rows[i];
  fprintf(stderr, "mpp-double: internal error: rule %s is in no rule table\n", id);
  abort();
}

int dbl_check(int ok, const char *id, const char *fmt, ...) {
  const dbl_rule_def *r = dbl_rule(id); /* an unknown id aborts even when the check passes */
  if (ok) return 1;
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  record(id, what, r->cite);
  return 0;
}

/* ---- exit accounting ---- */
typedef struct leaks {
  int count;
  char *items[MAX_ITEMS];
} leaks;

static void leak_cb(void *ctx, const char *fmt, ...) {
  leaks *l = ctx;
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (l->count < MAX_ITEMS) l->items[l->count] = strdup(buf);
  l->count++;
}

static const char *generation(void) {
#if K230_MPP_VENC_ATTACH_ARGS || K230_MPP_VICAP_POOL_ID
  return "current-mpp";
#else
  return "mpp-2024";
#endif
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

static void report_json(const char *path, const leaks *l) {
  FILE *f = fopen(path, "a");
  if (!f) {
    fprintf(stderr, "mpp-double: cannot append to K230JS_DOUBLE_REPORT=%s\n", path);
    return;
  }
  fprintf(f, "{\"pid\":%d,\"generation\":\"%s\",\"rules\":%d,\"violations\":%d,\"leaks\":%d,", (int)getpid(),
          generation(), rule_total(), g_violations, l->count);
  fputs("\"violationItems\":[", f);
  for (int i = 0; i < g_vitem_count; i++) {
    if (i) fputc(',', f);
    json_str(f, g_vitems[i]);
  }
  fputs("],\"leakItems\":[", f);
  for (int i = 0; i < l->count && i < MAX_ITEMS; i++) {
    if (i) fputc(',', f);
    json_str(f, l->items[i]);
  }
  fputs("]}\n", f);
  fclose(f);
}

static void at_exit(void) {
  leaks l = {0};
  pthread_mutex_lock(&g_mu);
  int n = g_module_count;
  pthread_mutex_unlock(&g_mu);
  for (int i = 0; i < n; i++)
    if (g_modules[i]->leaks) g_modules[i]->leaks(leak_cb, &l);
  int bad = g_violations > 0 || l.count > 0;
  char line[1024];
  int off = snprintf(line, sizeof line, "mpp-double: %s rules=%d violations=%d leaks=%d", generation(), rule_total(),
                     g_violations, l.count);
  for (int i = 0; i < l.count && i < 4 && off < (int)sizeof line - 64; i++)
    off += snprintf(line + off, sizeof line - (size_t)off, "%s%s", i ? "; " : ": ", l.items[i]);
  const char *path = getenv("K230JS_DOUBLE_REPORT");
  if (path && *path) report_json(path, &l);
  if (!path || !*path || bad) fprintf(stderr, "%s\n", line);
  if (bad) {
    fflush(NULL);
    _exit(DBL_EXIT_STATUS);
  }
}

/* Registered first, so it runs after every other exit handler (the runtime's included). */
static void __attribute__((constructor(101))) core_init(void) { atexit(at_exit); }
