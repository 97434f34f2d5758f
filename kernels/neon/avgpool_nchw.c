/*
 * Average pooling, channels-first (NCW/NCHW/NCDHW), neon: the planar average
 * template (kernels/avx2/planar_avg_tmpl.h) over this ISA's vector API.
 */
#include "planar.h"

#include "nchw_kernels.h"
#include "../avx2/planar_avg_tmpl.h"
