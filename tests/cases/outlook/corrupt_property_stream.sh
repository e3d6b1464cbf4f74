# The message's property stream has 5 stray bytes (not a whole number of
# 16-byte entries): error.corrupt, and the rest is still read: the body,
# and the EICAR attachment that blocks.
cp "$EICAR" eicar.com
$PY "$FIXTURES/mkmsg.py" "$OUT" --corrupt-props --subject 'Broken' --body 'Broken properties.' \
    --attach 'payload.com=eicar.com'
