# vbaProject.bin as OOXML stores it: the project at the root of its own
# compound file. Workbook_Open with CreateObject fires mraptor's rule.
printf 'Private Sub Workbook_Open()\n  Set o = CreateObject("WScript.Shell")\nEnd Sub\n' > wb.bas
$PY "$FIXTURES/mkole.py" "$OUT" --vba-root "" --vba ThisWorkbook=wb.bas
