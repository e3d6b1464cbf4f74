# David Fifield's overlapping zip bomb ("A better zip bomb", 2019): 1000
# central-directory entries whose data overlap; entry i is a stored deflate
# block quoting entry i+1's local header, then entry i+1's data, down to one
# shared kernel of 2 MiB of 'a'. ~95 KB that claim 2.1 GB, every CRC right
# (Python's zipfile reads it all). libarchive stops at bad data, and the
# ratio limit stops the members it does inflate.
$PY "$FIXTURES/mkbomb.py" overlap "$OUT" --files 1000 --kernel-mib 2
