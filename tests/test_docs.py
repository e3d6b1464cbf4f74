#!/usr/bin/env python3
"""The documents that users and maintainers read stay true to the code.

reasons       README.md documents every reason code that `sekisho reasons`
              lists, with its default verdict, so operators can write
              policies from the README.
architecture  ARCHITECTURE.md's folder table matches the tree: each C file
              of a code folder is named in its row's "owns" cell (a header
              with its .c, or on its own when it has none), each file
              named there exists, and each #include of another folder's
              header or of a library is one its "may include" cell allows
              (and every allowance is still used; "(only `x.c`)" names
              exactly the files that include it). Headers of the C library,
              POSIX and Linux are not listed; any other header must be known
              to LIBRARIES below, so a new library cannot slip in unlisted.
"""
import argparse
import pathlib
import re
import subprocess
import sys

CODE_FOLDERS = ("engine", "unpackers", "common", "cli", "daemon", "bench")
PROJECT_FOLDERS = CODE_FOLDERS + ("tests",)

# A library header (exact name, or a prefix ending in "/") -> the name the
# table uses for the library.
LIBRARIES = {
    "archive.h": "libarchive",
    "archive_entry.h": "libarchive",
    "mspack.h": "libmspack",
    "gmime/": "GMime",
    "gsf/": "libgsf",
    "glib.h": "GLib",
    "openssl/": "OpenSSL",
    "zlib.h": "zlib",
    "lzma.h": "liblzma",
    "bzlib.h": "libbz2",
    "yara.h": "libyara",
    "jansson.h": "jansson",
    "pcre2.h": "PCRE2",
    "uv.h": "libuv",
    "seccomp.h": "libseccomp",
    "hiredis/": "hiredis",
    "libmilter/": "libmilter",
}

# The C library, POSIX and Linux's headers: not listed in the table.
SYSTEM = set("""
assert.h ctype.h dirent.h errno.h fcntl.h getopt.h grp.h iconv.h inttypes.h
limits.h locale.h malloc.h math.h netdb.h poll.h pthread.h pwd.h sched.h signal.h
stdarg.h stdatomic.h stdbool.h stddef.h stdint.h stdio.h stdlib.h string.h
strings.h termios.h time.h unistd.h
""".split())
SYSTEM_PREFIXES = ("sys/", "linux/", "netinet/", "arpa/")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
TICKED = re.compile(r"`([^`]+)`")


def library_of(header):
    for key, name in LIBRARIES.items():
        if header == key or (key.endswith("/") and header.startswith(key)):
            return name
    return None


def project_path(folder, header):
    """'engine/reader.h' for "../engine/reader.h" or "engine/reader.h" seen
    from another folder; None for a header of the folder itself."""
    parts = header.split("/")
    while parts and parts[0] == "..":
        parts = parts[1:]
    if len(parts) >= 2 and parts[0] in PROJECT_FOLDERS and parts[0] != folder:
        return "/".join(parts)
    return None


def split_items(cell):
    """Top-level comma or semicolon separated items (not inside parentheses)."""
    items, depth, cur = [], 0, ""
    for ch in cell:
        depth += ch == "("
        depth -= ch == ")"
        if ch in ",;" and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    return [i.strip() for i in items + [cur] if i.strip()]


class Allowance:
    """One thing a folder may include: a library name or a project path
    (a file, or a folder ending in '/'), with the files that alone may."""

    def __init__(self, what, only):
        self.what = what
        self.only = only  # a set of file names, or None for any file
        self.used_by = set()

    def covers(self, thing):
        if self.what.endswith("/"):
            return thing.startswith(self.what)
        return thing == self.what


def parse_may_include(cell):
    cell = cell.split("Inside:")[0]  # the rules inside daemon/ are test_layering's
    allow, banned = [], []
    names = set(LIBRARIES.values())
    for item in split_items(cell):
        only = None
        m = re.search(r"\(only ([^)]*)\)", item)
        if m:
            only = {t for t in TICKED.findall(m.group(1)) if re.search(r"\.[ch]$", t)}
        head = re.sub(r"\([^)]*\)", "", item)
        paths = [t for t in TICKED.findall(head) if t.split("/")[0] in PROJECT_FOLDERS]
        if re.match(r"\s*(nothing of|never)\b", head):
            banned += paths
            continue
        for path in paths:
            allow.append(Allowance(path, only))
        for name in names:
            if re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", head):
                allow.append(Allowance(name, only))
    return allow, banned


def table_rows(text):
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\| `([a-z]+)/` \| (.*) \| (.*) \|\s*$", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3))
    return rows


def check_owns(root, folder, owns, bad):
    files = sorted(p.name for p in (root / folder).glob("*.[ch]"))
    named = set()
    for t in TICKED.findall(owns):
        named.update(expand(t))
    for name in files:
        # A header is named with its .c (a module is the pair).
        if name not in named and not (name.endswith(".h") and name[:-2] + ".c" in named):
            bad.append(f"{folder}/{name} is not named in its row's 'owns' cell")
    for name in sorted(named):
        if "/" not in name and re.search(r"\.[ch]$", name) and not (root / folder / name).exists():
            bad.append(f"the '{folder}/' row names {name}, which does not exist")


def expand(ticked):
    """`dynbuf.[ch]` names dynbuf.c and dynbuf.h; `ctl.h` itself."""
    m = re.fullmatch(r"(.*)\.\[ch\]", ticked)
    return [m.group(1) + ".c", m.group(1) + ".h"] if m else [ticked]


def check_includes(root, folder, cell, bad):
    allow, banned = parse_may_include(cell)
    for path in sorted((root / folder).glob("*.[ch]")):
        for kind, header in INCLUDE.findall(path.read_text(errors="replace")):
            if kind == '"':
                thing = project_path(folder, header)
            elif header in SYSTEM or header.startswith(SYSTEM_PREFIXES):
                continue
            else:
                thing = library_of(header)
                if thing is None:
                    bad.append(f"{folder}/{path.name} includes <{header}>: unknown to "
                               "tests/test_docs.py LIBRARIES (add the library there and to the table)")
                    continue
            if thing is None:
                continue
            if any(thing.startswith(b) or thing == b for b in banned):
                bad.append(f"{folder}/{path.name} includes {header}: the table says never")
                continue
            fits = [a for a in allow if a.covers(thing)]
            if not fits:
                bad.append(f"{folder}/{path.name} includes {header}: not in the '{folder}/' "
                           "row's 'may include' cell")
            elif not any(a.only is None or path.name in a.only for a in fits):
                only = sorted(set().union(*(a.only for a in fits)))
                bad.append(f"{folder}/{path.name} includes {header}: the table allows it only "
                           f"in {', '.join(only)}")
            for a in fits:
                a.used_by.add(path.name)
    for a in allow:
        if not a.used_by:
            bad.append(f"the '{folder}/' row allows {a.what}, which no file there includes")
        elif a.only is not None and a.only - a.used_by:
            bad.append(f"the '{folder}/' row says only {', '.join(sorted(a.only))} include "
                       f"{a.what}, but {', '.join(sorted(a.only - a.used_by))} do not")


def architecture(root):
    rows = table_rows((root / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    bad = []
    for folder in CODE_FOLDERS:
        if folder not in rows:
            bad.append(f"ARCHITECTURE.md's folder table has no row for {folder}/")
            continue
        owns, cell = rows[folder]
        check_owns(root, folder, owns, bad)
        check_includes(root, folder, cell, bad)
    for folder in rows:
        if not (root / folder).is_dir():
            bad.append(f"ARCHITECTURE.md's folder table has a row for {folder}/, which does not exist")
    for line in bad:
        print("FAIL " + line)
    print(f"{len(CODE_FOLDERS)} folders checked, {len(bad)} failed")
    return 1 if bad else 0


def reasons(sekisho, readme_path):
    readme = open(readme_path, encoding="utf-8").read()
    out = subprocess.run([sekisho, "reasons"], capture_output=True, text=True, check=True).stdout
    passed = failed = 0
    for line in out.splitlines():
        code, verdict = line.split()[:2]
        row = re.search(r"^\|\s*`" + re.escape(code) + r"`\s*\|\s*" + verdict + r"\s*\|", readme, re.M)
        if row:
            passed += 1
        else:
            failed += 1
            print(f"FAIL README.md has no row | `{code}` | {verdict} |")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="check", required=True)
    r = sub.add_parser("reasons")
    r.add_argument("--sekisho", required=True)
    r.add_argument("--readme", required=True)
    a = sub.add_parser("architecture")
    a.add_argument("--root", required=True)
    args = ap.parse_args()
    if args.check == "reasons":
        return reasons(args.sekisho, args.readme)
    return architecture(pathlib.Path(args.root))


if __name__ == "__main__":
    sys.exit(main())
