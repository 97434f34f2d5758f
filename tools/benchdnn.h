/*
 * oneDNN benchdnn pooling problem descriptors ("mb2ic16_ih32oh16_kh3sh2ph1"),
 * read by the rules in shared/corpus/benchdnn-pool/README.md: benchdnn's
 * defaults (mb 2, stride 1), the derived begin padding when only the output
 * size is given, the derived end padding pad_r = (o-1)*s + E - i - p, and
 * oneDNN's dilation convention (0 = dense; simdpool's = oneDNN's + 1).
 */
#ifndef SP_TOOL_BENCHDNN_H
#define SP_TOOL_BENCHDNN_H

#include <stddef.h>

#include "simdpool.h"

/*
 * Fills desc's shape fields (dims, batch, channels and the per-dim arrays,
 * floor mode, no divisor) from `text`; alg and layout are left as they are.
 * The descriptor's name, quotes stripped, goes to name (may be empty).
 * Returns 0, or -1 with a one-line reason in err.
 */
int benchdnn_parse(const char *text, simdpool_desc *desc, char *name, size_t namelen,
                   char *err, size_t errlen);

/* Whether `text` looks like a descriptor (starts with a known key and a digit). */
int benchdnn_looks_like(const char *text);

#endif
