#include "guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

guarded guard_alloc(size_t bytes, guard_side side)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_pages = (bytes + page - 1) / page;
    size_t map_bytes = (data_pages + 2) * page;
    unsigned char *map = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                              -1, 0);
    if (map == MAP_FAILED) {
        perror("guard_alloc: mmap");
        abort();
    }
    if (mprotect(map, page, PROT_NONE) != 0 ||
        mprotect(map + (data_pages + 1) * page, page, PROT_NONE) != 0) {
        perror("guard_alloc: mprotect");
        abort();
    }
    unsigned char *data = side == GUARD_BEFORE ? map + page : map + (data_pages + 1) * page - bytes;
    return (guarded){data, map, map_bytes};
}

void guard_free(guarded *g)
{
    if (g->map) munmap(g->map, g->map_bytes);
    *g = (guarded){0};
}
