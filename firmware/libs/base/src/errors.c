/* The error table (base/errors.h). */
#include "base/errors.h"

#include <errno.h>

const char *err_name(int code) {
  switch (code) {
#define ERR_NAME_CASE(name, value, msg) \
  case value: return #name;
    ERR_MAP(ERR_NAME_CASE)
#undef ERR_NAME_CASE
  }
  return "EUNKNOWN";
}

const char *err_str(int code) {
  switch (code) {
#define ERR_MSG_CASE(name, value, msg) \
  case value: return msg;
    ERR_MAP(ERR_MSG_CASE)
#undef ERR_MSG_CASE
  }
  return "unknown error";
}

int err_from_errno(int errnum) {
  switch (errnum) {
    case EINVAL: return ERR_EINVAL;
    case ENOMEM: return ERR_ENOMEM;
    case EBUSY: return ERR_EBUSY;
    case ENODEV: return ERR_ENODEV;
    case ENOENT: return ERR_ENOENT;
    case ENOSPC: return ERR_ENOSPC;
#if defined(EDQUOT) && EDQUOT != ENOSPC
    case EDQUOT: return ERR_ENOSPC; /* a quota is a full medium to the app */
#endif
    case ETIMEDOUT: return ERR_ETIMEDOUT;
    case EAGAIN: return ERR_EAGAIN;
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK: return ERR_EAGAIN;
#endif
    case ENOTSUP: return ERR_ENOTSUP;
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP: return ERR_ENOTSUP;
#endif
    case EINTR: return ERR_EINTR;
    default: return ERR_EIO;
  }
}
