#!/usr/bin/env python3
"""End-to-end: a pool of `sekisho serve --tcp` behind the real HAProxy (issue 15,
item 5), with deploy/haproxy/haproxy.cfg as it is.

In the gateways' throwaway Debian 12 root and its private namespaces (run.py's
Root and enter(): nothing listens outside the test's own loopback), two
instances serve on 127.0.0.1:3311 and :3312 and HAProxy listens on
127.0.0.1:3310 with deploy/haproxy/haproxy.cfg plus a site file naming those
addresses (the shape of deploy/haproxy/pool.cfg). Then:

 (a) clamdscan --stream (TCPAddr/TCPSocket at HAProxy) and `sekisho submit
     --tcp` through HAProxy give, for a pass, a sandbox and a block message,
     what each instance answers directly;
 (b) 8 client threads send zINSTREAM requests through HAProxy in a loop; one
     instance is killed (-9) mid-load. A client whose connection closes before
     any reply reconnects after RETRY_PAUSE and sends that request again, once
     (as clamdscan or rspamd would); every request must get the right answer.
     HAProxy's health check (clamd PING) must mark the instance DOWN within
     fall x inter (read from haproxy.cfg), after which the survivor takes every
     connection; the instance is restarted and must come back UP and take
     connections again.

Exit 0 all passed, 1 a check failed, 77 skipped (the reason is printed)."""
import os
import re
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import messages  # noqa: E402
import run  # noqa: E402  (Root, Sekisho, the namespaces: shared with the gateways test)
from run import say  # noqa: E402

FRONT = 3310
PORTS = {"s1": 3311, "s2": 3312}
STATS = "/run/haproxy/admin.sock"
CONF_DIR = "/etc/haproxy/sekisho"
CLIENTS = 8
RETRY_PAUSE = 0.5  # seconds before a client sends a lost request again
SAMPLES = ["clean", "zip-no-password", "macro-docm", "eicar-zip-zip"]

checks = []  # (name, ok, detail)


def check(name, ok, detail=""):
    checks.append((name, bool(ok), detail))
    say("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else "  " + str(detail)[:800]))
    return ok


class Lost(Exception):
    """The connection ended (closed, reset, refused) before any reply byte."""


def instream(port, data, timeout=60):
    """One clamd zINSTREAM request; its reply without the NUL."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as e:
        raise Lost("connect: %s" % e)
    try:
        try:
            s.sendall(b"zINSTREAM\0")
            for i in range(0, len(data), 65536):
                chunk = data[i:i + 65536]
                s.sendall(len(chunk).to_bytes(4, "big") + chunk)
            s.sendall(b"\0\0\0\0")
        except OSError as e:
            raise Lost("send: %s" % e)
        reply = b""
        while not reply.endswith(b"\0"):
            try:
                got = s.recv(4096)
            except ConnectionResetError as e:
                if reply:
                    raise
                raise Lost("recv: %s" % e)
            if not got:
                if not reply:
                    raise Lost("closed before a reply")
                break
            reply += got
        return reply.rstrip(b"\0").decode(errors="replace")
    finally:
        s.close()


def kind(reply):
    """What a clamd reply means, as deploy/README.md maps it."""
    if reply.endswith(": OK"):
        return "pass"
    m = re.search(r": (\S+) FOUND$", reply)
    if not m:
        return "error"
    return "sandbox" if run.HOLD_RE.match(m.group(1)) else "block"


class HAProxy:
    """haproxy -db with deploy/haproxy/haproxy.cfg unchanged and the site's pool.cfg."""

    def __init__(self, root):
        self.root, self.proc = root, None
        root.install(os.path.join(run.DEPLOY, "haproxy", "haproxy.cfg"), CONF_DIR + "/haproxy.cfg")
        # Site settings only: where HAProxy listens and where the instances are.
        root.write(CONF_DIR + "/pool.cfg",
                   "frontend clamd from sekisho\n    bind 127.0.0.1:%d\n    default_backend sekisho_pool\n\n"
                   "backend sekisho_pool from sekisho\n%s" % (
                       FRONT, "".join("    server %s 127.0.0.1:%d\n" % kv for kv in sorted(PORTS.items()))))
        os.makedirs(root.p("/run/haproxy"), exist_ok=True)
        root.run(["chown", "haproxy:haproxy", "/run/haproxy"], check=True)

    def configtest(self):
        r = self.root.run(["haproxy", "-c", "-f", CONF_DIR + "/"])
        out = (r.stdout + r.stderr).decode(errors="replace")
        return r.returncode == 0 and not re.search(r"\[(WARNING|ALERT)\]", out), out

    def start(self):
        self.log = os.path.join(self.root.tmp, "haproxy.log")
        self.proc = self.root.spawn("haproxy", ["haproxy", "-db", "-f", CONF_DIR + "/"])
        run.wait_for("haproxy", run.tcp_open(FRONT), 30, self.proc, self.log)
        run.wait_for("haproxy stats socket", run.unix_open(self.root.p(STATS)), 30, self.proc, self.log)

    def stat(self):
        """{server: {"status", "stot", ...}} from `show stat` on the stats socket."""
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(self.root.p(STATS))
        s.sendall(b"show stat\n")
        with s, s.makefile("rb") as f:
            out = f.read()  # the stats socket closes after one command
        lines = out.decode().splitlines()
        head = lines[0].lstrip("# ").split(",")
        rows = {}
        for line in lines[1:]:
            f = dict(zip(head, line.split(",")))
            if f.get("pxname") == "sekisho_pool" and f.get("svname") in PORTS:
                rows[f["svname"]] = f
        return rows

    def wait_status(self, server, want, timeout):
        """Seconds until server's status is exactly want (UP, DOWN), or None."""
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.stat()[server]["status"] == want:
                return time.time() - t0
            time.sleep(0.05)
        return None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except Exception:
                self.proc.kill()


def check_timing():
    """inter, fastinter, fall, rise from deploy/haproxy/haproxy.cfg's default-server line."""
    with open(os.path.join(run.DEPLOY, "haproxy", "haproxy.cfg")) as f:
        line = next(x for x in f if x.strip().startswith("default-server"))

    def seconds(key, default=None):
        m = re.search(r"\b%s (\d+)(ms|s)\b" % key, line)
        return default if not m else int(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)

    def count(key):
        return int(re.search(r"\b%s (\d+)\b" % key, line).group(1))
    inter = seconds("inter", 2.0)
    return {"inter": inter, "fastinter": seconds("fastinter", inter), "downinter": seconds("downinter", inter),
            "fall": count("fall"), "rise": count("rise")}


class Load:
    """CLIENTS threads of zINSTREAM requests through HAProxy, each retried once
    when its connection ends before any reply (what a clamd client does)."""

    def __init__(self, samples, expect):
        self.samples, self.expect = samples, expect
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        self.done, self.retried, self.wrong = 0, [], []
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(CLIENTS)]

    def client(self, i):
        n = i
        while not self.stop_ev.is_set():
            name = self.samples[n % len(self.samples)]
            n += 1
            t0 = time.time()
            why = None
            for _ in range(2):
                try:
                    got = instream(FRONT, self.samples_data[name])
                    break
                except Lost as e:  # no reply byte: a clamd client reconnects, once
                    got = "lost: %s%s" % (e, "; first %s" % why if why else "")
                    why = why or str(e)
                    # ...after a pause: a process killed with -9 takes some
                    # milliseconds (tens under ASan) to release its listening
                    # socket, and until then the kernel still completes
                    # connections to it, so an immediate retry can land there
                    # too (leastconn favours the instance that just lost all).
                    time.sleep(RETRY_PAUSE)
                except OSError as e:  # a reply cut in the middle: no retry
                    got = "%s: %s" % (type(e).__name__, e)
                    break
            with self.lock:
                self.done += 1
                if why is not None:
                    self.retried.append((t0, name, why))
                if got != self.expect[name]:
                    self.wrong.append((t0, name, got))

    def start(self, samples_data):
        self.samples_data = samples_data
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(120)


def inside(args):
    t_start = time.time()
    run.loopback_up()
    tmp = tempfile.mkdtemp(prefix="sekisho-haproxy.")
    os.chmod(tmp, 0o755)
    root = run.Root(args.inside, tmp)
    pool, hap, load = {}, None, None
    try:
        run.prepare_users(root)
        if not os.path.exists(root.p("/usr/sbin/haproxy")):
            check("haproxy is in the gateways root (mkroot.sh installs it)", False)
            return 1
        paths = messages.make(os.path.join(tmp, "messages"))
        data = {}
        for name in SAMPLES:
            with open(paths[name], "rb") as f:
                data[name] = f.read()
        for name, port in sorted(PORTS.items()):
            pool[name] = run.Sekisho(root, args.sekisho, sock="/run/sekisho/%s.sock" % name,
                                     name="sekisho-" + name)
            pool[name].start("--tcp", "127.0.0.1:%d" % port)
            run.wait_for("sekisho %s on tcp" % name, run.tcp_open(port), 30, pool[name].proc, pool[name].log)

        # What Sekisho decides, asked of each instance directly: the answers to expect.
        expect, native = {}, {}
        for name in SAMPLES:
            replies = {s: instream(port, data[name]) for s, port in PORTS.items()}
            want = next(v for n, _, v in messages.MESSAGES if n == name)
            check("direct: %s gets the same clamd reply from both instances (%s)" % (name, replies["s1"]),
                  len(set(replies.values())) == 1 and kind(replies["s1"]) == want, replies)
            expect[name] = replies["s1"]
        for name in SAMPLES:
            root.install(paths[name], "/tmp/%s.eml" % name)
            r = root.run(["/usr/local/bin/sekisho", "submit", "--tcp", "127.0.0.1:%d" % PORTS["s1"],
                          "--type", "message", "--id", name, "/tmp/%s.eml" % name])
            native[name] = (r.returncode, verdict_and_codes(r.stdout))

        hap = HAProxy(root)
        ok, out = hap.configtest()
        check("haproxy -c: deploy/haproxy/haproxy.cfg + the site's pool.cfg are valid, no warning", ok, out)
        hap.start()
        timing = check_timing()
        up = max(hap.wait_status(s, "UP", 15) or -1 for s in PORTS)
        check("haproxy: both instances UP by the clamd PING check (%.1fs)" % up, up >= 0, hap.stat())

        # (a) clamdscan and submit --tcp through HAProxy, twice each (leastconn spreads them).
        root.write("/etc/sekisho/clamd-haproxy.conf", "TCPSocket %d\nTCPAddr 127.0.0.1\n" % FRONT)
        before = {s: int(f["stot"]) for s, f in hap.stat().items()}
        for name in SAMPLES:
            for _ in range(2):
                r = root.run(["clamdscan", "--config-file=/etc/sekisho/clamd-haproxy.conf", "--stream",
                              "--no-summary", "/tmp/%s.eml" % name], user="clamav", timeout=60)
                out = (r.stdout + r.stderr).decode(errors="replace").strip()
                want_rc = {"pass": 0}.get(kind(expect[name]), 1)
                want_line = expect[name].replace("stream:", "/tmp/%s.eml:" % name, 1)
                check("clamdscan --stream via haproxy: %s -> %s" % (name, want_line),
                      r.returncode == want_rc and out == want_line, (r.returncode, out))
                r = root.run(["/usr/local/bin/sekisho", "submit", "--tcp", "127.0.0.1:%d" % FRONT,
                              "--type", "message", "--id", name, "/tmp/%s.eml" % name])
                got = (r.returncode, verdict_and_codes(r.stdout))
                check("submit --tcp via haproxy: %s -> exit %d %s" % (name, native[name][0], native[name][1]),
                      got == native[name], (got, r.stderr))
        after = {s: int(f["stot"]) for s, f in hap.stat().items()}
        check("haproxy: both instances served requests of (a) (connections %s)" %
              {s: after[s] - before[s] for s in PORTS}, all(after[s] > before[s] for s in PORTS), (before, after))

        # (b) under load, kill -9 s2, see it DOWN, the survivor take all, s2 back UP.
        load = Load(SAMPLES, expect)
        load.start(data)
        time.sleep(2)
        n_before_kill = load.done
        t_kill = time.time()
        pool["s2"].kill()
        down = hap.wait_status("s2", "DOWN", timing["fall"] * timing["inter"] + 5)
        limit = timing["fall"] * timing["inter"]
        check("haproxy: killed s2 marked DOWN within fall x inter = %.1fs (took %s)" %
              (limit, "%.2fs" % down if down is not None else "never"),
              down is not None and down <= limit + 0.25, hap.stat().get("s2"))
        at_down = {s: int(f["stot"]) for s, f in hap.stat().items()}
        n_at_down = load.done
        time.sleep(3)
        after_down = {s: int(f["stot"]) for s, f in hap.stat().items()}
        check("while s2 is DOWN every connection goes to s1 (s1 +%d, s2 +%d, %d requests)" %
              (after_down["s1"] - at_down["s1"], after_down["s2"] - at_down["s2"], load.done - n_at_down),
              after_down["s2"] == at_down["s2"] and after_down["s1"] > at_down["s1"], (at_down, after_down))
        t_restart = time.time()
        pool["s2"].start("--tcp", "127.0.0.1:%d" % PORTS["s2"])
        back = hap.wait_status("s2", "UP", 30)
        up_limit = timing["downinter"] + timing["rise"] * timing["fastinter"] + 2
        check("haproxy: restarted s2 back UP (%s after its restart, %.1fs after it listened; at most %.1fs)" %
              ("%.2fs" % (time.time() - t_restart) if back is not None else "never", back or -1, up_limit),
              back is not None and back <= up_limit, hap.stat().get("s2"))
        at_up = {s: int(f["stot"]) for s, f in hap.stat().items()}
        time.sleep(3)
        load.stop()
        end = {s: int(f["stot"]) for s, f in hap.stat().items()}
        check("s2 takes connections again once UP (s1 +%d, s2 +%d)" %
              (end["s1"] - at_up["s1"], end["s2"] - at_up["s2"]), end["s2"] > at_up["s2"], (at_up, end))
        check("under load with s2 killed: all %d requests answered right (%d before the kill; "
              "%d retried once by the client after a connection closed without a reply)" %
              (load.done, n_before_kill, len(load.retried)), not load.wrong and load.done > n_before_kill,
              load.wrong[:5])
        for t0, name, why in load.retried:
            say("     retried: %s at kill%+.3fs: %s" % (name, t0 - t_kill, why))
        redispatched, cut = haproxy_log(hap.log)
        say("     haproxy log: %d sessions to s2 ended with no reply byte (the client retries above); "
            "%d connections refused by the dead s2 before DOWN, retried on s1 by HAProxy itself "
            "(redispatch), unseen by the clients" % (cut, redispatched))
        for line in open(hap.log, errors="replace"):
            if re.search(r"Server sekisho_pool/\S+ is (DOWN|UP)", line):
                say("     haproxy: " + line.strip()[:200])
        for s in ("s1", "s2"):
            pool[s].stop()
        check("every instance stopped with exit 0 (sanitizers clean)",
              all(r[4] for r in run.results if r[0] == "sekisho serve"),
              [r for r in run.results if r[0] == "sekisho serve" and not r[4]])
    except Exception as e:
        check("the test ran to its end", False, "%s: %s" % (type(e).__name__, e))
    finally:
        if load is not None:
            load.stop()
        if hap:
            hap.stop()
        for s in pool.values():
            if s.proc is not None:
                s.proc.kill()
                s.proc.wait()
    return run.finish(root, tmp, args.keep, checks, t_start)


def verdict_and_codes(stdout):
    """The parts of a native reply that the scan decides: verdict and reason codes."""
    import json
    try:
        r = json.loads(stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return r.get("verdict"), tuple(sorted(x.get("code", "") for x in r.get("reasons", [])))


def haproxy_log(log):
    """From the tcplog lines: (connections HAProxy redispatched, i.e. whose
    ".../retries" field has a leading "+"; sessions of s2 that ended with no
    byte from it)."""
    redispatched = cut = 0
    for line in open(log, errors="replace"):
        m = re.search(r" sekisho_pool/(\S+) [-\d]+/[-\d]+/\+?\d+ (\d+) \S\S \d+/\d+/\d+/\d+/(\+?)\d+ ", line)
        if m:
            redispatched += m.group(3) == "+"
            cut += m.group(1) == "s2" and m.group(2) == "0"
    return redispatched, cut


def main():
    return run.test_main(__file__, inside)


if __name__ == "__main__":
    sys.exit(main())
