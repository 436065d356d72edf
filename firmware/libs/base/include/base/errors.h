/*
 * base/errors.h — the one error-code table shared by libs/, the HAL and the JS bindings.
 *
 * Every library and HAL call returns `int`: 0 on success, a negative ERR_E* code on failure.
 * The JS bindings turn a code into an Error whose `.code` is the name column ("EINVAL", ...).
 * The base knows nothing of the HAL or of QuickJS (libc only), so libs/ depend on it alone.
 */
#ifndef BASE_ERRORS_H
#define BASE_ERRORS_H

/* XX(name, value, message) */
#define ERR_MAP(XX) \
  XX(EINVAL, -22, "invalid argument") \
  XX(ENOMEM, -12, "out of memory") \
  XX(EBUSY, -16, "resource busy") \
  XX(ENODEV, -19, "no such device") \
  XX(ENOENT, -2, "no such file or directory") \
  XX(EIO, -5, "input/output error") \
  XX(ENOSPC, -28, "no space left on device") \
  XX(ETIMEDOUT, -110, "timed out") \
  XX(EAGAIN, -11, "resource temporarily unavailable") \
  XX(ENOTSUP, -95, "operation not supported") \
  XX(ECLOSED, -1001, "object is closed") \
  XX(EBADDATA, -1002, "malformed data") \
  XX(ETRUNC, -1003, "data is truncated") \
  XX(ELIMIT, -1004, "a configured limit was exceeded") \
  XX(ESTATE, -1005, "operation not allowed in the current state") \
  XX(EAUTH, -1006, "authentication failed") \
  XX(EINTR, -4, "interrupted")

enum {
#define ERR_ENUM(name, value, msg) ERR_##name = (value),
  ERR_MAP(ERR_ENUM)
#undef ERR_ENUM
};

/* "EINVAL" for ERR_EINVAL; "EUNKNOWN" for codes outside the table. Never NULL. */
const char *err_name(int code);
/* Human-readable message for a code. Never NULL. */
const char *err_str(int code);
/* The code for a C library errno value (ENOSPC -> ERR_ENOSPC, ...); ERR_EIO for errno values
 * the table has no name for. By name, not by number: libcs number errno differently. */
int err_from_errno(int errnum);

#endif
