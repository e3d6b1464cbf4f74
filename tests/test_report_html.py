#!/usr/bin/env python3
"""`sekisho scan --report FILE.html` loaded in a real headless Chromium
(Debian's package), driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: fd 3 in, fd 4 out, messages ended by NUL) from
plain Python. Asserts: no console error, no request but the page itself,
the summary, a known input's row and its expanded tree, the filters and the
sort, hostile names shown as text (no dialog, no element made from them),
and a screenshot. A copy of the page with its script altered is refused by
the page's Content-Security-Policy (the negative control). Exit 77 (SKIPPED)
only when no chromium is installed."""
import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

import test_cli
from test_cli import EICAR, check, run
from test_scan_views import nested_fixture

HOSTILE_FILE = "<img src=x onerror=alert(1)>\"'\u202egpj.exe"
HOSTILE_MEMBER = "x\"><script>alert(2)</script>\u2066.txt"


def find_chromium():
    for path in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "",
                 shutil.which("chromium-browser") or ""):
        if path and os.access(path, os.X_OK):
            return path
    return None


class Browser:
    """One headless Chromium and one page, over a DevTools pipe."""

    def __init__(self, binary, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             "--disable-component-update", "--mute-audio", "--window-size=1200,900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, pass_fds=(3, 4))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.send("Browser.close", session=False, wait=False)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_chrome], [], [], left)[0]:
                raise TimeoutError("no message from chromium")
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed its pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True, wait=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        if not wait:
            return None
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._read_message(deadline)
            if e.get("method") == method:
                return e
            self.events.append(e)

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                             session=False)
        self.session = attached["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.send(domain + ".enable")
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def js(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def settle(self):
        """Collects what arrived meanwhile (a round trip flushes the pipe)."""
        self.js("1")

    def problems(self):
        """Console errors, uncaught exceptions, error log entries, dialogs."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(("console", p.get("args")))
            elif m == "Runtime.exceptionThrown":
                out.append(("exception", p.get("exceptionDetails", {}).get("text")))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(("log", p["entry"].get("text")))
            elif m == "Page.javascriptDialogOpening":
                out.append(("dialog", p.get("message")))
        return out

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]


def make_inputs(tmp):
    root = os.path.join(tmp, "inputs")
    os.mkdir(root)
    outer = nested_fixture(tmp)
    shutil.copy(outer, os.path.join(root, "outer.zip"))
    with open(os.path.join(root, "clean.txt"), "w") as f:
        f.write("nothing to see here\n")
    with open(os.path.join(root, HOSTILE_FILE), "wb") as f:
        f.write(EICAR)
    with zipfile.ZipFile(os.path.join(root, "names.zip"), "w") as z:
        z.writestr(HOSTILE_MEMBER, b"harmless\n")
    return root


def check_page(b, root, report):
    outer_id = os.path.join(root, "outer.zip")
    b.settle()
    check("report: no console error, exception or dialog on load", b.problems() == [], b.problems())
    requests = b.requests()
    check("report: no request but the page itself (CSP: no network)",
          requests == ["file://" + report], requests)
    summary = b.js("[...'inputs pass sandbox block'.split(' ')].map(k => "
                   "document.getElementById('n-' + k).textContent).join(',')")
    check("report: summary counts per verdict", summary == "4,1,1,2", summary)
    top = b.js("document.getElementById('top-reasons').innerText")
    check("report: the reasons most seen", "yara.match" in (top or "") and "2 inputs" in (top or ""), top)
    row = b.js(f"(() => {{ const r = [...document.querySelectorAll('#inputs > tbody > tr')]"
               f".find(r => r.dataset.id === {json.dumps(outer_id)}); r.querySelector('details').open = true;"
               f" return r.innerText; }})()")
    check("report: the known input's row (verdict, id, reasons)",
          row and "block" in row.lower() and outer_id in row and "yara.match" in row, row)
    for text in ("msg.eml", "inner.zip", "password: Ab12cd", "eicar.com", "EICAR_Test_File",
                 "Passwords used", "source: body"):
        check(f"report: the expanded tree shows {text!r}", row and text in row, row)
    depth = b.js(f"(() => {{ const r = [...document.querySelectorAll('#inputs > tbody > tr')]"
                 f".find(r => r.dataset.id === {json.dumps(outer_id)});"
                 f" const n = [...r.querySelectorAll('.tree .name')].find(e => e.textContent === 'eicar.com');"
                 f" let d = 0; for (let e = n; e; e = e.parentElement) if (e.matches('ul.tree')) d++;"
                 f" return d; }})()")
    check("report: eicar.com nested four lists deep (outer.zip > msg.eml > inner.zip > it)", depth == 4, depth)
    reason_node = b.js(f"(() => {{ const r = [...document.querySelectorAll('#inputs > tbody > tr')]"
                       f".find(r => r.dataset.id === {json.dumps(outer_id)});"
                       f" const f = r.querySelector('.tree .reason');"
                       f" return f.parentElement.querySelector('.name').textContent; }})()")
    check("report: the reason sits at the node that raised it", reason_node == "eicar.com", reason_node)

    shown = b.js("(() => { const s = document.getElementById('fverdict'); s.value = 'pass';"
                 " s.dispatchEvent(new Event('change'));"
                 " return [...document.querySelectorAll('#inputs > tbody > tr')].filter(r => !r.hidden)"
                 ".map(r => r.dataset.verdict).join(','); })()")
    check("report: filter by verdict hides the other rows", shown == "pass", shown)
    shown = b.js("(() => { const s = document.getElementById('fverdict'); s.value = '';"
                 " s.dispatchEvent(new Event('change')); const q = document.getElementById('freason');"
                 " q.value = 'name.deceptive'; q.dispatchEvent(new Event('input'));"
                 " return [...document.querySelectorAll('#inputs > tbody > tr')].filter(r => !r.hidden)"
                 ".map(r => r.dataset.id).join('|'); })()")
    check("report: filter by reason (both hostile names are deceptive)",
          sorted((shown or "").split("|")) == sorted(os.path.join(root, n).replace("\u202e", "\\u202e")
                                                 for n in (HOSTILE_FILE, "names.zip")),
          shown)
    order = b.js("(() => { const q = document.getElementById('freason'); q.value = '';"
                 " q.dispatchEvent(new Event('input'));"
                 " document.querySelector('th[data-key=bytes]').click();"
                 " return [...document.querySelectorAll('#inputs > tbody > tr')].map(r => +r.dataset.bytes); })()")
    check("report: sort by size", order == sorted(order) and len(order) == 4, order)

    texts = b.js("[...document.querySelectorAll('#inputs > tbody > tr')].map(r => { "
                 "r.querySelector('details').open = true; return r.innerText; }).join('\\n')")
    check("report: a hostile file name shown as its literal text, bidi control neutralised",
          "<img src=x onerror=alert(1)>\"'\\u202egpj.exe" in texts, texts)
    check("report: a hostile member name shown as text",
          "x\"><script>alert(2)</script>\\u2066.txt" in texts, texts)
    made = b.js("[document.images.length, document.scripts.length,"
                " document.body.innerHTML.includes('\u202e'), document.body.innerHTML.includes('\u2066')]")
    check("report: no element made from a name, no raw bidi control", made == [0, 1, False, False], made)
    b.settle()
    check("report: still no error or dialog after the interactions", b.problems() == [], b.problems())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sekisho", required=True)
    sekisho = os.path.abspath(ap.parse_args().sekisho)
    chromium = find_chromium()
    if not chromium:
        print("SKIPPED: chromium is not installed (scripts/install-deps installs it)")
        return 77
    with tempfile.TemporaryDirectory(prefix="sekisho-report-") as tmp:
        root = make_inputs(tmp)
        report = os.path.join(tmp, "report.html")
        code, lines, _, err = run(sekisho, "scan", "--report", report, root)
        check("report: the scan ran (exit 1) and wrote the page", code == 1 and os.path.getsize(report) > 0,
              (code, err))
        with open(report, encoding="utf-8") as f:
            page = f.read()
        check("report: self-contained (no URL to fetch)", "http:" not in page.split("<body>")[0]
              and "src=" not in page.replace("src=x", "") and "<link" not in page, page[:400])
        b = Browser(chromium, os.path.join(tmp, "profile"))
        try:
            b.open("file://" + report)
            check_page(b, root, report)
            png = base64.b64decode(b.send("Page.captureScreenshot", {"format": "png"})["data"])
            shot = os.environ.get("SEKISHO_REPORT_PNG") or os.path.join(tmp, "report.png")
            with open(shot, "wb") as f:
                f.write(png)
            check("report: a screenshot (PNG)", png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000, len(png))
        finally:
            b.close()

        # Negative control: the same page with its script altered must not run.
        tampered = os.path.join(tmp, "tampered.html")
        with open(tampered, "w", encoding="utf-8") as f:
            f.write(page.replace("apply();})();", "apply();console.log(1);})();"))
        b = Browser(chromium, os.path.join(tmp, "profile2"))
        try:
            b.open("file://" + tampered)
            b.settle()
            ran = b.js("document.getElementById('shown').textContent")
            check("CSP control: an altered script is refused and reported", ran == "" and b.problems(),
                  (ran, b.problems()))
        finally:
            b.close()
    return test_cli.finish()


if __name__ == "__main__":
    sys.exit(main())
