#!/usr/bin/env python3
"""The layering of ARCHITECTURE.md that a compiler does not check:
engine/ includes nothing from unpackers/ (the engine declares the unpacker
contract, engine/unpacker.h, and is handed the table); cli/ and daemon/
include only unpackers/registry.h of the unpackers (to hand the engine its
table); daemon/ includes nothing from cli/ (cli -> daemon is fine, not back);
common/ is a leaf (libc, and engine/limits.h); inside daemon/, the
connection code does not include server.h (it reaches the server through
sched.h), and reply.c and run.c (which another process may run) include
neither server.h nor conn headers. Exits 1 naming each breach."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def includes(path):
    return INCLUDE.findall(path.read_text(errors="replace"))


def main():
    bad = []
    for f in sorted((ROOT / "engine").glob("*.[ch]")):
        for inc in includes(f):
            if "unpackers/" in inc:
                bad.append(f"{f.relative_to(ROOT)} includes {inc}: engine/ must not depend on unpackers/")
    for folder in ("cli", "daemon"):
        for f in sorted((ROOT / folder).glob("*.[ch]")):
            for inc in includes(f):
                if "unpackers/" in inc and inc != "../unpackers/registry.h":
                    bad.append(f"{f.relative_to(ROOT)} includes {inc}: only unpackers/registry.h")
    for f in sorted((ROOT / "daemon").glob("*.[ch]")):
        for inc in includes(f):
            if "cli/" in inc:
                bad.append(f"{f.relative_to(ROOT)} includes {inc}: daemon/ must not depend on cli/")
    for f in sorted((ROOT / "common").glob("*.[ch]")):
        for inc in includes(f):
            if "/" in inc and inc != "../engine/limits.h":
                bad.append(f"{f.relative_to(ROOT)} includes {inc}: common/ is a leaf")
    rules = {
        "conn*.[ch]": ("server.h",),
        "reply.[ch]": ("server.h", "conn.h", "conn_int.h", "sched.h", "dreq.h"),
        "run.[ch]": ("server.h", "conn.h", "conn_int.h", "sched.h"),
    }
    for pattern, banned in rules.items():
        for f in sorted((ROOT / "daemon").glob(pattern)):
            for inc in includes(f):
                if inc in banned:
                    bad.append(f"{f.relative_to(ROOT)} includes {inc}")
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
