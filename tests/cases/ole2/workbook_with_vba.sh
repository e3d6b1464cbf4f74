# Excel's layout: a Workbook stream (typed biff for the BIFF unpacker) and
# the project under _VBA_PROJECT_CUR.
printf 'Sub Auto_Open()\n  Kill "C:\\x.txt"\nEnd Sub\n' > m.bas
head -c 5000 /dev/zero > Workbook
$PY "$FIXTURES/mkole.py" "$OUT" --stream Workbook=Workbook --vba-root _VBA_PROJECT_CUR --vba Module1=m.bas
