/* The HAL error table (hal/errors.h); shared by every backend. */
#include "hal/errors.h"

#include <errno.h>

const char *hal_err_name(int code) {
  switch (code) {
#define HAL_ERR_NAME(name, value, msg) \
  case value:                          \
    return #name;
    HAL_ERRNO_MAP(HAL_ERR_NAME)
#undef HAL_ERR_NAME
  }
  return "EUNKNOWN";
}

const char *hal_strerror(int code) {
  switch (code) {
#define HAL_ERR_MSG(name, value, msg) \
  case value:                         \
    return msg;
    HAL_ERRNO_MAP(HAL_ERR_MSG)
#undef HAL_ERR_MSG
  }
  return "unknown error";
}

int hal_err_from_errno(int errnum) {
  switch (errnum) {
    case EINVAL: return HAL_EINVAL;
    case ENOMEM: return HAL_ENOMEM;
    case EBUSY: return HAL_EBUSY;
    case ENODEV: return HAL_ENODEV;
    case ENOENT: return HAL_ENOENT;
    case ENOSPC: return HAL_ENOSPC;
#if defined(EDQUOT) && EDQUOT != ENOSPC
    case EDQUOT: return HAL_ENOSPC; /* a quota is a full medium to the app */
#endif
    case ETIMEDOUT: return HAL_ETIMEDOUT;
    case EAGAIN: return HAL_EAGAIN;
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK: return HAL_EAGAIN;
#endif
    case ENOTSUP: return HAL_ENOTSUP;
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP: return HAL_ENOTSUP;
#endif
    case EINTR: return HAL_EINTR;
    default: return HAL_EIO;
  }
}
