#!/usr/bin/env python3
"""`sekisho serve --milter` (issue 21) driven by Debian's miltertest (its
scripts are Lua, written here per message): each verdict's action (pass
accepted with the headers, block 550 5.7.1, sandbox quarantined with the
headers, the Emotet-style reply with its password in the body blocked),
forged X-Sekisho-* headers removed, an oversized message (the error action,
451 4.7.1), --milter-action overrides, a client that disconnects mid-body,
frames that break the protocol, the envelope and queue id in the log, and
Sekisho stopped (nothing listens: the MTA's milter_default_action is left
to act). Prints `N passed, M failed`; SKIPPED (77) without miltertest."""
import argparse
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "gateways"))
import messages  # noqa: E402  (tests/gateways: the gateways' messages)

results = []
servers = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  " + str(detail)[:800]),
          flush=True)


class Server:
    def __init__(self, sekisho, tmp, name, *args, milter=None):
        self.sock = os.path.join(tmp, name + ".sock")
        self.milter = os.path.join(tmp, name + ".milter")
        self.log_path = os.path.join(tmp, name + ".log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sekisho, "serve", "--socket", self.sock, "--milter", milter or "unix:" + self.milter,
             "--workers", "1", *args], stdout=subprocess.DEVNULL, stderr=self.log)
        servers.append(self)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.read_log())
            if "ready:" in self.read_log() and (milter or os.path.exists(self.milter)):
                return
            time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.read_log())

    def read_log(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        """SIGTERM; the server must exit 0 (a sanitizer report or a crash
        fails a check)."""
        if self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        check("server %s exits 0 after SIGTERM" % os.path.basename(self.sock),
              self.proc.returncode == 0, (self.proc.returncode, self.read_log()[-1500:]))


def lua_string(data):
    """A Lua string literal of any bytes (decimal escapes)."""
    out = []
    for b in data:
        ch = chr(b)
        plain = b < 128 and (ch.isalnum() or ch in " .,:;-_/<>@=+()[]")
        out.append(ch if plain else "\\%03d" % b)  # three digits: Lua reads up to three
    return '"' + "".join(out) + '"'


def split_message(raw):
    """Headers (name, value: folded lines joined by LF, as Postfix hands
    them) and the body with CRLF line ends."""
    raw = raw.replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    headers = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + b"\n" + line)
        else:
            name, _, value = line.partition(b":")
            headers.append((name, value.lstrip(b" ")))
    return headers, body.replace(b"\n", b"\r\n")


def script(milter, raw, checks, extra_headers=(), disconnect_after_chunk=False,
           queue_id="QID42", sender="<Sato@Example.co.jp>", rcpts=("<root@localhost>",)):
    """A miltertest script that sends one message and runs the Lua checks
    (each an expression that must be true) on what came back at EOM."""
    headers, body = split_message(raw)
    lines = ['mt.echo("before-connect")',
             'conn = mt.connect("unix:%s", 20, 0.1)' % milter,
             'if conn == nil then error("connect failed") end',
             'mt.echo("after-connect")',
             'mt.set_timeout(60)',
             'assert(mt.conninfo(conn, "localhost", "127.0.0.1") == nil)',
             'mt.macro(conn, SMFIC_MAIL, "i", "%s")' % queue_id,
             'assert(mt.mailfrom(conn, %s) == nil)' % lua_string(sender.encode())]
    for r in rcpts:
        lines.append('assert(mt.rcptto(conn, %s) == nil)' % lua_string(r.encode()))
    for name, value in list(extra_headers) + headers:
        lines.append("assert(mt.header(conn, %s, %s) == nil)" % (lua_string(name), lua_string(value)))
        lines.append('assert(mt.getreply(conn) == SMFIR_CONTINUE, "header reply")')
    lines.append("assert(mt.eoh(conn) == nil)")
    for off in range(0, max(len(body), 1), 65536):
        lines.append("assert(mt.bodystring(conn, %s) == nil)" % lua_string(body[off:off + 65536]))
        if disconnect_after_chunk:
            lines.append("mt.disconnect(conn, false)")
            lines.append('mt.echo("disconnected")')
            return "\n".join(lines) + "\n"
    lines.append("assert(mt.eom(conn) == nil)")
    for i, expr in enumerate(checks):
        lines.append('if not (%s) then error("check %d failed: %s") end' % (expr, i, expr.replace('"', "'")))
    lines.append('mt.echo("all checks passed")')
    lines.append("mt.disconnect(conn)")
    return "\n".join(lines) + "\n"


def run_script(tmp, name, text):
    path = os.path.join(tmp, name + ".lua")
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run(["miltertest", "-s", path], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def added(name, value):
    return 'mt.eom_check(conn, MT_HDRADD, "%s", "%s")' % (name, value)


REPLY = 'mt.getreply(conn) == SMFIR_REPLYCODE'
CONTINUE = 'mt.getreply(conn) == SMFIR_CONTINUE'
NO_QUARANTINE = 'not mt.eom_check(conn, MT_QUARANTINE)'
QUARANTINE = 'mt.eom_check(conn, MT_QUARANTINE)'


def smtp_reply(code, esc, text):
    return 'mt.eom_check(conn, MT_SMTPREPLY, "%s", "%s", "%s")' % (code, esc, text)


def verdict_cases(srv, tmp, msgs):
    raw = {name: open(path, "rb").read() for name, path in msgs.items()}
    cases = [
        ("clean", [CONTINUE, NO_QUARANTINE, added("X-Sekisho-Verdict", "pass"),
                   added("X-Sekisho-Reasons", "none")]),
        ("eicar-zip-zip", [REPLY, smtp_reply("550", "5.7.1", "Sekisho block: yara.match")]),
        ("emotet-reply", [REPLY, smtp_reply("550", "5.7.1", "Sekisho block: yara.match")]),
        ("macro-docm", [CONTINUE, QUARANTINE, added("X-Sekisho-Verdict", "sandbox"),
                        'string.find(mt.getheader(conn, "X-Sekisho-Reasons", 0), "macro.vba") ~= nil']),
    ]
    for name, checks in cases:
        rc, out = run_script(tmp, name, script(srv.milter, raw[name], checks))
        check("milter %s: %s" % (name, "; ".join(checks[:2])), rc == 0 and "all checks passed" in out,
              out + srv.read_log()[-1500:])
    log = srv.read_log()
    check("the log line carries the queue id and the envelope",
          re.search(r"id=QID42 verdict=block reasons=\S+ .*from=<sato@example.co.jp> "
                    r"rcpt=<root@localhost>", log), log[-2000:])
    return raw


def forged_cases(srv, tmp, raw):
    forged = [(b"X-Sekisho-Verdict", b"pass"), (b"x-sekisho-verdict", b"pass"),
              (b"X-Sekisho-Reasons", b"none")]
    checks = [QUARANTINE, added("X-Sekisho-Verdict", "sandbox"),
              'mt.eom_check(conn, MT_HDRDELETE, "X-Sekisho-Verdict")',
              'mt.eom_check(conn, MT_HDRDELETE, "X-Sekisho-Reasons")']
    rc, out = run_script(tmp, "forged", script(srv.milter, raw["macro-docm"], checks,
                                               extra_headers=forged))
    check("forged X-Sekisho-* headers are removed and ours added", rc == 0 and
          "all checks passed" in out, out)
    # The exact frames: CHGHEADER index 2 then 1 for the two Verdict headers.
    frames = raw_session(srv.milter, raw["clean"], extra_headers=forged)
    chg = [(struct.unpack(">I", d[:4])[0], d[4:]) for c, d in frames if c == b"m"]
    check("CHGHEADER removes the last index first, with an empty value",
          chg == [(2, b"X-Sekisho-Verdict\0\0"), (1, b"X-Sekisho-Verdict\0\0"),
                  (1, b"X-Sekisho-Reasons\0\0")], chg)


# ---- a milter client of our own, for what miltertest cannot send ----

def frame(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def read_frame(s):
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            return None, None
        head += chunk
    n = struct.unpack(">I", head)[0]
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None, None
        data += chunk
    return data[:1], data[1:]


def connect(path):
    """A negotiated milter session on a Unix path or a (host, port)."""
    s = socket.socket(socket.AF_INET if isinstance(path, tuple) else socket.AF_UNIX,
                      socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(path)
    s.sendall(frame(b"O", struct.pack(">III", 6, 0x1FF, 0)))
    cmd, _ = read_frame(s)
    assert cmd == b"O", cmd
    return s


def raw_session(path, raw, extra_headers=()):
    """One message; the frames of the end-of-message reply."""
    headers, body = split_message(raw)
    s = connect(path)
    s.sendall(frame(b"M", b"<a@example.org>\0"))
    read_frame(s)
    for name, value in list(extra_headers) + headers:
        s.sendall(frame(b"L", name + b"\0" + value + b"\0"))
        read_frame(s)
    s.sendall(frame(b"N"))
    read_frame(s)
    s.sendall(frame(b"B", body))
    read_frame(s)
    s.sendall(frame(b"E"))
    frames = []
    while True:
        cmd, data = read_frame(s)
        frames.append((cmd, data))
        if cmd in (b"c", b"a", b"y", b"t", b"r", None):
            break
    s.close()
    return frames


def protocol_cases(srv, tmp, raw):
    # A frame longer than the maximum: the connection is closed at once.
    s = connect(srv.milter)
    s.sendall(struct.pack(">I", 64 << 20) + b"B")
    cmd, _ = read_frame(s)
    check("a frame over the maximum closes the connection", cmd is None)
    s.close()
    # A command before negotiation: closed.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(srv.milter)
    s.sendall(frame(b"M", b"<a@b>\0"))
    cmd, _ = read_frame(s)
    check("a command before negotiation closes the connection", cmd is None)
    s.close()
    # A slow MTA holds no scanner (there is one): its message half-sent, the
    # next connection's is answered at once; the slow one's then too.
    headers, body = split_message(raw["clean"])
    slow = connect(srv.milter)
    slow.sendall(frame(b"M", b"<slow@example.org>\0"))
    read_frame(slow)
    slow.sendall(frame(b"N"))
    read_frame(slow)
    slow.sendall(frame(b"B", body[:50]))
    read_frame(slow)
    slow.sendall(struct.pack(">I", 20) + b"B" + b"half")  # a frame half-sent
    t0 = time.time()
    frames = raw_session(srv.milter, raw["eicar-zip-zip"])
    took = time.time() - t0
    slow.sendall(b"x" * 15 + frame(b"E"))
    cmd, _ = read_frame(slow)
    while cmd not in (b"c", b"y", b"t", None):
        cmd, _ = read_frame(slow)
    slow.close()
    check("a slow MTA holds no scanner (--workers 1): the next message is answered meanwhile",
          frames[-1][0] == b"y" and took < 10 and cmd == b"c", (frames[-1], took, cmd))
    # A client that disconnects mid-body, then the next message is served.
    rc, out = run_script(tmp, "disconnect", script(srv.milter, raw["clean"] * 3, [],
                                                   disconnect_after_chunk=True))
    time.sleep(0.3)
    frames = raw_session(srv.milter, raw["eicar-zip-zip"])
    check("after a client left mid-body, the server answers the next message",
          "disconnected" in out and frames[-1][0] == b"y" and srv.proc.poll() is None,
          (out, frames))


def oversize_cases(sekisho, tmp, raw):
    big = raw["clean"] + b"\n" + (b"A" * 76 + b"\n") * 4000  # ~300 KB
    srv = Server(sekisho, tmp, "small", "--max-bytes", "128K")
    rc, out = run_script(tmp, "oversize", script(
        srv.milter, big, [REPLY, smtp_reply("451", "4.7.1", "Sekisho sandbox: limit.size")]))
    check("over --max-bytes: tempfail 451 4.7.1 (the error action)",
          rc == 0 and "all checks passed" in out, out + srv.read_log()[-800:])
    rc, out = run_script(tmp, "small-clean", script(
        srv.milter, raw["clean"], [CONTINUE, added("X-Sekisho-Verdict", "pass")]))
    check("the same connection limits let a small message through",
          rc == 0 and "all checks passed" in out, out)
    srv.stop()
    srv = Server(sekisho, tmp, "actions", "--max-bytes", "128K",
                 "--milter-action", "error=accept", "--milter-action", "block=quarantine")
    rc, out = run_script(tmp, "oversize-accept", script(
        srv.milter, big, [CONTINUE, NO_QUARANTINE, added("X-Sekisho-Verdict", "sandbox"),
                          added("X-Sekisho-Reasons", "limit.size")]))
    check("--milter-action error=accept: oversized accepted with the headers",
          rc == 0 and "all checks passed" in out, out)
    rc, out = run_script(tmp, "block-quarantine", script(
        srv.milter, raw["eicar-zip-zip"], [CONTINUE, QUARANTINE,
                                           added("X-Sekisho-Verdict", "block")]))
    check("--milter-action block=quarantine: EICAR held with the headers",
          rc == 0 and "all checks passed" in out, out)
    srv.stop()
    bad = subprocess.run([sekisho, "serve", "--milter-action", "block=bounce", "--help"],
                         capture_output=True, text=True)
    check("an unknown action is a usage error", bad.returncode != 0 and
          "milter-action" in bad.stderr, bad.stderr)
    bad = subprocess.run([sekisho, "serve", "--socket", os.path.join(tmp, "x.sock"),
                          "--milter", "tcp:25"], capture_output=True, text=True, timeout=60)
    check("a --milter that is not unix: or inet: is refused",
          bad.returncode != 0 and "--milter wants" in bad.stderr, bad.stderr)


def correlation(srv):
    """The server's stats.correlation (native stats request)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(srv.sock)
    s.sendall(b'{"id":"st","type":"stats"}\n')
    line = s.makefile("rb").readline()
    s.close()
    return json.loads(line)["stats"]["correlation"]


def ppap_envelope_case(srv, tmp, raw):
    """A PPAP pair linked only by the envelope: the password mail's To names
    someone else, its RCPT TO the held mail's recipient (a Bcc)."""
    held = raw["zip-no-password"]
    # The follow-up: the password in the body, no attachment, another To.
    follow_up = messages._message("Re: 請求書の件", "解凍パスワード：%s\n" % messages.PASSWORD, [])
    follow_up = follow_up.replace(b"Suzuki Hanako <root@localhost>", b"Tanaka <tanaka@example.org>")
    rc, out = run_script(tmp, "ppap-held", script(srv.milter, held, [QUARANTINE]))
    before = correlation(srv)
    check("PPAP: the encrypted ZIP is quarantined and held",
          rc == 0 and "all checks passed" in out and before.get("held", 0) >= 1, (out, before))
    rc, out = run_script(tmp, "ppap-other", script(srv.milter, follow_up, [CONTINUE],
                                                   rcpts=("<tanaka@example.org>",)))
    mid = correlation(srv)
    check("PPAP: a password mail sharing no recipient opens nothing",
          rc == 0 and mid.get("unlocked") == before.get("unlocked"), (out, before, mid))
    rc, out = run_script(tmp, "ppap-bcc", script(srv.milter, follow_up, [CONTINUE],
                                                 rcpts=("<tanaka@example.org>", "<Root@Localhost>")))
    after = correlation(srv)
    check("PPAP: the same mail with the held recipient in RCPT TO only opens the held ZIP",
          rc == 0 and after.get("unlocked") == mid.get("unlocked", 0) + 1, (out, mid, after))


def inet_case(sekisho, tmp, raw):
    """--milter inet:PORT@127.0.0.1 (Postfix's notation): the same answers over TCP."""
    port = 20000 + os.getpid() % 20000
    srv = Server(sekisho, tmp, "inet", milter="inet:%d@127.0.0.1" % port)
    frames = raw_session(("127.0.0.1", port), raw["eicar-zip-zip"])
    check("--milter inet:PORT@127.0.0.1 answers EICAR with 550 5.7.1",
          frames[-1][0] == b"y" and frames[-1][1].startswith(b"550 5.7.1 "), frames)
    srv.stop()


def stopped_case(srv, tmp, raw):
    srv.stop()
    rc, out = run_script(tmp, "stopped", script(srv.milter, raw["clean"], []).replace(
        ", 20, 0.1)", ", 2, 0.1)"))
    check("Sekisho stopped: nothing answers (the MTA's default action applies)",
          rc != 0 and "before-connect" in out and "after-connect" not in out, (rc, out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    args = ap.parse_args()
    if not shutil.which("miltertest"):
        print("SKIPPED: miltertest is not installed (Debian package miltertest)")
        return 77
    tmp = tempfile.mkdtemp(prefix="sekisho-milter-")
    try:
        msgs = messages.make(os.path.join(tmp, "msgs"))
        srv = Server(args.sekisho, tmp, "main")
        raw = verdict_cases(srv, tmp, msgs)
        forged_cases(srv, tmp, raw)
        protocol_cases(srv, tmp, raw)
        ppap_envelope_case(srv, tmp, raw)
        stopped_case(srv, tmp, raw)
        oversize_cases(args.sekisho, tmp, raw)
        inet_case(args.sekisho, tmp, raw)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    failed = sum(1 for _, ok, _ in results if not ok)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
