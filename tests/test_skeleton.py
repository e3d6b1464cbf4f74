#!/usr/bin/env python3
"""A message is YARA-scanned as its skeleton, and rules match it as they
match the raw message (issue 20, item 1).

For every message, the `yara` command scans the raw message (the externals
set as Sekisho sets them for a message it was handed) and Sekisho scans it
as it does; the rules that match Sekisho's root node must be exactly the
rules that match the raw bytes. Rules: the bundled ones, a set written here
for what raw-mail rules look at (header fields, part headers, boundaries,
a quoted-printable body, a forwarded message's headers, an attachment's
base64 start) and, where the third-party corpus is beside the checkout, the
Yara-Rules `email/` set. Messages: the project's own (built here with
Python's email package), the bench corpus (bench/gen_corpus.py --quick) and
the Yara-Rules sample messages. The attachments, which mime.c decodes
straight from the message's bytes, must be byte-identical (SHA-256) to
Python's email package's decoding. Also: the skeleton is really used (YARA
sees far fewer bytes than the message plus its decoded attachment), and the
documented difference holds: base64 text past an attachment's head is not
matched at the message, while the decoded bytes are, at the attachment.

Usage: test_skeleton.py --sekisho BIN [--corpus DIR]
"""
import argparse
import base64
import email
import email.policy
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "fixtures"))
from mkmail import attachment, mail, message_part, text_part  # noqa: E402

# The bytes of a small "program": what a base64 rule on raw mail looks for.
MZ_HEAD = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
DEEP_MARKER = b"deep-inside-the-attachment-7f3a9c"
HEAD_MARKER = b"near-the-start-of-the-attachment"

OWN_RULES = r'''
rule Part_Header_Base64 { strings: $a = "Content-Transfer-Encoding: base64" condition: $a }
rule Attachment_Name { strings: $a = "filename=\"payload.exe\"" condition: $a }
rule Base64_Program_Start { strings: $a = "TVqQAAMAAAAEAAAA" condition: $a }
rule Boundary_Seen { strings: $a = "--=_sekisho_skeleton" condition: $a }
rule QP_Body { strings: $a = "caf=C3=A9" condition: $a }
rule Forwarded_Headers { strings: $a = "Subject: inner forwarded note" condition: $a }
rule Html_Text { strings: $a = "<b>quarterly</b>" condition: $a }
rule Three_Fields { strings: $f = "From:" $t = "To:" $s = "Subject:" condition: all of them }
'''


def base64_marker(marker):
    """A marker's base64 text as it lies in the attachment of
    own_messages(), at an offset that is a multiple of 3 (so its base64 is
    that of the marker alone) and on one 76-column line."""
    return base64.b64encode(marker).decode()[:32]


def own_messages(tmp):
    """Messages written here: every kind of part the skeleton keeps or cuts."""
    rng = random.Random(20)
    program = os.path.join(tmp, "payload.exe")
    with open(program, "wb") as f:
        f.write(MZ_HEAD + bytes(rng.getrandbits(8) for _ in range(600 - len(MZ_HEAD))))
        f.write(HEAD_MARKER)  # base64 line 11: inside the skeleton's 4 KiB head
        f.write(bytes(rng.getrandbits(8) for _ in range(6000 - 600 - len(HEAD_MARKER))))
        f.write(DEEP_MARKER)  # base64 line 106: past it
        f.write(bytes(rng.getrandbits(8) for _ in range(300_000)))
    page = os.path.join(tmp, "page.html")
    with open(page, "w") as f:
        f.write("<html><body>" + "<p>filler line</p>\n" * 400 + "</body></html>\n")
    inner_doc = os.path.join(tmp, "inner.bin")
    with open(inner_doc, "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(20_000)))
    inner = mail("skeleton_inner", "inner forwarded note",
                 text_part("See the attached.\n", "ascii", "us-ascii", "7bit"),
                 attachment(inner_doc, "application", "octet-stream", "inner.bin"))
    outer = mail("skeleton", "Quarterly figures",
                 text_part("Un café au lait, s'il vous plaît.\n", "utf-8", "utf-8",
                           "quoted-printable"),
                 text_part("<p>The <b>quarterly</b> figures.</p>", "utf-8", "utf-8", "base64",
                           "html"),
                 attachment(program, "application", "octet-stream", "payload.exe"),
                 attachment(page, "text", "html", "page.html"),
                 message_part(inner, "forwarded.eml"),
                 boundary="=_sekisho_skeleton")
    paths = {}
    for name, msg in (("own-outer.eml", outer), ("own-inner.eml", inner)):
        paths[name] = os.path.join(tmp, name)
        with open(paths[name], "wb") as f:
            f.write(msg.as_bytes())
    return paths, os.path.getsize(program)


def rule_files(tmp, corpus):
    """The rule files compared, and whether the Yara-Rules set is among them."""
    own = os.path.join(tmp, "skeleton_own.yar")
    with open(own, "w") as f:
        f.write(OWN_RULES)
        f.write('rule Head_Base64 { strings: $a = "%s" condition: $a }\n'
                % base64_marker(HEAD_MARKER))
        f.write('rule Deep_Base64 { strings: $a = "%s" condition: $a }\n'
                % base64_marker(DEEP_MARKER))
        f.write('rule Deep_Decoded { strings: $a = "%s" condition: $a }\n' % DEEP_MARKER.decode())
    bundled = os.path.join(ROOT, "rules")
    files = [own] + sorted(os.path.join(bundled, f) for f in os.listdir(bundled)
                           if f.endswith(".yar"))
    email = os.path.join(corpus, "yara-public", "yara-rules-email", "email")
    have_email = os.path.isdir(email)
    if have_email:
        files += sorted(os.path.join(email, f) for f in os.listdir(email) if f.endswith(".yar"))
    return files, have_email, email


def namespace(path):
    return os.path.splitext(os.path.basename(path))[0]


def raw_matches(files, msg, tmp):
    """ns:rule of every rule the yara command matches on the raw message,
    with the externals Sekisho sets for a message handed to it."""
    name = os.path.basename(msg)
    ext = name.rsplit(".", 1)[1].lower() if "." in name[1:] else ""
    externals = ["-d", f"filename={name}", "-d", f"extension={ext}", "-d", "filetype=eml",
                 "-d", "parent_type=", "-d", f"filepath={name}", "-d", "owner=",
                 "-d", "depth=0", "-d", "in_encrypted=false"]
    compiled = os.path.join(tmp, "rules.yarc")
    if not os.path.exists(compiled):
        subprocess.run(["yarac", "-w", *externals, *[f"{namespace(f)}:{f}" for f in files],
                        compiled], check=True)
    out = subprocess.run(["yara", "-w", "-e", "-C", *externals, compiled, msg],
                         capture_output=True, text=True, check=True).stdout
    return {line.split(" ", 1)[0] for line in out.splitlines() if line.strip()}


def sekisho_scan(sekisho, files, msgs):
    args = [sekisho, "scan", "--jobs", "1"]
    bundled = os.path.join(ROOT, "rules")
    for f in files:  # the bundled rules are loaded by scan itself
        if os.path.dirname(f) != bundled:
            args += ["--rules", f]
    out = subprocess.run(args + msgs, capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):
        raise SystemExit(f"sekisho scan failed ({out.returncode}): {out.stderr[-500:]}")
    return {v["id"]: v for v in map(json.loads, out.stdout.splitlines())}


def child_names(node):
    """Names of every node below node (an explicit stack: no recursion)."""
    names, stack = set(), list(node.get("children", []))
    while stack:
        n = stack.pop()
        names.add(n["name"])
        stack.extend(n.get("children", []))
    return names


def root_matches(verdict):
    """ns:rule of the matches at the root node; None when a node below has
    the root's name (its matches could not be told apart)."""
    root = verdict["tree"]["name"]
    if root in child_names(verdict["tree"]):
        return None
    return {f'{m["namespace"]}:{m["rule"]}' for m in verdict["matches"] if m["path"] == root}


def compare(sekisho, files, msgs, tmp, failures, raw_only=frozenset()):
    """Checks every message; returns how many were compared and the
    verdicts. raw_only: rules expected to match the raw message only."""
    verdicts = sekisho_scan(sekisho, files, msgs)
    compared = 0
    for msg in msgs:
        v = verdicts.get(msg)
        if v is None:
            failures.append(f"{msg}: no verdict")
            continue
        ours = root_matches(v)
        if ours is None:
            continue
        raw = raw_matches(files, msg, tmp) - raw_only
        if ours != raw:
            failures.append(f"{os.path.basename(msg)}: raw message matches {sorted(raw - ours)} "
                            f"that the skeleton does not, skeleton {sorted(ours - raw)} not raw")
        compared += 1
    return compared, verdicts


def python_attachments(msg):
    """SHA-256 of every attachment Python's email package decodes from the
    top level of msg (not inside forwarded messages), by file name."""
    with open(msg, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.compat32)
    out, stack = {}, [m]
    while stack:
        part = stack.pop()
        if part.is_multipart():
            stack.extend(part.get_payload())
            continue
        name = part.get_filename()
        if name and part.get_content_maintype() != "message":
            out[name] = hashlib.sha256(part.get_payload(decode=True) or b"").hexdigest()
    return out


def check_decoding(verdicts, msgs, failures):
    """Sekisho's attachment nodes (hashed) against Python's decoding."""
    checked = 0
    for msg in msgs:
        theirs = python_attachments(msg)
        ours = {c["name"]: c.get("sha256") for c in verdicts[msg]["tree"].get("children", [])}
        for name, digest in theirs.items():
            if name in ours and ours[name] != digest:
                failures.append(f"{os.path.basename(msg)}: {name} decodes to {ours[name]}, "
                                f"Python's email package to {digest}")
            checked += name in ours
    return checked


def check_own(sekisho, files, paths, program_size, tmp, failures):
    """The own messages: same matches, the skeleton in use, and the one
    documented difference (the deep base64 text)."""
    msgs = list(paths.values())
    n, verdicts = compare(sekisho, files, msgs, tmp, failures,
                          raw_only={"skeleton_own:Deep_Base64"})
    outer = verdicts[paths["own-outer.eml"]]
    raw = raw_matches(files, paths["own-outer.eml"], tmp)
    at_root = root_matches(outer) or set()
    expected_raw = {"skeleton_own:Part_Header_Base64", "skeleton_own:Attachment_Name",
                    "skeleton_own:Base64_Program_Start", "skeleton_own:Boundary_Seen",
                    "skeleton_own:QP_Body", "skeleton_own:Forwarded_Headers",
                    "skeleton_own:Three_Fields", "skeleton_own:Deep_Base64",
                    "skeleton_own:Head_Base64"}
    if not expected_raw <= raw:
        failures.append(f"the own rules do not match the raw message as written: {sorted(raw)}")
    if "skeleton_own:Deep_Base64" in at_root:
        failures.append("base64 text past the attachment's head matched at the message")
    deep = {m["path"] for m in outer["matches"] if m["rule"] == "Deep_Decoded"}
    if deep != {"payload.exe"}:
        failures.append(f"the decoded marker should match in payload.exe only, got {deep}")
    size = os.path.getsize(paths["own-outer.eml"])
    scanned = outer["stats"].get("yara_bytes", 0)
    # Without the skeleton YARA sees the message whole plus every decoded
    # node: more than size + program. With it, far less.
    if not 0 < scanned < size + program_size - 300_000:
        failures.append(f"yara_bytes {scanned} for a {size}-byte message with a "
                        f"{program_size}-byte attachment: the skeleton is not in use")
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    opts = ap.parse_args()
    for tool in ("yara", "yarac"):
        if not shutil.which(tool):
            print(f"SKIPPED: no {tool}")
            return 77
    failures = []
    n_decoded = 0
    with tempfile.TemporaryDirectory() as tmp:
        files, have_email, email_dir = rule_files(tmp, opts.corpus)
        paths, program_size = own_messages(tmp)
        n_own = check_own(opts.sekisho, files, paths, program_size, tmp, failures)
        bench = os.path.join(tmp, "bench")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), bench,
                        "--quick"], check=True, stdout=subprocess.DEVNULL)
        msgs = sorted(os.path.join(bench, f) for f in os.listdir(bench) if f.endswith(".eml"))
        n_bench, verdicts = compare(opts.sekisho, files, msgs, tmp, failures)
        n_decoded = check_decoding(verdicts, msgs, failures)
        n_decoded += check_decoding(sekisho_scan(opts.sekisho, files, list(paths.values())),
                                    list(paths.values()), failures)
        if n_decoded < 50:
            failures.append(f"only {n_decoded} attachments compared with Python's decoding")
        n_email = 0
        if have_email:
            eml = os.path.join(email_dir, "eml")
            n_email, _ = compare(opts.sekisho, files,
                                 sorted(os.path.join(eml, f) for f in os.listdir(eml)),
                                 tmp, failures)
    print(f"compared {n_own} own, {n_bench} bench and {n_email} Yara-Rules messages "
          f"on {len(files)} rule files; {n_decoded} attachments decoded as Python does")
    if not have_email:
        print(f"(the Yara-Rules email set is not at {opts.corpus}: its part SKIPPED)")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
