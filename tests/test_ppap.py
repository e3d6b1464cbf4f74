#!/usr/bin/env python3
"""Passwords that arrive in a separate mail (PPAP, issue 17): `sekisho serve`
with its in-process store, over a real Unix socket and loopback TCP.

The encrypted ZIPs are written at test time by Info-ZIP's `zip -P` (an
independent writer), the messages by Python's email package.

- A message whose ZIP stays closed is `sandbox` (encrypted.unopened) and
  its verdict object says `held`: a 128-bit hex token and an expiry.
- A follow-up from the same sender to the same recipient, with the password
  in its body, gets `unlocked`: the held message's request id, Message-ID
  and token, the candidate that opened it, and the held message's new
  verdict: `block` for an EICAR inside, `pass` for a clean document (the
  legitimate PPAP pair). The native `verdict` request with the token then
  answers that new verdict, with the follow-up named in `held.unlocked_by`.
- A follow-up in the same thread (In-Reply-To the held Message-ID) to other
  recipients unlocks too; one from another sender, or with the wrong
  password, does not, and the held message stays held.
- A guessed, malformed or expired token gets `unknown_token`; after the
  window (--store-window) the follow-up finds nothing.
- Over TCP a `verdict` request is refused without --secret-file; with it,
  a request without the secret is refused and the connection closed, one
  with it is answered.
- Over the clamd protocol nothing is held (its reply cannot carry a token).
- --no-correlate: nothing is held, the verdict request says unavailable.
- The stats count held, tried and unlocked messages and the store's entries.

Prints `N passed, M failed`."""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_daemon as td  # noqa: E402

check = td.check
EICAR = td.EICAR
PASSWORD = "Kx7-pq2Zr"
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def encrypted_zip(tmp, member, data, password):
    """A ZipCrypto archive by Info-ZIP (zip -P), read back as bytes."""
    work = tempfile.mkdtemp(dir=tmp)
    with open(os.path.join(work, member), "wb") as f:
        f.write(data)
    out = os.path.join(work, "out.zip")
    subprocess.run(["zip", "-q", "-X", "-P", password, out, member], cwd=work, check=True)
    with open(out, "rb") as f:
        return f.read()


def mail(sender, to, subject, body, msg_id, attachment=None, in_reply_to=None, cc=None):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    if cc:
        m["Cc"] = cc
    m["Subject"] = subject
    m["Message-ID"] = "<%s>" % msg_id
    m["Date"] = "Thu, 03 Dec 2026 10:00:00 +0900"
    if in_reply_to:
        m["In-Reply-To"] = "<%s>" % in_reply_to
        m["References"] = "<%s>" % in_reply_to
    m.set_content(body)
    if attachment:
        name, data = attachment
        m.add_attachment(data, maintype="application", subtype="zip", filename=name)
    return m.as_bytes()


def send(srv_or_sock, id_, data, type_="message"):
    s = srv_or_sock.connect() if hasattr(srv_or_sock, "connect") else srv_or_sock
    s.sendall(td.header(id_, len(data), type_=type_) + data)
    r = td.LineReader(s).line()
    s.close()
    return r


def verdict_query(srv, token, id_="q", **extra):
    s = srv.connect()
    h = {"id": id_, "type": "verdict", "token": token}
    h.update(extra)
    s.sendall((json.dumps(h) + "\n").encode())
    r = td.LineReader(s).line()
    s.close()
    return r


def codes(r):
    return [x.get("code") for x in (r or {}).get("reasons", [])]


def stats(srv):
    s = srv.connect()
    s.sendall(b'{"id":"st","type":"stats"}\n')
    r = td.LineReader(s).line()
    s.close()
    return ((r or {}).get("stats") or {}).get("correlation") or {}


def held_pair(tmp, tag, content, sender="alice@example.co.jp", to="bob@example.com"):
    """The first mail of a pair: its ZIP encrypted with PASSWORD."""
    z = encrypted_zip(tmp, "invoice.doc" if content != EICAR else "eicar.com", content, PASSWORD)
    return mail("Alice <%s>" % sender, "Bob <%s>" % to, "請求書の送付", "請求書を送ります。",
                "%s-1@example.co.jp" % tag, attachment=("invoice.zip", z))


def test_emotet_pair(srv, tmp):
    first = held_pair(tmp, "emotet", EICAR)
    r1 = send(srv, "m1", first)
    held = (r1 or {}).get("held") or {}
    check("first mail: sandbox, encrypted.unopened",
          r1 and r1.get("verdict") == "sandbox" and "encrypted.unopened" in codes(r1), r1)
    check("first mail: held with a 128-bit hex token and an expiry",
          TOKEN.match(held.get("token", "")) is not None
          and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", held.get("expires", "")) is not None
          and held.get("request_id") == "m1", held)
    follow = mail("Alice <alice@example.co.jp>", "bob@example.com", "パスワードのお知らせ",
                  "先ほどのファイルのパスワードです。\nパスワード：%s\n" % PASSWORD,
                  "emotet-2@example.co.jp")
    r2 = send(srv, "m2", follow)
    unlocked = (r2 or {}).get("unlocked") or []
    entry = unlocked[0] if unlocked else {}
    check("follow-up: its own verdict is pass", r2 and r2.get("verdict") == "pass", r2)
    check("follow-up: unlocked names the held message, its token and the password",
          len(unlocked) == 1 and entry.get("request_id") == "m1"
          and entry.get("message_id") == "emotet-1@example.co.jp"
          and entry.get("token") == held.get("token")
          and (entry.get("password") or {}).get("value") == PASSWORD
          and (entry.get("password") or {}).get("source") == "follow-up", unlocked)
    new = entry.get("verdict") or {}
    check("follow-up: the held message's new verdict is block (EICAR inside)",
          new.get("verdict") == "block" and "yara.match" in codes(new)
          and "encrypted.unopened" not in codes(new), new)
    q = verdict_query(srv, held.get("token", ""), id_="q1")
    check("verdict request: the held message's current verdict, paired by the query's id",
          q and q.get("id") == "q1" and q.get("verdict") == "block"
          and (q.get("held") or {}).get("token") == held.get("token")
          and ((q.get("held") or {}).get("unlocked_by") or {}).get("request_id") == "m2", q)
    r3 = send(srv, "m3", follow)
    check("a second follow-up finds nothing left to unlock", r3 and not r3.get("unlocked"), r3)
    return held.get("token")


def test_legitimate_pair(srv, tmp):
    doc = b"Quarterly report\n" * 200
    r1 = send(srv, "l1", held_pair(tmp, "legit", doc, sender="carol@example.jp", to="dave@example.com"))
    token = ((r1 or {}).get("held") or {}).get("token", "")
    follow = mail("carol@example.jp", "dave@example.com", "Password",
                  "The password for the report is %s\nBest regards" % PASSWORD, "legit-2@example.jp")
    r2 = send(srv, "l2", follow)
    unlocked = (r2 or {}).get("unlocked") or []
    check("legitimate pair: held, then unlocked to pass",
          token and len(unlocked) == 1 and (unlocked[0].get("verdict") or {}).get("verdict") == "pass",
          [r1, r2])
    q = verdict_query(srv, token)
    check("legitimate pair: the verdict request says pass", q and q.get("verdict") == "pass", q)


def test_thread_and_strangers(srv, tmp):
    first = held_pair(tmp, "thread", EICAR, sender="erin@example.jp", to="frank@example.com")
    r1 = send(srv, "t1", first)
    token = ((r1 or {}).get("held") or {}).get("token", "")
    stranger = mail("mallory@evil.example", "frank@example.com", "password",
                    "password: %s" % PASSWORD, "stranger@evil.example")
    r = send(srv, "t2", stranger)
    check("another sender with the right password unlocks nothing", r and not r.get("unlocked"), r)
    wrong = mail("erin@example.jp", "frank@example.com", "password",
                 "password: Wrong-123x", "wrong@example.jp")
    r = send(srv, "t3", wrong)
    check("the same sender with a wrong password unlocks nothing", r and not r.get("unlocked"), r)
    q = verdict_query(srv, token)
    check("after a stranger and a wrong password the held message is still sandbox",
          q and q.get("verdict") == "sandbox" and "encrypted.unopened" in codes(q), q)
    other_rcpt = mail("erin@example.jp", "someone-else@example.org", "Re: 請求書",
                      "PW: %s" % PASSWORD, "thread-2@example.jp", in_reply_to="thread-1@example.co.jp")
    r = send(srv, "t4", other_rcpt)
    check("a reply in the same thread (In-Reply-To) to other recipients unlocks",
          r and len(r.get("unlocked") or []) == 1
          and ((r.get("unlocked") or [{}])[0].get("verdict") or {}).get("verdict") == "block", r)


def test_tokens(srv):
    for bad in ("0" * 32, "f" * 32, "not-a-token", "", "A" * 64):
        q = verdict_query(srv, bad)
        check("token %r: unknown_token" % bad[:12],
              q and (q.get("error") or {}).get("code") == "unknown_token", q)


def test_clamd_holds_nothing(srv, tmp):
    before = stats(srv).get("held")
    first = held_pair(tmp, "clamd", EICAR)
    s = srv.connect()
    s.sendall(b"nINSTREAM\n" + len(first).to_bytes(4, "big") + first + b"\0\0\0\0")
    r = td.LineReader(s).line_bytes()
    s.close()
    check("clamd: the encrypted ZIP is a Heuristics.Encrypted name, nothing held",
          r.startswith(b"stream: Heuristics.Encrypted") and stats(srv).get("held") == before,
          [r, before, stats(srv)])


def test_expiry(sekisho, tmp):
    srv = td.Server(sekisho, tmp, "ppap-window", "--workers", "1", "--store-window", "2")
    try:
        r1 = send(srv, "e1", held_pair(tmp, "expiry", EICAR))
        token = ((r1 or {}).get("held") or {}).get("token", "")
        time.sleep(3.2)
        follow = mail("alice@example.co.jp", "bob@example.com", "pw", "password: %s" % PASSWORD,
                      "expiry-2@example.co.jp")
        r2 = send(srv, "e2", follow)
        check("past the window: the follow-up finds nothing", token and r2 and not r2.get("unlocked"),
              [r1, r2])
        q = verdict_query(srv, token)
        check("past the window: the token is unknown",
              q and (q.get("error") or {}).get("code") == "unknown_token", q)
    finally:
        srv.stop()


def test_tcp_secret(sekisho, tmp):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    srv = td.Server(sekisho, tmp, "ppap-tcp", "--workers", "1", "--tcp", str(port))
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b'{"id":"v","type":"verdict","token":"' + b"0" * 32 + b'"}\n')
        r = td.LineReader(s).line()
        s.close()
        check("tcp without --secret-file: a verdict request is refused",
              r and (r.get("error") or {}).get("code") == "unauthorized", r)
    finally:
        srv.stop()
    secret = os.path.join(tmp, "secret")
    with open(secret, "w") as f:
        f.write("s3cret-for-the-pool-0123456789\n")
    os.chmod(secret, 0o600)
    srv = td.Server(sekisho, tmp, "ppap-secret", "--workers", "1", "--tcp", str(port),
                    "--secret-file", secret)
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(td.header("n1", len(td.CLEAN)) + td.CLEAN)
        rd = td.LineReader(s)
        r = rd.line()
        check("tcp with --secret-file: a request without the secret is refused and closed",
              r and (r.get("error") or {}).get("code") == "unauthorized" and rd.eof(), r)
        s.close()
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(td.header("n2", len(td.CLEAN), secret="s3cret-for-the-pool-0123456789") + td.CLEAN)
        r = td.LineReader(s).line()
        s.close()
        check("tcp with --secret-file: a request with it is scanned",
              r and r.get("verdict") == "pass", r)
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b'{"id":"v2","type":"verdict","token":"' + b"1" * 32
                  + b'","secret":"s3cret-for-the-pool-0123456789"}\n')
        r = td.LineReader(s).line()
        s.close()
        check("tcp with the secret: a verdict request is answered (unknown token)",
              r and (r.get("error") or {}).get("code") == "unknown_token", r)
        r = send(srv, "u1", td.CLEAN, type_="file")
        check("the Unix socket needs no secret", r and r.get("verdict") == "pass", r)
    finally:
        srv.stop()
    for short in ("short\n", ""):
        with open(secret, "w") as f:
            f.write(short)
        p = subprocess.run([sekisho, "serve", "--socket", os.path.join(tmp, "x.sock"),
                            "--secret-file", secret], capture_output=True, timeout=60)
        check("--secret-file with %d bytes is refused at start" % len(short.strip()),
              p.returncode != 0 and b"secret-file" in p.stderr, p.stderr[-300:])


def test_no_correlate(sekisho, tmp):
    srv = td.Server(sekisho, tmp, "ppap-off", "--workers", "1", "--no-correlate")
    try:
        r = send(srv, "o1", held_pair(tmp, "off", EICAR))
        check("--no-correlate: sandbox, nothing held",
              r and r.get("verdict") == "sandbox" and "held" not in r, r)
        q = verdict_query(srv, "0" * 32)
        check("--no-correlate: a verdict request says unavailable",
              q and (q.get("error") or {}).get("code") == "unavailable", q)
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    args = ap.parse_args()
    if not shutil.which("zip"):
        print("SKIPPED: Info-ZIP zip is not installed")
        return 77
    tmp = tempfile.mkdtemp(prefix="sekisho-ppap-")
    os.chmod(tmp, 0o755)
    try:
        srv = td.Server(args.sekisho, tmp, "ppap", "--workers", "2")
        test_emotet_pair(srv, tmp)
        test_legitimate_pair(srv, tmp)
        test_thread_and_strangers(srv, tmp)
        test_tokens(srv)
        test_clamd_holds_nothing(srv, tmp)
        st = stats(srv)
        check("stats: held, tried and unlocked are counted, the store holds the messages",
              st.get("on") is True and st.get("held", 0) >= 3 and st.get("unlocked", 0) >= 3
              and st.get("tried", 0) >= st.get("unlocked", 0)
              and (st.get("store") or {}).get("entries", 0) >= 3
              and (st.get("store") or {}).get("up") is True, st)
        log = srv.read_log()
        check("the log says correlation is on", "correlation on: store memory" in log, log[-400:])
        srv.stop()
        test_expiry(args.sekisho, tmp)
        test_tcp_secret(args.sekisho, tmp)
        test_no_correlate(args.sekisho, tmp)
    except Exception as e:  # noqa: BLE001
        check("no exception in the test itself", False, repr(e))
    finally:
        td.kill_servers_and_remove(tmp)
    return td.summary()


if __name__ == "__main__":
    sys.exit(main())
