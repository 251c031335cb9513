#!/bin/sh
# Lays out, under DIR, what `mini-proxy init` needs from Debian's iptables: both backends (nf_tables,
# Debian's default, behind `iptables`; legacy behind `iptables-legacy`), the extension modules its rules
# load (tcp, multiport, owner, comment, REDIRECT, and standard for RETURN), every library those link, and
# /etc/protocols for `-p tcp`. Run in the iptables stage of the workspace Dockerfile.
#   iptables-rootfs.sh DIR
set -eu
out=$1
ext=/usr/lib/x86_64-linux-gnu/xtables
mkdir -p "$out/usr/sbin" "$out$ext" "$out/etc"
cp /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi "$out/usr/sbin/"
for name in iptables ip6tables iptables-nft ip6tables-nft; do ln -s xtables-nft-multi "$out/usr/sbin/$name"; done
for name in iptables-legacy ip6tables-legacy; do ln -s xtables-legacy-multi "$out/usr/sbin/$name"; done
for module in standard tcp multiport owner comment REDIRECT; do cp "$ext/libxt_$module.so" "$out$ext/"; done
for file in /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi "$out$ext"/*.so; do
  for lib in $(ldd "$file" | grep -o '/[^ ]*'); do
    mkdir -p "$out$(dirname "$lib")"
    cp -L "$lib" "$out$lib"
  done
done
cp /etc/protocols "$out/etc/"
