/*
 * CPU detection, the ISA choice and the per-ISA kernel tables. Internal.
 */
#ifndef SIMDPOOL_DISPATCH_H
#define SIMDPOOL_DISPATCH_H

#include <stddef.h>

#include "problem.h"

/* One per ISA: pickers that return that ISA's best kernel for a problem, or a
 * kernel with run == NULL when it has none (the plan then uses the reference). */
typedef struct sp_isa_table {
    sp_forward_kernel (*pick_forward)(const sp_problem *p, bool stream);
    sp_backward_kernel (*pick_backward)(const sp_problem *p, bool stream);
} sp_isa_table;

extern const sp_isa_table sp_table_scalar;
#ifdef SIMDPOOL_HAVE_AVX2
extern const sp_isa_table sp_table_avx2;
#endif
#ifdef SIMDPOOL_HAVE_AVX512
extern const sp_isa_table sp_table_avx512;
#endif
#ifdef SIMDPOOL_HAVE_NEON
extern const sp_isa_table sp_table_neon;
#endif

/* Asks the CPU and OS (cpu_x86.c, cpu_arm.c, cpu_generic.c): returns the ISAs
 * they support (bit 1u << isa), whatever was compiled in, and writes the
 * features looked at, as space-separated text, into `text`. No state: the
 * dispatcher calls it once and keeps the answer. */
unsigned sp_cpu_detect(char *text, size_t size);

/* The ISA a plan should use for `requested` (SIMDPOOL_ISA_AUTO: the global
 * choice), or the error that prevents it. */
simdpool_status sp_resolve_isa(simdpool_isa requested, simdpool_isa *chosen);

/* The kernels of `isa` for the problem, falling back to the reference;
 * stream: kernels that store their outputs non-temporally, where the ISA has
 * them. */
sp_forward_kernel sp_pick_forward(simdpool_isa isa, const sp_problem *p, bool stream,
                                  simdpool_isa *used);
sp_backward_kernel sp_pick_backward(simdpool_isa isa, const sp_problem *p, bool stream,
                                    simdpool_isa *used);

#endif
