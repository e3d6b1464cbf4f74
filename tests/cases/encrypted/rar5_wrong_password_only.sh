# RAR5 with encrypted members and only wrong candidates (the builtin list
# included): every member is listed and encrypted.unopened, sandbox.
cp "$EICAR" eicar.com
$MKARCHIVE rar5-aes "$OUT" --password 'Tr1cky-pw' eicar.com=eicar.com
