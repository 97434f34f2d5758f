/*
 * AArch64 CPU detection. Advanced SIMD is architecturally required on
 * AArch64, but the kernel still reports it in AT_HWCAP, so trust that.
 */
#include <pthread.h>

#include "dispatch.h"

#if defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

static unsigned supported;
static const char *feature_text = "";

static void detect(void)
{
    supported = 1u << SIMDPOOL_ISA_SCALAR;
#if defined(__linux__) && defined(HWCAP_ASIMD)
    if (getauxval(AT_HWCAP) & HWCAP_ASIMD) {
        supported |= 1u << SIMDPOOL_ISA_NEON;
        feature_text = "asimd";
    }
#elif defined(__ARM_NEON)
    supported |= 1u << SIMDPOOL_ISA_NEON;
    feature_text = "asimd (assumed: no getauxval)";
#endif
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

unsigned sp_cpu_supported_isas(void)
{
    pthread_once(&once, detect);
    return supported;
}

const char *sp_cpu_feature_text(void)
{
    pthread_once(&once, detect);
    return feature_text;
}
