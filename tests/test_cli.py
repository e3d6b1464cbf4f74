#!/usr/bin/env python3
"""`sekisho scan` as a user runs it: directories, JSON Lines, exit codes,
--format text, --extract, --policy, --rules, --no-hash, bad paths and bad
options. Fixtures are made here with Info-ZIP zip and Python."""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def finish():
    """Prints every check (a failure with its detail, cut to 2,000
    characters) and the count: the exit status, 1 when any failed."""
    failed = [r for r in results if not r[1]]
    for name, ok, detail in results:
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f"\n     {str(detail)[:2000]}"))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def run(sekisho, *args, cwd=None):
    p = subprocess.run([sekisho, *args], capture_output=True, cwd=cwd, timeout=120)
    lines = [json.loads(l) for l in p.stdout.decode().splitlines() if l.startswith("{")]
    return p.returncode, lines, p.stdout.decode(), p.stderr.decode()


def make_tree(root):
    os.makedirs(os.path.join(root, "sub", "deeper"))
    with open(os.path.join(root, "clean.txt"), "w") as f:
        f.write("nothing to see\n")
    with open(os.path.join(root, "sub", "eicar.com"), "wb") as f:
        f.write(EICAR)
    subprocess.run(["zip", "-q", "-X", "deeper/eicar.zip", "eicar.com"], cwd=os.path.join(root, "sub"), check=True)
    os.symlink("/etc/passwd", os.path.join(root, "sub", "link-not-followed"))


def test_directory_and_exit_codes(sekisho, tmp):
    root = os.path.join(tmp, "samples")
    make_tree(root)
    code, lines, _, err = run(sekisho, "scan", root)
    ids = sorted(os.path.relpath(l["id"], root) for l in lines)
    check("directory: one line per regular file, links not followed",
          ids == ["clean.txt", "sub/deeper/eicar.zip", "sub/eicar.com"], ids)
    verdicts = {os.path.basename(l["id"]): l["verdict"] for l in lines}
    check("directory: verdicts", verdicts == {"clean.txt": "pass", "eicar.zip": "block", "eicar.com": "block"}, verdicts)
    check("exit 1 when something is not pass", code == 1, code)
    check("summary on stderr", "3 files" in err and "block 2" in err and "pass 1" in err, err)
    check("no progress bar when stderr is not a terminal", "\r" not in err and "\033[" not in err, repr(err[:80]))
    zipped = next(l for l in lines if l["id"].endswith("eicar.zip"))
    check("tree, stats and sha256 present", zipped["tree"]["children"][0]["sha256"] == hashlib.sha256(EICAR).hexdigest()
          and zipped["stats"]["nodes"] == 2 and "elapsed_us" in zipped["stats"], zipped["stats"])
    code, lines, _, _ = run(sekisho, "scan", os.path.join(root, "clean.txt"))
    check("exit 0 when all pass", code == 0 and lines[0]["verdict"] == "pass", code)
    code1, l1, _, _ = run(sekisho, "scan", "--jobs", "1", root)
    code4, l4, _, _ = run(sekisho, "scan", "--jobs", "4", root)
    strip = lambda ls: sorted((l["id"], l["verdict"], json.dumps(l["tree"], sort_keys=True)) for l in ls)
    check("--jobs 1 and --jobs 4 agree", strip(l1) == strip(l4) and code1 == code4)
    return root


def test_progress_on_a_terminal(sekisho, root):
    """With stderr on a terminal (a pseudo-terminal here) the progress line
    shows files done/total and MB/s, and is cleared before the summary."""
    import pty
    master, slave = pty.openpty()
    p = subprocess.run([sekisho, "scan", root], stdout=subprocess.PIPE, stderr=slave, timeout=60)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    text = seen.decode("utf-8", "replace")
    check("progress bar on a terminal", "[3/3]" in text and "MB/s" in text and "ETA" in text
          and "\033[K" in text and p.returncode == 1, repr(text[:200]))


def test_unreadable_input(sekisho, tmp, root):
    missing = os.path.join(tmp, "no-such-file.zip")
    code, lines, _, err = run(sekisho, "scan", missing, os.path.join(root, "clean.txt"))
    errors = [l for l in lines if "error" in l]
    check("unreadable path: exit 2", code == 2, code)
    check("unreadable path: clear error line", errors and errors[0]["id"] == missing and errors[0]["error"]["code"] == "io", errors)
    check("unreadable path: message on stderr", "no-such-file.zip" in err and "No such file" in err, err)
    check("unreadable path: the other input still scanned", any(l.get("verdict") == "pass" for l in lines), lines)


def test_text_format(sekisho, root):
    code, _, out, _ = run(sekisho, "scan", "--format", "text", root)
    rows = sorted(out.splitlines())
    check("text: one aligned line per file", len(rows) == 3 and all(r.split()[0] in ("pass", "block") for r in rows), rows)
    check("text: reason codes shown", any(r.startswith("block   ") and r.endswith("yara.match") for r in rows), rows)


def test_extract(sekisho, tmp):
    src = os.path.join(tmp, "traversal.zip")
    import zipfile
    with zipfile.ZipFile(src, "w") as z:
        z.writestr(zipfile.ZipInfo("../../escape.txt"), b"must stay inside\n")
        z.writestr(zipfile.ZipInfo("/abs.txt"), b"absolute\n")
        z.writestr("dir/eicar.com", EICAR)
    out = os.path.join(tmp, "extracted")
    code, lines, _, _ = run(sekisho, "scan", "--extract", out, src, cwd=tmp)
    written = []
    for dirpath, _, files in os.walk(out):
        written += [os.path.join(dirpath, f) for f in files]
    check("extract: nothing written outside DIR", not os.path.exists(os.path.join(tmp, "..", "escape.txt"))
          and not os.path.exists("/abs.txt") and not os.path.exists(os.path.join(tmp, "escape.txt")))
    check("extract: one file per member, safe names", len(written) == 3 and
          all(os.path.realpath(p).startswith(os.path.realpath(out) + os.sep) and ".." not in os.path.basename(p)
              for p in written), written)
    kids = lines[0]["tree"]["children"]
    ok = True
    for kid in kids:
        path = os.path.join(out, kid.get("extracted", "missing"))
        ok = ok and os.path.isfile(path) and hashlib.sha256(open(path, "rb").read()).hexdigest() == kid["sha256"]
    check("extract: tree names each file, bytes match sha256", ok, kids)
    check("extract: unsafe names still reported", {r["code"] for r in lines[0]["reasons"]} >= {"name.unsafe_path", "yara.match"})


def test_body_file_and_password_rules(sekisho, tmp):
    """A bare attachment's mail text comes with --body-file; operators' rules
    (--password-rules) find passwords no keyword announces."""
    work = os.path.join(tmp, "bodyfile")
    os.mkdir(work)
    with open(os.path.join(work, "eicar.com"), "wb") as f:
        f.write(EICAR)
    subprocess.run(["zip", "-q", "-X", "-P", "Kx7-body", "a.zip", "eicar.com"], cwd=work, check=True)
    subprocess.run(["zip", "-q", "-X", "-P", "Zr9-rule", "b.zip", "eicar.com"], cwd=work, check=True)
    body = os.path.join(work, "body.txt")
    with open(body, "w", encoding="utf-8") as f:
        f.write("お世話になっております。\nパスワード：Kx7-body\nunlock-code<<Zr9-rule>>\n")
    code, lines, _, _ = run(sekisho, "scan", "--body-file", body, os.path.join(work, "a.zip"))
    pw = lines[0]["tree"]["children"][0].get("password") or {}
    check("--body-file: the password in the text opens the zip",
          lines[0]["verdict"] == "block" and pw.get("value") == "Kx7-body" and pw.get("source") == "body", pw)
    code, lines, _, _ = run(sekisho, "scan", os.path.join(work, "a.zip"))
    check("without --body-file the zip stays unopened",
          {r["code"] for r in lines[0]["reasons"]} == {"encrypted.unopened"}, lines[0]["reasons"])
    rules = os.path.join(work, "rules.txt")
    with open(rules, "w") as f:
        f.write("# unlock codes in angle brackets\nunlock-code<<\t[A-Za-z0-9-]+\t>>\n")
    code, lines, _, _ = run(sekisho, "scan", "--body-file", body, "--password-rules", rules,
                            os.path.join(work, "b.zip"))
    pw = lines[0]["tree"]["children"][0].get("password") or {}
    check("--password-rules: a rule's match opens the zip", pw.get("value") == "Zr9-rule" and pw.get("source") == "rule", pw)
    with open(rules, "w") as f:
        f.write("(unclosed\t.+\t\n")
    code, lines, _, err = run(sekisho, "scan", "--password-rules", rules, os.path.join(work, "b.zip"))
    check("a bad password rule is refused with its line", code == 2 and not lines and "line 1" in err, err)


def test_options(sekisho, tmp, root):
    rnd = os.path.join(tmp, "random.bin")
    with open(rnd, "wb") as f:
        f.write(bytes((i * 7919 + 13) % 251 for i in range(5000)))
    policy = os.path.join(tmp, "policy.conf")
    with open(policy, "w") as f:
        f.write("content.unknown = block\n")
    code, lines, _, _ = run(sekisho, "scan", "--policy", policy, rnd)
    check("--policy raises a verdict", lines[0]["verdict"] == "block" and code == 1, lines[0]["verdict"])
    with open(policy, "w") as f:
        f.write("error.corrupt = pass\n")
    code, lines, _, err = run(sekisho, "scan", "--policy", policy, rnd)
    check("--policy refuses to let a failure pass", code == 2 and not lines and "fails closed" in err, err)
    rule = os.path.join(tmp, "extra.yar")
    with open(rule, "w") as f:
        f.write('rule Nothing_To_See { meta: verdict = "info" strings: $a = "nothing to see" condition: $a }\n'
                'rule Block_Clean_Word { meta: verdict = "block" strings: $a = "nothing" condition: $a and filetype == "text" and depth == 0 }\n')
    code, lines, _, _ = run(sekisho, "scan", "--rules", rule, os.path.join(root, "clean.txt"))
    rules = {m["rule"]: m for m in lines[0]["matches"]}
    check("--rules adds rules beside the bundled ones", set(rules) == {"Nothing_To_See", "Block_Clean_Word"}, rules)
    check("info rules report, block rules decide", lines[0]["verdict"] == "block" and
          [r["detail"] for r in lines[0]["reasons"]] == ["extra:Block_Clean_Word"], lines[0]["reasons"])
    with open(rule, "w") as f:
        f.write("rule broken { condition: nosuchthing }\n")
    code, lines, _, err = run(sekisho, "scan", "--rules", rule, root)
    check("a broken rule file stops the scan with its message", code == 2 and not lines and "nosuchthing" in err, err)
    code, lines, _, _ = run(sekisho, "scan", "--no-hash", os.path.join(root, "clean.txt"))
    check("--no-hash", "sha256" not in lines[0]["tree"], lines[0]["tree"])
    for bad in (["--jobs", "0"], ["--max-depth", "-1"], ["--timeout", "soon"], ["--max-bytes", "12Q"], ["--format", "xml"]):
        code, _, _, err = run(sekisho, "scan", *bad, root)
        check(f"bad option {' '.join(bad)} refused", code == 2 and "invalid value" in err, err)
    code, _, out, _ = run(sekisho, "reasons")
    check("`sekisho reasons` lists the codes", code == 0 and "limit.depth" in out and "encrypted.unopened" in out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    sekisho = os.path.abspath(ap.parse_args().sekisho)
    with tempfile.TemporaryDirectory(prefix="sekisho-cli-") as tmp:
        root = test_directory_and_exit_codes(sekisho, tmp)
        test_progress_on_a_terminal(sekisho, root)
        test_unreadable_input(sekisho, tmp, root)
        test_text_format(sekisho, root)
        test_extract(sekisho, tmp)
        test_options(sekisho, tmp, root)
        test_body_file_and_password_rules(sekisho, tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
