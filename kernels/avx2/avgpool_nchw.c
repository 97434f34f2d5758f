/*
 * Average pooling, channels-first (NCW/NCHW/NCDHW), avx2: the planar average
 * template (kernels/common/planar_avg_tmpl.h) over this ISA's vector API.
 */
#include "planar.h"

#include "../common/nchw_kernels.h"
#include "../common/planar_avg_tmpl.h"
