cat > payload.hta <<'HTA'
<html><head><HTA:APPLICATION ID="x" WINDOWSTATE="minimize"></head>
<body><script language="VBScript">CreateObject("WScript.Shell").Run "calc"</script></body></html>
HTA
printf '@echo off\r\nstart calc\r\n' > payload.bat
$PY - <<'PY'
import struct
pe = bytearray(0x200)
pe[0:2] = b"MZ"
struct.pack_into("<I", pe, 0x3C, 0x80)
pe[0x80:0x84] = b"PE\0\0"
struct.pack_into("<HHIIIHH", pe, 0x84, 0x14C, 0, 0, 0, 0, 0, 2)
open("payload.exe", "wb").write(bytes(pe))
PY
$PY "$FIXTURES/mkonenote.py" files "$OUT" payload.hta payload.bat payload.exe
