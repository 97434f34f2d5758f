/*
 * Guard-page buffers: each buffer touches a PROT_NONE page at one end, so a
 * kernel that reads or writes a single element outside it faults at once.
 */
#ifndef SIMDPOOL_TEST_GUARD_H
#define SIMDPOOL_TEST_GUARD_H

#include <stddef.h>

typedef enum guard_side {
    GUARD_AFTER,  /* the buffer ends right at a protected page (its start is unaligned) */
    GUARD_BEFORE  /* the buffer starts right after a protected page */
} guard_side;

typedef struct guarded {
    void *ptr;
    void *map;
    size_t map_bytes;
} guarded;

/* A buffer of `bytes` (> 0) with a protected page on `side` (and one on the
 * other side, a few bytes further away); aborts on failure. */
guarded guard_alloc(size_t bytes, guard_side side);
void guard_free(guarded *g);

#endif
