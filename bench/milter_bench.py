#!/usr/bin/env python3
"""The milter path's throughput next to the native protocol's (issue 21).

Starts `sekisho serve --milter`, then sends the same messages (those of
tests/gateways/messages.py, cycled) through C concurrent connections twice:
as an MTA does over the milter protocol (one session per connection:
negotiation once, then per message MAIL, RCPT, one frame per header, end of
headers, 64 KiB body chunks, end of body, each answered before the next,
as Postfix waits), and as native requests (one JSON header line and the
bytes, one reply line). Both clients are this Python program, so the
difference is the protocol's and the server's, not the client's. Prints
messages/s for each and checks every answer (a failed or missing one exits
1).

usage: bench/milter_bench.py --sekisho build/sekisho [--messages N] [--connections C]
       [--workers W] [--json]
"""
import argparse
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "gateways"))
import messages  # noqa: E402


def frame(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def read_frame(s):
    n = struct.unpack(">I", recv_exact(s, 4))[0]
    data = recv_exact(s, n)
    return data[:1], data[1:]


def split(raw):
    raw = raw.replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    headers = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1] = (headers[-1][0], headers[-1][1] + b"\n" + line)
        else:
            name, _, value = line.partition(b":")
            headers.append((name, value.lstrip(b" ")))
    return headers, body.replace(b"\n", b"\r\n")


def milter_message(s, msg):
    """One message over an open milter session: the final reply's command."""
    headers, body = msg
    s.sendall(frame(b"M", b"<sato@example.co.jp>\0"))
    read_frame(s)
    s.sendall(frame(b"R", b"<root@localhost>\0"))
    read_frame(s)
    for name, value in headers:
        s.sendall(frame(b"L", name + b"\0" + value + b"\0"))
        read_frame(s)
    s.sendall(frame(b"N"))
    read_frame(s)
    for off in range(0, len(body), 65536):
        s.sendall(frame(b"B", body[off:off + 65536]))
        read_frame(s)
    s.sendall(frame(b"E"))
    while True:
        cmd, _ = read_frame(s)
        if cmd in (b"c", b"a", b"y", b"t", b"r"):
            return cmd


def milter_worker(path, msgs, indexes, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(frame(b"O", struct.pack(">III", 6, 0x1FF, 0)))
    read_frame(s)
    for i in indexes:
        out.append(milter_message(s, msgs[i % len(msgs)][1]))
    s.sendall(frame(b"Q"))
    s.close()


def native_worker(path, msgs, indexes, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    f = s.makefile("rb")
    for i in indexes:
        raw = msgs[i % len(msgs)][0]
        head = json.dumps({"type": "message", "id": str(i), "size": len(raw)}).encode()
        s.sendall(head + b"\n" + raw)
        out.append(json.loads(f.readline()).get("verdict"))
    s.close()


def run(worker, path, msgs, n, conns):
    outs = [[] for _ in range(conns)]
    threads = [threading.Thread(target=worker, args=(path, msgs, range(c, n, conns), outs[c]))
               for c in range(conns)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    return [r for o in outs for r in o], elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    ap.add_argument("--messages", type=int, default=700)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sekisho-milter-bench-")
    proc = None
    try:
        paths = messages.make(os.path.join(tmp, "msgs"))
        names = [n for n, _, _ in messages.MESSAGES if n not in ("limit-depth", "sekisho-stopped")]
        msgs = []
        for name in names:
            with open(paths[name], "rb") as f:
                raw = f.read().replace(b"\n", b"\r\n")
            msgs.append((raw, split(raw)))
        sock, milter = os.path.join(tmp, "s.sock"), os.path.join(tmp, "m.sock")
        log = open(os.path.join(tmp, "serve.log"), "wb")
        proc = subprocess.Popen([args.sekisho, "serve", "--socket", sock, "--milter", "unix:" + milter,
                                 "--workers", str(args.workers)], stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.time() + 30
        while not (os.path.exists(milter) and os.path.exists(sock)) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the scanners say ready
        run(native_worker, sock, msgs, len(msgs) * 2, 2)  # warm-up
        res = {}
        for name, worker, path in (("native", native_worker, sock), ("milter", milter_worker, milter)):
            got, elapsed = run(worker, path, msgs, args.messages, args.connections)
            res[name] = {"messages": len(got), "seconds": round(elapsed, 3),
                         "per_second": round(len(got) / elapsed, 1), "answers": got}
        ok = all(len(r["answers"]) == args.messages for r in res.values())
        # The same messages get the same outcome both ways: block <-> 'y'
        # (550 reply), sandbox <-> 'c' after a quarantine, pass <-> 'c'.
        blocks_native = sum(1 for v in res["native"]["answers"] if v == "block")
        blocks_milter = sum(1 for v in res["milter"]["answers"] if v == b"y")
        ok = ok and blocks_native == blocks_milter and blocks_native > 0
        for r in res.values():
            del r["answers"]
        res["connections"], res["workers"] = args.connections, args.workers
        if args.json:
            print(json.dumps(res))
        else:
            for name in ("native", "milter"):
                r = res[name]
                print("%-7s %5d messages in %6.2f s: %7.1f messages/s" % (
                    name, r["messages"], r["seconds"], r["per_second"]))
            print("milter / native: %.2f (%d connections, %d workers); blocks %d / %d" % (
                res["milter"]["per_second"] / res["native"]["per_second"], args.connections,
                args.workers, blocks_milter, blocks_native))
        return 0 if ok else 1
    finally:
        if proc:
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
