/* The tools' error convention: a parser writes a one-line reason into the
 * caller's buffer and returns -1. */
#ifndef SP_TOOL_FAIL_H
#define SP_TOOL_FAIL_H

#include <stddef.h>

int tool_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
