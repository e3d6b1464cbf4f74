# An attachment by reference (attach method 2) to a file on a remote share:
# no bytes to scan, its path reported under the message's info and the
# remote target as link.remote_target; the by-value attachment beside it is
# still scanned.
printf 'meeting notes\n' > notes.txt
$PY "$FIXTURES/mkmsg.py" "$OUT" --subject 'Shared file' --body 'The file is on the share.' \
    --reference 'budget.xlsm=\\fileserver.example.org\share\budget.xlsm' \
    --attach 'notes.txt=notes.txt'
