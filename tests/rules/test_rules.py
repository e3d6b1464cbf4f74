#!/usr/bin/env python3
"""Check the bundled YARA rules against the samples from make_samples.py.

    test_rules.py --sekisho build/sekisho --samples OUTDIR [--sekisho-arg ARG]...
    test_rules.py --yara [YARA_BIN] --samples OUTDIR

--sekisho: for every manifest entry, run
    `SEKISHO scan --no-bundled-rules --rules RULES_DIR [ARG...] FILE`
    (--bundled drops the first three arguments; ARGs come from --sekisho-arg)
    and read the JSON Lines report: the entry passes when its rule is among
    "matches" iff expect is true.  The scanner does the unpacking, so
    zip-wrapped samples are scanned as they are.

--yara: run the Debian `yara` CLI on every rules/*.yar file instead, defining
    the scanner's external variables with -d.  Zip-wrapped (depth 1) samples
    are unwrapped first and their single member is scanned with depth=1,
    parent_type=zip.  Also compiles the rule files with --fail-on-warnings
    (slow-string warnings included).

In both modes the manifest must hold, for every (non-private) rule in every
rules/*.yar and rules/*.yara file, at least one positive and one negative
entry.

Prints one "ok"/"FAIL" line per check, then "N passed, M failed"; exits 1 if
anything failed, 2 on usage errors.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_RULES_DIR = os.path.join(REPO, "rules")

# "rule NAME", optionally preceded by "global" / "private" modifiers.
RULE_RE = re.compile(r"^\s*((?:(?:global|private)\s+)*)rule\s+([A-Za-z_][A-Za-z0-9_]*)",
                     re.MULTILINE)


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str, detail: str = ""):
        if ok:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""))


def strip_comments(text: str) -> str:
    """Remove /* */ and // comments (good enough for rule-name parsing; a
    '//' inside a string or regex only cuts the rest of that line)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"//[^\n]*", "", text)


def rule_files(rules_dir: str):
    files = sorted(glob.glob(os.path.join(rules_dir, "*.yar")) +
                   glob.glob(os.path.join(rules_dir, "*.yara")))
    return files


def rule_names(path: str):
    """Public rule names of a rule file (private rules never report)."""
    with open(path, encoding="utf-8") as f:
        text = strip_comments(f.read())
    return [name for mods, name in RULE_RE.findall(text) if "private" not in mods]


def check_coverage(res: Results, manifest, rules_dir: str):
    files = rule_files(rules_dir)
    res.check(bool(files), f"rule files found in {rules_dir}")
    for path in files:
        for name in rule_names(path):
            pos = sum(1 for e in manifest if e["rule"] == name and e["expect"])
            neg = sum(1 for e in manifest if e["rule"] == name and not e["expect"])
            res.check(pos > 0 and neg > 0,
                      f"coverage {os.path.basename(path)}:{name} "
                      f"({pos} positive, {neg} negative)",
                      "each rule needs at least one positive and one negative sample")


# ---------------------------------------------------------------------------
# --yara mode

def external_defs(filename: str, filetype: str, depth: int, parent_type: str):
    ext = filename.rsplit(".", 1)[1].lower() if "." in filename else ""
    defs = {"filename": filename, "extension": ext, "filetype": filetype,
            "depth": str(depth), "parent_type": parent_type,
            "in_encrypted": "false", "filepath": filename, "owner": ""}
    args = []
    for k, v in defs.items():
        args += ["-d", f"{k}={v}"]
    return args


def yara_compile_check(res: Results, yara_bin: str, files):
    """Compile all rule files together, treating warnings as errors."""
    yarac = os.path.join(os.path.dirname(yara_bin), "yarac") if os.sep in yara_bin else "yarac"
    defs = external_defs("x", "data", 0, "")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [yarac, "--fail-on-warnings"] + defs + files + [os.path.join(tmp, "out.yarc")]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except OSError as exc:
            res.check(False, "yarac compile (no warnings)", str(exc))
            return
        msg = (p.stderr + p.stdout).strip()
        res.check(p.returncode == 0 and not msg, "yarac compile (no warnings)", msg)


class YaraRunner:
    def __init__(self, yara_bin: str, files):
        self.yara_bin = yara_bin
        self.files = files
        self.cache = {}

    def matches(self, sample_path: str, entry):
        key = sample_path
        if key in self.cache:
            return self.cache[key]
        with tempfile.TemporaryDirectory() as tmp:
            if entry["wrap"] == "zip":
                with zipfile.ZipFile(sample_path) as zf:
                    names = [n for n in zf.namelist() if not n.endswith("/")]
                    if len(names) != 1:
                        raise RuntimeError(f"expected one member, found {names}")
                    member = names[0]
                    target = os.path.join(tmp, "member")
                    with open(target, "wb") as f:
                        f.write(zf.read(member))
                defs = external_defs(os.path.basename(member), entry.get("filetype", "data"),
                                     1, "zip")
            else:
                target = sample_path
                defs = external_defs(os.path.basename(sample_path),
                                     entry.get("filetype", "data"), 0, "")
            cmd = [self.yara_bin] + defs + self.files + [target]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            if p.returncode != 0:
                raise RuntimeError(f"yara exited {p.returncode}: {p.stderr.strip()}")
        # output lines are "RULE_NAME TARGET"
        found = {line.split()[0] for line in p.stdout.splitlines() if line.strip()}
        self.cache[key] = found
        return found


# ---------------------------------------------------------------------------
# --sekisho mode

class SekishoRunner:
    def __init__(self, binary: str, extra_args):
        self.binary = binary
        self.extra = list(extra_args)
        self.cache = {}

    def matches(self, sample_path: str, entry):
        if sample_path in self.cache:
            return self.cache[sample_path]
        cmd = [self.binary, "scan"] + self.extra + [sample_path]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        # The exit status reflects the verdict, so it is not checked; the
        # report on stdout is what counts.
        reports = []
        for line in p.stdout.splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                reports.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise RuntimeError(f"bad JSON line ({exc}): {line[:200]}")
        if not reports:
            raise RuntimeError(f"no report on stdout (exit {p.returncode}): "
                               f"{p.stderr.strip()[:300]}")
        found = set()
        for rep in reports:
            if "verdict" not in rep:
                raise RuntimeError(f"report without verdict: {json.dumps(rep)[:200]}")
            for m in rep.get("matches") or []:
                found.add(m.get("rule"))
        self.cache[sample_path] = found
        return found


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--sekisho", metavar="BINARY", help="sekisho binary to test")
    mode.add_argument("--yara", metavar="YARA_BIN", nargs="?", const="yara",
                      help="use the yara CLI instead (default: yara from PATH)")
    ap.add_argument("--samples", required=True, metavar="DIR",
                    help="directory written by make_samples.py")
    ap.add_argument("--rules-dir", default=DEFAULT_RULES_DIR,
                    help="rule directory (default: %(default)s)")
    ap.add_argument("--sekisho-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for 'sekisho scan' (repeatable), "
                         "e.g. --sekisho-arg=--rules --sekisho-arg=rules")
    ap.add_argument("--bundled", action="store_true",
                    help="let sekisho load its bundled rules itself instead of "
                         "passing --no-bundled-rules --rules RULES_DIR")
    args = ap.parse_args()

    manifest_path = os.path.join(args.samples, "manifest.json")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as exc:
        print(f"cannot read {manifest_path}: {exc}", file=sys.stderr)
        return 2

    res = Results()
    check_coverage(res, manifest, args.rules_dir)

    if args.yara:
        files = rule_files(args.rules_dir)
        yara_compile_check(res, args.yara, files)
        runner = YaraRunner(args.yara, files)
    else:
        if not os.access(args.sekisho, os.X_OK):
            print(f"not an executable: {args.sekisho}", file=sys.stderr)
            return 2
        extra = list(args.sekisho_arg)
        if not args.bundled:
            # Test exactly the rules in --rules-dir, whatever bundled rules
            # directory the binary would find on its own.
            extra = ["--no-bundled-rules", "--rules", os.path.abspath(args.rules_dir)] + extra
        runner = SekishoRunner(args.sekisho, extra)

    for e in manifest:
        what = (f"{e['rule']} {'matches' if e['expect'] else 'does not match'} "
                f"{e['sample']}" + (f" [{e.get('member')}]" if e["wrap"] == "zip" else ""))
        path = os.path.join(args.samples, e["sample"])
        try:
            found = runner.matches(path, e)
        except (OSError, RuntimeError, subprocess.TimeoutExpired, zipfile.BadZipFile) as exc:
            res.check(False, what, str(exc))
            continue
        hit = e["rule"] in found
        res.check(hit == e["expect"], what,
                  f"matched rules: {sorted(found) if found else 'none'}")

    print(f"{res.passed} passed, {res.failed} failed")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
