cp "$EICAR" eicar.com
gzip -n -c eicar.com > eicar.com.gz
7z a -bso0 -bsp0 inner.7z eicar.com.gz
tar -cJf mid.tar.xz inner.7z
zip -q -X "$OUT" mid.tar.xz
