#!/usr/bin/env python3
"""The third-party corpus beside the checkout (../shared/corpus), compared with
what its README says of each archive: which password opens it, which members
it holds, and which encryptions libarchive cannot open.

Exits 77 (ctest: SKIPPED) when the corpus is absent, as in a user's fresh
clone. Prints one line per sample and `N passed, M failed`."""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

# file -> (members that must open, members that must stay unopened, password)
LIBARCHIVE = {
    "test_read_format_zip_traditional_encryption_data.zip": (["bar.txt", "foo.txt"], [], "12345678"),
    "test_read_format_zip_winzip_aes128.zip": (["README"], [], "password"),
    "test_read_format_zip_winzip_aes256.zip": (["README"], [], "password"),
    "test_read_format_zip_winzip_aes256_stored.zip": (["README"], [], "password"),
    "test_read_format_zip_winzip_aes256_large.zip": (["Makefile", "NEWS", "README", "config.h"], [], "password"),
    # PKWARE strong encryption: libarchive 3.6 cannot decrypt it.
    "test_read_format_zip_encryption_data.zip": ([], ["bar.txt", "foo.txt"], None),
    "test_read_format_zip_encryption_partially.zip": (["bar.txt"], ["foo.txt"], None),
    # 7zAES: opened by unpackers/sevenz.c (libarchive 3.6 cannot decrypt it),
    # headers encrypted or not; a plain member beside an encrypted one too.
    "test_read_format_7zip_encryption.7z": (["bar.txt"], [], "12345678"),
    "test_read_format_7zip_encryption_partially.7z": (["bar_unencrypted.txt", "bar_encrypted.txt"], [], "12345678"),
    "test_read_format_7zip_encryption_header.7z": (["bar.txt"], [], "12345678"),
    "test_read_format_zip_encryption_header.zip": ([], [], None),
    # RAR4 and RAR5 are decrypted here: check_rar4, check_rar5.
}
# Decoy candidates come first, so the right one must be found among others.
CANDIDATES = ["infected", "wrong", "12345678", "password", "infected-test"]


def scan(sekisho, path):
    out = subprocess.run([sekisho, "scan", *sum((["--password", p] for p in CANDIDATES), []), path],
                         capture_output=True, timeout=120)
    return json.loads(out.stdout.decode().splitlines()[0]), out.returncode


def children(tree):
    return {c["name"]: c for c in tree.get("children", [])}


def check_libarchive(sekisho, corpus):
    failures = []
    for name, (opened, unopened, password) in sorted(LIBARCHIVE.items()):
        result, code = scan(sekisho, os.path.join(corpus, "libarchive", name))
        kids = children(result["tree"])
        problems = [] if code == (0 if result["verdict"] == "pass" else 1) else [f"exit code {code}"]
        for member in opened:
            node = kids.get(member)
            if not node or node["type"] == "encrypted":
                problems.append(f"{member} not opened")
            elif password and node.get("encrypted") and (node.get("password") or {}).get("value") != password:
                problems.append(f"{member} opened by {node.get('password')}, want {password}")
        for member in unopened:
            node = kids.get(member)
            if not node or node["type"] != "encrypted" or node.get("password") is not None:
                problems.append(f"{member} should be reported unopened")
        codes = {r["code"] for r in result["reasons"]}
        if "error.corrupt" in codes:
            problems.append("well-formed archive reported error.corrupt")
        if (unopened or not opened) and ("encrypted.unopened" not in codes or result["verdict"] == "pass"):
            problems.append(f"want encrypted.unopened and no pass; have {result['verdict']} {sorted(codes)}")
        if opened and not unopened and result["verdict"] != "pass":
            problems.append(f"clean members opened, want pass; have {result['verdict']} {sorted(codes)}")
        failures.append((f"libarchive/{name}", problems))
    return failures


# RAR5 archives WinRAR made (libarchive 3.8's tests): member -> the password
# that must have opened it (None: stored plain). Every member holds the
# 18 bytes "This is from <name>", which the scan's sha256 must match: the
# members' own checksums (HMAC'd CRC32s) are checked too, so a wrong key or
# a wrong rewrite cannot pass.
RAR5 = {
    "test_read_format_rar5_encrypted.rar":
        {"a.txt": None, "b.txt": "password", "c.txt": None, "d.txt": "password2"},
    "test_read_format_rar5_encrypted_filenames.rar":
        {m: "password" for m in ("a.txt", "b.txt", "c.txt", "d.txt")},
    "test_read_format_rar5_solid_encrypted.rar":
        {m: "password" for m in ("a.txt", "b.txt", "c.txt", "d.txt")},
}


def scan_with(sekisho, path, candidates):
    out = subprocess.run([sekisho, "scan", *sum((["--password", p] for p in candidates), []), path],
                         capture_output=True, timeout=120)
    return json.loads(out.stdout.decode().splitlines()[0])


def rar_members_opened(sekisho, corpus, name, members):
    """The corpus RAR `name` scanned among decoys: (the verdict, problems)
    with its verdict pass and each member's bytes ("This is from NAME") and
    opening password as `members` says."""
    result = scan_with(sekisho, os.path.join(corpus, "libarchive", name),
                       ["wrong", "password2", "infected", "password"])
    kids = children(result["tree"])
    problems = []
    if result["verdict"] != "pass" or result["reasons"]:
        problems.append(f"want pass; have {result['verdict']} {result['reasons']}")
    for member, password in members.items():
        node = kids.get(member, {})
        want = hashlib.sha256(f"This is from {member}".encode()).hexdigest()
        if node.get("sha256") != want:
            problems.append(f"{member}: bytes {node.get('sha256')}, want {want}")
        if (node.get("password") or {}).get("value") != password:
            problems.append(f"{member}: opened by {node.get('password')}, want {password}")
    return result, problems


def rar_wrong_candidates(sekisho, corpus, name):
    """With only wrong candidates (the builtin list still has `password`),
    d.txt (`password2`'s) stays encrypted and unopened: sandbox."""
    result = scan_with(sekisho, os.path.join(corpus, "libarchive", name), ["wrong", "Password2"])
    node = children(result["tree"]).get("d.txt", {})
    codes = {(r["code"], r["path"]) for r in result["reasons"]}
    problems = []
    if node.get("type") != "encrypted" or node.get("password") is not None:
        problems.append(f"d.txt opened with wrong candidates: {node}")
    if ("encrypted.unopened", f"{name}/d.txt") not in codes or result["verdict"] != "sandbox":
        problems.append(f"want sandbox, encrypted.unopened on d.txt; have {result['verdict']} {codes}")
    return problems


def check_rar5(sekisho, corpus):
    """Each member opened with its own password among decoys, its bytes
    right; with only wrong candidates (the builtin list still has
    `password`) `password2`'s member stays encrypted.unopened."""
    failures = []
    for name, members in sorted(RAR5.items()):
        result, problems = rar_members_opened(sekisho, corpus, name, members)
        listed = {(p["path"], p["value"]) for p in result.get("passwords", [])}
        for member, password in members.items():
            if password and (f"{name}/{member}", password) not in listed:
                problems.append(f"{member}: not in the top-level passwords {listed}")
        failures.append((f"libarchive/{name} (rar5 passwords)", problems))
    name = "test_read_format_rar5_encrypted.rar"
    path = os.path.join(corpus, "libarchive", name)
    failures.append((f"libarchive/{name} (wrong candidates)",
                     rar_wrong_candidates(sekisho, corpus, name)))
    failures.append(("libarchive/test_read_format_rar5_encrypted.rar (flipped byte)",
                     check_rar5_verified(sekisho, path)))
    return failures


def check_rar5_verified(sekisho, path):
    """One ciphertext byte of b.txt (compressed) flipped, in a copy: the
    check value still proves `password`, but the decrypted data does not
    decompress. b.txt is encrypted.unopened, its password shown verified
    (node and top level, opened false) for the sandbox; never pass."""
    data = bytearray(open(path, "rb").read())
    # b.txt's data follows its name and its 60-byte extra area (the
    # encryption and time records) and starts with the first AES block.
    at = data.index(b"b.txt") + len("b.txt") + 60
    data[at + 1] ^= 0x01
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "flipped.rar")
        with open(copy, "wb") as f:
            f.write(data)
        result = scan_with(sekisho, copy, ["wrong", "password"])
    node = children(result["tree"]).get("b.txt", {})
    problems = []
    pw = node.get("password") or {}
    if node.get("type") != "encrypted" or pw.get("value") != "password" or not pw.get("verified"):
        problems.append(f"b.txt should be unopened with a verified password: {node}")
    want = {"path": "flipped.rar/b.txt", "value": "password", "source": "request", "opened": False}
    if want not in result.get("passwords", []):
        problems.append(f"no {want} in {result.get('passwords')}")
    if result["verdict"] == "pass":
        problems.append("flipped ciphertext passed")
    return problems


# RAR4 archives WinRAR made (libarchive 3.8's tests): RAR4 keeps no check
# value, so each candidate's key is proven only by the member's CRC32
# after decompression (unpackers/rar4crypt.c); -hp headers by their CRC.
# Solid members past the first stay encrypted.unopened (libarchive 3.6
# reads no solid RAR4 member).
RAR4 = {
    "test_read_format_rar4_encrypted.rar":
        {"a.txt": None, "b.txt": "password", "c.txt": None, "d.txt": "password2"},
    "test_read_format_rar4_encrypted_filenames.rar":
        {m: "password" for m in ("a.txt", "b.txt", "c.txt", "d.txt")},
}


def check_rar4(sekisho, corpus):
    failures = []
    for name, members in sorted(RAR4.items()):
        _, problems = rar_members_opened(sekisho, corpus, name, members)
        failures.append((f"libarchive/{name} (rar4 passwords)", problems))
    name = "test_read_format_rar4_encrypted.rar"
    failures.append((f"libarchive/{name} (rar4 wrong candidates)",
                     rar_wrong_candidates(sekisho, corpus, name)))
    for name, opened in (("test_read_format_rar4_solid_encrypted.rar", {"a.txt"}),):
        result = scan_with(sekisho, os.path.join(corpus, "libarchive", name), ["wrong", "password"])
        kids = children(result["tree"])
        problems = []
        for member in opened:
            want = hashlib.sha256(f"This is from {member}".encode()).hexdigest()
            if kids.get(member, {}).get("sha256") != want:
                problems.append(f"{member}: not opened: {kids.get(member)}")
        if set(kids) - opened or result["verdict"] != "sandbox" or \
                "encrypted.unopened" not in {r["code"] for r in result["reasons"]}:
            problems.append(f"want the rest unopened (sandbox); have {result['verdict']} "
                            f"{list(kids)} {result['reasons']}")
        failures.append((f"libarchive/{name} (rar4 unopened part)", problems))
    return failures


def check_oletools_zips(sekisho, corpus):
    """oletools zipped its DDE samples with ZipCrypto and `infected-test`:
    each must open to the one member the README names (the zip's own name
    without `.zip`)."""
    failures = []
    for root, _, files in os.walk(os.path.join(corpus, "oletools")):
        for f in sorted(files):
            if not f.endswith(".zip"):
                continue
            result, _ = scan(sekisho, os.path.join(root, f))
            kids = children(result["tree"])
            member = kids.get(f[:-4])
            problems = []
            if not member or (member.get("password") or {}).get("value") != "infected-test":
                problems.append(f"member {f[:-4]} not opened with infected-test: {list(kids)}")
            failures.append((os.path.relpath(os.path.join(root, f), corpus), problems))
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    ap.add_argument("--corpus", required=True)
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(args.corpus, "libarchive")):
        print(f"SKIPPED: no corpus at {args.corpus}")
        return 77
    results = (check_libarchive(args.sekisho, args.corpus) + check_rar5(args.sekisho, args.corpus)
               + check_rar4(args.sekisho, args.corpus)
               + check_oletools_zips(args.sekisho, args.corpus))
    failed = 0
    for name, problems in results:
        print(("FAIL " if problems else "ok   ") + name)
        for p in problems:
            print("     " + p)
        failed += bool(problems)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
