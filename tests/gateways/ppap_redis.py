#!/usr/bin/env python3
"""End-to-end: PPAP correlation (issue 17) across two `sekisho serve`
instances that share Debian's redis-server, as a pool behind a balancer
would. In the gateways' throwaway Debian 12 root and its private namespaces
(run.py's Root and enter()): Redis on a Unix socket only, the instances on
their own Unix sockets, started as root and serving as user sekisho (in
group redis for the socket), under their seccomp filter.

 (a) The encrypted ZIP (Info-ZIP `zip -P`, EICAR inside) goes to instance
     A: `sandbox`, held, a token. The password mail goes to instance B:
     it unlocks A's message (`unlocked`: token, password, new verdict
     block). The `verdict` request with the token gets `block` from either
     instance. Redis holds only sekisho: keys, all expiring.
 (b) Redis killed: a new encrypted ZIP to A is still scanned (`sandbox`),
     but not held (no `held`; correlation lost is counted and logged, the
     store says down); its password mail to B unlocks nothing and passes.
 (c) Redis started again: a new pair across A and B unlocks again.
 (d) Both instances exit 0 on SIGTERM.

Exit 0 all passed, 1 a check failed, 77 skipped (the reason is printed)."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402
from run import say  # noqa: E402
from store_redis import SOCK as REDIS_SOCK, Redis  # noqa: E402

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
PASSWORD = "Tq9-ppap-Lw4"

checks = []


def check(name, ok, detail=""):
    checks.append((name, bool(ok), detail))
    say("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else "  " + str(detail)[-1500:]))
    return ok


def encrypted_zip(tmp, tag):
    work = tempfile.mkdtemp(dir=tmp, prefix=tag)
    with open(os.path.join(work, "eicar.com"), "wb") as f:
        f.write(EICAR)
    out = os.path.join(work, "a.zip")
    subprocess.run(["zip", "-q", "-X", "-P", PASSWORD, out, "eicar.com"], cwd=work, check=True)
    with open(out, "rb") as f:
        return f.read()


def pair(tmp, tag):
    """The ZIP mail and the password mail of one PPAP pair."""
    first = EmailMessage()
    first["From"], first["To"] = "sales@example.jp", "buyer-%s@example.com" % tag
    first["Subject"], first["Message-ID"] = "見積書", "<%s-1@example.jp>" % tag
    first.set_content("見積書を送付します。")
    first.add_attachment(encrypted_zip(tmp, tag), maintype="application", subtype="zip",
                         filename="mitsumori.zip")
    second = EmailMessage()
    second["From"], second["To"] = "sales@example.jp", "buyer-%s@example.com" % tag
    second["Subject"], second["Message-ID"] = "パスワードのお知らせ", "<%s-2@example.jp>" % tag
    second.set_content("パスワード：%s\n" % PASSWORD)
    return first.as_bytes(), second.as_bytes()


def ask(root, sock, header, data=b""):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(root.p(sock))
    s.sendall((json.dumps(header) + "\n").encode() + data)
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf.split(b"\n", 1)[0]) if buf else None


def send(root, sock, id_, data):
    return ask(root, sock, {"id": id_, "type": "message", "size": len(data)}, data)


def query(root, sock, token):
    return ask(root, sock, {"id": "q", "type": "verdict", "token": token})


def correlation(root, sock):
    r = ask(root, sock, {"id": "s", "type": "stats"}) or {}
    return (r.get("stats") or {}).get("correlation") or {}


def codes(r):
    return [x.get("code") for x in (r or {}).get("reasons", [])]


def inside(args):
    t_start = time.time()
    run.loopback_up()
    tmp = tempfile.mkdtemp(prefix="sekisho-ppap-redis.")
    os.chmod(tmp, 0o755)
    root = run.Root(args.inside, tmp)
    redis, pool = None, {}
    try:
        run.prepare_users(root)
        if not os.path.exists(root.p("/usr/bin/redis-server")):
            check("redis-server is in the gateways root (mkroot.sh installs it)", False)
            return 1
        root.run(["usermod", "-a", "-G", "redis", "sekisho"], check=True)
        redis = Redis(root)
        redis.start()
        for name in ("a", "b"):
            pool[name] = run.Sekisho(root, args.sekisho, sock="/run/sekisho/%s.sock" % name,
                                     name="sekisho-" + name)
            pool[name].start("--workers", "1", "--store", "unix:" + REDIS_SOCK)
        A, B = pool["a"].sock, pool["b"].sock

        # (a) held on A, unlocked by B, readable from both.
        first, second = pair(tmp, "one")
        r1 = send(root, A, "one-1", first)
        token = ((r1 or {}).get("held") or {}).get("token", "")
        check("A: the ZIP mail is sandbox and held (token %s)" % token[:8],
              r1 and r1.get("verdict") == "sandbox" and len(token) == 32, r1)
        r2 = send(root, B, "one-2", second)
        unlocked = (r2 or {}).get("unlocked") or [{}]
        check("B: the password mail unlocks A's message: block, by the follow-up's password",
              r2 and r2.get("verdict") == "pass" and unlocked[0].get("token") == token
              and (unlocked[0].get("verdict") or {}).get("verdict") == "block"
              and (unlocked[0].get("password") or {}).get("value") == PASSWORD, r2)
        for name, sock in (("A", A), ("B", B)):
            q = query(root, sock, token)
            check("%s: the verdict request with the token says block" % name,
                  q and q.get("verdict") == "block", q)
        keys = [k for k in redis.cli("--scan").splitlines() if k]
        check("Redis holds only sekisho: keys (%d)" % len(keys),
              keys and all(k.startswith("sekisho:") for k in keys), keys[:10])
        ttls = [int(redis.cli("TTL", k).strip() or -9) for k in keys]
        check("every key expires", ttls and all(t > 0 for t in ttls), ttls)

        # (b) Redis down: still scanned, not held, nothing unlocked; said and counted.
        redis.kill()
        first, second = pair(tmp, "two")
        r1 = send(root, A, "two-1", first)
        check("Redis down: the ZIP mail is still scanned (sandbox, encrypted.unopened), not held",
              r1 and r1.get("verdict") == "sandbox" and "encrypted.unopened" in codes(r1)
              and "held" not in r1, r1)
        r2 = send(root, B, "two-2", second)
        check("Redis down: the password mail passes and unlocks nothing",
              r2 and r2.get("verdict") == "pass" and not r2.get("unlocked"), r2)
        st = correlation(root, A)
        check("Redis down: A counts the lost correlation and says the store is down",
              st.get("lost", 0) >= 1 and (st.get("store") or {}).get("up") is False, st)
        log = run.tail(pool["a"].log, 20000)
        check("Redis down: A's log says the message was not remembered",
              "not remembered" in log, log[-1500:])

        # (c) Redis back: a new pair correlates again, once the store's pause
        # after a failure (500 ms, store_redis.c) is over: it reconnects, under
        # the front's seccomp filter, on the next call.
        redis.start()
        time.sleep(1.0)
        first, second = pair(tmp, "three")
        r1 = send(root, A, "three-1", first)
        token = ((r1 or {}).get("held") or {}).get("token", "")
        r2 = send(root, B, "three-2", second)
        check("Redis back: a new pair is held on A and unlocked on B",
              len(token) == 32 and ((r2 or {}).get("unlocked") or [{}])[0].get("token") == token,
              [r1, r2])
        st = correlation(root, A)
        check("Redis back: A says the store is up again", (st.get("store") or {}).get("up") is True, st)
    except Exception as e:  # noqa: BLE001
        check("the test ran to its end", False, "%s: %s" % (type(e).__name__, e))
    finally:
        for s in pool.values():
            s.stop()
        if redis:
            redis.stop()
        check("(d) both instances exit 0 on SIGTERM",
              all(r[4] for r in run.results if r[0] == "sekisho serve"),
              [r for r in run.results if r[0] == "sekisho serve" and not r[4]])
    return run.finish(root, tmp, args.keep, checks, t_start)


def main():
    return run.test_main(__file__, inside)


if __name__ == "__main__":
    sys.exit(main())
