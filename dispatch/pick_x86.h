/*
 * The x86 pickers, one file per layout (pick_x86_nhwc.c, pick_x86_nchw.c):
 * given an ISA (avx2 or avx512) and a problem, the best kernel of that ISA,
 * or run == NULL when it has none.
 */
#ifndef SIMDPOOL_PICK_X86_H
#define SIMDPOOL_PICK_X86_H

#include "dispatch.h"

sp_forward_kernel sp_pick_forward_nhwc(simdpool_isa isa, const sp_problem *p);
sp_backward_kernel sp_pick_backward_nhwc(simdpool_isa isa, const sp_problem *p);
sp_forward_kernel sp_pick_forward_nchw(simdpool_isa isa, const sp_problem *p);
sp_backward_kernel sp_pick_backward_nchw(simdpool_isa isa, const sp_problem *p);

#endif
