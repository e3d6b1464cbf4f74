# A compound file that is not a message but holds one's property stream
# deeper down (an Outlook item embedded in a document's ObjectPool): only
# the root's own children make a message, so it stays ole2 and its streams
# are listed as OLE2 streams.
head -c 40 /dev/zero > props
$PY "$FIXTURES/mkole.py" "$OUT" --text 'WordDocument=plain document text' \
    --stream 'ObjectPool/_1/__properties_version1.0=props'
