# A .ppt encrypted with RC4 CryptoAPI whose ExOleObjStg persist object holds
# an OLE Package with EICAR: after decrypting each persist object (its id is
# the block number) the embedded file is found and blocks the mail.
cp "$EICAR" eicar.com
$PY "$FIXTURES/mkoffcrypto.py" rc4-ppt "$OUT" --password 'Sl1des!' --embed eicar.com=eicar.com
