#!/usr/bin/env python3
"""`sekisho serve` confined (issue 7, daemon hardening), over a real socket:

- started as root with --user nobody, the front and every scanner process
  run as nobody in every uid and gid, with no supplementary groups and no
  capability, the socket handed to nobody (mode 0660 kept); /proc/PID/status
  of each shows the seccomp filter (Seccomp: 2) and no_new_privs; the parent
  stays root, unconfined, and touches no client byte (issue 15);
- under the filter it scans inputs that reach GMime and iconv (ISO-2022-JP,
  windows-1251), libgsf and VBA, BIFF, OOXML, RTF, every libarchive family
  and a ratio limit, answering exactly what `sekisho scan` (unconfined)
  answers, through the native protocol and clamd SCAN of a path; clamd
  CONTSCAN/MULTISCAN of a 0750 folder (issue 14, item 5);
- the rules folder and the policy file live in a root-only (0700) folder:
  SIGHUP reloads both (the parent compiles, a new generation of scanners
  loads them, the old ones retire), a broken rule keeps the old generation,
  SIGTERM drains and exits 0 and every child goes with it; a parent killed
  outright takes its children along (parent-death signal);
- --no-sandbox leaves the filter off (Seccomp: 0); --user root is refused.

The refusals themselves (execve, socket, open for writing, fork, W+X memory)
are shown by unit_sandbox. Prints `N passed, M failed`; exits 77 when not
run as root (the drop cannot be shown then) after the unprivileged checks.
"""
import argparse
import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# Fixture cases whose inputs take the daemon through each library.
CASES = [
    "messages/ja_iso2022jp_emotet_reply", "messages/ru_windows1251_parol",
    "messages/uuencoded_eicar_in_body", "ole2/vba_autoopen_shell", "ole2/equation_native",
    "biff/xls_no_macro_passes", "biff/slk_plain_passes", "ooxml/xlsm_macrosheet_xlm", "rtf/package_obfuscated_eicar",
    "formats/7z", "formats/rar5", "formats/tar_zst", "formats/cab", "formats/iso9660",
    "formats/lha", "formats/xar", "bad/gzip_bomb_ratio", "bad/truncated_zip",
    # OpenSSL (Office decryption), zlib (PDF), the dropper unpackers
    "offcrypto/agile_docm_body_password", "offcrypto/ppt_rc4_embedded_eicar",
    "pdf/embedded_eicar_blocks", "html/smuggled_eicar_blocks", "onenote/embedded_hta_bat_exe",
    "droppers/lnk_encoded_command", "droppers/iso_exe_and_lnk", "droppers/vhd_fixed_lnk",
    "scripts/vbe_decoded", "scripts/powershell_encoded_in_bat",
]
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  " + str(detail)[:800]), flush=True)


class Server:
    def __init__(self, sekisho, tmp, name, *args):
        self.sock = os.path.join(tmp, name + ".sock")
        self.log_path = os.path.join(tmp, name + ".log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([sekisho, "serve", "--socket", self.sock, *args],
                                         stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.log())
            if "serving with" in self.log():
                return
            time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.log())

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def kids(self, name=None):
        """The parent's children, or those whose comm is name."""
        out = []
        for pid in children(self.proc.pid):
            try:
                with open("/proc/%d/comm" % pid) as f:
                    comm = f.read().strip()
            except OSError:
                continue
            if name is None or comm == name:
                out.append(pid)
        return out

    def status(self):
        """/proc status of the front: the process that serves clients."""
        front = self.kids("sekisho-front")
        return proc_status(front[0]) if front else {}

    def exchange(self, payload):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        s.connect(self.sock)
        s.sendall(payload)
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return data

    def native(self, id_, data, type_):
        head = json.dumps({"id": id_, "type": type_, "size": len(data)}).encode() + b"\n"
        reply = self.exchange(head + data)
        return json.loads(reply) if reply else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        log = self.log()
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if marker in log:
                check("no sanitizer report from %s" % os.path.basename(self.sock), False,
                      log[log.index(marker) - 200:][:2000])
        return self.proc.returncode


def build_case(case, tmp):
    """Runs a fixture case's .sh (as run_cases.py does): (path, expect)."""
    script = os.path.join(HERE, "cases", case + ".sh")
    with open(script[:-3] + ".json", encoding="utf-8") as f:
        expect = json.load(f)
    folder = os.path.join(tmp, case.replace("/", "_"))
    os.makedirs(os.path.join(folder, "build"))
    out = os.path.join(folder, expect.get("input", "input.bin"))
    eicar = os.path.join(tmp, "eicar.com")
    env = dict(os.environ, OUT=out, EICAR=eicar, PY=sys.executable,
               FIXTURES=os.path.join(HERE, "fixtures"),
               MKARCHIVE="%s %s" % (sys.executable, os.path.join(HERE, "fixtures", "mkarchive.py")))
    subprocess.run(["bash", "-eu", script], cwd=os.path.join(folder, "build"), env=env,
                   check=True, capture_output=True)
    os.chmod(folder, 0o755)
    os.chmod(out, 0o644)
    return out, expect


def codes(result):
    return sorted({r["code"] for r in result.get("reasons", [])})


def test_scans(srv, sekisho, tmp):
    for case in CASES:
        path, expect = build_case(case, tmp)
        if expect.get("args"):
            continue
        cli = subprocess.run([sekisho, "scan", path], capture_output=True, timeout=120)
        want = json.loads(cli.stdout)
        with open(path, "rb") as f:
            data = f.read()
        got = srv.native(os.path.basename(path), data, "message" if path.endswith(".eml") else "file")
        check("confined native scan of %s: %s %s" % (case, want["verdict"], codes(want)),
              got and got.get("verdict") == want["verdict"] == expect["verdict"]
              and codes(got) == codes(want), got)
        reply = srv.exchange(b"nSCAN " + path.encode() + b"\n").decode(errors="replace")
        ok = reply.endswith(": OK\n") if want["verdict"] == "pass" else reply.endswith(" FOUND\n")
        check("confined clamd SCAN of %s" % case, ok and path in reply, reply)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def proc_status(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return {}


def gone(pid, timeout=10):
    """True once pid has exited (gone, or a zombie nobody reaps here)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = proc_status(pid)
        if not st or st.get("State", "").startswith("Z"):
            return True
        time.sleep(0.05)
    return False


def wait_for(predicate, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def wait_log(srv, text, start, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in srv.log()[start:]:
            return True
        time.sleep(0.05)
    return False


def test_processes(srv, root):
    """The parent's children: one front and a scanner per worker, all
    confined; started as root all but the parent are nobody with no
    capability."""
    # Scanners are forked as the front starts and confine themselves once
    # their engine is loaded: wait until both say they are ready.
    deadline = time.time() + 20
    while srv.log().count(") ready: ") < 2 and time.time() < deadline:
        time.sleep(0.05)
    fronts, scanners = srv.kids("sekisho-front"), srv.kids("sekisho-scan")
    check("the parent's children: one front and two scanners",
          len(fronts) == 1 and len(scanners) == 2, (fronts, scanners))
    nobody = pwd.getpwnam("nobody")
    for pid in fronts + scanners:
        st = proc_status(pid)
        name = "front" if pid in fronts else "scanner %d" % pid
        check("%s: under the seccomp filter with no_new_privs" % name,
              st.get("Seccomp") == "2" and st.get("NoNewPrivs") == "1", st)
        if root:
            check("%s: nobody in every uid and gid, no group, no capability" % name,
                  st["Uid"].split() == [str(nobody.pw_uid)] * 4
                  and st["Gid"].split() == [str(nobody.pw_gid)] * 4
                  and st["Groups"].strip() == "" and int(st["CapEff"], 16) == 0
                  and int(st["CapPrm"], 16) == 0, st)
    parent = proc_status(srv.proc.pid)
    if root:
        check("the parent stays root to bind, compile root-only rules and restart children",
              parent["Uid"].split()[0] == "0", parent)
    return fronts + scanners


def test_directory(srv, tmp, root):
    """clamd CONTSCAN of a folder under the filter (openat, getdents64): a
    0750 folder of the serving user's group, as amavis's parts folder is."""
    parts = os.path.join(tmp, "parts")
    os.mkdir(parts)
    with open(os.path.join(parts, "p001"), "wb") as f:
        f.write(b"Dear customer,\nthe minutes are attached.\n")
    with open(os.path.join(parts, "p002"), "wb") as f:
        f.write(EICAR)
    clean = os.path.join(parts, "sub")
    os.mkdir(clean)
    with open(os.path.join(clean, "p003"), "wb") as f:
        f.write(b"plain text\n")
    for dirpath, dirs, files in os.walk(parts):
        for name in [dirpath] + [os.path.join(dirpath, x) for x in files]:
            if root:
                os.chown(name, 0, grp.getgrnam("nogroup").gr_gid)
            os.chmod(name, 0o750 if os.path.isdir(name) else 0o640)
    reply = srv.exchange(b"nCONTSCAN " + parts.encode() + b"\n").decode(errors="replace")
    check("confined CONTSCAN of a 0750 folder: the detection, no OK",
          reply == "%s/p002: Sekisho.EICAR_Test_File FOUND\n" % parts, reply)
    reply = srv.exchange(b"nMULTISCAN " + clean.encode() + b"\n").decode(errors="replace")
    check("confined MULTISCAN of a clean folder: OK", reply == "%s: OK\n" % clean, reply)


def test_reload_and_drain(srv, rules_dir, policy, kids):
    marker = b"hello SEKISHO-SANDBOX-MARKER\n"
    blob = bytes(range(256)) * 64  # unknown binary: content.unknown, sandbox by default
    r = srv.native("before", marker, "file")
    check("before SIGHUP the marker passes", r and r.get("verdict") == "pass", r)
    r = srv.native("blob-before", blob, "file")
    check("before SIGHUP unknown binary content is sandboxed",
          r and r.get("verdict") == "sandbox" and "content.unknown" in codes(r), r)
    with open(os.path.join(rules_dir, "marker.yar"), "w") as f:
        f.write('rule Sandbox_Marker { meta: verdict = "block" '
                'strings: $a = "SEKISHO-SANDBOX-MARKER" condition: $a }\n')
    with open(policy, "a") as f:
        f.write("content.unknown = pass\n")
    old_scanners = srv.kids("sekisho-scan")
    start = len(srv.log())
    srv.proc.send_signal(signal.SIGHUP)
    wait_log(srv, "rules reloaded", start)
    r = srv.native("after", marker, "file")
    retired = all(gone(k) for k in old_scanners)
    # A retired scanner stays in the parent's children file as a zombie
    # until the parent's loop reaps it: wait for the reaping, not only the exit.
    check("SIGHUP: the scanners of generation 1 retire (they exit and are reaped)",
          retired and wait_for(lambda: len(srv.kids("sekisho-scan")) == 2),
          (old_scanners, srv.kids("sekisho-scan")))
    check("SIGHUP as nobody reloads rules kept in a root-only folder",
          r and r.get("verdict") == "block" and "rules reloaded" in srv.log()[start:],
          (r, srv.log()[-600:]))
    r = srv.native("blob-after", blob, "file")
    check("SIGHUP as nobody reloads the policy file kept in a root-only folder",
          r and r.get("verdict") == "pass", r)
    with open(os.path.join(rules_dir, "broken.yar"), "w") as f:
        f.write("rule Broken { strings: $a = \"x\" condition: $a and and }\n")
    start = len(srv.log())
    srv.proc.send_signal(signal.SIGHUP)
    wait_log(srv, "refused", start)
    log = srv.log()[start:]
    check("a broken rule: refused, the compile error in the log, generation 2 kept",
          re.search(r"SIGHUP: new rules refused, keeping generation 2: .*broken\.yar", log)
          is not None, log[-800:])
    r = srv.native("after-broken", marker, "file")
    check("a broken rule: the old rules still serve", r and r.get("verdict") == "block", r)
    check("still confined after the reloads", srv.status().get("Seccomp") == "2", srv.status())
    code = srv.stop()
    check("SIGTERM under the filter: drained, exit 0",
          code == 0 and "stopped:" in srv.log(), (code, srv.log()[-600:]))
    check("SIGTERM: every child exits with the parent", all(gone(k) for k in kids),
          [proc_status(k) for k in kids])


def test_identity(srv, user):
    st = srv.status()
    uid, gid = str(user.pw_uid), str(user.pw_gid)
    check("Uid is nobody's in all four fields", st["Uid"].split() == [uid] * 4, st["Uid"])
    check("Gid is nobody's group in all four fields", st["Gid"].split() == [gid] * 4, st["Gid"])
    check("no supplementary groups", st["Groups"].strip() == "", st["Groups"])
    check("seccomp filter mode and no_new_privs",
          st.get("Seccomp") == "2" and st.get("NoNewPrivs") == "1", st)
    mode = os.stat(srv.sock)
    check("the socket belongs to nobody, mode 0660",
          mode.st_uid == user.pw_uid and mode.st_gid == user.pw_gid
          and stat.S_IMODE(mode.st_mode) == 0o660, (mode.st_uid, mode.st_gid, oct(mode.st_mode)))
    log = srv.log()
    check("the log says whom the front and scanners run as and what the filter allows",
          "running as nobody" in log and "seccomp filter on:" in log, log[-600:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    args = ap.parse_args()
    sekisho = os.path.abspath(args.sekisho)
    tmp = tempfile.mkdtemp(prefix="sekisho-sandbox-")
    os.chmod(tmp, 0o755)  # the confined daemon reads SCAN paths and rules here
    with open(os.path.join(tmp, "eicar.com"), "wb") as f:
        f.write(EICAR)
    # The operator's rules and policy in a folder only root can enter (a
    # clone in /root): the front and scanners, nobody, cannot read them; the
    # parent compiles them.
    private = os.path.join(tmp, "private")
    os.mkdir(private, 0o700)
    os.chmod(private, 0o700)
    rules_dir = os.path.join(private, "rules")
    os.mkdir(rules_dir, 0o700)
    policy = os.path.join(private, "policy.conf")
    with open(policy, "w") as f:
        f.write("# reloaded with the rules; the defaults the fixture cases expect\nrtf.object = pass\n")
    os.chmod(policy, 0o600)
    root = os.geteuid() == 0
    servers = []
    try:
        extra = ["--user", "nobody"] if root else []
        srv = Server(sekisho, tmp, "confined", "--workers", "2", "--rules", rules_dir,
                     "--policy", policy, *extra)
        servers.append(srv)
        kids = test_processes(srv, root)
        if root:
            test_identity(srv, pwd.getpwnam("nobody"))
            refused = subprocess.run([sekisho, "serve", "--socket", os.path.join(tmp, "root.sock"),
                                      "--user", "root"], capture_output=True, timeout=60)
            check("--user root is refused (exit 2, the log says why)",
                  refused.returncode == 2 and b"is root" in refused.stderr, refused.stderr[-300:])
        else:
            check("unprivileged: still confined", srv.status().get("Seccomp") == "2", srv.status())
        test_scans(srv, sekisho, tmp)
        test_directory(srv, tmp, root)
        test_reload_and_drain(srv, rules_dir, policy, kids)
        loose = Server(sekisho, tmp, "loose", "--workers", "1", "--no-sandbox")
        servers.append(loose)
        check("--no-sandbox: no filter", loose.status().get("Seccomp") == "0", loose.status())
        r = loose.native("loose", b"plain text\n", "file")
        check("--no-sandbox still scans", r and r.get("verdict") == "pass", r)
        # SIGHUP while a scanner is dead and being replaced: the reload
        # still happens, serving goes on.
        for k in loose.kids("sekisho-scan"):
            os.kill(k, signal.SIGKILL)
        start = len(loose.log())
        loose.proc.send_signal(signal.SIGHUP)
        wait_log(loose, "rules reloaded", start)
        r = loose.native("loose-2", b"plain text\n", "file")
        check("a scanner killed, then SIGHUP: reloaded, requests still served",
              "rules reloaded (generation 2" in loose.log()[start:] and r
              and r.get("verdict") == "pass", (loose.log()[start:][-600:], r))
        check("--no-sandbox exits 0 on SIGTERM", loose.stop() == 0, loose.log()[-400:])
        killed = Server(sekisho, tmp, "killed", "--workers", "1")
        servers.append(killed)
        # Both children started (the socket answers before they do).
        deadline = time.time() + 20
        while len(killed.kids()) < 2 and time.time() < deadline:
            time.sleep(0.05)
        kids = killed.kids()
        killed.proc.kill()
        killed.proc.wait()
        check("a parent killed outright takes its front and scanner along (parent-death signal)",
              len(kids) == 2 and all(gone(k, 30) for k in kids), (kids, [proc_status(k) for k in kids]))
    except Exception as e:  # noqa: BLE001
        check("no exception in the test itself", False, repr(e))
    finally:
        for s in servers:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    if failed:
        return 1
    return 0 if root else 77


if __name__ == "__main__":
    sys.exit(main())
