/*
 * Max pooling, channels-first (NCW/NCHW/NCDHW), neon: the planar max
 * template (kernels/avx2/planar_max_tmpl.h) over this ISA's vector API.
 */
#include "planar.h"

#include "nchw_kernels.h"
#include "../avx2/planar_max_tmpl.h"
