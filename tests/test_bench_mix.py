#!/usr/bin/env python3
"""bench/gen_corpus.py --mix: the repeated-attachment corpus has the shape
bench/corpus.md says (issue 20, item 4).

A small mix corpus is written twice with one seed and once with another:
the two runs with one seed are byte-for-byte identical (every file), the
other seed differs. Every message is read back with Python's email package
(no defects on the message or any part), every attachment's base64 body is
decoded strictly, and the share of repeated attachment bytes (an attachment
whose decoded SHA-256 came earlier in the corpus) is counted here, from the
messages alone: it must equal the manifest's figure and lie in 60-90 %;
the company logo and at least one campaign document come more than once.
Usage: test_bench_mix.py [--gen bench/gen_corpus.py]
"""
import argparse
import base64
import binascii
import email
import email.policy
import hashlib
import os
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MESSAGES = "160"


def generate(gen, out, seed):
    subprocess.run([sys.executable, gen, out, "--mix", "--quick", "--messages", MESSAGES,
                    "--seed", str(seed)], check=True)


def tree_bytes(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            out[name] = f.read()
    return out


def attachments(raw, name, failures):
    """(filename, decoded bytes) of each attachment, checked strictly."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg.defects:
        failures.append(f"{name}: message defects {msg.defects}")
    out = []
    for part in msg.walk():
        if part.defects:
            failures.append(f"{name}: part defects {part.defects}")
        if part.get_content_disposition() != "attachment":
            continue
        if (part["Content-Transfer-Encoding"] or "").strip().lower() != "base64":
            failures.append(f"{name}: attachment not base64")
            continue
        body = part.get_payload(decode=False)
        try:
            data = base64.b64decode("".join(body.split()), validate=True)
        except binascii.Error as e:
            failures.append(f"{name}: {part.get_filename()}: bad base64 ({e})")
            continue
        if not data or data != part.get_payload(decode=True):
            failures.append(f"{name}: {part.get_filename()}: empty or decoded unlike email's decoder")
        out.append((part.get_filename(), data))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", default=os.path.join(ROOT, "bench", "gen_corpus.py"))
    opts = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="sekisho-mix-") as work:
        a, b, c = (os.path.join(work, x) for x in "abc")
        generate(opts.gen, a, 11)
        generate(opts.gen, b, 11)
        generate(opts.gen, c, 12)
        ta, tb, tc = tree_bytes(a), tree_bytes(b), tree_bytes(c)
        if ta != tb:
            diff = sorted(k for k in set(ta) | set(tb) if ta.get(k) != tb.get(k))
            failures.append(f"seed 11 twice: {len(diff)} files differ, first {diff[:3]}")
        if ta == tc:
            failures.append("seeds 11 and 12 wrote the same corpus")
        manifest = __import__("json").loads(ta.pop("manifest.json"))
        if len(ta) != int(MESSAGES) or manifest["messages"] != int(MESSAGES):
            failures.append(f"{len(ta)} messages written, {manifest['messages']} in the manifest")
        seen, total, repeated, counts = set(), 0, 0, Counter()
        for name, raw in sorted(ta.items()):
            for filename, data in attachments(raw, name, failures):
                digest = hashlib.sha256(data).hexdigest()
                total += len(data)
                repeated += len(data) if digest in seen else 0
                seen.add(digest)
                counts[(filename, digest)] += 1
        share = repeated / max(total, 1)
        mix = manifest["mix"]
        print(f"{len(ta)} messages, {total} attachment bytes, {repeated} repeated ({share:.1%}), "
              f"{len(seen)} distinct; manifest: {mix}")
        if (total, repeated) != (mix["attachment_bytes"], mix["repeated_bytes"]):
            failures.append(f"counted {total}/{repeated} bytes, manifest says "
                            f"{mix['attachment_bytes']}/{mix['repeated_bytes']}")
        if not 0.60 <= share <= 0.90:
            failures.append(f"repeated share {share:.3f} outside 0.60-0.90")
        logos = sum(n for (fn, _), n in counts.items() if fn == "image001.png")
        if logos < 2 or len({d for (fn, d) in counts if fn == "image001.png"}) > 3:
            failures.append(f"logos: {logos} uses")
        if not any(n > 1 for (fn, _), n in counts.items() if fn != "image001.png"):
            failures.append("no document other than the logo comes twice")
    for f in failures[:20]:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
