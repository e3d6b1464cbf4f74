#!/usr/bin/env python3
"""Fixture-driven tests: one generic runner, each case two files.

A case is `tests/cases/<group>/<name>.sh`, which writes one input file with
independent tools (zip, 7z, tar, xz, python3, ...), and `<name>.json`, which
says what `sekisho scan` must answer for it. The input is made at test time
in a temporary folder and never committed.

The .sh runs with `set -eu` in an empty temporary folder, with:
  OUT         the path to write the input to (its base name is the case's
              "input", default "input.bin")
  EICAR       a file holding the 68-byte EICAR test string (made here, so the
              repository never holds it)
  MKARCHIVE   python3 tests/fixtures/mkarchive.py (FORMAT OUT [--password PW]
              NAME=FILE ...)
  PY          the python3 to use
  FIXTURES    the folder tests/fixtures, for a case's Python to import its
              helpers from (sys.path.insert(0, os.environ["FIXTURES"]);
              e.g. mkmail.py, which the message cases build their mail with)

The .json keys (all optional except "verdict"):
  input       the input's file name (the root node's name)
  args        extra `sekisho scan` arguments
  exit        the expected exit code (default: 0 for pass, 1 otherwise)
  verdict     pass | sandbox | block
  reasons     [{"code": ..., "path": ..., "verdict": ..., "detail_has": ...}]: each
              must match some reason on every key given
  no_reasons  reason codes that must not appear anywhere, or objects
              ({"code": ..., "path": ...}) naming a reason that must not
              appear at one place (any reason matching every key given fails)
  matches     [{"rule": ..., "path": ...}]: each must match some YARA match
  no_matches  rule names that must not appear, or {"rule": ..., "path": ...}
  nodes       [{"path": ..., "type": ..., "size": ..., "sha256": ...,
               "encrypted": ..., "password": ..., "password_source": ...,
               "filters": ..., "truncated": ..., "info_has": {KEY: TEXT}}]:
              each must name an existing node and agree on every key given
              (info_has: each fact under the node's "info" holds TEXT)
              (password_verified: the password is proven right but did not open it)
  passwords   [{"path": ..., "value": ..., "opened": ...}]: each must match some entry
              of the top-level "passwords"
  node_count  the exact number of nodes in the tree
  min_nodes   at least this many nodes
  errors      error codes (in "errors") that must appear
  max_seconds the scan's wall time must stay under this (bombs)
  max_rss_mib the scan's peak resident memory (the child's ru_maxrss from
              wait4) must stay under this many MiB (bombs)

Prints one line per case (and, for bounded cases, the input's size, the wall
time and the peak RSS) and a final `N passed, M failed` line; exits 1 on any
failure. Usage: run_cases.py --sekisho BIN [--filter SUBSTRING]
[--bounds-scale F] CASES_DIR
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MEASURED = []  # the bounded cases' figures, printed after their ok/FAIL line
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def walk_tree(node, prefix, out):
    """Flattens the tree to {path: node} the way DESIGN.md names paths: a
    message at the root is not named, so its parts' paths start with their
    own names (the root itself is then the path "")."""
    stack = [(node, prefix)]
    while stack:
        current, parent_path = stack.pop()
        if current is node and node.get("type") in ("eml", "msg"):
            path = ""
        else:
            path = current["name"] if not parent_path else parent_path + "/" + current["name"]
        out.setdefault(path, current)
        for child in current.get("children", []):
            stack.append((child, path))
    return out


def count_nodes(node):
    total, stack = 0, [node]
    while stack:
        current = stack.pop()
        total += 1
        stack.extend(current.get("children", []))
    return total


def subset_match(want, have):
    for key, value in want.items():
        if key == "detail_has":
            if value not in have.get("detail", ""):
                return False
        elif key == "info_has":
            info = have.get("info") or {}
            if any(text not in info.get(fact, "") for fact, text in value.items()):
                return False
        elif key == "password_verified":
            if (have.get("password") or {}).get("verified", False) != value:
                return False
        elif key == "password_source":
            if (have.get("password") or {}).get("source") != value:
                return False
        elif key == "password":
            got = have.get("password")
            if value is None and got is not None:
                return False
            if value is not None and (got is None or got.get("value") != value):
                return False
        elif have.get(key) != value:
            return False
    return True


def require_each(kind, wants, unwanted, haves, key):
    """Each wanted item must match some item on every key it gives; no item
    may carry an unwanted `key` value, or match an unwanted object on every
    key it gives (a code at one path)."""
    failures = []
    for want in wants:
        if not any(subset_match(want, h) for h in haves):
            failures.append(f"no {kind} like {want}; have {[(h[key], h['path']) for h in haves]}")
    for name in unwanted:
        unwanted_item = name if isinstance(name, dict) else {key: name}
        hits = [h for h in haves if subset_match(unwanted_item, h)]
        if hits:
            failures.append(f"unexpected {kind} {name}: {[(h[key], h['path']) for h in hits]}")
    return failures


def check(expect, result, exit_code):
    """Returns a list of failure messages (empty when the case passes)."""
    failures = []
    verdict = expect["verdict"]
    want_exit = expect.get("exit", 0 if verdict == "pass" else 1)
    if exit_code != want_exit:
        failures.append(f"exit {exit_code}, want {want_exit}")
    if result.get("verdict") != verdict:
        failures.append(f"verdict {result.get('verdict')}, want {verdict}")
    reasons = result.get("reasons", [])
    matches = result.get("matches", [])
    failures += require_each("reason", expect.get("reasons", []), expect.get("no_reasons", []),
                             reasons, "code")
    failures += require_each("match", expect.get("matches", []), expect.get("no_matches", []),
                             matches, "rule")
    if verdict == "pass" and any(r["verdict"] != "pass" for r in reasons):
        failures.append(f"pass with non-pass reasons {[r['code'] for r in reasons]}")
    tree = result.get("tree") or {}
    nodes = walk_tree(tree, "", {}) if tree else {}
    for want in expect.get("nodes", []):
        want = dict(want)
        path = want.pop("path")
        node = nodes.get(path)
        if node is None:
            failures.append(f"no node {path}; have {sorted(nodes)[:12]}")
        elif not subset_match(want, node):
            shown = {k: node.get(k) for k in want}
            failures.append(f"node {path}: {shown}, want {want}")
    if "node_count" in expect and tree and count_nodes(tree) != expect["node_count"]:
        failures.append(f"{count_nodes(tree)} nodes, want {expect['node_count']}")
    if "min_nodes" in expect and (not tree or count_nodes(tree) < expect["min_nodes"]):
        failures.append(f"{count_nodes(tree) if tree else 0} nodes, want >= {expect['min_nodes']}")
    for want in expect.get("passwords", []):
        if not any(subset_match(want, have) for have in result.get("passwords", [])):
            failures.append(f"no password {want}; have {result.get('passwords')}")
    error_codes = {e["code"] for e in result.get("errors", [])}
    for code in expect.get("errors", []):
        if code not in error_codes:
            failures.append(f"no error {code}; have {sorted(error_codes)}")
    for node in nodes.values():
        if "sha256" in node and len(node["sha256"]) != 64:
            failures.append(f"bad sha256 on {node['name']}")
    return failures


def run_measured(cmd, cwd, timeout):
    """Runs cmd to the end: (exit code, stdout bytes, stderr bytes, wall
    seconds, peak RSS in MiB). The peak RSS is this child's own ru_maxrss,
    read with wait4 (RUSAGE_CHILDREN would keep the largest child so far)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read(), err.read(), wall, usage.ru_maxrss / 1024.0


BOUNDS_SCALE = 1.0  # --bounds-scale: sanitizer builds are slower and larger


def check_bounds(expect, wall, rss_mib):
    failures = []
    max_seconds = expect.get("max_seconds", 0) * BOUNDS_SCALE
    max_rss_mib = expect.get("max_rss_mib", 0) * BOUNDS_SCALE
    if "max_seconds" in expect and wall >= max_seconds:
        failures.append(f"took {wall:.2f} s, bound {max_seconds:g} s")
    if "max_rss_mib" in expect and rss_mib >= max_rss_mib:
        failures.append(f"peak RSS {rss_mib:.0f} MiB, bound {max_rss_mib:g} MiB")
    return failures


def run_case(sekisho, script, workdir, eicar_path):
    with open(script[:-3] + ".json", encoding="utf-8") as f:
        expect = json.load(f)
    case_dir = tempfile.mkdtemp(dir=workdir)
    out = os.path.join(case_dir, expect.get("input", "input.bin"))
    build = os.path.join(case_dir, "build")
    os.mkdir(build)
    env = dict(os.environ, OUT=out, EICAR=eicar_path, PY=sys.executable,
               FIXTURES=os.path.join(HERE, "fixtures"),
               MKARCHIVE=f"{sys.executable} {os.path.join(HERE, 'fixtures', 'mkarchive.py')}")
    made = subprocess.run(["bash", "-eu", script], cwd=build, env=env,
                          capture_output=True, text=True)
    if made.returncode != 0:
        return [f"fixture script failed: {made.stderr.strip()[-400:]}"]
    cmd = [sekisho, "scan", *expect.get("args", []), out]
    code, stdout, stderr, wall, rss_mib = run_measured(cmd, case_dir, 300)
    bounds = check_bounds(expect, wall, rss_mib)
    if "max_seconds" in expect or "max_rss_mib" in expect:
        MEASURED.append(f"     {os.path.basename(out)}: {os.path.getsize(out)} bytes, "
                        f"{wall:.2f} s, peak RSS {rss_mib:.0f} MiB")
    lines = [l for l in stdout.decode("utf-8", "replace").splitlines() if l.strip()]
    if len(lines) != 1:
        return bounds + [f"{len(lines)} output lines, want 1; stderr: {stderr.decode()[-300:]}"]
    try:
        result = json.loads(lines[0])
    except ValueError as e:
        return bounds + [f"output is not JSON: {e}"]
    return bounds + check(expect, result, code)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    ap.add_argument("--filter", default="")
    ap.add_argument("--bounds-scale", type=float, default=1.0,
                    help="multiply max_seconds and max_rss_mib (sanitizer builds)")
    ap.add_argument("cases")
    args = ap.parse_args()
    global BOUNDS_SCALE
    BOUNDS_SCALE = args.bounds_scale
    args.sekisho = os.path.abspath(args.sekisho)
    scripts = []
    for root, _, files in os.walk(args.cases):
        scripts += [os.path.join(root, f) for f in files if f.endswith(".sh")]
    scripts = sorted(os.path.abspath(s) for s in scripts if args.filter in s)
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="sekisho-cases-") as workdir:
        eicar_path = os.path.join(workdir, "eicar.com")
        with open(eicar_path, "wb") as f:
            f.write(EICAR)
        for script in scripts:
            name = os.path.relpath(script, os.path.abspath(args.cases))[:-3]
            failures = run_case(args.sekisho, script, workdir, eicar_path)
            if failures:
                failed += 1
                print(f"FAIL {name}")
                for msg in failures:
                    print(f"     {msg}")
            else:
                passed += 1
                print(f"ok   {name}")
            while MEASURED:
                print(MEASURED.pop(0))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
