# The second attachment's attAttachData (attribute 9) has a wrong checksum:
# error.corrupt, and the first attachment, read before it, is still scanned
# (its EICAR blocks).
cp "$EICAR" eicar.com
printf 'two\n' > b.txt
$PY "$FIXTURES/mktnef.py" "$OUT" --attach first.com=eicar.com --attach second.txt=b.txt --bad-checksum 9
