# An embedded message (attach method 5: __substg1.0_3701000D, its property
# header 24 bytes) holding the password ZIP, its password in the inner
# message's body. The inner message is handed back as a compound file of its
# own ("Invoice.msg"), opened as a message in turn, its body harvested
# before its ZIP.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Em8%xQ3v' invoice.zip eicar.com
$PY "$FIXTURES/mkmsg.py" inner.msg --subject 'Invoice' \
    --body $'Hello,\r\nthe invoice is attached.\r\nPassword: Em8%xQ3v\r\n' --attach 'invoice.zip=invoice.zip'
$PY "$FIXTURES/mkmsg.py" "$OUT" --subject 'Fwd: Invoice' --body 'FYI, see the message below.' \
    --embed 'Invoice=inner.msg'
