#!/usr/bin/env python3
"""The folder layering of ARCHITECTURE.md that a compiler does not check:
daemon/ includes nothing from cli/ (cli -> daemon is fine, not back), and
common/ is a leaf (libc, and engine/limits.h). Exits 1 naming each breach."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def includes(path):
    return INCLUDE.findall(path.read_text(errors="replace"))


def main():
    bad = []
    for f in sorted((ROOT / "daemon").glob("*.[ch]")):
        for inc in includes(f):
            if "cli/" in inc:
                bad.append(f"{f.relative_to(ROOT)} includes {inc}: daemon/ must not depend on cli/")
    for f in sorted((ROOT / "common").glob("*.[ch]")):
        for inc in includes(f):
            if "/" in inc and inc != "../engine/limits.h":
                bad.append(f"{f.relative_to(ROOT)} includes {inc}: common/ is a leaf")
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
