"""The messages every gateway is given, made at test time (EICAR is joined
from two halves; the encrypted ZIP is written by Info-ZIP's zip, the macro
document by tests/fixtures/mkoffcrypto.py's plain .docm writer).

make(dir) writes NAME.eml for each name in MESSAGES and returns {name: path}.
Each entry: (name, what it is, the Sekisho verdict it must get)."""
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from email.message import EmailMessage
from email.utils import make_msgid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PASSWORD = "Kx7#mail"

MESSAGES = [
    ("clean", "a plain reply with a text attachment", "pass"),
    ("eicar-zip-zip", "EICAR in a zip in a zip", "block"),
    ("emotet-reply", "encrypted ZIP holding EICAR, its password in the ISO-2022-JP body", "block"),
    ("zip-no-password", "the same ZIP, the body without the password", "sandbox"),
    ("macro-docm", "a .docm whose AutoOpen calls Shell", "sandbox"),
    ("deceptive-name", "invoice.pdf.js", "sandbox"),
    ("limit-depth", "zips nested 4 deep (Sekisho started with --max-depth 2)", "sandbox"),
    ("sekisho-stopped", "the clean message with Sekisho stopped", "error"),
]


def _zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def _encrypted_zip(tmp):
    path = os.path.join(tmp, "eicar.com")
    with open(path, "wb") as f:
        f.write(EICAR)
    out = os.path.join(tmp, "enc.zip")
    subprocess.run(["zip", "-q", "-X", "-j", "-P", PASSWORD, out, path], check=True)
    with open(out, "rb") as f:
        return f.read()


def _message(subject, body, attachments, charset="utf-8", sender="sato@example.co.jp"):
    msg = EmailMessage()
    msg["From"] = "Sato Taro <%s>" % sender
    msg["To"] = "Suzuki Hanako <root@localhost>"
    msg["Subject"] = subject
    msg["Date"] = "Fri, 27 Nov 2026 09:00:00 +0900"
    msg["Message-ID"] = make_msgid(domain="example.co.jp")
    msg.set_content(body, charset=charset)
    for name, maintype, subtype, data in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg).replace(b"\r\n", b"\n")


def make(out_dir):
    import mkoffcrypto  # tests/fixtures: the plain .docm writer

    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        enc = _encrypted_zip(tmp)
    clean_body = "Hello,\nthe minutes of Tuesday's meeting are attached.\nRegards\n"
    jp_with = "いつもお世話になっております。\n請求書を添付いたします。\n\n解凍パスワード：%s\n" % PASSWORD
    jp_without = "いつもお世話になっております。\n請求書を添付いたします。\n"
    nested = b"quarterly figures, nothing to see\n" * 8
    for level in range(4):
        nested = _zip([("level%d.%s" % (level, "zip" if level else "txt"), nested)])
    js = (b"var s = 'Your invoice is attached.';\n"
          b"WScript.Echo(s);\n")
    msgs = {
        "clean": _message("Minutes", clean_body,
                          [("minutes.txt", "text", "plain", b"1. Budget\n2. Schedule\n" * 10)]),
        "eicar-zip-zip": _message("Invoice", "Please find the invoice attached.\n",
                                  [("invoice.zip", "application", "zip",
                                    _zip([("inner.zip", _zip([("eicar.com", EICAR)]))]))]),
        "emotet-reply": _message("Re: 請求書の件", jp_with,
                                 [("請求書.zip", "application", "zip", enc)], charset="iso-2022-jp"),
        "zip-no-password": _message("Re: 請求書の件", jp_without,
                                    [("請求書.zip", "application", "zip", enc)], charset="iso-2022-jp"),
        "macro-docm": _message("Order 0412", "Hello,\nthe order form is attached.\n",
                               [("order.docm", "application",
                                 "vnd.ms-word.document.macroEnabled.12", mkoffcrypto.docm())]),
        "deceptive-name": _message("Invoice", "Your invoice is attached.\n",
                                   [("invoice.pdf.js", "application", "octet-stream", js)]),
        "limit-depth": _message("Figures", "The figures, archived.\n",
                                [("figures.zip", "application", "zip", nested)]),
    }
    msgs["sekisho-stopped"] = msgs["clean"]
    paths = {}
    for name, data in msgs.items():
        paths[name] = os.path.join(out_dir, name + ".eml")
        with open(paths[name], "wb") as f:
            f.write(data)
    return paths


if __name__ == "__main__":
    for name, path in make(sys.argv[1]).items():
        print(name, path)
