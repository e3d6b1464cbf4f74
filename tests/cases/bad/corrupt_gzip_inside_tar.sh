printf "good\n" > good.txt
printf '\037\213\010\000\000\000\000\000\000\003garbage-that-is-not-deflate' > bad.gz
tar --format=ustar -cf "$OUT" good.txt bad.gz
