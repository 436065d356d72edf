/* The HAL error table (hal/errors.h); shared by every backend. */
#include "hal/errors.h"

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
