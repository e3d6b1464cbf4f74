#!/usr/bin/env python3
"""The PPAP store (daemon/store.c, store_redis.c; issue 17) against a real
redis-server: Debian's, in the gateways' throwaway Debian 12 root and its
private namespaces (run.py's Root and enter()), listening only on a Unix
socket there. Nothing is installed or started on the host.

tests/unit/test_store.c, copied into the root, runs against it:
 (a) the suite the in-process store passes, two handles (two `serve`
     instances) seeing each other's entries, an entry expiring (window 1 s);
     header values full of Redis protocol characters round-trip, and
     afterwards every key is one of ours and a key of someone else's
     ("victim") is untouched;
 (b) the bounds of an empty database (entries, bytes, one entry's cap);
 (c) Redis killed mid-way: calls fail fast, errors counted, backend_up
     false, one log line for the outage; Redis started again: the same
     handle works again, one log line for that;
 (d) no Redis at all (Unix socket and loopback TCP), or no or a wrong
     password: every call fails fast.

Exit 0 all passed, 1 a check failed, 77 skipped (the reason is printed)."""
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (Root, the namespaces: shared with the gateways test)
from run import say  # noqa: E402

SOCK = "/run/redis/redis.sock"
SPEC = "unix:" + SOCK
BIN = "/usr/local/bin/test_store"
OURS = re.compile(r"^sekisho:(m:[0-9a-f]{32}|s:[0-9a-f]{64}|[bc]:\d+)$")

checks = []  # (name, ok, detail)


def check(name, ok, detail=""):
    checks.append((name, bool(ok), detail))
    say("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else "  " + str(detail)[-1500:]))
    return ok


class Redis:
    """redis-server as user redis, no TCP, no persistence, on SOCK."""

    def __init__(self, root):
        self.root, self.proc, self.n = root, None, 0
        os.makedirs(root.p("/run/redis"), exist_ok=True)
        root.run(["chown", "redis:redis", "/run/redis"], check=True)

    def start(self):
        self.n += 1
        self.log = os.path.join(self.root.tmp, "redis-%d.log" % self.n)
        self.proc = self.root.spawn("redis-%d" % self.n, [
            "redis-server", "--port", "0", "--unixsocket", SOCK, "--unixsocketperm", "770",
            "--save", "", "--appendonly", "no", "--dir", "/run/redis", "--daemonize", "no",
            "--maxmemory-policy", "noeviction"], user="redis")
        run.wait_for("redis-server", lambda: self.cli("PING").strip() == "PONG", 30, self.proc, self.log)

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def cli(self, *argv, db=0):
        r = self.root.run(["redis-cli", "-s", SOCK, "-n", str(db)] + list(argv), timeout=10)
        return r.stdout.decode(errors="replace")


def test_store(root, *argv, timeout=120):
    r = root.run([BIN] + list(argv), timeout=timeout)
    return r.returncode, (r.stdout + r.stderr).decode(errors="replace")


def outage(root, redis):
    """(c): test_store says STOP and START and waits for a line after each."""
    p = subprocess.Popen(root.cmd([BIN, SPEC, "outage"]), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    said = []
    try:
        said.append(p.stdout.readline().strip())
        if said[-1] == "STOP":
            redis.kill()
            p.stdin.write("\n")
            p.stdin.flush()
            said.append(p.stdout.readline().strip())  # how long 20 calls took
            said.append(p.stdout.readline().strip())
            if said[-1] == "START":
                redis.start()
                p.stdin.write("\n")
                p.stdin.flush()
        out, err = p.communicate(timeout=60)
    except Exception as e:
        p.kill()
        out, err = p.communicate()
        err += "\n%s: %s" % (type(e).__name__, e)
    return p.returncode, said, out, err


def inside(args):
    t_start = time.time()
    run.loopback_up()
    tmp = tempfile.mkdtemp(prefix="sekisho-store-redis.")
    os.chmod(tmp, 0o755)
    root = run.Root(args.inside, tmp)
    redis = None
    try:
        if not os.path.exists(root.p("/usr/bin/redis-server")):
            check("redis-server is in the gateways root (mkroot.sh installs it)", False)
            return 1
        root.install(args.test_store, BIN, 0o755)
        redis = Redis(root)
        redis.start()
        redis.cli("SET", "victim", "keep")

        # (a) the suite, two handles, expiry, hostile header values.
        rc, out = test_store(root, SPEC)
        check("the store's suite against redis-server on %s" % SOCK, rc == 0, out)
        keys = [k for k in redis.cli("--scan").splitlines() if k]
        strange = [k for k in keys if k != "victim" and not OURS.match(k)]
        check("every key is one of ours (%d keys: sekisho:m/s/b/c), no header value in a name"
              % (len(keys) - 1), not strange and len(keys) > 1, strange[:10])
        check("a key of someone else's is untouched (no command smuggled in a value)",
              redis.cli("GET", "victim").strip() == "keep", redis.cli("GET", "victim"))
        mine = [k for k in keys if k != "victim"]
        r = root.run(["redis-cli", "-s", SOCK], input="".join("TTL %s\n" % k for k in mine).encode())
        ttls = [int(x) for x in r.stdout.decode().split()]
        check("every key of ours expires (TTL > 0 on all %d)" % len(ttls),
              ttls and all(t > 0 for t in ttls), ttls[:20])

        # (b) bounds, on an empty database.
        rc, out = test_store(root, SPEC + "?db=2", "bounds")
        check("bounds in Redis: entries, bytes, one entry's cap refuse (database 2)", rc == 0, out)

        # A password: from ?password-file= and from SEKISHO_REDIS_PASSWORD; none
        # or a wrong one fails every call (and is said in the log).
        redis.cli("CONFIG", "SET", "requirepass", "pp@p s3cret")
        root.write("/etc/sekisho/redis-password", "pp@p s3cret\n", 0o600)
        rc, out = test_store(root, SPEC + "?db=3&password-file=/etc/sekisho/redis-password", "bounds")
        check("AUTH with the password of ?password-file=", rc == 0, out)
        r = root.run([BIN, SPEC + "?db=4", "bounds"], env={"SEKISHO_REDIS_PASSWORD": "pp@p s3cret"})
        check("AUTH with the password of SEKISHO_REDIS_PASSWORD", r.returncode == 0, r.stdout + r.stderr)
        rc, out = test_store(root, SPEC, "down")
        check("no password: every call fails fast, nothing found, the log says why (NOAUTH)",
              rc == 0 and "NOAUTH" in out, out)
        r = root.run([BIN, SPEC, "down"], env={"SEKISHO_REDIS_PASSWORD": "wrong"})
        out = (r.stdout + r.stderr).decode(errors="replace")
        check("a wrong password: every call fails fast, the log says why (AUTH)",
              r.returncode == 0 and "AUTH" in out, out)
        redis.cli("-a", "pp@p s3cret", "--no-auth-warning", "CONFIG", "SET", "requirepass", "")

        # (c) killed mid-way, then back.
        rc, said, out, err = outage(root, redis)
        ok = rc == 0 and said[:1] == ["STOP"] and said[-1:] == ["START"]
        check("Redis killed mid-way: calls fail fast (%s), errors counted, backend_up false; "
              "started again: the same handle works" % (said[1] if len(said) > 1 else "?"),
              ok, (rc, said, out, err))
        down = err.count("unreachable")
        up = err.count("answers again")
        check("one log line for the outage and one for the return (%d, %d)" % (down, up),
              down == 1 and up == 1, err)

        # (d) no Redis at all.
        redis.stop()
        rc, out = test_store(root, SPEC, "down")
        check("no Redis on the Unix socket: every call fails fast, nothing found", rc == 0, out)
        rc, out = test_store(root, "redis://127.0.0.1:6390", "down")
        check("no Redis on loopback TCP: every call fails fast, nothing found", rc == 0, out)
    except Exception as e:
        check("the test ran to its end", False, "%s: %s" % (type(e).__name__, e))
    finally:
        if redis:
            redis.stop()
    return run.finish(root, tmp, args.keep, checks, t_start)


def main():
    # run.enter() passes the program to copy into the root as --sekisho.
    return run.test_main(__file__, inside, program="--test-store", dest="test_store",
                         help="the test_store program (tests/unit/test_store.c)")


if __name__ == "__main__":
    sys.exit(main())
