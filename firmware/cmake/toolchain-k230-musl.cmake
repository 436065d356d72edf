# The board's toolchain: the K230 SDK's musl gcc (RT-Smart user programs are static musl ELFs).
# Pass -DK230_TOOLCHAIN_DIR=<sdk>/toolchain/riscv64-linux-musleabi_for_x86_64-pc-linux-gnu/bin
# or have riscv64-unknown-linux-musl-gcc on PATH.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
if(K230_TOOLCHAIN_DIR)
  set(_pfx ${K230_TOOLCHAIN_DIR}/)
endif()
set(CMAKE_C_COMPILER ${_pfx}riscv64-unknown-linux-musl-gcc)
set(CMAKE_CXX_COMPILER ${_pfx}riscv64-unknown-linux-musl-g++)
set(CMAKE_C_FLAGS_INIT "-march=rv64imafdcv -mabi=lp64d -mcmodel=medany")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(K230JS_STATIC ON CACHE BOOL "" FORCE)
