/* avgpool_nchw.c again, storing its outputs non-temporally (see planar.h). */
#define SPV_STREAM_STORES 1
#include "avgpool_nchw.c"
