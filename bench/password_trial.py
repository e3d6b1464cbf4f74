#!/usr/bin/env python3
"""Password-trial benchmark (issue 3): how fast Sekisho tries candidates.

Builds, in a temporary folder, a ZipCrypto zip (Info-ZIP `zip -P`) and a
WinZip AES-256 zip (`7z -mem=AES256`), each holding one text file, and runs
`sekisho scan` with N wrong candidates before the right one. Reports the
candidates per second from the verdict's own stats (stages_us.unpack), and
the time to open a message whose password is the 200th candidate (199 other
tokens first in the body). Prints a table and, with --json, the figures.

usage: bench/password_trial.py [--sekisho build/sekisho] [--candidates 255] [--runs 5]
"""
import argparse
import email.message
import json
import os
import statistics
import subprocess
import sys
import tempfile

RIGHT = "Tr1al-Right"


def make_zips(tmp):
    member = os.path.join(tmp, "report.txt")
    with open(member, "w") as f:
        f.write("quarterly figures\n" * 2000)
    zc = os.path.join(tmp, "zipcrypto.zip")
    aes = os.path.join(tmp, "aes256.zip")
    subprocess.run(["zip", "-q", "-j", "-P", RIGHT, zc, member], check=True)
    subprocess.run(["7z", "a", "-bso0", "-bsp0", "-tzip", "-mem=AES256", f"-p{RIGHT}", aes, member],
                   check=True)
    return zc, aes


def scan(sekisho, args):
    out = subprocess.run([sekisho, "scan", *args], capture_output=True, check=False)
    return json.loads(out.stdout.decode().splitlines()[0])


def trial(sekisho, archive, wrong, runs, tmp):
    pw_file = os.path.join(tmp, "candidates.txt")
    with open(pw_file, "w") as f:
        f.write("".join(f"wrong-{i:04d}\n" for i in range(wrong)) + RIGHT + "\n")
    unpack, total = [], []
    for _ in range(runs):
        result = scan(sekisho, ["--no-hash", "--passwords-file", pw_file, archive])
        node = result["tree"]["children"][0]
        if (node.get("password") or {}).get("value") != RIGHT:
            sys.exit(f"{archive}: not opened by the right candidate: {node}")
        unpack.append(result["stats"]["stages_us"]["unpack"])
        total.append(result["stats"]["elapsed_us"])
    best = statistics.median(unpack)
    return {"candidates": wrong + 1, "unpack_us": best, "elapsed_us": statistics.median(total),
            "candidates_per_s": round((wrong + 1) / (best / 1e6)) if best else None}


def message_200th(sekisho, archive, runs, tmp):
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.com", "b@example.com", "figures"
    msg["Date"] = "Fri, 27 Nov 2026 09:00:00 +0000"
    decoys = " ".join(f"word{i:03d}x" for i in range(199))
    msg.set_content(f"Hello,\n{decoys}\n{RIGHT}\n")
    with open(archive, "rb") as f:
        msg.add_attachment(f.read(), maintype="application", subtype="zip", filename="report.zip")
    path = os.path.join(tmp, "mail.eml")
    with open(path, "wb") as f:
        f.write(bytes(msg))
    times, rank = [], None
    for _ in range(runs):
        result = scan(sekisho, ["--no-hash", path])
        zip_node = next(c for c in result["tree"]["children"] if c["name"] == "report.zip")
        pw = zip_node.get("password") or {}
        if pw.get("value") != RIGHT:
            sys.exit(f"message: not opened: {zip_node}")
        rank = pw["rank"]
        times.append(result["stats"]["elapsed_us"])
    return {"rank": rank, "elapsed_us": statistics.median(times)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", default="build/sekisho")
    ap.add_argument("--candidates", type=int, default=255, help="wrong candidates before the right one")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sekisho = os.path.abspath(args.sekisho)
    with tempfile.TemporaryDirectory(prefix="sekisho-pwbench-") as tmp:
        zc, aes = make_zips(tmp)
        figures = {
            "zipcrypto": trial(sekisho, zc, args.candidates, args.runs, tmp),
            "aes256": trial(sekisho, aes, args.candidates, args.runs, tmp),
            "message_200th_zipcrypto": message_200th(sekisho, zc, args.runs, tmp),
            "message_200th_aes256": message_200th(sekisho, aes, args.runs, tmp),
        }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{'trial':<26}{'candidates':>11}{'unpack ms':>11}{'cand/s':>10}")
    for name in ("zipcrypto", "aes256"):
        f = figures[name]
        print(f"{name:<26}{f['candidates']:>11}{f['unpack_us'] / 1000:>11.1f}{f['candidates_per_s']:>10}")
    for name in ("message_200th_zipcrypto", "message_200th_aes256"):
        f = figures[name]
        print(f"{name:<26}{'rank ' + str(f['rank']):>11}{f['elapsed_us'] / 1000:>11.1f}{'(total ms)':>10}")


if __name__ == "__main__":
    main()
