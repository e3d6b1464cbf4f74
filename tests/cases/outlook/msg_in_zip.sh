# An .msg inside a ZIP, inside it an EICAR attachment under a long name:
# opened as a message wherever it sits.
cp "$EICAR" eicar.com
$PY "$FIXTURES/mkmsg.py" saved.msg --subject 'Tool' --body 'Run the attached tool.' \
    --attach 'Setup Assistant (2024).exe=eicar.com'
$MKARCHIVE zip "$OUT" 'Saved mail.msg=saved.msg'
