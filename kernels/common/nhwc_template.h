/*
 * What the channels-last templates share, included after an ISA's vec.h:
 * kernel naming, the channel blocking and its alignment.
 */
#ifndef SIMDPOOL_NHWC_TEMPLATE_H
#define SIMDPOOL_NHWC_TEMPLATE_H

#include <stdint.h>

#define SPV_CAT2(a, b) a##_##b
#define SPV_CAT(a, b) SPV_CAT2(a, b)
#define SPV_FN(name) SPV_CAT(name, SPV_ISA_SUFFIX)

/* Channel vectors per block: enough independent chains to hide latency. */
#define SP_NV 4
/* For the average kernels' many-tap windows: blocks as wide as the ISA's
 * registers allow (fewer passes over the window's rows). */
#ifndef SPV_AVG_NV
#define SPV_AVG_NV SP_NV
#endif

/* 1 when masked partial vectors cost no more than full ones (opmasks), so a
 * misaligned row starts with a masked head; else it starts with an
 * overlapping unaligned vector (forward kernels only). */
#ifndef SPV_HEAD_MASKED
#define SPV_HEAD_MASKED 0
#endif

/*
 * Channels before the first vector-aligned one, when aligning pays: only if a
 * pixel is a whole number of vectors (then every pixel of the tensor has the
 * same misalignment as `base`). Callers' buffers often sit 16 bytes past a
 * line (glibc's large malloc), where every unaligned 64-byte load splits.
 */
static inline int64_t sp_align_head(const void *base, int64_t C)
{
    const uintptr_t bytes = SPV_W * sizeof(float);
    uintptr_t mis = (uintptr_t)base & (bytes - 1);
    if (C % SPV_W || mis == 0 || mis % sizeof(float)) return 0;
    return (int64_t)((bytes - mis) / sizeof(float));
}

/*
 * Runs BLOCK(c, nv, tail, t) over channels [0, C): an optional head (see
 * above), blocks of SP_NV vectors, single vectors, then the tail, as a
 * masked vector or, where the ISA prefers it and the row is long enough, an
 * overlapping last vector (`overlap_ok`: the block may redo channels, i.e.
 * it writes pure functions of the input).
 */
#define SP_FOR_CHANNELS(C, head, overlap_ok, BLOCK) SP_FOR_CHANNELS_NV(C, head, overlap_ok, SP_NV, BLOCK)
#define SP_FOR_CHANNELS_NV(C, head, overlap_ok, NV, BLOCK)                                     \
    do {                                                                                       \
        const int64_t C_ = (C);                                                                \
        const spv_t all_ = spv_tail(SPV_W);                                                    \
        int64_t c_ = 0;                                                                        \
        if ((head) > 0) {                                                                      \
            if (SPV_HEAD_MASKED || !(overlap_ok)) {                                            \
                BLOCK(0, 1, 1, spv_tail(head));                                                \
            } else {                                                                           \
                BLOCK(0, 1, 0, all_);                                                          \
            }                                                                                  \
            c_ = (head);                                                                       \
        }                                                                                      \
        for (; c_ + (NV) * SPV_W <= C_; c_ += (NV) * SPV_W) {                                  \
            BLOCK(c_, (NV), 0, all_);                                                          \
        }                                                                                      \
        /* The remaining whole vectors (fewer than NV) in as few blocks as    \
         * possible: a misaligned head would otherwise leave them single. */  \
        int64_t r_ = (C_ - c_) / SPV_W;                                                        \
        while ((NV) > 4 && r_ >= 4) {                                                          \
            BLOCK(c_, 4, 0, all_);                                                             \
            c_ += 4 * SPV_W;                                                                   \
            r_ -= 4;                                                                           \
        }                                                                                      \
        if (r_ >= 2) {                                                                         \
            BLOCK(c_, 2, 0, all_);                                                             \
            c_ += 2 * SPV_W;                                                                   \
            r_ -= 2;                                                                           \
        }                                                                                      \
        if (r_ >= 1) {                                                                         \
            BLOCK(c_, 1, 0, all_);                                                             \
            c_ += SPV_W;                                                                       \
        }                                                                                      \
        if (c_ < C_) {                                                                         \
            if ((SPV_TAIL_OVERLAP || (head) > 0) && (overlap_ok) && C_ >= SPV_W) {              \
                BLOCK(C_ - SPV_W, 1, 0, all_);                                                 \
            } else {                                                                           \
                BLOCK(c_, 1, 1, spv_tail(C_ - c_));                                            \
            }                                                                                  \
        }                                                                                      \
    } while (0)

#endif
