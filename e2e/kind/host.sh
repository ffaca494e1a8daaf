#!/usr/bin/env bash
# The kind node shares the host's kernel: kubelet sets machine-wide sysctls (vm.overcommit_memory,
# kernel.panic, kernel.panic_on_oops, ...) and kind mounts /lib/modules from the host, creating it when it is
# missing. `host.sh save DIR` records that state before the cluster is created; `host.sh restore DIR`, after
# it is deleted, puts back every sysctl that changed and removes a /lib/modules that kind left behind.
set -euo pipefail
cmd=${1:?usage: host.sh save|restore DIR} dir=${2:?usage: host.sh save|restore DIR}
# Counters and ids the kernel changes by itself.
volatile='^(fs\.(dentry-state|file-nr|inode-nr|inode-state|aio-nr|quota\.[a-z_]+)|kernel\.(ns_last_pid|random\.[a-z_]+|pty\.nr)|net\.netfilter\.nf_conntrack_count) ='
snapshot() { sysctl -a 2>/dev/null | grep -Ev "$volatile" | sort; }

case $cmd in
  save)
    mkdir -p "$dir"
    snapshot >"$dir/sysctl"
    if [ -e /lib/modules ]; then touch "$dir/lib-modules-existed"; else rm -f "$dir/lib-modules-existed"; fi
    ;;
  restore)
    [ -f "$dir/sysctl" ] || exit 0
    changed=$(comm -13 "$dir/sysctl" <(snapshot) | sed 's/ = .*//' | sort -u)
    for key in $changed; do
      old=$(grep -m1 "^$key = " "$dir/sysctl" | sed 's/^[^=]* = //') || continue
      if sysctl -q -w "$key=$old" 2>/dev/null; then echo "[host] restored $key = $old" >&2
      else echo "[host] could not restore $key = $old" >&2; fi
    done
    if [ ! -e "$dir/lib-modules-existed" ] && [ -d /lib/modules ]; then
      rmdir /lib/modules 2>/dev/null && echo "[host] removed the empty /lib/modules kind created" >&2 || true
    fi
    ;;
esac
