/*
 * AArch64 CPU detection. Advanced SIMD is architecturally required on
 * AArch64, but the kernel still reports it in AT_HWCAP, so trust that.
 */
#include <string.h>

#include "dispatch.h"

#if defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

unsigned sp_cpu_detect(char *text, size_t size)
{
    unsigned supported = 1u << SIMDPOOL_ISA_SCALAR;
    const char *found = "";
#if defined(__linux__) && defined(HWCAP_ASIMD)
    if (getauxval(AT_HWCAP) & HWCAP_ASIMD) {
        supported |= 1u << SIMDPOOL_ISA_NEON;
        found = "asimd";
    }
#elif defined(__ARM_NEON)
    supported |= 1u << SIMDPOOL_ISA_NEON;
    found = "asimd (assumed: no getauxval)";
#endif
    if (size) {
        strncpy(text, found, size - 1);
        text[size - 1] = 0;
    }
    return supported;
}
