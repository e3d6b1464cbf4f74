#!/usr/bin/env python3
"""The NTFS reader (unpackers/ntfs.c) against ntfs-3g's own reading.

Builds a volume with tests/fixtures/mkntfs_fixture.sh (nested directories, a
compressed directory, a name outside ASCII, a sparse-ish file of zeros, a
fragmented file among many small ones) and adds an alternate data stream
with ntfscp -N; then lists it twice: with `ntfsls -R -F` and `ntfscat` (the
reference), and with `sekisho scan` (the tree's children, their names and
sha256). Every file ntfs-3g lists must be a child with the same bytes, and
no child may be missing from ntfs-3g's list. Exits 0 when they agree, 1
otherwise; 77 (skipped) when the ntfs-3g tools or the FUSE mount are not
there. Usage: test_ntfs_crosscheck.py --sekisho BIN
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "mkntfs_fixture.sh")


def make_tree(src):
    rng = random.Random(18)
    files = {
        "readme.txt": b"read me\n",
        "Projects/2026/plan.txt": b"the plan\n" * 300,
        "Projects/2026/data.bin": bytes(rng.getrandbits(8) for _ in range(70000)),
        "Projects/r\u00e9sum\u00e9 \u65e5\u672c.txt": b"names outside ASCII\n",
        "Backup.compressed/log.txt": b"compress me please " * 9000,
        "Backup.compressed/noise.bin": bytes(rng.getrandbits(8) for _ in range(90000)),
        "zeros.bin": b"\0" * 300000,
    }
    for i in range(30):
        files["many/f%02d.dat" % i] = bytes([i]) * (5000 + 997 * i)
    for name, data in files.items():
        path = os.path.join(src, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def ntfs3g_files(img):
    """{path: sha256} of every regular file, as ntfsls and ntfscat see it."""
    out = subprocess.run(["ntfsls", "-R", "-F", img], capture_output=True, text=True,
                         check=True).stdout
    found, folder = {}, ""
    for line in out.splitlines():
        if line.endswith(":") and line.startswith("/"):
            folder = line[1:-1].strip("/")
            continue
        if not line or line.endswith("/") or line in (".", ".."):
            continue
        path = folder + "/" + line if folder else line
        data = subprocess.run(["ntfscat", img, "/" + path], capture_output=True,
                              check=True).stdout
        found[path] = hashlib.sha256(data).hexdigest()
    return found


def sekisho_files(sekisho, img):
    out = subprocess.run([sekisho, "scan", img], capture_output=True, text=True).stdout
    tree = json.loads(out.splitlines()[0])["tree"]
    return {c["name"]: c.get("sha256") for c in tree.get("children", [])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    args = ap.parse_args()
    if not all(shutil.which(t) for t in ("mkntfs", "ntfs-3g", "ntfsls", "ntfscat", "ntfscp")):
        print("SKIPPED: the ntfs-3g tools are not installed")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        src, img = os.path.join(tmp, "src"), os.path.join(tmp, "vol.img")
        make_tree(src)
        made = subprocess.run(["sh", FIXTURE, img, "8", "tree", src], capture_output=True,
                              text=True)
        if made.returncode != 0:
            print("SKIPPED: no NTFS volume from ntfs-3g (a FUSE mount?): " + made.stderr)
            return 77
        stream = os.path.join(tmp, "stream.txt")
        with open(stream, "wb") as f:
            f.write(b"hidden in a stream\n")
        subprocess.run(["ntfscp", "-f", "-N", "Hidden", img, stream, "readme.txt"],
                       capture_output=True, check=True)
        want = ntfs3g_files(img)
        want["readme.txt:Hidden"] = hashlib.sha256(b"hidden in a stream\n").hexdigest()
        got = sekisho_files(args.sekisho, img)
    failed = 0
    for path in sorted(set(want) | set(got)):
        if want.get(path) != got.get(path):
            failed += 1
            print("FAIL %s: ntfs-3g %s, sekisho %s" % (path, want.get(path), got.get(path)))
    print("%d files compared" % len(want))
    print("%d passed, %d failed" % (len(want) - failed, failed))
    return 1 if failed or len(want) < 38 else 0


if __name__ == "__main__":
    sys.exit(main())
