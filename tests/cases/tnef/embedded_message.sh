# A forwarded Outlook message inside winmail.dat: PidTagAttachDataBinary as
# a PT_OBJECT (IID_IMessage, then the inner message's own TNEF). The inner
# message is a child typed tnef, opened in turn; its EICAR attachment blocks.
cp "$EICAR" eicar.com
$PY "$FIXTURES/mktnef.py" inner.dat --attach setup.exe=eicar.com
$PY "$FIXTURES/mktnef.py" "$OUT" --message inner.dat
