/* The error table (base/errors.h). */
#include "base/errors.h"

const char *err_name(int code) {
  switch (code) {
#define ERR_NAME_CASE(name, value, msg) \
  case value:                          \
    return #name;
    ERR_MAP(ERR_NAME_CASE)
#undef ERR_NAME_CASE
  }
  return "EUNKNOWN";
}

const char *err_str(int code) {
  switch (code) {
#define ERR_MSG_CASE(name, value, msg) \
  case value:                         \
    return msg;
    ERR_MAP(ERR_MSG_CASE)
#undef ERR_MSG_CASE
  }
  return "unknown error";
}
