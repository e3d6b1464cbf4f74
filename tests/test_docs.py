#!/usr/bin/env python3
"""README.md must document every reason code that `sekisho reasons` lists,
with its default verdict, so operators can write policies from the README."""
import argparse
import re
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--sekisho", required=True)
ap.add_argument("--readme", required=True)
args = ap.parse_args()
readme = open(args.readme, encoding="utf-8").read()
out = subprocess.run([args.sekisho, "reasons"], capture_output=True, text=True, check=True).stdout
passed = failed = 0
for line in out.splitlines():
    code, verdict = line.split()[:2]
    row = re.search(r"^\|\s*`" + re.escape(code) + r"`\s*\|\s*" + verdict + r"\s*\|", readme, re.M)
    if row:
        passed += 1
    else:
        failed += 1
        print(f"FAIL README.md has no row | `{code}` | {verdict} |")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
