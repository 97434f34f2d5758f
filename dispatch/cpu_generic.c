/* CPUs simdpool has no SIMD kernels for: the reference only. */
#include "dispatch.h"

unsigned sp_cpu_detect(char *text, size_t size)
{
    if (size) text[0] = 0;
    return 1u << SIMDPOOL_ISA_SCALAR;
}
