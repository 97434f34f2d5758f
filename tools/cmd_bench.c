#include <stdio.h>
#include "commands.h"
int cmd_bench(int argc, char **argv, const char *argv0) { (void)argc; (void)argv; (void)argv0; fprintf(stderr, "simdpool bench: not yet\n"); return 2; }
