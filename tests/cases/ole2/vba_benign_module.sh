# A Word document with one benign VBA module under Macros/: the module comes
# back as its decompressed source (MS-OVBA 2.4.1), typed vba.
printf 'Sub Hello()\n  MsgBox "Hello from Module1"\nEnd Sub\n' > Module1.bas
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="Hello world" --vba Module1=Module1.bas
