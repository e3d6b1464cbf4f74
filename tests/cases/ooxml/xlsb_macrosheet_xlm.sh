# An .xlsb whose macro sheet (BIFF12, written by mkooxml.py from [MS-XLSB])
# holds EXEC, REGISTER, a string formula with its cached text (a quote in
# it), GOTO R1C1 and HALT. Its xlm.txt reads as a BIFF8 macro sheet's does
# (unpackers/xlm.h): "R1C1: =EXEC("calc.exe")", so the bundled
# XLM_Exec_Or_Download matches it (it missed the token form "A1: "calc.exe"
# EXEC()" the .xlsb renderer used to write).
$PY "$FIXTURES/mkooxml.py" xlsb_xlm "$OUT"
