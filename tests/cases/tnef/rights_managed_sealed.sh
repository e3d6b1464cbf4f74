# A rights-managed Outlook message (IPM.Note.rpmsg.Microsoft.Voicemail.UM.CA
# class): its content is sealed, so encrypted.unopened, never pass.
printf 'sealed\n' > a.bin
$PY "$FIXTURES/mktnef.py" "$OUT" --class IPM.Note.rpmsg.Microsoft.Voicemail.UM.CA --attach message.rpmsg=a.bin
