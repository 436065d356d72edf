# Cross build for riscv64 with Debian's gcc-riscv64-linux-gnu, static, runnable under qemu-riscv64.
# The board's real toolchain is the K230 SDK's riscv64-unknown-linux-musl-gcc with
# -march=rv64imafdcv -mabi=lp64d -mcmodel=medany (see toolchain-k230-musl.cmake); the ISA flags
# here stay within what qemu-user and glibc's riscv64 port run.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER riscv64-linux-gnu-g++)
set(CMAKE_C_FLAGS_INIT "-march=rv64gc -mabi=lp64d")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_FIND_ROOT_PATH /usr/riscv64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-riscv64)
set(K230JS_STATIC ON CACHE BOOL "" FORCE)
