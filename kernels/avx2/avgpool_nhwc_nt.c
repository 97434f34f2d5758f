/* avgpool_nhwc.c again, storing its outputs non-temporally (see vec.h). */
#define SPV_STREAM_STORES 1
#include "avgpool_nhwc.c"
