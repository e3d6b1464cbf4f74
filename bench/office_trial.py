#!/usr/bin/env python3
"""Office password-trial benchmark (issue 9): the cost of one candidate on
an encrypted Office document, per scheme.

Builds, in a temporary folder, with tests/fixtures/mkoffcrypto.py: an Agile
.docm (AES-256, SHA-512, 100,000 spins), a Standard .docm (SHA-1 x 50,000,
AES-128), an RC4 CryptoAPI .xls and an XOR-obfuscated .xls, and runs
`sekisho scan` with N wrong candidates before the right one (VelvetSweatshop
is tried before them all). Reports candidates per second from the verdict's
own stats (stages_us.unpack), and the time to open an Agile document from a
message whose password is about the 50th candidate (49 other words of the
body first). Prints a table and, with --json, the figures.

usage: bench/office_trial.py [--sekisho build/sekisho] [--runs 3]
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
HERE = os.path.dirname(os.path.abspath(__file__))
WRITER = os.path.join(HERE, "..", "tests", "fixtures", "mkoffcrypto.py")
# scheme -> (writer arguments, file name, wrong candidates before the right one)
SCHEMES = {
    "agile": (["agile", "--docm"], "agile.docm", 20),
    "standard": (["standard", "--docm"], "standard.docm", 60),
    "rc4_cryptoapi": (["rc4-xls"], "rc4.xls", 255),
    "xor": (["xor-xls"], "xor.xls", 255),
}


def make(tmp, scheme):
    args, name, _ = SCHEMES[scheme]
    path = os.path.join(tmp, name)
    subprocess.run([sys.executable, WRITER, args[0], path, "--password", RIGHT, *args[1:]],
                   check=True)
    return path


def scan(sekisho, args):
    out = subprocess.run([sekisho, "scan", *args], capture_output=True, check=False)
    return json.loads(out.stdout.decode().splitlines()[0])


def trial(sekisho, doc, wrong, runs, tmp):
    pw_file = os.path.join(tmp, "candidates.txt")
    with open(pw_file, "w") as f:
        f.write("".join(f"wrong-{i:04d}\n" for i in range(wrong)) + RIGHT + "\n")
    unpack = []
    for _ in range(runs):
        result = scan(sekisho, ["--no-hash", "--timeout", "120", "--passwords-file", pw_file, doc])
        if (result["tree"].get("password") or {}).get("value") != RIGHT:
            sys.exit(f"{doc}: not opened by the right candidate: {result['reasons']}")
        unpack.append(result["stats"]["stages_us"]["unpack"])
    best = statistics.median(unpack)
    tried = wrong + 2  # VelvetSweatshop, the wrong ones, the right one
    return {"candidates": tried, "unpack_us": best,
            "candidates_per_s": round(tried / (best / 1e6), 1) if best else None,
            "ms_per_candidate": round(best / 1000 / tried, 3)}


def message_50th(sekisho, doc, runs, tmp):
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.com", "b@example.com", "figures"
    msg["Date"] = "Fri, 27 Nov 2026 09:00:00 +0000"
    decoys = " ".join(f"word{i:03d}x" for i in range(49))
    msg.set_content(f"Hello,\n{decoys}\n{RIGHT}\n")
    with open(doc, "rb") as f:
        msg.add_attachment(f.read(), maintype="application",
                           subtype="vnd.ms-word.document.macroEnabled.12", filename="report.docm")
    path = os.path.join(tmp, "mail.eml")
    with open(path, "wb") as f:
        f.write(bytes(msg))
    times, rank = [], None
    for _ in range(runs):
        result = scan(sekisho, ["--no-hash", "--timeout", "120", path])
        node = next(c for c in result["tree"]["children"] if c["name"] == "report.docm")
        pw = node.get("password") or {}
        if pw.get("value") != RIGHT:
            sys.exit(f"message: not opened: {result['reasons']}")
        rank = pw["rank"]
        times.append(result["stats"]["elapsed_us"])
    return {"rank": rank, "elapsed_us": statistics.median(times)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", default="build/sekisho")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sekisho = os.path.abspath(args.sekisho)
    figures = {}
    with tempfile.TemporaryDirectory(prefix="sekisho-officebench-") as tmp:
        docs = {scheme: make(tmp, scheme) for scheme in SCHEMES}
        for scheme, doc in docs.items():
            figures[scheme] = trial(sekisho, doc, SCHEMES[scheme][2], args.runs, tmp)
        figures["message_50th_agile"] = message_50th(sekisho, docs["agile"], args.runs, tmp)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{'trial':<22}{'candidates':>11}{'unpack ms':>11}{'cand/s':>10}{'ms/cand':>9}")
    for scheme in SCHEMES:
        f = figures[scheme]
        print(f"{scheme:<22}{f['candidates']:>11}{f['unpack_us'] / 1000:>11.1f}"
              f"{f['candidates_per_s']:>10}{f['ms_per_candidate']:>9}")
    f = figures["message_50th_agile"]
    print(f"{'message_50th_agile':<22}{'rank ' + str(f['rank']):>11}{f['elapsed_us'] / 1000:>11.1f}"
          f"{'(total ms)':>10}")


if __name__ == "__main__":
    main()
