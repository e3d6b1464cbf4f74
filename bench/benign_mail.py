#!/usr/bin/env python3
"""Benign-mail measure (issue 18): how much harmless mail Sekisho holds.

A pre-filter is worth its place only if well-formed benign mail passes: each
message it holds costs a sandbox run. This runs `sekisho scan` over public
mail libraries' own test messages, as Debian packages ship them, and prints
the non-pass rate and a table of every message that does not pass with its
reasons (code at path).

Sources (a source whose folder is absent is left out):
  cpython  CPython's email package tests, /usr/lib/python3.11/test/
           test_email/data/msg_*.txt (Debian: libpython3.11-testsuite). Some
           are malformed on purpose (the parser's defect tests).
  gmime    GMime's example message (Debian: gir1.2-gmime-3.0's examples).
  enmime   Go's enmime library's test messages, testdata/mail/*.raw
           (Debian: golang-github-jhillyerd-enmime-dev, which ships the
           source tree), and enmime-lowq, its testdata/low-quality/*.raw:
           malformed on purpose (enmime's own tests expect parse errors).

With --check, the non-pass messages are compared with an explained list
(tests/benign_mail_expected.json: "source/file" -> {"codes": [...],
"why": "..."}): a message not in the list that does not pass, or a listed one
that raises a code its entry does not name, fails (exit 1). A listed message
that now passes is only reported, so a fix elsewhere never breaks this
check: take it out of the list. Exits 77 (skipped) when the CPython test
data is not installed.

usage: bench/benign_mail.py [--sekisho build/sekisho] [--check --expected FILE]
"""
import argparse
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CPYTHON = "/usr/lib/python3.11/test/test_email/data"
ENMIME = "/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata"
# source label -> (folder, file pattern); the first is the one required
SOURCES = {
    "cpython": (CPYTHON, "msg_*.txt"),
    "gmime": ("/usr/share/doc/gir1.2-gmime-3.0/examples", "*.eml"),
    "enmime": (ENMIME, "mail/*.raw"),
    "enmime-lowq": (ENMIME, "low-quality/*.raw"),
}
SKIPPED = 77


def messages():
    """[(key, path)] of every message of every source that is installed."""
    found = []
    for label, (folder, pattern) in SOURCES.items():
        for path in sorted(glob.glob(os.path.join(folder, pattern))):
            found.append((label + "/" + os.path.basename(path), path))
    return found


def scan(sekisho, found):
    """{key: verdict object} from one `sekisho scan` run over every path."""
    by_path = {path: key for key, path in found}
    run = subprocess.run([sekisho, "scan", "--jobs", "2"] + [p for _, p in found],
                         capture_output=True, text=True, check=False)
    verdicts = {}
    for line in run.stdout.splitlines():
        verdict = json.loads(line)
        verdicts[by_path[verdict["id"]]] = verdict
    missing = set(by_path.values()) - set(verdicts)
    if missing:
        sys.exit("benign_mail: no verdict for %s (exit %d): %s" %
                 (", ".join(sorted(missing)), run.returncode, run.stderr.strip()))
    return verdicts


def reasons_of(verdict):
    return ["%s@%s" % (r["code"], r.get("path", "")) for r in verdict["reasons"]]


def report(verdicts):
    held = {k: v for k, v in sorted(verdicts.items()) if v["verdict"] != "pass"}
    total = len(verdicts)
    print("benign mail: %d messages, %d not pass (%.1f %%)" %
          (total, len(held), 100.0 * len(held) / total if total else 0.0))
    for label in SOURCES:
        mine = [k for k in verdicts if k.startswith(label + "/")]
        if mine:
            bad = [k for k in mine if k in held]
            print("  %-11s %3d messages, %3d not pass" % (label, len(mine), len(bad)))
    if held:
        width = max(len(k) for k in held)
        print("%-*s  %-8s  %s" % (width, "message", "verdict", "reasons"))
        for key, verdict in held.items():
            print("%-*s  %-8s  %s" % (width, key, verdict["verdict"],
                                      ", ".join(reasons_of(verdict))))
    return held


def check(held, verdicts, expected):
    """The failures against the explained list; prints what is stale."""
    failures = []
    for key, verdict in held.items():
        entry = expected.get(key)
        if entry is None:
            failures.append("%s: %s, not in the explained list (%s)" %
                            (key, verdict["verdict"], ", ".join(reasons_of(verdict))))
            continue
        extra = {r["code"] for r in verdict["reasons"]} - set(entry["codes"])
        if extra:
            failures.append("%s: raises %s, which its entry does not explain" %
                            (key, ", ".join(sorted(extra))))
    for key in sorted(expected):
        if key in verdicts and key not in held:
            print("now passes (take it out of the list): %s" % key)
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sekisho", default=os.path.join(HERE, "..", "build", "sekisho"))
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--expected",
                        default=os.path.join(HERE, "..", "tests", "benign_mail_expected.json"))
    args = parser.parse_args()
    if not glob.glob(os.path.join(CPYTHON, "msg_*.txt")):
        print("benign_mail: %s absent (install libpython3.11-testsuite): skipped" % CPYTHON)
        return SKIPPED
    found = messages()
    verdicts = scan(args.sekisho, found)
    held = report(verdicts)
    if not args.check:
        return 0
    with open(args.expected, encoding="utf-8") as f:
        expected = {k: v for k, v in json.load(f).items() if not k.startswith("_")}
    failures = check(held, verdicts, expected)
    for failure in failures:
        print("FAIL " + failure)
    print("%d passed, %d failed" % (len(verdicts) - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
