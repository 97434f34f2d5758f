/*
 * The simdpool command: `simdpool info` reports what the dispatcher sees,
 * `simdpool run` runs and checks one problem, `simdpool bench` times a suite.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "simdpool.h"

static void print_isa_set(const char *label, unsigned isas)
{
    printf("%-18s", label);
    for (int i = 0; i < SIMDPOOL_ISA_COUNT; i++)
        if (isas & (1u << i)) printf(" %s", simdpool_isa_name((simdpool_isa)i));
    printf("\n");
}

static int cmd_info(void)
{
    printf("simdpool %d.%d.%d\n", SIMDPOOL_VERSION_MAJOR, SIMDPOOL_VERSION_MINOR,
           SIMDPOOL_VERSION_PATCH);
    const char *features = simdpool_cpu_features();
    printf("%-18s %s\n", "CPU features:", *features ? features : "(none relevant)");
    print_isa_set("ISAs compiled in:", simdpool_isas_compiled());
    print_isa_set("ISAs runnable:", simdpool_isas_runnable());
    simdpool_isa isa;
    simdpool_status status = simdpool_get_isa(&isa);
    if (status != SIMDPOOL_OK) {
        printf("%-18s none: %s\n", "ISA chosen:", simdpool_status_message(status));
        fprintf(stderr, "simdpool: %s\n", simdpool_status_message(status));
        return 2;
    }
    printf("%-18s %s\n", "ISA chosen:", simdpool_isa_name(isa));
    return 0;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: simdpool info                 CPU features, ISAs compiled in and runnable\n"
                "       simdpool run [options]       run, verify and time one problem\n"
                "       simdpool bench [options]     time the default suite or a problem file\n"
                "       simdpool COMMAND --help      the command's options\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        fprintf(stderr, "simdpool: missing command (info, run or bench)\n");
        return 2;
    }
    if (strcmp(argv[1], "info") == 0) return cmd_info();
    if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(argv[1], "bench") == 0) return cmd_bench(argc - 2, argv + 2, argv[0]);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "simdpool: unknown command '%s' (info, run or bench; see simdpool --help)\n",
            argv[1]);
    return 2;
}
