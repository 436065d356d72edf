# The QuickJS-ng engine, compiled from the pinned Debian qjs-src sources (scripts/fetch-qjs-src.sh).
# Defines the static library `qjs` (engine + quickjs-libc) with its include directory.
if(NOT K230JS_QJS_SRC_DIR)
  execute_process(
    COMMAND bash ${K230JS_TOP}/scripts/fetch-qjs-src.sh
    OUTPUT_VARIABLE _qjs_dir OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _qjs_rc)
  if(NOT _qjs_rc EQUAL 0)
    message(FATAL_ERROR "QuickJS-ng sources could not be fetched (see the fetch-qjs-src line above)")
  endif()
  set(K230JS_QJS_SRC_DIR ${_qjs_dir} CACHE PATH "QuickJS-ng sources (Debian qjs-src)")
endif()
if(NOT EXISTS ${K230JS_QJS_SRC_DIR}/quickjs.h)
  message(FATAL_ERROR "K230JS_QJS_SRC_DIR=${K230JS_QJS_SRC_DIR} holds no quickjs.h")
endif()

add_library(qjs STATIC
  ${K230JS_QJS_SRC_DIR}/quickjs.c
  ${K230JS_QJS_SRC_DIR}/libregexp.c
  ${K230JS_QJS_SRC_DIR}/libunicode.c
  ${K230JS_QJS_SRC_DIR}/dtoa.c
  ${K230JS_QJS_SRC_DIR}/quickjs-libc.c)
target_include_directories(qjs SYSTEM PUBLIC ${K230JS_QJS_SRC_DIR})
target_compile_definitions(qjs PRIVATE _GNU_SOURCE)
# Third-party code: its own warnings are not ours to fix.
target_compile_options(qjs PRIVATE -w)
find_package(Threads REQUIRED)
target_link_libraries(qjs PUBLIC m Threads::Threads ${CMAKE_DL_LIBS})
# RISC-V has no native 8/16-bit compare-and-swap; the engine's atomics need libatomic there.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "riscv")
  target_link_libraries(qjs PUBLIC atomic)
endif()
