#!/bin/sh
# Assembles a distroless-style root filesystem in $1 from the Node image it runs in: the node binary, the
# shared libraries it and the native addons under $2 (a node_modules directory) load, users root and
# node (uid/gid 1000), /tmp, and /data owned by 1000 with /app/data pointing at it. No shell, no package
# manager, no npm: the runtime stage of both Dockerfiles is `FROM scratch` plus this tree.
set -eu
out=$1 modules=$2

mkdir -p "$out/usr/local/bin" "$out/etc" "$out/app" "$out/data" "$out/tmp"
cp /usr/local/bin/node "$out/usr/local/bin/node"

# Every shared object node and the addons need, with the dynamic loader; libraries that ship inside
# node_modules (an addon's own .so beside it) come with node_modules instead.
libs() {
  ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}
{
  libs /usr/local/bin/node
  find "$modules" -type f \( -name '*.node' -o -name '*.so' -o -name '*.so.*' \) | while read -r f; do libs "$f"; done
} | grep -v "^$modules" | sort -u | while read -r lib; do
  cp -L --parents "$lib" "$out"
done

# Accounts: the numeric ids are what matters (the images run as 1000:1000); names make `ps` and logs readable.
printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/app:/sbin/nologin\n' >"$out/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$out/etc/group"
# /etc/hosts before DNS, as in every Debian image (Docker and Kubernetes mount /etc/hosts and resolv.conf).
printf 'hosts: files dns\n' >"$out/etc/nsswitch.conf"

chmod 1777 "$out/tmp"
chown 1000:1000 "$out/data"
# Relative data paths in the configuration (./data/chdb, ./data/spool: the defaults) land in the volume.
ln -s /data "$out/app/data"
