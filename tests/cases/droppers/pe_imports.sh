# A PE32+ GUI EXE written from the PE/COFF spec: header facts in the detail.
$PY "$FIXTURES/mkpe.py" "$OUT" --import KERNEL32.dll:ExitProcess,WinExec,VirtualAlloc --import USER32.dll:MessageBoxA
