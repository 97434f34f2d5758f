/* CPUs simdpool has no SIMD kernels for: the reference only. */
#include "dispatch.h"

unsigned sp_cpu_supported_isas(void)
{
    return 1u << SIMDPOOL_ISA_SCALAR;
}

const char *sp_cpu_feature_text(void)
{
    return "";
}
