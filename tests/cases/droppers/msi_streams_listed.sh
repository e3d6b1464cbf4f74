# An OLE2 file whose root storage has the Windows Installer CLSID is an MSI:
# dropper.executable, and its streams are still listed and scanned.
$PY - "$OUT" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
import mkole
MSI = bytes.fromhex("84100c0000000000c000000000000046")
data = mkole.cfb({"CustomAction": b'Set sh = CreateObject("WScript.Shell")\r\nsh.Run "cmd /c calc"\r\n',
                  "Property": b"ProductName=Test"}, clsids={"": MSI})
open(sys.argv[1], "wb").write(data)
EOF
