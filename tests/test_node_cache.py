#!/usr/bin/env python3
"""The node cache (issue 20, item 3; engine/outcome.h) through the real CLI.

Fixtures are built here with Info-ZIP `zip` and Python's email package: a
ZIP of a text file holding a marker (matched by a rule of this test, with
tags and meta) and 30 KB of random filler, attached as bundle.zip to six
messages and copied as two bare files; the same bytes attached once as
other.zip (a rule here uses the `filename` external); an encrypted ZIP
(ZipCrypto, its password in each of two messages' bodies); and a corrupt
copy of the ZIP (filler bytes flipped: a CRC error) in two messages.

One `scan --jobs 1` over them all with the cache on is compared, input by
input, with one with --cache-bytes 0: verdict, reasons, matches, passwords,
errors and stats.nodes, bytes and max_depth identical, and each tree the
same but where a node came from the cache (its subtree must then have the
nodes and depth of the cold one). Then: bundle.zip cached in exactly 5 of
its 6 messages and 1 of its 2 bare copies; other.zip a miss, its
filename-rule match kept; the encrypted and the corrupt ZIPs never cached
(and scanned again, their children present), nor a plain ZIP holding the
encrypted one, nor a forwarded message (its text is harvested) though the
ZIP inside it is; stats.cache_hits equal to the cached nodes of each tree.
A cached subtree that would take a message past --max-nodes is scanned
instead, and meets the limit as the cold scan does. Eviction: with a budget of 2 KiB, forty
other nodes scanned in between push bundle.zip's outcome out (a miss where
64 MiB hits), results still identical. The same comparison with --jobs 2.
Usage: test_node_cache.py --sekisho BIN
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
from mkmail import attachment, mail, message_part, text_part, zip_part  # noqa: E402

MARKER = "SEKISHO-NODE-CACHE-PROBE"
PASSWORD = "Kx7-cache-42"
RULES = """
rule cache_probe : probe cache
{
    meta:
        description = "the node cache test's marker"
        score = 7
        flagged = true
    strings:
        $m = "%s"
    condition:
        $m
}

rule cache_name_probe
{
    meta:
        verdict = "sandbox"
    condition:
        filename == "other.zip"
}
""" % MARKER


def scan(sekisho, rules, inputs, *args):
    proc = subprocess.run([sekisho, "scan", "--rules", rules, *args, *inputs],
                          capture_output=True, text=True, check=False)
    out = {}
    for line in proc.stdout.splitlines():
        v = json.loads(line)
        out[v["id"]] = v
    return out


def subtree(node):
    """(nodes, max_depth below) of a cold subtree."""
    nodes, depth = 1, 0
    for c in node.get("children", []):
        n, d = subtree(c)
        nodes += n
        depth = max(depth, d + 1)
    return nodes, depth


def compare_tree(warm, cold, where, failures):
    """Walks both trees; a cached warm node stands for the cold subtree."""
    bare = lambda n: {k: v for k, v in n.items()  # noqa: E731
                      if k not in ("children", "cached", "subtree")}
    if bare(warm) != bare(cold):
        failures.append(f"{where}: node differs: {bare(warm)} != {bare(cold)}")
        return
    if warm.get("cached"):
        want = dict(zip(("nodes", "max_depth"), subtree(cold)))
        if warm.get("children") or warm.get("subtree") != want:
            failures.append(f"{where}: cached {warm.get('subtree')} for a subtree of {want}")
        return
    wk, ck = warm.get("children", []), cold.get("children", [])
    if len(wk) != len(ck):
        failures.append(f"{where}: {len(wk)} children != {len(ck)}")
        return
    for w, c in zip(wk, ck):
        compare_tree(w, c, where + "/" + w["name"], failures)


def cached_nodes(node):
    found = [node] if node.get("cached") else []
    for c in node.get("children", []):
        found += cached_nodes(c)
    return found


def find(node, name):
    if node["name"] == name:
        return node
    for c in node.get("children", []):
        hit = find(c, name)
        if hit:
            return hit
    return None


def compare_runs(warm, cold, label, failures):
    if set(warm) != set(cold):
        failures.append(f"{label}: inputs differ: {sorted(set(warm) ^ set(cold))}")
    for path in sorted(set(warm) & set(cold)):
        w, c = warm[path], cold[path]
        where = f"{label} {os.path.basename(path)}"
        for key in ("verdict", "reasons", "matches", "passwords", "errors"):
            if w[key] != c[key]:
                failures.append(f"{where}: {key} {w[key]} != {c[key]}")
        for key in ("nodes", "bytes", "max_depth"):
            if w["stats"][key] != c["stats"][key]:
                failures.append(f"{where}: stats.{key} {w['stats'][key]} != {c['stats'][key]}")
        if c["stats"]["cache_hits"] != 0:
            failures.append(f"{where}: cache_hits {c['stats']['cache_hits']} with the cache off")
        if w["stats"]["cache_hits"] != len(cached_nodes(w["tree"])):
            failures.append(f"{where}: cache_hits {w['stats']['cache_hits']} for "
                            f"{len(cached_nodes(w['tree']))} cached nodes")
        compare_tree(w["tree"], c["tree"], where, failures)


def build(tmp):
    rng = random.Random(20)
    payload = os.path.join(tmp, "payload.txt")
    with open(payload, "w") as f:
        f.write("Quarterly figures\n" + "lorem ipsum dolor\n" * 200 + MARKER + "\n")
    filler = os.path.join(tmp, "filler.bin")
    with open(filler, "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(30000)))
    bundle = os.path.join(tmp, "bundle.zip")
    subprocess.run(["zip", "-q", "-j", bundle, payload, filler], check=True)
    locked = os.path.join(tmp, "locked.zip")
    subprocess.run(["zip", "-q", "-j", "-P", PASSWORD, locked, payload, filler], check=True)
    with open(bundle, "rb") as f:
        data = bytearray(f.read())
    at = data.find(b"filler.bin") + 200  # inside filler's stored bytes
    for i in range(at, at + 64):
        data[i] ^= 0x5A
    corrupt = os.path.join(tmp, "corrupt.zip")
    with open(corrupt, "wb") as f:
        f.write(data)

    inputs = os.path.join(tmp, "in")
    os.makedirs(os.path.join(inputs, "a"))
    os.makedirs(os.path.join(inputs, "b"))
    shutil.copy(bundle, os.path.join(inputs, "a", "bundle.zip"))
    shutil.copy(bundle, os.path.join(inputs, "b", "bundle.zip"))
    body = text_part("Hello,\nthe figures are attached.\n", "ascii", "us-ascii", "7bit")

    def message(name, *parts):
        with open(os.path.join(inputs, name), "wb") as f:
            f.write(mail(name.replace(".", "_"), "Figures", *parts).as_bytes())

    for i in range(6):
        message(f"m{i}.eml", body, zip_part(bundle, "bundle.zip"))
    message("other.eml", body, zip_part(bundle, "other.zip"))
    secret = text_part(f"Hello,\nthe password is: {PASSWORD}\n", "ascii", "us-ascii", "7bit")
    nested = os.path.join(tmp, "nested.zip")
    subprocess.run(["zip", "-q", "-j", nested, locked, filler], check=True)
    inner = mail("inner", "Figures", body, zip_part(bundle, "inner.zip"))
    for i in range(2):
        message(f"e{i}.eml", secret, zip_part(locked, "locked.zip"))
        message(f"c{i}.eml", body, attachment(corrupt, "application", "zip", "corrupt.zip"))
        message(f"n{i}.eml", secret, zip_part(nested, "nested.zip"))
        message(f"f{i}.eml", body, message_part(inner, "fwd.eml"))
    return inputs


def limit_inputs(tmp, inputs):
    """0x.eml: bundle.zip alone; 1y.eml: ten small texts, then bundle.zip."""
    folder = os.path.join(tmp, "limit")
    os.makedirs(folder)
    shutil.copy(os.path.join(inputs, "m0.eml"), os.path.join(folder, "0x.eml"))
    texts = []
    for i in range(10):
        texts.append(os.path.join(tmp, f"note{i}.txt"))
        with open(texts[-1], "w") as f:
            f.write(f"note {i}\n")
    parts = [attachment(t, "text", "plain", os.path.basename(t)) for t in texts]
    bundle = os.path.join(tmp, "bundle.zip")
    with open(os.path.join(folder, "1y.eml"), "wb") as f:
        f.write(mail("y", "Notes", *parts, zip_part(bundle, "bundle.zip")).as_bytes())
    return folder


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    opts = ap.parse_args()
    if not shutil.which("zip"):
        print("SKIPPED: no zip")
        return 77
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "cache.yar")
        with open(rules, "w") as f:
            f.write(RULES)
        inputs = [build(tmp)]
        cold = scan(opts.sekisho, rules, inputs, "--jobs", "1", "--cache-bytes", "0")
        warm = scan(opts.sekisho, rules, inputs, "--jobs", "1")
        if len(cold) != 17:
            failures.append(f"{len(cold)} verdicts for 17 inputs")
        compare_runs(warm, cold, "cache", failures)

        by_name = {}
        for path, v in warm.items():
            for n in cached_nodes(v["tree"]):
                by_name.setdefault((os.path.basename(path).endswith(".zip"), n["name"]),
                                   []).append(path)
        attached = len(by_name.pop((False, "bundle.zip"), []))
        bare = len(by_name.pop((True, "bundle.zip"), []))
        if (attached, bare) != (5, 1):
            failures.append(f"bundle.zip cached in {attached} messages and {bare} bare "
                            "copies, not 5 and 1")
        # Inside a forwarded message (never cached itself: its text is
        # harvested) a repeated attachment is.
        inner = [os.path.basename(p) for p in by_name.pop((False, "inner.zip"), [])]
        if inner != ["f1.eml"]:
            failures.append(f"inner.zip of the forwarded message cached in {inner}, not f1.eml")
        # Beside the encrypted member of nested.zip, its plain one is.
        filler = [os.path.basename(p) for p in by_name.pop((False, "filler.bin"), [])]
        if filler != ["n1.eml"]:
            failures.append(f"nested.zip's filler.bin cached in {filler}, not n1.eml")
        if by_name:
            failures.append(f"other nodes cached: {by_name}")
        for path, v in warm.items():
            name = os.path.basename(path)
            if name == "other.eml" and not any(m["rule"] == "cache_name_probe"
                                               for m in v["matches"]):
                failures.append(f"other.eml: filename rule lost: {v['matches']}")
            if name.startswith("m") and not any(
                    m["rule"] == "cache_probe" and m["tags"] == ["probe", "cache"] and
                    m["meta"].get("score") == 7 for m in v["matches"]):
                failures.append(f"{name}: marker match lost: {v['matches']}")
            if name[0] in "ecnf" and name.endswith(".eml"):
                zip_name = {"e": "locked.zip", "c": "corrupt.zip", "n": "nested.zip",
                            "f": "fwd.eml"}[name[0]]
                node = find(v["tree"], zip_name)
                if not node or node.get("cached") or not node.get("children"):
                    failures.append(f"{name}: {zip_name} cached or not scanned: {node}")
        if not any(p["opened"] for v in warm.values() for p in v["passwords"]):
            failures.append("the encrypted ZIP was never opened: the fixture is not testing")
        if not any(v["errors"] for v in warm.values()):
            failures.append("the corrupt ZIP raised no error: the fixture is not testing")

        # Eviction: m0, then 40 distinct 5 KB files whose outcomes fill a
        # 2 KiB budget, then m1: with the default budget m1's bundle.zip is
        # a hit, with 2 KiB it was evicted (a miss), and either way the
        # results are a cold scan's.
        # `scan` takes its inputs in path order: folders 0, 1 and 2.
        rng = random.Random(21)
        for d in "012":
            os.makedirs(os.path.join(tmp, "order", d))
        order = [os.path.join(tmp, "order", "0", "m0.eml")]
        shutil.copy(os.path.join(inputs[0], "m0.eml"), order[0])
        for i in range(40):
            order.append(os.path.join(tmp, "order", "1", f"unique{i:02d}.bin"))
            with open(order[-1], "wb") as f:
                f.write(bytes(rng.getrandbits(8) for _ in range(5000)))
        order.append(os.path.join(tmp, "order", "2", "m1.eml"))
        shutil.copy(os.path.join(inputs[0], "m1.eml"), order[-1])
        cold_order = scan(opts.sekisho, rules, order, "--jobs", "1", "--cache-bytes", "0")
        for budget, hits in (("64M", 1), ("2K", 0)):
            run = scan(opts.sekisho, rules, order, "--jobs", "1", "--cache-bytes", budget)
            compare_runs(run, cold_order, f"{budget} budget", failures)
            got = run.get(order[-1], {}).get("stats", {}).get("cache_hits")
            if got != hits:
                failures.append(f"{budget} budget: m1.eml after 40 other nodes: "
                                f"{got} cache hits, not {hits}")
        tiny = scan(opts.sekisho, rules, inputs, "--jobs", "1", "--cache-bytes", "2K")
        compare_runs(tiny, cold, "2K budget", failures)
        # A cached subtree counts toward max-nodes: where it would pass the
        # limit it is scanned, and meets the limit as a cold scan does.
        folder = limit_inputs(tmp, inputs[0])
        y = os.path.join(folder, "1y.eml")
        free = scan(opts.sekisho, rules, [folder], "--jobs", "1")
        if free.get(y, {}).get("stats", {}).get("cache_hits") != 1:
            failures.append(f"1y.eml without a limit: not a cache hit: {free.get(y)}")
        limit = str(free[y]["stats"]["nodes"] - 1) if y in free else "10"
        cold_limit = scan(opts.sekisho, rules, [folder], "--jobs", "1", "--cache-bytes", "0",
                          "--max-nodes", limit)
        warm_limit = scan(opts.sekisho, rules, [folder], "--jobs", "1", "--max-nodes", limit)
        compare_runs(warm_limit, cold_limit, f"--max-nodes {limit}", failures)
        if not any(r["code"] == "limit.nodes" for r in warm_limit.get(y, {}).get("reasons", [])):
            failures.append(f"--max-nodes {limit}: 1y.eml did not meet the limit")
        pair = scan(opts.sekisho, rules, inputs, "--jobs", "2")
        compare_runs(pair, cold, "--jobs 2", failures)
        if sum(v["stats"]["cache_hits"] for v in pair.values()) == 0:
            failures.append("--jobs 2: no cache hits")
    for f in failures:
        print("FAIL", f)
    print("node cache:", "ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
