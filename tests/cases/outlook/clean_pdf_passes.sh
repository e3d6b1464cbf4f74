# A clean .msg: a plain and an HTML body, a recipient, transport headers,
# and a harmless PDF attached under its long name. It passes.
$PY "$FIXTURES/mkpdf.py" clean report.pdf
$PY "$FIXTURES/mkmsg.py" "$OUT" --subject 'Quarterly report' \
    --body $'Hi,\r\nthe report is attached.\r\n' \
    --html '<html><body><p>Hi,</p><p>the report is attached.</p></body></html>' \
    --headers $'Received: from mx.example.org\r\nFrom: Alice <alice@example.org>\r\nSubject: Quarterly report\r\n' \
    --sender 'alice@example.org' --to 'bob@example.com' \
    --attach 'Quarterly report 2024.pdf=report.pdf'
