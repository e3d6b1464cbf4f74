#!/usr/bin/env python3
"""Builds seed corpora for the fuzz targets (tests/fuzz/README.md).

  seed.py --sekisho build/sekisho OUT

writes
  OUT/own/content/      seeds for every content target (scan, the unpackers,
                        passwords) from the project's own fixture writers:
                        every input tests/cases/*/*.sh makes, plus every node
                        `sekisho scan --extract` pulls out of them (so the OLE2
                        target gets vbaProject.bin, the BIFF target the
                        Workbook stream, the OOXML target the package's parts)
  OUT/own/native/, OUT/own/clamd/, OUT/own/milter/   hand-made protocol
                        streams
  OUT/third/content/    the same from ../shared/corpus/ when it exists (read
                        at fuzz time only: never commit these, nor inputs the
                        fuzzer derived from them without checking)
  OUT/<target>.dict     (symlinks to) the dictionaries in tests/fuzz/dict/

A content target takes every content file: its harness skips what its
unpacker does not take, and `-merge=1` keeps only what adds coverage. Inputs
over --max-size are left out.
"""
import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
# The cases' $EICAR file holds this stand-in of the same length instead of the
# test string, so that no saved input is one an on-access scanner quarantines.
EICAR = b"SEKISHO-FUZZ-SEED: a 68-byte stand-in for the EICAR test string....\n"
assert len(EICAR) == 68


def save(folder, data, max_size):
    """Stores data under its SHA-1 (libFuzzer's own naming), once."""
    if not data or len(data) > max_size:
        return
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def case_inputs(work):
    """Runs every fixture script of tests/cases; yields the inputs made."""
    eicar = os.path.join(work, "eicar.com")
    with open(eicar, "wb") as f:
        f.write(EICAR)
    for group in sorted(os.listdir(os.path.join(TESTS, "cases"))):
        folder = os.path.join(TESTS, "cases", group)
        for script in sorted(n for n in os.listdir(folder) if n.endswith(".sh")):
            case = tempfile.mkdtemp(dir=work)
            out = os.path.join(case, "input.bin")
            env = dict(os.environ, OUT=out, EICAR=eicar, PY=sys.executable,
                       FIXTURES=os.path.join(TESTS, "fixtures"),
                       MKARCHIVE=f"{sys.executable} {os.path.join(TESTS, 'fixtures', 'mkarchive.py')}")
            made = subprocess.run(["bash", "-eu", os.path.join(folder, script)], cwd=case,
                                  env=env, capture_output=True, timeout=120)
            if made.returncode == 0 and os.path.isfile(out):
                yield out


def corpus_inputs(corpus):
    for dirpath, _, names in os.walk(corpus):
        for name in sorted(names):
            if name.startswith(("LICENSE", "NOTICE", "README", "SHA256SUMS")):
                continue
            yield os.path.join(dirpath, name)


def with_extracted(sekisho, path, work, max_size):
    """The file and every node sekisho extracts from it."""
    yield open(path, "rb").read(max_size + 1)
    dest = tempfile.mkdtemp(dir=work)
    subprocess.run([sekisho, "scan", "--jobs", "1", "--timeout", "5", "--extract", dest, path],
                   capture_output=True, timeout=60)
    for dirpath, _, names in os.walk(dest):
        for name in names:
            yield open(os.path.join(dirpath, name), "rb").read(max_size + 1)
    shutil.rmtree(dest, ignore_errors=True)


def native_streams():
    """Native-protocol request streams (DESIGN.md: a JSON header line, then
    `size` bytes)."""
    yield b'{"type":"file","id":"a","size":5,"filename":"x.txt"}\nhello'
    yield b'{"type":"message","id":"m","size":0,"passwords":["pw","x"],"body":"PW: 1"}\n'
    yield b'{"type":"stats","id":"s"}\n{"type":"file","size":3}\nabc'
    yield b'{"type":"file","size":99999999999}\n'
    yield b'{"type":"file","id":1,"size":1}\nx{"type":"x"}\n'


def clamd_streams():
    """clamd command streams: n- and z-delimited commands, INSTREAM chunks."""
    def chunks(*parts):
        return b"".join(struct.pack(">I", len(p)) + p for p in parts) + b"\0\0\0\0"
    yield b"zPING\0"
    yield b"nVERSION\n"
    yield b"zINSTREAM\0" + chunks(b"hello ", b"world")
    yield b"nIDSESSION\nnINSTREAM\n" + chunks(EICAR[:10]) + b"nPING\nnEND\n"
    yield b"SCAN /tmp/x\r\n"
    yield b"zFILDES\0\0"
    yield b"zINSTREAM\0\xff\xff\xff\xff"


def milter_streams():
    """MTA streams of the milter protocol: negotiation, a message command
    by command, abort, a second session (QUIT_NC), quit."""
    def frame(cmd, data=b""):
        return struct.pack(">I", len(data) + 1) + cmd + data
    neg = frame(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
    msg = (frame(b"C", b"mx.example\x004\x00\x19127.0.0.1\x00") + frame(b"H", b"mx\x00") +
           frame(b"D", b"Mi\x00Q1\x00") + frame(b"M", b"<a@b.jp>\x00SIZE=9\x00") +
           frame(b"R", b"<c@d.jp>\x00") + frame(b"T") +
           frame(b"L", b"Subject\x00hi\n\tthere\x00") +
           frame(b"L", b"X-Sekisho-Verdict\x00pass\x00") + frame(b"N") +
           frame(b"B", b"body\r\n" * 20) + frame(b"E", b"end\r\n"))
    yield neg + msg + frame(b"Q")
    yield neg + msg + frame(b"A") + frame(b"K") + neg + msg
    yield neg + frame(b"B", b"x" * 5000) + frame(b"E")
    yield neg + frame(b"L", b"no-value")
    yield struct.pack(">I", 1 << 30) + b"B"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--max-size", type=int, default=1 << 20)
    ap.add_argument("out")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="sekisho-seed-")
    try:
        sources = [("own", list(case_inputs(work)))]
        if os.path.isdir(args.corpus):
            sources.append(("third", list(corpus_inputs(args.corpus))))
        for origin, paths in sources:
            for path in paths:
                for data in with_extracted(args.sekisho, path, work, args.max_size):
                    save(os.path.join(args.out, origin, "content"), data, args.max_size)
        for target, streams in (("native", native_streams()), ("clamd", clamd_streams()),
                                ("milter", milter_streams())):
            for data in streams:
                # fuzz_proto.c's framing: how many read sizes, the sizes, the
                # stream: once in one read, once in reads of 1, 3 and 16 bytes.
                for reads in (b"\x00", b"\x03\x00\x02\x0f"):
                    save(os.path.join(args.out, "own", target), reads + data, args.max_size)
        for name in os.listdir(os.path.join(HERE, "dict")):
            link = os.path.join(args.out, name)
            if not os.path.exists(link):
                os.symlink(os.path.join(HERE, "dict", name), link)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for origin in ("own", "third"):
        folder = os.path.join(args.out, origin)
        if os.path.isdir(folder):
            counts = {t: len(os.listdir(os.path.join(folder, t))) for t in sorted(os.listdir(folder))}
            print(origin, counts)


if __name__ == "__main__":
    main()
