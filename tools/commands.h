/* The driver's commands; each returns the process exit status
 * (0 success, 1 verification failed, 2 bad command line or problem). */
#ifndef SP_TOOL_COMMANDS_H
#define SP_TOOL_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv, const char *argv0);

#endif
