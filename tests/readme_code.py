#!/usr/bin/env python3
"""Checks that README.md's C example is tests/readme_example.c, which the
build compiles and runs, so the README's code compiles as written."""
import re
import sys

readme, example = (open(p).read() for p in sys.argv[1:3])
blocks = re.findall(r"```c\n(.*?)```", readme, re.S)
if example not in blocks:
    print("README.md has no ```c block equal to tests/readme_example.c", file=sys.stderr)
    sys.exit(1)
print("README.md's C example is tests/readme_example.c")
