# mkarchive's 7z writer (p7zip's 7z when installed, else 7zz): opened by its password.
cp "$EICAR" eicar.com
$MKARCHIVE 7z-aes "$OUT" --password pw eicar.com=eicar.com
