/* kjs/sourcemap.h against hand-checked VLQ mappings and malformed maps. */
#include "check.h"
#include "kjs/sourcemap.h"

int main(void) {
  /* Line 1: col 0 -> a.ts 1:1; col 4 -> a.ts 2:3 ("AAAA,IACE").
   * Line 2: empty. Line 3: col 2 -> b.ts 20:1 ("ECkBF": gen+2, src+1, line+18, col-2) */
  const char *json =
      "{\"version\":3,\"sources\":[\"../src/a.ts\",\"b.ts\"],\"names\":[],"
      "\"mappings\":\"AAAA,IACE;;ECkBF\"}";
  kjs_sourcemap *map = kjs_sourcemap_parse(json, strlen(json));
  CHECK(map != NULL);
  const char *src;
  int line, col;
  CHECK(kjs_sourcemap_lookup(map, 1, 1, &src, &line, &col));
  CHECK_EQ_STR(src, "../src/a.ts");
  CHECK_EQ_INT(line, 1);
  CHECK_EQ_INT(col, 1);
  CHECK(kjs_sourcemap_lookup(map, 1, 9, &src, &line, &col));
  CHECK_EQ_INT(line, 2);
  CHECK_EQ_INT(col, 3);
  CHECK(!kjs_sourcemap_lookup(map, 2, 1, &src, &line, &col));
  CHECK(kjs_sourcemap_lookup(map, 3, 3, &src, &line, &col));
  CHECK_EQ_STR(src, "b.ts");
  CHECK_EQ_INT(line, 20);
  CHECK_EQ_INT(col, 1);
  CHECK(!kjs_sourcemap_lookup(map, 4, 1, &src, &line, &col));
  CHECK(!kjs_sourcemap_lookup(map, 0, 1, &src, &line, &col));
  kjs_sourcemap_free(map);

  /* Malformed maps are refused, never crash. */
  const char *bad[] = {
      "",
      "{}",
      "{\"sources\":[\"a\"]}",
      "{\"sources\":[\"a\"],\"mappings\":\"!!\"}",
      "{\"sources\":[\"a\"],\"mappings\":\"AAAA,ACAA\"}", /* source index 1 out of range */
      "{\"sources\":[\"a\",\"mappings\":\"AAAA\"}",
      "{\"sources\":[\"a\"],\"mappings\":\"gggggggggggA\"}",
      "{\"sources\":[\"unterminated], \"mappings\":\"AAAA\"}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    kjs_sourcemap *m = kjs_sourcemap_parse(bad[i], strlen(bad[i]));
    CHECK(m == NULL);
    kjs_sourcemap_free(m);
  }
  return CHECK_DONE();
}
