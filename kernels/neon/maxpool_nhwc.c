/* Channels-last max pooling for neon: the shared template over this ISA's vec.h. */
#include "vec.h"

#include "../common/nhwc_kernels.h"
#include "../common/maxpool_nhwc.h"
