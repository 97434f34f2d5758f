/* Channels-last average pooling for neon: the shared template over this ISA's vec.h. */
#include "vec.h"

#include "../common/nhwc_kernels.h"
#include "../common/avgpool_nhwc.h"
