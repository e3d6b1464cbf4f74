#!/usr/bin/env python3
"""End-to-end: the real mail gateways against `sekisho serve` (issue 14).

Each (client x message) is one check that asserts what the MTA does with the
message: reject / hold (quarantine, freeze) / accept / tempfail. Clients:
clamdscan, rspamd + rspamc, Exim (-bs with the deploy ACL), clamav-milter
driven by miltertest, Postfix with Sekisho's own milter (--milter), amavisd-new over SMTP (its CONTSCAN entry and its
streaming entry, each in its own overlay) and Haraka with haraka-plugin-clamd,
each with a small SMTP sink for what it passes on. One Sekisho daemon per
configuration: the defaults, then --max-depth 2 (the limit message), then none
(Sekisho stopped). Every configuration file is taken from deploy/ unchanged;
the test adds only site settings (listen addresses, host names, where passed
mail goes).

Where it runs: the programs live in a throwaway Debian 12 root
(tests/gateways/mkroot.sh builds it once and caches it). Each run lays an
overlay over the cached root, and runs everything in private mount, PID and
network namespaces (`unshare`): nothing listens outside the test's own
loopback, every process dies with the namespace, the mounts vanish with it.
Sekisho runs in the same root (its own binary, copied in) so that the paths
Exim and amavisd-new name in SCAN/CONTSCAN are the same for both sides: as
user sekisho in the groups deploy/README.md names, started as root with
--user/--socket-group when the binary has them, else directly as that user
(systemd's User=sekisho).

Exit 0 all passed, 1 a check failed, 77 skipped (the reason is printed)."""
import argparse
import fcntl
import os
import re
import shutil
import signal
import smtplib
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
DEPLOY = os.path.join(TOP, "deploy")
sys.path.insert(0, HERE)
import messages  # noqa: E402

SOCK = "/run/sekisho/sekisho.sock"
# Sekisho's milter socket where Debian's chrooted smtpd finds it (deploy/postfix/main.cf).
SEKISHO_MILTER_DIR = "/var/spool/postfix/sekisho"
SEKISHO_MILTER = SEKISHO_MILTER_DIR + "/milter.sock"
HOLD_RE = re.compile(r"^Heuristics\.")
SKIP = 77

# What each client must do with each verdict. clamav-milter and amavisd-new
# cannot tell two kinds of detection apart by name (one OnInfected action, one
# virus destiny): there block is held too, never delivered (deploy/README.md).
EXPECT = {
    "pass": "accept",
    "block": "reject",
    "sandbox": "hold",
    "error": "tempfail",
}
BLOCK_HELD = {"clamav-milter", "amavis-contscan", "amavis-instream"}

results = []  # (client, message, expected, got, ok, detail)
log_lock = threading.Lock()


def say(*a):
    with log_lock:
        print(*a, flush=True)


# ---------------------------------------------------------------- the root

class Root:
    """The per-run root: an overlay (or a copy) of the cached root, with proc,
    dev and the test's files."""

    def __init__(self, cached, tmp):
        self.tmp, self.cached = tmp, cached
        self.path = os.path.join(tmp, "root")
        upper, work = os.path.join(tmp, "upper"), os.path.join(tmp, "work")
        for d in (self.path, upper, work):
            os.makedirs(d)
        r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            "lowerdir=%s,upperdir=%s,workdir=%s" % (cached, upper, work),
                            self.path], capture_output=True, text=True)
        if r.returncode != 0:
            say("overlay not available (%s): copying the root" % r.stderr.strip())
            subprocess.run(["cp", "-a", "--reflink=auto", cached + "/.", self.path], check=True)
        subprocess.run(["mount", "-t", "proc", "proc", self.p("/proc")], check=True)
        subprocess.run(["mount", "--bind", "/dev", self.p("/dev")], check=True)
        with open(self.p("/etc/hostname"), "w") as f:
            f.write("mx\n")
        with open(self.p("/etc/hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n127.0.1.1 mx.sekisho.test mx\n")
        with open(self.p("/etc/mailname"), "w") as f:
            f.write("mx.sekisho.test\n")
        subprocess.run(["hostname", "mx.sekisho.test"], check=False)  # our own UTS namespace

    def p(self, path):
        return os.path.join(self.path, path.lstrip("/"))

    def cmd(self, argv, user=None, env=None):
        pre = ["chroot", self.path, "/usr/bin/env", "-i", "HOME=/root", "LANG=C.UTF-8",
               "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        pre += ["%s=%s" % kv for kv in (env or {}).items()]
        if user:
            pre += ["setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups"]
        return pre + list(argv)

    def run(self, argv, user=None, env=None, input=None, timeout=60, check=False):
        r = subprocess.run(self.cmd(argv, user, env), input=input, capture_output=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), r.returncode,
                                                    (r.stderr or b"").decode(errors="replace")[-800:]))
        return r

    def spawn(self, name, argv, user=None, env=None):
        log = open(os.path.join(self.tmp, name + ".log"), "wb")
        return subprocess.Popen(self.cmd(argv, user, env), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def install(self, src, dst, mode=0o644):
        os.makedirs(os.path.dirname(self.p(dst)), exist_ok=True)
        shutil.copyfile(src, self.p(dst))
        os.chmod(self.p(dst), mode)

    def write(self, dst, text, mode=0o644):
        os.makedirs(os.path.dirname(self.p(dst)), exist_ok=True)
        with open(self.p(dst), "w") as f:
            f.write(text)
        os.chmod(self.p(dst), mode)

    def close(self):
        for m in ("/dev", "/proc"):
            subprocess.run(["umount", "-l", self.p(m)], capture_output=True)
        subprocess.run(["umount", "-l", self.path], capture_output=True)


def remove_tree(tmp):
    """Removes the run's directory, never through a mount still under it (a /dev
    bind mount would take the machine's device nodes with it)."""
    with open("/proc/self/mountinfo") as f:
        left = [line.split()[4] for line in f if line.split()[4].startswith(tmp + "/")]
    if left:
        say("not removing %s: still mounted there: %s" % (tmp, " ".join(left)))
        return
    shutil.rmtree(tmp, ignore_errors=True)


def loopback_up():
    """Our network namespace starts with lo down."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ifr = struct.pack("16sh14x", b"lo", 0x1 | 0x8 | 0x40)  # IFF_UP|IFF_LOOPBACK|IFF_RUNNING
    fcntl.ioctl(s.fileno(), 0x8914, ifr)  # SIOCSIFFLAGS
    s.close()


def wait_for(what, probe, timeout=60, proc=None, log=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited (%d): %s" % (what, proc.returncode, tail(log)))
        try:
            if probe():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("%s did not start in %ds: %s" % (what, timeout, tail(log)))


def tail(path, n=1500):
    if not path or not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        return f.read()[-n:].decode(errors="replace")


def tcp_open(port):
    def probe():
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    return probe


def unix_open(path):
    def probe():
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            return True
        finally:
            s.close()
    return probe


# ---------------------------------------------------------------- Sekisho

class Sekisho:
    """`sekisho serve` in the root, as deploy/README.md runs it: user sekisho
    (in the groups of the MTAs whose files it reads for SCAN), socket
    /run/sekisho/sekisho.sock, group sekisho, 0660."""

    def __init__(self, root, binary, sock=SOCK, name="sekisho"):
        """sock and name: several instances in one root (tests/gateways/haproxy.py)
        each take their own socket and log name."""
        self.root, self.proc, self.n, self.sock, self.name = root, None, 0, sock, name
        if not os.path.exists(root.p("/usr/local/bin/sekisho")):
            root.install(binary, "/usr/local/bin/sekisho", 0o755)
            shutil.copytree(os.path.join(TOP, "rules"), root.p("/usr/local/share/sekisho/rules"))
        r = root.run(["/usr/local/bin/sekisho", "serve", "--help"])
        self.help = (r.stdout + r.stderr).decode(errors="replace")
        self.socket_options = "--socket-group" in self.help

    def start(self, *extra):
        self.n += 1
        os.makedirs(self.root.p("/run/sekisho"), exist_ok=True)
        env = {"SEKISHO_RULES_DIR": "/usr/local/share/sekisho/rules"}
        # The sanitizer build's settings (scripts/run) reach the daemon in the root too.
        env.update({k: v for k, v in os.environ.items() if k.endswith("SAN_OPTIONS")})
        if self.socket_options:
            # Started as root, as an init script would: it drops to --user sekisho
            # and keeps its supplementary groups; the socket gets the group and mode.
            self.root.run(["chown", "root:sekisho", "/run/sekisho"], check=True)
            argv = ["/usr/local/bin/sekisho", "serve", "--socket", self.sock, "--user", "sekisho",
                    "--socket-group", "sekisho", "--socket-mode", "0660"]
            user = None
        else:
            # An older daemon (no --socket-group): started as root it would become
            # nobody with no groups; started as User=sekisho (systemd's way) it keeps
            # its groups and binds the socket with its primary group sekisho, 0660.
            self.root.run(["chown", "sekisho:sekisho", "/run/sekisho"], check=True)
            argv = ["/usr/local/bin/sekisho", "serve", "--socket", self.sock]
            user = "sekisho"
        os.chmod(self.root.p("/run/sekisho"), 0o750)
        if "--milter " in self.help and self.name == "sekisho" and self.socket_options:
            # Postfix's native milter (deploy/postfix): the socket in the queue
            # directory, group sekisho 0660 like the other.
            self.root.run(["install", "-d", "-o", "sekisho", "-g", "sekisho", "-m", "0750",
                           SEKISHO_MILTER_DIR], check=True)
            argv += ["--milter", "unix:" + SEKISHO_MILTER]
        self.log = os.path.join(self.root.tmp, "%s-%d.log" % (self.name, self.n))
        self.proc = self.root.spawn("%s-%d" % (self.name, self.n), argv + list(extra), user=user, env=env)
        wait_for("sekisho serve", unix_open(self.root.p(self.sock)), 30, self.proc, self.log)
        st = os.stat(self.root.p(self.sock))
        say("%s serve %s: socket mode %o gid %d" % (self.name, " ".join(extra), st.st_mode & 0o777, st.st_gid))

    def kill(self):
        """kill -9: no drain, no exit status to check (its front and scanners follow it
        by the parent-death signal)."""
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def stop(self):
        """SIGTERM; the daemon must exit 0 (a sanitizer report or a crash fails a check)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        ok = rc == 0
        results.append(("sekisho serve", "exit-%d" % self.n, "exit 0", "exit %d" % rc, ok, tail(self.log, 800)))
        say("%s %s serve (run %d) exit %d%s" % ("ok  " if ok else "FAIL", self.name, self.n, rc,
                                                "" if ok else "  " + tail(self.log, 800)))
        self.proc = None


def prepare_users(root):
    """The groups deploy/README.md names: each client user in group sekisho
    (the socket); sekisho in Debian-exim and amavis (it reads the files Exim
    and amavisd-new name in SCAN/CONTSCAN)."""
    root.run(["groupadd", "--system", "sekisho"], check=True)
    root.run(["useradd", "--system", "--no-create-home", "--gid", "sekisho",
              "--groups", "Debian-exim,amavis", "--shell", "/usr/sbin/nologin", "sekisho"], check=True)
    root.run(["useradd", "--system", "--no-create-home", "--groups", "sekisho",
              "--shell", "/usr/sbin/nologin", "haraka"], check=True)
    for user in ("_rspamd", "Debian-exim", "clamav", "amavis", "postfix"):
        if root.run(["id", user]).returncode == 0:  # postfix: in roots built since issue 21
            root.run(["usermod", "-a", "-G", "sekisho", user], check=True)


# ---------------------------------------------------------------- clients

class Skip(Exception):
    """A client whose program could not be installed: its checks are SKIPPED."""


# Checks that need a daemon feature older binaries lack, named when they fail.
NEEDS = {
    "amavis-contscan": "needs SCAN/CONTSCAN of a directory (issue 14, item 5)",
}


class Client:
    name = "?"

    def __init__(self, root, tmp):
        self.root, self.tmp = root, tmp

    def start(self):
        pass

    def send(self, msg_name, path):
        """Returns (action, detail): action in accept/reject/hold/tempfail/?"""
        raise NotImplementedError

    def stop(self):
        pass


class Clamdscan(Client):
    """clamdscan --stream with deploy/clamdscan/sekisho-clamd.conf, run by a user of
    group sekisho (clamav); the action is
    what a script around it would do: exit 1 + a Heuristics. name -> hold,
    exit 1 otherwise -> reject, exit 2 -> tempfail, 0 -> accept."""
    name = "clamdscan"

    def start(self):
        self.root.install(os.path.join(DEPLOY, "clamdscan", "sekisho-clamd.conf"),
                          "/etc/sekisho/sekisho-clamd.conf")

    def send(self, msg_name, path):
        self.root.install(path, "/tmp/msg-%s.eml" % msg_name)
        r = self.root.run(["clamdscan", "--config-file=/etc/sekisho/sekisho-clamd.conf",
                           "--stream", "--no-summary", "/tmp/msg-%s.eml" % msg_name],
                          user="clamav", timeout=60)
        out = (r.stdout + r.stderr).decode(errors="replace").strip()
        if r.returncode == 0:
            return "accept", out
        if r.returncode == 1:
            m = re.search(r": (\S+) FOUND", out)
            name = m.group(1) if m else ""
            return ("hold" if HOLD_RE.match(name) else "reject"), out
        return "tempfail", out


class Rspamd(Client):
    """rspamd 3.4 with deploy/rspamd/local.d; rspamc's Action line."""
    name = "rspamd"

    def start(self):
        for f in os.listdir(os.path.join(DEPLOY, "rspamd", "local.d")):
            self.root.install(os.path.join(DEPLOY, "rspamd", "local.d", f), "/etc/rspamd/local.d/" + f)
        # Site settings: no Redis here, no DNS lists (no network in the test).
        self.root.write("/etc/rspamd/local.d/options.inc",
                        'dns { nameserver = ["127.0.0.1:53"]; timeout = 0.2s; retransmits = 1; }\n')
        # rspamd's spam score of a clean test message is noise here (no network: DNS checks
        # fail; a fixed Date): its score actions below reject are off, so "accept" means
        # Sekisho let the message through and nothing else decided.
        self.root.write("/etc/rspamd/override.d/actions.conf",
                        "greylist = null;\nadd_header = null;\nrewrite_subject = null;\n")
        self.root.write("/etc/rspamd/local.d/worker-controller.inc", 'bind_socket = "127.0.0.1:11334";\n')
        self.root.write("/etc/rspamd/local.d/worker-normal.inc", 'bind_socket = "127.0.0.1:11333";\n')
        self.root.write("/etc/rspamd/local.d/worker-proxy.inc", 'bind_socket = "127.0.0.1:11332";\n')
        os.makedirs(self.root.p("/run/rspamd"), exist_ok=True)
        self.root.run(["chown", "_rspamd:_rspamd", "/run/rspamd"], check=True)
        r = self.root.run(["rspamadm", "configtest"])
        if r.returncode != 0:
            raise RuntimeError("rspamadm configtest: " + (r.stdout + r.stderr).decode(errors="replace")[-1500:])
        self.log = os.path.join(self.tmp, "rspamd.log")
        self.proc = self.root.spawn("rspamd", ["rspamd", "-f", "-u", "_rspamd", "-g", "_rspamd"])
        wait_for("rspamd", tcp_open(11333), 60, self.proc, self.log)

    def send(self, msg_name, path):
        with open(path, "rb") as f:
            data = f.read()
        r = self.root.run(["rspamc", "-h", "127.0.0.1:11333", "-i", "192.0.2.10",
                           "--helo", "client.example", "--hostname", "client.example",
                           "-F", "sato@example.co.jp", "-r", "root@localhost", "-t", "60"],
                          input=data, timeout=90)
        out = (r.stdout + r.stderr).decode(errors="replace")
        m = re.search(r"^Action: (.+)$", out, re.M)
        action = m.group(1).strip() if m else "?"
        syms = " ".join(re.findall(r"^Symbol: ((?:SEKISHO|CLAM)\S*.*)$", out, re.M))
        mapped = {"reject": "reject", "soft reject": "tempfail", "quarantine": "hold",
                  "discard": "hold", "no action": "accept", "add header": "accept",
                  "rewrite subject": "accept", "greylist": "tempfail"}.get(action, "?")
        return mapped, "Action: %s %s" % (action, syms)

    def stop(self):
        if getattr(self, "proc", None):
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def smtp_dialogue(proc, commands, data):
    """Speaks SMTP over a pipe (exim -bs): returns [(command, code, text)]."""
    out = []

    def reply():
        lines = []
        while True:
            line = proc.stdout.readline().decode(errors="replace")
            if not line:
                return 0, "".join(lines) + "(connection closed)"
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]) if line[:3].isdigit() else 0, "".join(lines).strip()

    out.append(("greeting",) + reply())
    for c in commands:
        proc.stdin.write(c.encode() + b"\r\n")
        proc.stdin.flush()
        code, text = reply()
        out.append((c, code, text))
        if c == "DATA" and code == 354:
            body = b"\r\n".join((b"." + line if line.startswith(b".") else line)
                                for line in data.replace(b"\r\n", b"\n").split(b"\n"))
            proc.stdin.write(body + b"\r\n.\r\n")
            proc.stdin.flush()
            out.append(("<data>",) + reply())
        elif code >= 400:
            break
    return out


class Exim(Client):
    """exim4-daemon-heavy 4.96 with deploy/exim (Debian's generated configuration plus
    the localmacros and the DATA ACL): an SMTP session on `exim -odq -bs` run as
    Debian-exim; 5xx -> reject, 4xx -> tempfail, 250 and frozen -> hold, 250 -> accept."""
    name = "exim"

    def start(self):
        self.root.install(os.path.join(DEPLOY, "exim", "exim4.conf.localmacros"),
                          "/etc/exim4/exim4.conf.localmacros")
        self.root.install(os.path.join(DEPLOY, "exim", "sekisho_data_acl"), "/etc/exim4/sekisho_data_acl")
        self.root.run(["update-exim4.conf"], check=True)
        self.root.run(["exim", "-bV"], check=True)

    def send(self, msg_name, path):
        with open(path, "rb") as f:
            data = f.read()
        proc = subprocess.Popen(self.root.cmd(["exim", "-odq", "-bs"], user="Debian-exim"),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            steps = smtp_dialogue(proc, ["HELO client.example", "MAIL FROM:<sato@example.co.jp>",
                                         "RCPT TO:<root@localhost>", "DATA", "QUIT"], data)
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass
            proc.wait(30)
        final = next((s for s in steps if s[0] == "<data>"), steps[-1])
        code, text = final[1], final[2]
        if code >= 500:
            return "reject", text
        if code >= 400 or code == 0:
            return "tempfail", text
        m = re.search(r"id=(\S+)", text)
        if code != 250 or not m:
            return "?", text
        head = self.root.run(["exim", "-Mvh", m.group(1)]).stdout.decode(errors="replace")
        frozen = re.search(r"^-frozen", head, re.M) is not None
        held = re.search(r"X-Sekisho-Held: (\S+)", head)
        return ("hold" if frozen else "accept"), text + (" frozen " + (held.group(1) if held else "") if frozen else "")


def lua_quote(b):
    return '"' + "".join(chr(c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c in b" .,:;/<>@=+-_()[]")
                         else "\\%03d" % c for c in b) + '"'


MILTER_SOCK = "/var/spool/postfix/clamav/clamav-milter.ctl"


class ClamavMilter(Client):
    """clamav-milter 1.4 with deploy/clamav-milter/clamav-milter.conf, driven by
    miltertest as Postfix would drive it: SMFIR_QUARANTINE -> hold, REJECT -> reject,
    TEMPFAIL -> tempfail, ACCEPT/CONTINUE -> accept."""
    name = "clamav-milter"

    def start(self):
        self.root.install(os.path.join(DEPLOY, "clamav-milter", "clamav-milter.conf"),
                          "/etc/clamav/clamav-milter.conf")
        for d in ("/var/spool/postfix/clamav", "/run/clamav", "/var/log/clamav"):
            os.makedirs(self.root.p(d), exist_ok=True)
            self.root.run(["chown", "clamav:clamav", d], check=True)
        self.log = os.path.join(self.tmp, "clamav-milter.log")
        # It forks into the background (Foreground false, as deployed).
        proc = self.root.spawn("clamav-milter", ["clamav-milter", "--config-file=/etc/clamav/clamav-milter.conf"])
        if proc.wait(60) != 0:
            raise RuntimeError("clamav-milter exited %d: %s %s" % (proc.returncode, tail(self.log),
                                                                  tail(self.root.p("/var/log/clamav/clamav-milter.log"))))
        wait_for("clamav-milter", unix_open(self.root.p(MILTER_SOCK)), 30,
                 log=self.root.p("/var/log/clamav/clamav-milter.log"))

    def send(self, msg_name, path):
        with open(path, "rb") as f:
            data = f.read().replace(b"\r\n", b"\n")
        head, _, body = data.partition(b"\n\n")
        headers = []
        for line in head.split(b"\n"):
            if line[:1] in (b" ", b"\t") and headers:
                headers[-1][1] += b"\r\n" + line
            else:
                k, _, v = line.partition(b":")
                headers.append([k, v.lstrip(b" ")])
        body = body.replace(b"\n", b"\r\n")
        lua = ['local function step(conn, what)',
               '  local r = mt.getreply(conn)',
               '  if r ~= SMFIR_CONTINUE then',
               '    if r == SMFIR_REJECT then print("RESULT reject at " .. what)',
               '    elseif r == SMFIR_TEMPFAIL then print("RESULT tempfail at " .. what)',
               '    elseif r == SMFIR_ACCEPT then print("RESULT accept at " .. what)',
               '    elseif r == SMFIR_DISCARD then print("RESULT discard at " .. what)',
               '    elseif r == SMFIR_REPLYCODE then print("RESULT replycode at " .. what)',
               '    else print("RESULT other " .. tostring(r) .. " at " .. what) end',
               '    os.exit(0)',
               '  end',
               'end',
               'local conn = mt.connect("unix:%s")' % MILTER_SOCK,
               'if conn == nil then error("cannot connect to the milter") end',
               'mt.macro(conn, SMFIC_CONNECT, "j", "mx.sekisho.test", "_", "client.example [192.0.2.10]")',
               'if mt.conninfo(conn, "client.example", "192.0.2.10") ~= nil then error("conninfo") end',
               'step(conn, "connect")',
               '-- clamav-milter negotiates SMFIP_NOHELO: mt.helo() refuses then, which is fine',
               'if pcall(mt.helo, conn, "client.example") then step(conn, "helo") end',
               'mt.macro(conn, SMFIC_MAIL, "i", "4F00D1234", "{mail_addr}", "sato@example.co.jp")',
               'if mt.mailfrom(conn, "<sato@example.co.jp>") ~= nil then error("mailfrom") end',
               'step(conn, "mailfrom")',
               'mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", "root@localhost")',
               'if mt.rcptto(conn, "<root@localhost>") ~= nil then error("rcptto") end',
               'step(conn, "rcptto")']
        for k, v in headers:
            lua.append('if mt.header(conn, %s, %s) ~= nil then error("header") end' % (lua_quote(k), lua_quote(v)))
            lua.append('step(conn, "header")')
        lua += ['if pcall(mt.eoh, conn) then step(conn, "eoh") end  -- SMFIP_NOEOH: skipped']
        for i in range(0, len(body), 60000):
            lua.append('if mt.bodystring(conn, %s) ~= nil then error("body") end' % lua_quote(body[i:i + 60000]))
            lua.append('step(conn, "body")')
        lua += ['if mt.eom(conn) ~= nil then error("eom") end',
                'local r = mt.getreply(conn)',
                'if mt.eom_check(conn, MT_QUARANTINE) then print("RESULT hold")',
                'elseif r == SMFIR_REJECT then print("RESULT reject")',
                'elseif r == SMFIR_TEMPFAIL then print("RESULT tempfail")',
                'elseif r == SMFIR_DISCARD then print("RESULT discard")',
                'elseif r == SMFIR_REPLYCODE then print("RESULT replycode")',
                'elseif r == SMFIR_ACCEPT or r == SMFIR_CONTINUE then print("RESULT accept")',
                'else print("RESULT other " .. tostring(r)) end',
                'mt.disconnect(conn)']
        lua = ["local function main()"] + lua + ["end",
               "local ok, err = pcall(main)",
               'if not ok then print("ERROR " .. tostring(err)) end']
        script = "/tmp/milter-%s.lua" % msg_name
        self.root.write(script, "\n".join(lua) + "\n")
        r = self.root.run(["miltertest", "-s", script], timeout=120)
        out = (r.stdout + r.stderr).decode(errors="replace")
        m = re.search(r"^RESULT (\S+)(.*)$", out, re.M)
        if not m:
            return "?", out[-600:]
        action = {"hold": "hold", "reject": "reject", "tempfail": "tempfail",
                  "accept": "accept", "discard": "hold"}.get(m.group(1), "?")
        return action, m.group(0)

    def stop(self):
        try:
            with open(self.root.p("/run/clamav/clamav-milter.pid")) as f:
                os.kill(int(f.read().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass


class PostfixMilter(Client):
    """Postfix 3.7 (in an overlay of its own: it conflicts with Exim) with
    deploy/postfix/main.cf appended to Debian's main.cf (smtpd chrooted, as
    Debian ships master.cf), talking to `sekisho serve --milter` directly; fed over SMTP on 127.0.0.1:25, relaying to a sink on
    127.0.0.1:10029. 5xx -> reject, 4xx -> tempfail, 250 and in the hold
    queue (its directory; `postqueue -p` marks it `!`) -> hold, 250 and the sink got it with Sekisho's
    X-Sekisho-Verdict header -> accept."""
    name = "postfix-milter"
    sink_port = 10029

    def start(self):
        if not os.path.isdir(self.root.p("/opt/postfix-debs")):
            raise Skip("no Postfix packages in this gateways root (tests/gateways/mkroot.sh adds them)")
        if not os.path.exists(self.root.p(SEKISHO_MILTER)):
            raise Skip("this sekisho has no --milter (issue 21)")
        self.install_postfix()
        with open(os.path.join(DEPLOY, "postfix", "main.cf")) as f:
            deploy = f.read()
        with open(self.root.p("/etc/postfix/main.cf"), "a") as f:
            f.write("\n# deploy/postfix/main.cf\n" + deploy)
        # Site settings (postconf -e: each replaces Debian's line, no duplicates):
        # names, loopback only, relay everything to the sink, a log file.
        site = ["myhostname=mx.sekisho.test", "mydestination=", "inet_interfaces=loopback-only",
                "inet_protocols=ipv4", "mynetworks=127.0.0.0/8",
                "relayhost=[127.0.0.1]:%d" % self.sink_port,
                "default_transport=smtp:[127.0.0.1]:%d" % self.sink_port,
                "relay_transport=smtp:[127.0.0.1]:%d" % self.sink_port,
                "smtpd_relay_restrictions=permit_mynetworks, reject",
                "maillog_file=/var/log/postfix.log", "smtp_tls_security_level=none",
                "smtpd_tls_security_level=none"]
        self.root.run(["postconf", "-e"] + site, check=True)
        # What Debian's init script does before a chrooted smtpd starts.
        for f in ("/etc/resolv.conf", "/etc/hosts", "/etc/services", "/etc/nsswitch.conf"):
            if os.path.exists(self.root.p(f)):
                self.root.install(self.root.p(f), "/var/spool/postfix" + f)
        self.root.run(["postfix", "set-permissions"], timeout=120)
        self.root.run(["newaliases"])
        self.sink = SmtpSink(self.sink_port)
        self.log = os.path.join(self.tmp, self.name + ".log")
        # A postlog socket left by the package's set-up, with nobody reading it,
        # fills up and blocks every Postfix program that logs, master included.
        self.root.run(["rm", "-f", "/var/spool/postfix/public/postlog"])
        self.root.run(["postfix", "start"], timeout=120, check=True)
        self.started = True
        wait_for("postfix", tcp_open(25), 60, None, self.root.p("/var/log/postfix.log"))

    def install_postfix(self):
        """Postfix in a second overlay of the cached root (it conflicts with
        Exim, which the first keeps): Exim out, the downloaded packages in
        with dpkg (offline), postfix in group sekisho, and Sekisho's milter
        directory of the first root bound into its queue directory."""
        first = self.root
        d = os.path.join(self.tmp, "root-postfix")
        os.makedirs(d)
        self.root = Root(first.cached, d)
        self.second = True
        prepare_users(self.root)
        # The packages not installed yet (postfix and what it adds), chosen
        # before Exim goes so that Exim is not among them.
        # (A .deb's name is PACKAGE_VERSION_ARCH.deb.)
        r = self.root.run(["dpkg-query", "-W", "-f", "${Package}\\n"], check=True)
        installed = set(r.stdout.decode().split())
        debs = ["/opt/postfix-debs/" + f for f in sorted(os.listdir(self.root.p("/opt/postfix-debs")))
                if f.endswith(".deb") and f.split("_")[0] not in installed]
        if not any("/postfix_" in d for d in debs):
            raise RuntimeError("no postfix package among %s" % debs)
        self.root.run(["dpkg", "--purge", "--force-depends", "exim4-daemon-heavy", "exim4-base",
                       "exim4-config"], timeout=300,
                      check=True)
        self.root.run(["dpkg", "-i"] + debs, timeout=600, env={"DEBIAN_FRONTEND": "noninteractive"},
                      check=True)
        if not os.path.exists(self.root.p("/etc/postfix/main.cf")):  # debconf said "No configuration"
            shutil.copyfile(self.root.p("/usr/share/postfix/main.cf.debian"),
                            self.root.p("/etc/postfix/main.cf"))
        self.root.run(["usermod", "-a", "-G", "sekisho", "postfix"], check=True)
        os.makedirs(self.root.p(SEKISHO_MILTER_DIR), exist_ok=True)
        subprocess.run(["mount", "--bind", first.p(SEKISHO_MILTER_DIR), self.root.p(SEKISHO_MILTER_DIR)],
                       check=True)

    def held(self):
        """The hold queue's files (Postfix's hold directory is not hashed)."""
        return sorted(os.listdir(self.root.p("/var/spool/postfix/hold")))

    def postqueue_p(self):
        """`postqueue -p`, where a held message's queue id ends in `!`."""
        try:
            r = self.root.run(["postqueue", "-p"], timeout=30)
            return r.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired:
            return "(postqueue -p did not answer in 30 s)"

    def send(self, msg_name, path):
        with open(path, "rb") as f:
            data = f.read()
        mid = re.search(rb"^Message-ID: (\S+)", data, re.M | re.I).group(1)
        before_held = len(self.held())
        code, text = smtp_send(25, data)
        text = text.replace("\n", " ")
        if code >= 500:
            return "reject", "%d %s" % (code, text)
        if code >= 400 or code == 0:
            return "tempfail", "%d %s" % (code, text)
        deadline = time.time() + 60
        while time.time() < deadline:
            held = self.held()
            if len(held) > before_held:
                listing = self.postqueue_p()
                marked = [line for line in listing.splitlines() if line.split("!")[0] in held]
                return "hold", "%d %s; hold queue: %s; postqueue -p: %s" % (
                    code, text, held[-1], marked[-1] if marked else listing[:200])
            got = [m for m in self.sink.messages
                   if re.search(rb"^Message-ID: " + re.escape(mid), m.split(b"\r\n\r\n")[0], re.M | re.I)]
            if got:
                head = got[-1].split(b"\r\n\r\n")[0]
                verdicts = re.findall(rb"^X-Sekisho-Verdict: ([^\r\n]*)", head, re.M | re.I)
                if verdicts != [b"pass"]:
                    return "accept-without-headers", "%d %s; delivered with X-Sekisho-Verdict %r" % (
                        code, text, verdicts)
                return "accept", "%d %s; delivered with X-Sekisho-Verdict: pass" % (code, text)
            time.sleep(0.2)
        return "?", "%d %s (neither delivered nor held in 60 s): %s" % (
            code, text, tail(self.root.p("/var/log/postfix.log"), 600))

    def stop(self):
        if getattr(self, "started", False):
            try:
                self.root.run(["postfix", "stop"], timeout=30)
            except subprocess.TimeoutExpired:
                pass  # its processes end with the test's PID namespace
        if getattr(self, "second", False):
            subprocess.run(["umount", "-l", self.root.p(SEKISHO_MILTER_DIR)], capture_output=True)
            self.root.close()


class SmtpSink:
    """What a gateway passes on: a minimal SMTP server on 127.0.0.1:PORT (in the
    test's own network namespace) that accepts every message and keeps it."""

    def __init__(self, port):
        self.port, self.messages = port, []
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", port))
        self.srv.listen(16)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        f = conn.makefile("rb")
        conn.sendall(b"220 sink ESMTP\r\n")
        try:
            while True:
                line = f.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n" if verb == b"EHLO" else b"250 sink\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go\r\n")
                    data = []
                    while True:
                        dl = f.readline()
                        if not dl or dl in (b".\r\n", b".\n"):
                            break
                        data.append(dl[1:] if dl.startswith(b"..") else dl)
                    self.messages.append(b"".join(data))
                    conn.sendall(b"250 2.0.0 kept\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
        finally:
            conn.close()


def smtp_send(port, data):
    """One message over SMTP to 127.0.0.1:PORT: (code, text) of the final reply."""
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # smtplib leaves bytes as they are
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as s:
            s.ehlo("client.example")
            code, text = s.mail("<sato@example.co.jp>")
            if code >= 400:  # e.g. Postfix with its milter gone: 451 4.7.1 at MAIL
                return code, text.decode(errors="replace")
            code, text = s.rcpt("<root@localhost>")
            if code >= 400:
                return code, text.decode(errors="replace")
            code, text = s.data(data)
            return code, text.decode(errors="replace")
    except smtplib.SMTPResponseException as e:
        return e.smtp_code, e.smtp_error.decode(errors="replace")
    except (OSError, smtplib.SMTPException) as e:
        return 0, "%s: %s" % (type(e).__name__, e)


class Amavis(Client):
    """amavisd-new 2.13 with Debian's conf.d plus one deploy/amavis file, fed over
    SMTP on 127.0.0.1:10024, passing on to a sink on 127.0.0.1:10025. 5xx -> reject,
    4xx -> tempfail, 250 and the sink got it -> accept, 250 and the sink did not
    (discarded, quarantined) -> hold."""
    name = "amavis-contscan"
    conf = "60-sekisho-contscan"
    port = 10024
    sink_port = 10025

    def start(self):
        self.root.install(os.path.join(DEPLOY, "amavis", self.conf), "/etc/amavis/conf.d/" + self.conf)
        # Site settings: host name, loopback ports, no SpamAssassin or DKIM here.
        self.root.write("/etc/amavis/conf.d/99-test-site", """use strict;
$myhostname = 'mx.sekisho.test';
$inet_socket_bind = '127.0.0.1';
$inet_socket_port = [%d];
$forward_method = 'smtp:[127.0.0.1]:%d';
$notify_method = $forward_method;
@bypass_spam_checks_maps = (1);
$enable_dkim_verification = 0;
$enable_dkim_signing = 0;
$max_servers = 2;
$DO_SYSLOG = 0;
$LOGFILE = '/var/log/amavis.log';
$log_level = 2;
1;
""" % (self.port, self.sink_port))
        self.root.run(["sh", "-c", "touch /var/log/amavis.log && chown amavis /var/log/amavis.log"], check=True)
        self.sink = SmtpSink(self.sink_port)
        self.log = os.path.join(self.tmp, self.name + ".log")
        self.proc = self.root.spawn(self.name, ["amavisd", "foreground"])
        wait_for("amavisd-new", tcp_open(self.port), 90, self.proc, self.root.p("/var/log/amavis.log"))

    def send(self, msg_name, path):
        with open(path, "rb") as f:
            data = f.read()
        before = len(self.sink.messages)
        code, text = smtp_send(self.port, data)
        text = text.replace("\n", " ")
        if code >= 500:
            return "reject", "%d %s" % (code, text)
        if code >= 400 or code == 0:
            return "tempfail", "%d %s" % (code, text)
        # The message itself, not a notice amavis sends about it, reached the sink.
        mid = re.search(rb"^Message-ID: (\S+)", data, re.M | re.I).group(1)
        got = [m for m in self.sink.messages[before:]
               if re.search(rb"^Message-ID: " + re.escape(mid), m.split(b"\r\n\r\n")[0], re.M | re.I)]
        if got:
            subj = re.search(rb"^Subject: (.*)$", got[-1], re.M)
            return "accept", "%d %s; delivered, Subject: %s" % (code, text, subj.group(1).decode(errors="replace") if subj else "")
        return "hold", "%d %s" % (code, text)

    def stop(self):
        if getattr(self, "proc", None):
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class AmavisInstream(Amavis):
    """The same with deploy/amavis/60-sekisho-instream, in a second overlay of the
    cached root (one amavisd-new per root) that shares /run/sekisho with the first."""
    name = "amavis-instream"
    conf = "60-sekisho-instream"
    port = 10027
    sink_port = 10028

    def start(self):
        first = self.root
        d = os.path.join(self.tmp, "root2")
        os.makedirs(d)
        self.root = Root(first.cached, d)
        prepare_users(self.root)
        os.makedirs(self.root.p("/run/sekisho"), exist_ok=True)
        subprocess.run(["mount", "--bind", first.p("/run/sekisho"), self.root.p("/run/sekisho")], check=True)
        Amavis.start(self)

    def stop(self):
        Amavis.stop(self)
        subprocess.run(["umount", "-l", self.root.p("/run/sekisho")], capture_output=True)
        self.root.close()


class Haraka(Client):
    """Haraka 3.3 (npm, run by node 20) with haraka-plugin-clamd and deploy/haraka,
    fed over SMTP on 127.0.0.1:2525, passing on to a sink on 127.0.0.1:10026.
    5xx -> reject, 4xx -> tempfail, 250 and held by sekisho_hold -> hold, 250 and
    the sink got it -> accept."""
    name = "haraka"
    port = 2525
    sink_port = 10026

    def start(self):
        unavailable = self.root.p("/opt/haraka/.unavailable")
        if os.path.exists(unavailable):
            with open(unavailable) as f:
                raise Skip(f.read().strip())
        # A Haraka instance as its documentation makes one (haraka -i), then deploy/haraka.
        self.root.run(["/usr/local/bin/node20", "/opt/haraka/node_modules/Haraka/bin/haraka",
                       "-i", "/etc/haraka"], check=True)
        src = os.path.join(DEPLOY, "haraka")
        for sub in ("config", "plugins"):
            for f in os.listdir(os.path.join(src, sub)):
                self.root.install(os.path.join(src, sub, f), "/etc/haraka/%s/%s" % (sub, f))
        # Site settings: where to listen, whom to accept mail for, where to pass it on.
        # Haraka drops to user=/group= without the user's other groups: group=sekisho
        # is what lets it reach the socket (deploy/README.md).
        self.root.write("/etc/haraka/config/smtp.ini",
                        "[main]\nlisten=127.0.0.1:%d\nuser=haraka\ngroup=sekisho\nnodes=0\n"
                        "daemonize=false\n" % self.port)
        self.root.write("/etc/haraka/config/host_list", "localhost\n")
        self.root.write("/etc/haraka/config/me", "mx.sekisho.test\n")
        self.root.write("/etc/haraka/config/smtp_forward.ini",
                        "host=127.0.0.1\nport=%d\nenable_tls=false\n" % self.sink_port)
        self.root.write("/etc/haraka/config/log.ini", "[main]\nlevel=info\ntimestamps=true\n")
        os.makedirs(self.root.p("/var/spool/haraka/hold"), exist_ok=True)
        os.makedirs(self.root.p("/etc/haraka/queue"), exist_ok=True)
        self.root.run(["chown", "haraka:haraka", "/etc/haraka/queue"], check=True)
        self.root.run(["chown", "-R", "haraka:haraka", "/var/spool/haraka"], check=True)
        self.sink = SmtpSink(self.sink_port)
        self.log = os.path.join(self.tmp, "haraka.log")
        self.proc = self.root.spawn("haraka", ["/usr/local/bin/node20",
                                               "/opt/haraka/node_modules/Haraka/bin/haraka",
                                               "-c", "/etc/haraka"])
        wait_for("haraka", tcp_open(self.port), 60, self.proc, self.log)

    def held(self):
        return [f for f in os.listdir(self.root.p("/var/spool/haraka/hold")) if not f.startswith(".")]

    def send(self, msg_name, path):
        with open(path, "rb") as f:
            data = f.read()
        before, held_before = len(self.sink.messages), len(self.held())
        code, text = smtp_send(self.port, data)
        text = text.replace("\n", " ")
        if code >= 500:
            return "reject", "%d %s" % (code, text)
        if code >= 400 or code == 0:
            return "tempfail", "%d %s" % (code, text)
        if len(self.held()) > held_before:
            return "hold", "%d %s" % (code, text)
        if len(self.sink.messages) > before:
            return "accept", "%d %s" % (code, text)
        return "?", "%d %s (neither passed on nor held)" % (code, text)

    def stop(self):
        if getattr(self, "proc", None):
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


CLIENTS = [Clamdscan, Rspamd, Exim, ClamavMilter, PostfixMilter, Amavis, AmavisInstream, Haraka]


# ---------------------------------------------------------------- main

def expected(client, verdict):
    if verdict == "block" and client in BLOCK_HELD:
        return "hold"
    return EXPECT[verdict]


def run_phase(clients, names, paths):
    """Every client gets every message of this phase, clients in parallel."""
    def one(c):
        for name in names:
            verdict = next(v for n, _, v in messages.MESSAGES if n == name)
            want = expected(c.name, verdict)
            t0 = time.time()
            try:
                got, detail = c.send(name, paths[name])
            except Exception as e:  # a client that crashed is a failed check, never a pass
                got, detail = "?", "%s: %s" % (type(e).__name__, e)
            ok = got == want
            results.append((c.name, name, want, got, ok, detail))
            say("%s %-16s %-16s want %-8s got %-8s %.1fs  %s" % ("ok  " if ok else "FAIL", c.name, name,
                                                                   want, got, time.time() - t0,
                                                                   "" if ok else detail[:400]))
    threads = [threading.Thread(target=one, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def inside(args):
    t_start = time.time()
    loopback_up()
    tmp = tempfile.mkdtemp(prefix="sekisho-gateways.")
    os.chmod(tmp, 0o755)
    root = Root(args.inside, tmp)
    sek = None
    started = []
    try:
        prepare_users(root)
        paths = messages.make(os.path.join(tmp, "messages"))
        sek = Sekisho(root, args.sekisho)
        if not sek.socket_options:
            say("note: this sekisho has no --socket-group/--socket-mode: started as user sekisho "
                "(systemd's User=sekisho), the socket takes its primary group")
        sek.start()
        want = [c for c in CLIENTS if not args.only or c.name in args.only.split(",")]

        def start(c):
            t0 = time.time()
            try:
                c.start()
                started.append(c)
                say("started %s in %.1fs" % (c.name, time.time() - t0))
            except Skip as e:
                say("SKIP %s: %s" % (c.name, e))
                for name, _, v in messages.MESSAGES:
                    results.append((c.name, name, expected(c.name, v), "skip", None, str(e)))
            except Exception as e:
                say("FAIL could not start %s: %s" % (c.name, e))
                for name, _, v in messages.MESSAGES:
                    results.append((c.name, name, expected(c.name, v), "?", False, "client did not start"))
        clients = [C(root, tmp) for C in want]
        threads = [threading.Thread(target=start, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        order = [c for c in clients if c in started]
        main = [n for n, _, _ in messages.MESSAGES if n not in ("limit-depth", "sekisho-stopped")]
        run_phase(order, main, paths)
        sek.stop()
        sek.start("--max-depth", "2")
        run_phase(order, ["limit-depth"], paths)
        sek.stop()
        run_phase(order, ["sekisho-stopped"], paths)
    finally:
        for c in started:
            try:
                c.stop()
            except Exception:
                pass
        if sek:
            sek.stop()
        if args.keep:
            say("kept: %s (logs there)" % tmp)
        root.close()
        if not args.keep:
            remove_tree(tmp)
    report(time.time() - t_start)
    return 0 if all(r[4] is not False for r in results) else 1


def report(elapsed):
    names = [n for n, _, _ in messages.MESSAGES]
    seen = {r[0] for r in results}
    clients = [C.name for C in CLIENTS if C.name in seen]
    cell = {(r[0], r[1]): r for r in results}
    w = max([len(c) for c in clients] + [6])
    print("\n%-*s  %s" % (w, "client", "  ".join("%-15s" % n for n in names)))
    for c in clients:
        row = []
        for n in names:
            r = cell.get((c, n))
            row.append("%-15s" % ("-" if r is None else (r[3] if r[4] is not False else "%s!=%s" % (r[3], r[2]))))
        print("%-*s  %s" % (w, c, "  ".join(row)))
    passed = sum(1 for r in results if r[4])
    failed = sum(1 for r in results if r[4] is False)
    skipped = sum(1 for r in results if r[4] is None)
    print("(a cell is the action the MTA took; X!=Y: took X, must take Y; clamav-milter and amavis hold block)")
    for c in clients:
        if c in NEEDS and any(r[0] == c and r[4] is False for r in results):
            print("%s: %s" % (c, NEEDS[c]))
    print("%d passed, %d failed%s (%.0fs)" % (passed, failed, ", %d skipped" % skipped if skipped else "", elapsed),
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    ap.add_argument("--only", help="comma-separated client names")
    ap.add_argument("--keep", action="store_true", help="keep the run's directory and logs")
    ap.add_argument("--inside", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inside:
        return inside(args)
    extra = []
    if args.only:
        extra += ["--only", args.only]
    if args.keep:
        extra.append("--keep")
    return enter(__file__, args.sekisho, extra)


def finish(root, tmp, keep, checks, t_start):
    """The end of a test in the root, whatever happened: the root's mounts
    undone, the run's directory kept (--keep) or removed, and `N passed, M
    failed` over checks (name, ok, detail). Returns the exit code."""
    if keep:
        say("kept: %s (logs there)" % tmp)
    root.close()
    if not keep:
        remove_tree(tmp)
    failed = sum(1 for c in checks if not c[1])
    print("%d passed, %d failed (%.0fs)" % (len(checks) - failed, failed, time.time() - t_start),
          flush=True)
    return 1 if failed else 0


def test_main(script, inside, program="--sekisho", dest="sekisho", help=None):
    """The command line of a test that runs in the root: PROGRAM (the file
    to copy in), --keep, and the hidden --inside ROOT that enter() passes
    when it runs the script again in the namespaces; inside(args) then runs
    the test there."""
    ap = argparse.ArgumentParser()
    names = [program] if program == "--sekisho" else [program, "--sekisho"]
    ap.add_argument(*names, dest=dest, required=True, help=help)
    ap.add_argument("--keep", action="store_true", help="keep the run's directory and logs")
    ap.add_argument("--inside", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inside:
        return inside(args)
    return enter(script, getattr(args, dest), ["--keep"] if args.keep else [])


def enter(script, sekisho, extra):
    """From the host: checks what the test needs, gets the cached root
    (mkroot.sh) and runs `script --sekisho BIN --inside ROOT extra...` in new
    mount, PID, network, UTS and IPC namespaces. Its exit code, or 77 (skip)."""
    if os.geteuid() != 0:
        print("SKIP: needs root (chroot, mounts, namespaces)")
        return SKIP
    for tool in ("unshare", "chroot", "zip"):
        if not shutil.which(tool):
            print("SKIP: no %s on this machine" % tool)
            return SKIP
    r = subprocess.run([os.path.join(HERE, "mkroot.sh")], stdout=subprocess.PIPE, text=True)
    if r.returncode == SKIP:
        print("SKIP: the gateways' Debian 12 root cannot be made (reason above)")
        return SKIP
    if r.returncode != 0:
        print("FAIL: building the gateways' root failed (exit %d)" % r.returncode)
        return 1
    cached = r.stdout.strip().splitlines()[-1]
    # Mounts made in our namespace stay there (private propagation). Inside a chroot whose
    # "/" is not a mount point (fresh-check's) unshare cannot set that: propagation is left
    # as it is, and every mount the test makes is unmounted by the test (Root.close).
    propagation = "private"
    if subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                      capture_output=True).returncode != 0:
        propagation = "unchanged"
        print("note: / is not a mount point here (a chroot?): mount propagation left unchanged", flush=True)
    argv = ["unshare", "--mount", "--propagation", propagation, "--pid", "--net", "--uts", "--ipc",
            "--fork", "--kill-child", sys.executable, os.path.abspath(script),
            "--sekisho", os.path.abspath(sekisho), "--inside", cached] + extra
    return subprocess.run(argv).returncode


if __name__ == "__main__":
    sys.exit(main())
