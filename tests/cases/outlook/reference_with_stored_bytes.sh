# An attachment by reference (method 2) that also carries bytes in
# PidTagAttachDataBinary, as a crafted message can: the reference is
# reported, and the stored bytes (EICAR) are scanned all the same, because
# tools that extract by the streams present hand them to the user.
$PY "$FIXTURES/mkmsg.py" "$OUT" --subject 'Shared file' --body 'The file is on the share.' \
    --reference-with-data "invoice.com=\\\\fileserver.example.org\\share\\invoice.com=$EICAR"
