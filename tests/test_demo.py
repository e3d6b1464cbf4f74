#!/usr/bin/env python3
"""The demo that README's Quick start runs (`scripts/run demo`): the samples
`scripts/make-demo` writes fresh into a temporary folder, scanned as the
demo scans them, with the verdicts, reasons and passwords README promises;
then the same samples as a tree (--format tree) and as one HTML report
(--report), read back as text."""
import argparse
import html
import os
import re
import subprocess
import sys
import tempfile

import test_cli
from test_cli import check, run

HERE = os.path.dirname(os.path.abspath(__file__))


def codes(verdict):
    return {r["code"] for r in verdict["reasons"]}


def test_verdicts(sekisho, demo):
    by_name = {}
    for name, args in (("clean-report.txt", []), ("invoice.zip", []),
                       ("protected-invoice.zip", ["--password", "Demo-2026!"]),
                       ("no-password.zip", []), ("reply-with-password.eml", []),
                       ("order-with-password.eml", []), ("shipment.iso", [])):
        _, lines, _, err = run(sekisho, "scan", *args, os.path.join(demo, name))
        by_name[name] = lines[0] if lines else {"verdict": None, "reasons": [], "error": err}
    v = by_name
    check("demo: the clean file passes", v["clean-report.txt"]["verdict"] == "pass", v["clean-report.txt"])
    check("demo: EICAR four layers deep blocks",
          v["invoice.zip"]["verdict"] == "block" and "yara.match" in codes(v["invoice.zip"]),
          v["invoice.zip"])
    check("demo: the encrypted ZIP opened with --password blocks",
          v["protected-invoice.zip"]["verdict"] == "block", v["protected-invoice.zip"])
    check("demo: the same ZIP without the password is held, encrypted.unopened",
          v["no-password.zip"]["verdict"] == "sandbox"
          and "encrypted.unopened" in codes(v["no-password.zip"]), v["no-password.zip"])
    reply = v["reply-with-password.eml"]
    opened = [p for p in reply.get("passwords", []) if p["opened"]]
    check("demo: the reply's ZIP opens with the password from its ISO-2022-JP body",
          reply["verdict"] == "block" and opened and opened[0]["source"] == "body", reply)
    check("demo: the protected Word document's AutoOpen macro is found",
          "macro.vba.autoexec" in codes(v["order-with-password.eml"]), v["order-with-password.eml"])
    check("demo: the ISO shortcut dropper is held for what it is",
          {"container.disk_image", "dropper.lnk", "name.deceptive", "dropper.script"}
          <= codes(v["shipment.iso"]) and v["shipment.iso"]["verdict"] == "sandbox",
          v["shipment.iso"])
    return opened[0]["value"] if opened else None


def test_tree(sekisho, demo, password):
    _, _, out, _ = run(sekisho, "scan", "--format", "tree", os.path.join(demo, "reply-with-password.eml"))
    rows = out.splitlines()
    zip_row = next((r for r in rows if ".zip  zip" in r), "")
    check("demo tree: the headline says block", rows and rows[0].startswith("block "), out)
    check("demo tree: the ZIP is a child of the message, with the password and where it came from",
          zip_row.startswith("└── ") and f"password: {password} (body)" in zip_row, out)
    eicar = next((i for i, r in enumerate(rows) if "eicar.com" in r), None)
    check("demo tree: eicar.com one level below the ZIP, its match under it",
          eicar is not None and rows[eicar].startswith("    └── eicar.com")
          and any("yara.match" in r for r in rows[eicar + 1:]), out)


def test_report(sekisho, demo, tmp):
    report = os.path.join(tmp, "demo-report.html")
    samples = sorted(os.path.join(demo, n) for n in os.listdir(demo))
    subprocess.run([sekisho, "scan", "--report", report, *samples], capture_output=True, timeout=120)
    page = open(report, encoding="utf-8").read() if os.path.exists(report) else ""
    counts = {k: re.search(r'id="n-%s">(\d+)<' % k, page) for k in ("inputs", "pass", "sandbox", "block")}
    counts = {k: int(m.group(1)) if m else None for k, m in counts.items()}
    check("demo report: every sample counted, by verdict (1 pass, 4 sandbox, 2 block)",
          counts == {"inputs": 7, "pass": 1, "sandbox": 4, "block": 2}, counts)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    check("demo report: the reply's row and its ZIP's Japanese name",
          "reply-with-password.eml" in text and "請求書.zip" in text, text[:400])
    check("demo report: no script or style from anywhere else",
          not re.search(r'<(script|link|img)[^>]+(src|href)=', page), "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    sekisho = os.path.abspath(ap.parse_args().sekisho)
    with tempfile.TemporaryDirectory(prefix="sekisho-demo-") as tmp:
        demo = os.path.join(tmp, "demo")
        made = subprocess.run([os.path.join(HERE, "..", "scripts", "make-demo"), demo],
                              capture_output=True, text=True, timeout=300)
        check("demo: scripts/make-demo writes the samples", made.returncode == 0,
              "exit %s\nstdout: %s\nstderr: %s" % (made.returncode, made.stdout[-500:], made.stderr[-500:]))
        if made.returncode == 0:
            password = test_verdicts(sekisho, demo)
            test_tree(sekisho, demo, password)
            test_report(sekisho, demo, tmp)
    return test_cli.finish()


if __name__ == "__main__":
    sys.exit(main())
