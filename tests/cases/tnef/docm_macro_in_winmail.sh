# Outlook's rich-text mail: the Word document travels inside winmail.dat
# (application/ms-tnef). Its macro must be found at winmail.dat/order.docm.
# The TNEF is cross-checked with Debian's tnef(1) where it is installed.
printf 'Sub AutoOpen()\r\n    Shell "cmd /c calc.exe", vbHide\r\nEnd Sub\r\n' > module1.bas
$PY "$FIXTURES/mkole.py" vbaProject.bin --vba-root "" --vba Module1=module1.bas
$PY - <<'PYEOF'
import zipfile
ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
      '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
with zipfile.ZipFile("order.docm", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", ct)
    z.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>')
    z.write("vbaProject.bin", "word/vbaProject.bin")
PYEOF
$PY "$FIXTURES/mktnef.py" winmail.dat --attach order.docm=order.docm --body "Please see the order."
if command -v tnef >/dev/null; then tnef -t winmail.dat | grep -q '^order.docm'; fi
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

write(mail("docm_macro_in_winmail", "Order",
           text_part("Please see the order.\n", "us-ascii", "us-ascii", "7bit"),
           attachment("winmail.dat", "application", "ms-tnef", "winmail.dat")))
PYEOF
