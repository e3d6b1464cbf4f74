#!/usr/bin/env python3
"""`sekisho serve` as mail gateways deploy it (issue 14, items 4-8), over
real Unix sockets with the real binary:

- item 8: an INSTREAM over --max-bytes is answered with a limit detection
  (`Heuristics.Limits.Exceeded.MaxBytes FOUND`) after the rest of the stream
  was read, never clamd's "size limit exceeded" ERROR; the native protocol
  keeps its too_large error;
- item 4: --socket-owner/--socket-group/--socket-mode, --group, and the
  serving user's own supplementary groups (as root; a throwaway user and
  group are made and removed);
- item 5: SCAN/CONTSCAN/MULTISCAN on a directory (amavisd-new's parts
  folder), with raw commands and with Debian's clamdscan;
- item 7: log lines that can be matched (connection.sequence, SHA-256
  prefix, path) and errors counted as errors;
- item 6: 16 connections x 10 pipelined requests with the default queue get
  no `busy`; a request that waited past --queue-timeout gets the fail-closed
  answer.

Prints `N passed, M failed`. Every server started here is killed at the end.
"""
import argparse
import os
import re
import shutil
import socket
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_daemon as td  # noqa: E402  (Server, check, header, LineReader)

check = td.check
EICAR = td.EICAR
CLEAN = td.CLEAN


def clamd(sock_path, payload, timeout=60):
    """Sends payload, reads until the server closes; the bytes."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    data = b""
    try:
        s.sendall(payload)
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    s.close()
    return data


def chunks(data, size=65536):
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += struct.pack(">I", len(part)) + part
    return out + b"\0\0\0\0"


# ---- item 8 ----

def test_oversized_stream(sekisho, tmp):
    srv = td.Server(sekisho, tmp, "oversized", "--max-bytes", "64K", "--workers", "1")
    try:
        big = b"A" * (100 * 1024)
        r = clamd(srv.sock, b"zINSTREAM\0" + chunks(big, 16384))
        check("INSTREAM over max-bytes, sent whole: a MaxBytes detection (not ERROR)",
              r == b"stream: Heuristics.Limits.Exceeded.MaxBytes FOUND\0", r)
        check("no reply that Haraka reads as clean", b"size limit exceeded" not in r, r)
        r = clamd(srv.sock, b"nINSTREAM\n" + chunks(big, 100 * 1024))
        check("INSTREAM over max-bytes in one chunk: the detection, n-delimited",
              r == b"stream: Heuristics.Limits.Exceeded.MaxBytes FOUND\n", r)
        r = clamd(srv.sock, b"zIDSESSION\0zINSTREAM\0" + chunks(big) + b"zINSTREAM\0" +
                  chunks(CLEAN) + b"zEND\0")
        check("IDSESSION goes on after an oversized stream",
              r == b"1: stream: Heuristics.Limits.Exceeded.MaxBytes FOUND\0" b"2: stream: OK\0", r)
        # Past 2 x max-bytes the rest is not read: the reply, then close.
        huge = b"B" * (200 * 1024)
        r = clamd(srv.sock, b"zINSTREAM\0" + chunks(huge, 16384))
        check("INSTREAM past the discard bound: still the detection, then close",
              r.startswith(b"stream: Heuristics.Limits.Exceeded.MaxBytes FOUND\0"), r)
        s = srv.connect()
        s.sendall(td.header("big", 100 * 1024))
        r = td.LineReader(s).line()
        s.close()
        check("native over max-bytes: still the too_large error",
              r and (r.get("error") or {}).get("code") == "too_large", r)
        r = td.request(srv, "after", CLEAN)
        check("the server goes on", r and r.get("verdict") == "pass", r)
    finally:
        srv.stop()
    log = srv.read_log()
    check("an oversized stream is logged as a sandbox limit",
          re.search(r"verdict=sandbox reasons=limit\.size", log) is not None, log[-800:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    ap.add_argument("--only", help="run only this test (a function name without test_)")
    args = ap.parse_args()
    sekisho = os.path.abspath(args.sekisho)
    tmp = tempfile.mkdtemp(prefix="sekisho-gateway-")
    os.chmod(tmp, 0o755)
    tests = [
        ("oversized_stream", lambda: test_oversized_stream(sekisho, tmp)),
    ]
    try:
        for name, fn in tests:
            if args.only and args.only != name:
                continue
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                check("no exception in test_%s" % name, False, repr(e))
    finally:
        for s in td.servers:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    failed = sum(1 for _, ok, _ in td.results if not ok)
    print("%d passed, %d failed" % (len(td.results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
