#!/usr/bin/env python3
"""Password candidates are harvested only when something needs them (issue 20).

The same body (a few hundred words and a password line) goes out twice: in a
message with a plain text attachment, the harvest never runs (the verdict's
stats.stages_us.passwords is 0: nothing else adds to that stage); in a
message with a ZipCrypto ZIP (Info-ZIP `zip -P`), it runs (the stage is
non-zero) and the body's password opens the ZIP. The same body given with
--body-file next to a bare ZIP opens it too (the request's own text, also
harvested late). Usage: test_lazy_harvest.py --sekisho BIN
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
from mkmail import attachment, mail, text_part, zip_part  # noqa: E402

PASSWORD = "Kx7-lazy-42"
WORDS = " ".join(f"word{i:03d}x" for i in range(300))
BODY = f"Hello,\n{WORDS}\nThe password is: {PASSWORD}\n"


def scan(sekisho, *args):
    out = subprocess.run([sekisho, "scan", "--jobs", "1", *args], capture_output=True,
                         text=True, check=False).stdout
    return json.loads(out.splitlines()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    opts = ap.parse_args()
    if not shutil.which("zip"):
        print("SKIPPED: no zip")
        return 77
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        doc = os.path.join(tmp, "notes.txt")
        with open(doc, "w") as f:
            f.write("quarterly notes\n")
        zpath = os.path.join(tmp, "invoice.zip")
        subprocess.run(["zip", "-q", "-j", "-P", PASSWORD, zpath, doc], check=True)
        plain = os.path.join(tmp, "plain.eml")
        with open(plain, "wb") as f:
            f.write(mail("lazy_plain", "Notes", text_part(BODY, "ascii", "us-ascii", "7bit"),
                         attachment(doc, "text", "plain", "notes.txt")).as_bytes())
        locked = os.path.join(tmp, "locked.eml")
        with open(locked, "wb") as f:
            f.write(mail("lazy_zip", "Invoice", text_part(BODY, "ascii", "us-ascii", "7bit"),
                         zip_part(zpath, "invoice.zip")).as_bytes())
        body = os.path.join(tmp, "body.txt")
        with open(body, "w") as f:
            f.write(BODY)

        v = scan(opts.sekisho, plain)
        if v["stats"]["stages_us"]["passwords"] != 0:
            failures.append(f"plain mail harvested: {v['stats']['stages_us']}")
        if v["verdict"] != "pass":
            failures.append(f"plain mail: verdict {v['verdict']}")

        v = scan(opts.sekisho, locked)
        if v["stats"]["stages_us"]["passwords"] == 0:
            failures.append(f"ZIP mail not harvested: {v['stats']['stages_us']}")
        if not any(p["value"] == PASSWORD and p["opened"] for p in v["passwords"]):
            failures.append(f"ZIP mail: body password did not open it: {v['passwords']}")

        v = scan(opts.sekisho, "--body-file", body, zpath)
        if not any(p["value"] == PASSWORD and p["opened"] for p in v["passwords"]):
            failures.append(f"bare ZIP + --body-file: not opened: {v['passwords']}")
        v = scan(opts.sekisho, "--body-file", body, doc)
        if v["stats"]["stages_us"]["passwords"] != 0:
            failures.append(f"bare text + --body-file harvested: {v['stats']['stages_us']}")
    for f in failures:
        print("FAIL", f)
    print("lazy harvest:", "ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
