# RAR4 with an encrypted member and only wrong candidates (the builtin list
# included): the member is listed and encrypted.unopened, sandbox; the
# reason says that without a check value a wrong password and damage look
# alike.
cp "$EICAR" eicar.com
$MKARCHIVE rar4-aes "$OUT" --password 'Tr1cky-pw' eicar.com=eicar.com
