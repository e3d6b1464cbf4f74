#!/usr/bin/env python3
"""7z password-trial cost (issue 19): what one wrong candidate costs on a
7zAES archive, where every candidate needs its own key derivation (SHA-256
over 2^19 rounds of salt, UTF-16LE password and counter; 7zAES has no check
value to stop earlier).

Builds, in a temporary folder, two 7z archives with 7zz (or p7zip's 7z): the
files encrypted (-mhe=off) and the header encrypted too (-mhe=on). Scans each
with the right password alone and after N wrong ones, and reports the
difference per wrong candidate (the median of --runs). With --json, the
figures as JSON.

usage: bench/sevenz_trial.py [--sekisho build/sekisho] [--candidates 20] [--runs 3] [--json]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RIGHT = "Tr1al-Right"


def make(tmp, name, switches):
    member = os.path.join(tmp, "report.txt")
    with open(member, "w") as f:
        f.write("quarterly figures\n" * 2000)
    out = os.path.join(tmp, name)
    tool = shutil.which("7zz") or shutil.which("7z")
    subprocess.run([tool, "a", "-bd", "-y", f"-p{RIGHT}", *switches, out, member],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def timed_scan(sekisho, path, wrong):
    args = sum((["--password", f"wrong-{i}"] for i in range(wrong)), []) + ["--password", RIGHT]
    start = time.monotonic()
    out = subprocess.run([sekisho, "scan", *args, path], capture_output=True, check=False)
    took = time.monotonic() - start
    report = json.loads(out.stdout.decode().splitlines()[0])
    if (report["tree"].get("password") or {}).get("value") != RIGHT:
        sys.exit(f"{path}: not opened by the right password")
    return took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", default="build/sekisho")
    ap.add_argument("--candidates", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, switches in (("files.7z", ["-mhe=off"]), ("header.7z", ["-mhe=on"])):
            path = make(tmp, name, switches)
            base = statistics.median(timed_scan(args.sekisho, path, 0) for _ in range(args.runs))
            many = statistics.median(timed_scan(args.sekisho, path, args.candidates)
                                     for _ in range(args.runs))
            figures[name] = {"right_alone_ms": round(base * 1000, 1),
                             "per_wrong_candidate_ms": round((many - base) * 1000 / args.candidates, 1)}
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{'archive':<12} {'right alone':>12} {'per wrong candidate':>20}")
    for name, f in figures.items():
        print(f"{name:<12} {f['right_alone_ms']:>10.1f} ms {f['per_wrong_candidate_ms']:>17.1f} ms")


if __name__ == "__main__":
    main()
