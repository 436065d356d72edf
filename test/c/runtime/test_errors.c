/* kjs/errors.h: kjs_error_find_import places a link error ("Could not find export") on the line
 * of the import that names the missing export. */
#include "check.h"
#include "kjs/errors.h"

typedef struct row {
  const char *src, *name, *module;
  int line, col; /* 0: not found */
} row;

static const row rows[] = {
    {"import { Nope } from \"k230:media\";\n", "Nope", "k230:media", 1, 10},
    {"import {Sensor, Nope} from 'k230:media'", "Nope", "k230:media", 1, 17},
    {"// x\nimport {\n  Sensor,\n  Nope,\n} from \"k230:media\";\n", "Nope", "k230:media", 4, 3},
    {"import { Nope as N } from \"./lib.js\";\n", "Nope", "./lib.js", 1, 10},
    {"import { Nope } from \"k230:mp4\";\nimport { Nope } from \"k230:media\";\n", "Nope", "k230:media", 2, 10},
    {"import { NopeX } from \"k230:media\";\n", "Nope", "k230:media", 0, 0}, /* a longer name */
    {"import { Nope } from \"k230:media2\";\n", "Nope", "k230:media", 0, 0}, /* another module */
    {"const s = \"k230:media\"; Nope();\n", "Nope", "k230:media", 0, 0},     /* no import */
    {"export { Nope } from \"k230:media\";\n", "Nope", "k230:media", 0, 0},  /* a re-export */
    {"import d, { Nope } from \"k230:media\"", "Nope", "k230:media", 1, 13},
    {"\"k230:media\"", "Nope", "k230:media", 0, 0},
    {"", "Nope", "k230:media", 0, 0},
};

int main(void) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const row *r = &rows[i];
    int line = 0, col = 0;
    bool found = kjs_error_find_import(r->src, strlen(r->src), r->name, r->module, &line, &col);
    CHECK_EQ_INT(found, r->line != 0);
    CHECK_EQ_INT(line, r->line);
    CHECK_EQ_INT(col, r->col);
  }
  return CHECK_DONE();
}
