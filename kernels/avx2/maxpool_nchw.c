/*
 * Max pooling, channels-first (NCW/NCHW/NCDHW), avx2: the planar max
 * template (kernels/common/planar_max_tmpl.h) over this ISA's vector API.
 */
#include "planar.h"

#include "../common/nchw_kernels.h"
#include "../common/planar_max_tmpl.h"
