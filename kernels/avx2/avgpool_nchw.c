/*
 * Average pooling, channels-first (NCW/NCHW/NCDHW), avx2: the planar average
 * template (kernels/avx2/planar_avg_tmpl.h) over this ISA's vector API.
 */
#include "planar.h"

#include "planar_avg_tmpl.h"
