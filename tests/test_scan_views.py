#!/usr/bin/env python3
"""`sekisho scan` on mailboxes and with --format tree. Mailboxes are written
by Python's mailbox module (an independent mbox writer) or by hand where the
test needs exact bytes (mboxrd escapes, no trailing newline); the nested
fixture is made with Info-ZIP zip and Python's email package."""
import argparse
import email.message
import hashlib
import mailbox
import os
import re
import subprocess
import sys
import tempfile
import zipfile

import test_cli
from test_cli import EICAR, check, run

ENVELOPE = b"From MAILER-DAEMON Thu Dec  3 17:50:43 2026\n"


def message(subject, body):
    m = email.message.EmailMessage()
    m["From"] = "sender@example.com"
    m["To"] = "rcpt@example.com"
    m["Subject"] = subject
    m.set_content(body)
    return m


def write_mailbox(path, bodies):
    box = mailbox.mbox(path)
    for i, body in enumerate(bodies):
        box.add(message(f"message {i + 1}", body))
    box.close()


def by_id(lines):
    return {l["id"]: l for l in lines}


def test_three_messages(sekisho, tmp):
    path = os.path.join(tmp, "three.mbox")
    write_mailbox(path, ["first, clean\n", "second, clean\n", EICAR.decode() + "\n"])
    code, lines, _, err = run(sekisho, "scan", path)
    ids = by_id(lines)
    check("mbox: one line per message, ids path#1..#3",
          sorted(ids) == [f"{path}#{n}" for n in (1, 2, 3)], sorted(ids))
    check("mbox: EICAR found in the third message only",
          [ids.get(f"{path}#{n}", {}).get("verdict") for n in (1, 2, 3)] == ["pass", "pass", "block"],
          [l.get("verdict") for l in lines])
    check("mbox: each message is scanned as a message",
          all(l["tree"]["type"] == "eml" for l in lines), [l["tree"]["type"] for l in lines])
    check("mbox: exit 1, summary counts messages", code == 1 and "3 messages from 1 mailbox" in err
          and "block 1" in err and "pass 2" in err, err)
    code, lines, _, _ = run(sekisho, "scan", "--no-mbox", path)
    check("--no-mbox: the mailbox is one input", len(lines) == 1 and lines[0]["id"] == path, lines)


def test_mboxrd_and_no_trailing_newline(sekisho, tmp):
    """Message 2 has mboxrd-escaped lines; message 3 ends without a newline.
    The scanned bytes (the root's SHA-256 and size) are the un-escaped ones."""
    second = (b"Subject: two\n\nFrom the start of a line\n>From a quoted line\n"
              b"plain >From in the middle\nbye\n")
    third = b"Subject: three\n\nno newline at the end"
    escaped = re.sub(rb"(?m)^(>*From )", rb">\1", second)
    data = (ENVELOPE + b"Subject: one\n\nhello\n\n" + ENVELOPE + escaped + b"\n" + ENVELOPE + third)
    path = os.path.join(tmp, "rd.mbox")
    with open(path, "wb") as f:
        f.write(data)
    _, lines, _, _ = run(sekisho, "scan", path)
    ids = by_id(lines)
    two, three = ids.get(path + "#2", {}), ids.get(path + "#3", {})
    check("mboxrd: >From lines un-escaped (size and SHA-256 of the message)",
          two.get("tree", {}).get("size") == len(second)
          and two["tree"].get("sha256") == hashlib.sha256(second).hexdigest(), two.get("tree"))
    check("mbox: a last message without a trailing newline is whole",
          three.get("tree", {}).get("size") == len(third)
          and three["tree"].get("sha256") == hashlib.sha256(third).hexdigest(), three.get("tree"))
    check("mbox: the first message ends before the separating blank line",
          ids.get(path + "#1", {}).get("tree", {}).get("size") == len(b"Subject: one\n\nhello\n"))


def test_single_and_not_a_mailbox(sekisho, tmp):
    one = os.path.join(tmp, "one.mbox")
    write_mailbox(one, ["only one\n"])
    _, lines, _, err = run(sekisho, "scan", one)
    check("mbox of one message: one line with the file's own id (an .eml with its envelope line)",
          [l["id"] for l in lines] == [one] and "1 messages from 1 mailbox" in err, lines)
    check("mbox of one message: the envelope line is not part of the message",
          lines and lines[0]["tree"]["type"] == "eml"
          and lines[0]["tree"]["size"] == os.path.getsize(one) - len(ENVELOPE) - 1, lines)
    desk = os.path.join(tmp, "letter.txt")
    with open(desk, "w") as f:
        f.write("From the desk of the director\n\nFrom now on, all invoices go to accounts.\n\n"
                "From MAILER-DAEMON Thu Dec  3 17:50:43 2026\nnot an envelope: no mailbox began\n")
    _, lines, _, err = run(sekisho, "scan", desk)
    check("'From the desk of...' is plain text, not a mailbox",
          [l["id"] for l in lines] == [desk] and "1 files" in err and "mailbox" not in err, (lines, err))


def test_message_over_max_bytes(sekisho, tmp):
    path = os.path.join(tmp, "big-one.mbox")
    write_mailbox(path, ["small\n", "x" * 5000 + "\n", "small too\n"])
    _, lines, _, _ = run(sekisho, "scan", "--max-bytes", "2K", path)
    ids = by_id(lines)
    big = ids.get(path + "#2", {})
    check("mbox: a message over --max-bytes is its own limit verdict",
          big.get("verdict") == "sandbox" and any(r["code"] == "limit.size" for r in big.get("reasons", []))
          and ids.get(path + "#1", {}).get("verdict") == "pass"
          and ids.get(path + "#3", {}).get("verdict") == "pass", [(l["id"], l["verdict"]) for l in lines])


def max_rss_kib(argv):
    """Runs argv, returns (its peak RSS in KiB, exit code, stdout lines)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss, p.returncode, out.decode().splitlines()


def test_large_mailbox_streamed(sekisho, tmp):
    """2,000 messages of ~40 KB (about 80 MB): the peak RSS stays far below
    the mailbox's size over that of scanning one such message."""
    path = os.path.join(tmp, "large.mbox")
    box = mailbox.mbox(path)
    filler = ("All work and no play makes Jack a dull boy. " * 900 + "\n")
    for i in range(2000):
        box.add(message(f"bulk {i}", f"message {i}\n" + filler))
    box.close()
    size_kib = os.path.getsize(path) // 1024
    single = os.path.join(tmp, "single.mbox")
    write_mailbox(single, ["message 0\n" + filler])
    base_rss, _, _ = max_rss_kib([sekisho, "scan", "--jobs", "2", single])
    rss, code, out = max_rss_kib([sekisho, "scan", "--jobs", "2", path])
    ids = {l.split('"id":"', 1)[1].split('"', 1)[0] for l in out if '"id":"' in l}
    check("large mbox: 2,000 lines, each message once",
          len(out) == 2000 and len(ids) == 2000 and code == 0, (len(out), len(ids), code))
    with open(sekisho, "rb") as f:
        if b"__asan_init" in f.read():
            print("note: peak RSS not judged under AddressSanitizer (its quarantine and shadow)")
            return
    check(f"large mbox streamed: peak RSS {rss} KiB, one message {base_rss} KiB, file {size_kib} KiB",
          size_kib > 60000 and rss < base_rss + size_kib // 10, (rss, base_rss, size_kib))


# ---- --format tree ----

def nested_fixture(tmp):
    """outer.zip > msg.eml > inner.zip (password in the body) > eicar.com."""
    work = os.path.join(tmp, "nested")
    os.mkdir(work)
    with open(os.path.join(work, "eicar.com"), "wb") as f:
        f.write(EICAR)
    subprocess.run(["zip", "-q", "-P", "Ab12cd", "inner.zip", "eicar.com"], cwd=work, check=True)
    m = message("invoice", "Please find the invoice.\nPassword: Ab12cd\n")
    with open(os.path.join(work, "inner.zip"), "rb") as f:
        m.add_attachment(f.read(), maintype="application", subtype="zip", filename="inner.zip")
    with open(os.path.join(work, "msg.eml"), "wb") as f:
        f.write(bytes(m))
    subprocess.run(["zip", "-q", "outer.zip", "msg.eml"], cwd=work, check=True)
    return os.path.join(work, "outer.zip")


def node_depth(line, name):
    """The depth of the node named `name` on a tree line: four columns a level."""
    at = line.find(name + "  ")
    return at // 4 if at >= 0 and line[:at].strip("│├└─ ") == "" else None


def run_on_pty(argv, env=None):
    import pty
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    p.wait(timeout=60)
    return seen


def test_tree(sekisho, tmp):
    outer = nested_fixture(tmp)
    code, _, out, _ = run(sekisho, "scan", "--format", "tree", outer)
    rows = out.splitlines()
    check("tree: headline with the verdict and the input", rows and rows[0] == f"block  {outer}", rows[:1])
    depth = {name: next((node_depth(r, name) for r in rows if node_depth(r, name) is not None), None)
             for name in ("outer.zip", "msg.eml", "body.txt", "inner.zip", "eicar.com")}
    check("tree: nesting depth of each node",
          depth == {"outer.zip": 0, "msg.eml": 1, "body.txt": 2, "inner.zip": 2, "eicar.com": 3}, (depth, out))
    inner = next((r for r in rows if "inner.zip  zip" in r), "")
    check("tree: the password that opened the node, and where it came from",
          "password: Ab12cd (body)" in inner and "├── " in "".join(rows) and "└── " in inner, inner)
    at = next((i for i, r in enumerate(rows) if "eicar.com  text" in r), None)
    reason = rows[at + 1] if at is not None and at + 1 < len(rows) else ""
    check("tree: the reason under the node that raised it, indented below it",
          "! yara.match (block)" in reason and reason.index("!") > rows[at].index("eicar.com"), out)
    check("tree: plain when piped (no escape sequence)", "\033" not in out and code == 1)

    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    coloured = run_on_pty([sekisho, "scan", "--format", "tree", outer], env)
    check("tree: colour on a terminal", b"\033[1m\033[31mblock" in coloured, coloured[:120])
    env["NO_COLOR"] = "1"
    plain = run_on_pty([sekisho, "scan", "--format", "tree", outer], env)
    check("tree: NO_COLOR turns colour off on a terminal", b"\033" not in plain and b"block" in plain,
          plain[:120])


def test_hostile_names(sekisho, tmp):
    path = os.path.join(tmp, "hostile.zip")
    names = ["clear\x1b[2Jscreen.txt", "back\rover.txt", "evil\u202etxt.exe"]
    with zipfile.ZipFile(path, "w") as z:
        for n in names:
            z.writestr(n, b"harmless\n")
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    raw = run_on_pty([sekisho, "scan", "--format", "tree", path], env)
    text = raw.decode("utf-8", "replace")
    stray = re.sub(r"\x1b\[[0-9;]*m", "", text)
    check("tree: a name's ESC, CR and U+202E shown escaped, even on a terminal",
          "clear\\x1b[2Jscreen.txt" in text and "back\\x0dover.txt" in text
          and "evil\\u202etxt.exe" in text, text)
    check("tree: no escape sequence but colour, no raw CR or bidi control from a name",
          "\x1b" not in stray and "\u202e" not in stray and "\r" not in stray.replace("\r\n", "\n"),
          repr(stray))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    sekisho = os.path.abspath(ap.parse_args().sekisho)
    with tempfile.TemporaryDirectory(prefix="sekisho-views-") as tmp:
        test_three_messages(sekisho, tmp)
        test_mboxrd_and_no_trailing_newline(sekisho, tmp)
        test_single_and_not_a_mailbox(sekisho, tmp)
        test_message_over_max_bytes(sekisho, tmp)
        test_tree(sekisho, tmp)
        test_hostile_names(sekisho, tmp)
        test_large_mailbox_streamed(sekisho, tmp)
    return test_cli.finish()


if __name__ == "__main__":
    sys.exit(main())
