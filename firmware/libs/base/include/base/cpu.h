/*
 * base/cpu.h — x86-64 instruction set extensions the CPU and the kernel let us use, read from what
 * the C library found at start-up. The one way the project asks (annexb.c's AVX2 copy, bytecode.c's
 * carry-less-multiply CRC).
 *
 * Why not __builtin_cpu_supports: it links libgcc's constructor into every process, which runs its
 * own CPUID sweep at start; under a hypervisor every CPUID traps (~0.1 ms of the runtime's 1.3 ms
 * start here, measured with perf). glibc 2.33+ exposes the features its loader already found.
 */
#ifndef BASE_CPU_H
#define BASE_CPU_H

#include <stdbool.h>

#if defined(__x86_64__)
#if defined(__has_include) && __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define BASE_CPU_HAS_(name) CPU_FEATURE_ACTIVE(name)
#else
#define BASE_CPU_HAS_(name) base_cpu_builtin_##name()
static inline bool base_cpu_builtin_AVX2(void) { return __builtin_cpu_supports("avx2"); }
static inline bool base_cpu_builtin_PCLMULQDQ(void) { return __builtin_cpu_supports("pclmul"); }
static inline bool base_cpu_builtin_SSE4_1(void) { return __builtin_cpu_supports("sse4.1"); }
#endif

/* AVX2 (256-bit integer vectors). A few nanoseconds: ask at each use. */
static inline bool base_cpu_avx2(void) { return BASE_CPU_HAS_(AVX2); }

/* PCLMULQDQ and SSE4.1 (carry-less multiply folding, pextrd). */
static inline bool base_cpu_clmul_sse41(void) { return BASE_CPU_HAS_(PCLMULQDQ) && BASE_CPU_HAS_(SSE4_1); }
#endif

#endif
