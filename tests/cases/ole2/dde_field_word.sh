# A DDEAUTO field in WordDocument's text, 8-bit: field begin (0x13), the
# code, field separator (0x14). Prose that merely says "DDE" must not count
# (see dde_prose_is_not_a_field).
printf 'Hello \023 DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe" \024\025 bye' > WordDocument
$PY "$FIXTURES/mkole.py" "$OUT" --stream WordDocument=WordDocument
