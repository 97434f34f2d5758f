/*
 * x86 CPU detection: cpuid leaves 1 and 7 say what the core implements;
 * XGETBV(0) says whether the OS saves the wider register state on context
 * switches, without which the instructions exist but must not be used.
 */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>

#include "dispatch.h"

/* XCR0 bits (Intel SDM vol. 1, 13.3): SSE and AVX state for YMM; opmask,
 * upper halves of ZMM0-15 and ZMM16-31 for AVX-512. */
#define XCR0_YMM ((1u << 1) | (1u << 2))
#define XCR0_ZMM (XCR0_YMM | (1u << 5) | (1u << 6) | (1u << 7))

static uint64_t read_xcr0(void)
{
    uint32_t eax, edx;
    /* The instruction by its bytes, so no -mxsave flag is needed here. */
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static void append(char *text, size_t size, const char *name)
{
    size_t used = strlen(text);
    if (used + strlen(name) + 2 > size) return;
    if (used) text[used++] = ' ';
    strcpy(text + used, name);
}

unsigned sp_cpu_detect(char *text, size_t size)
{
    unsigned a, b, c, d, supported = 1u << SIMDPOOL_ISA_SCALAR;
    if (size) text[0] = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return supported;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    uint64_t xcr0 = osxsave ? read_xcr0() : 0;
    int os_ymm = (xcr0 & XCR0_YMM) == XCR0_YMM, os_zmm = (xcr0 & XCR0_ZMM) == XCR0_ZMM;
    unsigned b7 = 0, c7 = 0, d7 = 0, a7;
    if (__get_cpuid_max(0, 0) >= 7) __cpuid_count(7, 0, a7, b7, c7, d7);
    int avx2 = (b7 >> 5) & 1, avx512f = (b7 >> 16) & 1, avx512dq = (b7 >> 17) & 1,
        avx512bw = (b7 >> 30) & 1, avx512vl = (b7 >> 31) & 1;

    if (avx) append(text, size, "avx");
    if (fma) append(text, size, "fma");
    if (avx2) append(text, size, "avx2");
    if (avx512f) append(text, size, "avx512f");
    if (avx512dq) append(text, size, "avx512dq");
    if (avx512bw) append(text, size, "avx512bw");
    if (avx512vl) append(text, size, "avx512vl");
    if (osxsave) append(text, size, "osxsave");
    if (os_ymm) append(text, size, "os-ymm");
    if (os_zmm) append(text, size, "os-zmm");

    if (avx && fma && avx2 && os_ymm) supported |= 1u << SIMDPOOL_ISA_AVX2;
    if ((supported & (1u << SIMDPOOL_ISA_AVX2)) && avx512f && avx512dq && avx512bw && avx512vl &&
        os_zmm)
        supported |= 1u << SIMDPOOL_ISA_AVX512;
    return supported;
}
