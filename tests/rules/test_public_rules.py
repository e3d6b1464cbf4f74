#!/usr/bin/env python3
"""The external variables that public rule sets expect, and one such set.

1. One made-up rule per external variable proves the value Sekisho gives it
   on a ZIP written here by Info-ZIP `zip` (a folder member, so `filename`,
   `filepath` and `extension` differ) and on a mail written by Python's
   email package (the message is not named in its parts' paths): each rule must
   match at exactly the nodes named, and a control rule asking for any
   other value must match nowhere.
2. signature-base (the rules LOKI and THOR run, in ../shared/corpus beside
   the checkout) loads whole: `sekisho rules` compiles every file of its
   folder, and counts at least the public rules that the independent `yara`
   command lists for the same files, and at most those plus the private
   ones. Then a scan with that set runs to a verdict. SKIPPED (exit 77) where
   the corpus is absent; part 1 runs anyway and its failures still fail.

Usage: test_public_rules.py --sekisho BIN [--corpus DIR]
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from email.message import EmailMessage

FAILED = []
PASSED = []

# name, condition, the node paths where it must match (for the zip input).
ZIP_RULES = [
    ("v_filename", 'filename == "dir/Doc.TXT"', {"outer.zip/dir/Doc.TXT"}),
    ("v_filepath", 'filepath == "outer.zip/dir/Doc.TXT"', {"outer.zip/dir/Doc.TXT"}),
    ("v_extension", 'extension == "txt"', {"outer.zip/dir/Doc.TXT"}),
    ("v_filetype", 'filetype == "zip"', {"outer.zip"}),
    ("v_owner", 'owner == ""', {"outer.zip", "outer.zip/dir/Doc.TXT"}),
    ("v_root_path", 'filepath == "outer.zip"', {"outer.zip"}),
    # controls: any other value matches nowhere
    ("c_filepath", 'filepath == "dir/Doc.TXT"', set()),
    ("c_owner", 'owner != ""', set()),
    ("c_extension", 'extension == "TXT"', set()),
]

# For a message: the root (the input file) is not named in its attachments'
# paths, so an attachment's path starts with its own name.
MAIL_RULES = [
    ("m_filepath", 'filepath == "report.zip/dir/Doc.TXT"', {"report.zip/dir/Doc.TXT"}),
    ("m_root", 'filepath == "mail.eml" and filetype == "eml"', {"mail.eml"}),
    ("m_filename", 'filename == "report.zip"', {"report.zip"}),
]


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    (PASSED if cond else FAILED).append(what)


def write_rules(path, table):
    with open(path, "w") as f:
        for name, cond, _ in table:
            f.write("rule %s { meta: verdict = \"info\" condition: %s }\n" % (name, cond))


def scan(sekisho, rules, target):
    proc = subprocess.run([sekisho, "scan", "--no-bundled-rules", "--rules", rules, target],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode not in (0, 1):
        return None, proc.stderr.strip()
    return json.loads(proc.stdout), ""


def check_table(sekisho, work, table, target, label):
    rules = os.path.join(work, label + ".yar")
    write_rules(rules, table)
    verdict, err = scan(sekisho, rules, target)
    check(verdict is not None, "%s: scanned with the made-up rules %s" % (label, err))
    if verdict is None:
        return
    for name, cond, paths in table:
        got = {m["path"] for m in verdict["matches"] if m["rule"] == name}
        check(got == paths, "%s: %s (%s) matched at %s, expected %s"
              % (label, name, cond, sorted(got), sorted(paths)))


def variables(sekisho, work):
    os.makedirs(os.path.join(work, "dir"))
    with open(os.path.join(work, "dir", "Doc.TXT"), "w") as f:
        f.write("hello\n")
    subprocess.run(["zip", "-q", "-r", "-X", "outer.zip", "dir"], cwd=work, check=True)
    zip_path = os.path.join(work, "outer.zip")
    check_table(sekisho, work, ZIP_RULES, zip_path, "zip")

    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["To"] = "b@example.com"
    msg["Subject"] = "report"
    msg.set_content("see attached\n")
    with open(zip_path, "rb") as f:
        msg.add_attachment(f.read(), maintype="application", subtype="zip",
                           filename="report.zip")
    eml = os.path.join(work, "mail.eml")
    with open(eml, "wb") as f:
        f.write(bytes(msg))
    check_table(sekisho, work, MAIL_RULES, eml, "mail")


def yara_public_count(files, work):
    """Public rules in files, as the yara command lists them (matching plus
    not matching an empty file), with every external defined."""
    empty = os.path.join(work, "empty")
    open(empty, "wb").close()
    defs = []
    for var in ("filename", "filepath", "extension", "filetype", "parent_type", "owner"):
        defs += ["-d", var + "="]
    defs += ["-d", "depth=0", "-d", "in_encrypted=false"]
    total = 0
    for flag in ([], ["-n"]):
        proc = subprocess.run(["yara"] + flag + defs + files + [empty],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            return None
        total += len(proc.stdout.splitlines())
    return total


def signature_base(sekisho, corpus, work):
    folder = os.path.join(corpus, "yara-public", "signature-base", "yara")
    if not os.path.isdir(folder):
        print("SKIPPED signature-base: %s is absent" % folder)
        return False
    files = sorted(glob.glob(os.path.join(folder, "*.yar")) +
                   glob.glob(os.path.join(folder, "*.yara")))
    proc = subprocess.run([sekisho, "rules", "--no-bundled-rules", "--rules", folder],
                          capture_output=True, text=True, timeout=300)
    check(proc.returncode == 0,
          "signature-base: all %d files compile (%s)" % (len(files), proc.stderr.strip()[:300]))
    if proc.returncode != 0:
        return True
    ours = int(proc.stdout.split()[0])
    private = sum(len(re.findall(r"^\s*(?:global\s+)?private\s+(?:global\s+)?rule\s",
                                 open(p, errors="replace").read(), re.M)) for p in files)
    if shutil.which("yara"):
        public = yara_public_count(files, work)
        check(public is not None and public <= ours <= public + private,
              "signature-base: %d rules compiled; yara lists %s public, %d private"
              % (ours, public, private))
    else:
        check(ours > 4000, "signature-base: %d rules compiled (no yara command here)" % ours)
    verdict, err = scan(sekisho, folder, os.path.join(work, "outer.zip"))
    check(verdict is not None and verdict["tree"]["type"] == "zip",
          "signature-base: a scan with the whole set runs to a verdict %s" % err)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                     "..", "shared", "corpus"))
    args = ap.parse_args()
    work = tempfile.mkdtemp()
    try:
        variables(args.sekisho, work)
        had_corpus = signature_base(args.sekisho, args.corpus, work)
    finally:
        shutil.rmtree(work)
    print("%d passed, %d failed" % (len(PASSED), len(FAILED)))
    if FAILED:
        return 1
    return 0 if had_corpus else 77


if __name__ == "__main__":
    sys.exit(main())
