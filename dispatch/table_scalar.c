/* The reference runs every problem. */
#include "dispatch.h"
#include "reference.h"

static sp_forward_kernel pick_forward(const sp_problem *p, bool stream)
{
    (void)stream; /* plain stores: the reference is not about speed */
    if (p->alg == SIMDPOOL_MAX)
        return (sp_forward_kernel){sp_f32_maxpool_fwd_scalar, SP_WORK_PLANES,
                                   "f32_maxpool_fwd_scalar"};
    return (sp_forward_kernel){sp_f32_avgpool_fwd_scalar, SP_WORK_PLANES, "f32_avgpool_fwd_scalar"};
}

static sp_backward_kernel pick_backward(const sp_problem *p, bool stream)
{
    (void)stream;
    if (p->alg == SIMDPOOL_MAX)
        return (sp_backward_kernel){sp_f32_maxpool_bwd_scalar, SP_WORK_PLANES,
                                    "f32_maxpool_bwd_scalar"};
    return (sp_backward_kernel){sp_f32_avgpool_bwd_scalar, SP_WORK_PLANES,
                                "f32_avgpool_bwd_scalar"};
}

const sp_isa_table sp_table_scalar = {pick_forward, pick_backward};
