/*
 * check.h — the C tests' assertions. A test is a program that returns 0 when every CHECK held;
 * each failed CHECK prints file:line and the expression, and the test keeps going so one run
 * shows every failure. Run under ctest (in CI with ASan + UBSan, so leaks fail too).
 */
#ifndef K230JS_CHECK_H
#define K230JS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                  \
  do {                                                                               \
    check_count++;                                                                   \
    if (!(cond)) {                                                                   \
      check_failures++;                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
    }                                                                                \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                        \
  do {                                                                                            \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);                               \
    check_count++;                                                                                \
    if (check_a_ != check_b_) {                                                                   \
      check_failures++;                                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, \
              #b, check_a_, check_b_);                                                            \
    }                                                                                             \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                                             \
  do {                                                                                                 \
    const char *check_a_ = (a), *check_b_ = (b);                                                       \
    check_count++;                                                                                     \
    if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                                   \
      check_failures++;                                                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, \
              check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");                         \
    }                                                                                                  \
  } while (0)

/* Ends main(): prints a one-line summary and returns the exit status. */
#define CHECK_DONE()                                                                   \
  (printf("%s: %d checks, %d failed\n", __FILE__, check_count, check_failures),        \
   check_failures ? 1 : 0)

#endif
