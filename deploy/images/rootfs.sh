#!/bin/sh
# rootfs.sh DEST PATH...: a root file system for a FROM scratch image.
#
# DEST gets each PATH (a file or a directory, copied as is) and, for
# every ELF file among them, the dynamic loader and the shared libraries
# it loads (ldd), by their real paths and their soname links; then what
# any process needs: /etc/passwd and /etc/group with root and ovunque
# (10001), /etc/nsswitch.conf, /tmp; and, like distroless images, the
# dpkg record of every package a copied file came from, in
# DEST/var/lib/dpkg/status.d/, so image scanners still see what is in
# it. No shell, no coreutils, no package manager. Run inside the stage
# that installed the packages (it needs ldd, dpkg and realpath).
set -eu

dest=$1
shift
mkdir -p "$dest/usr/bin" "$dest/usr/lib" "$dest/usr/lib64" "$dest/etc" \
	"$dest/var/lib/dpkg/status.d"
# Debian 12 is merged-/usr: keep the top-level links.
for d in bin lib lib64 sbin; do
	[ -e "$dest/$d" ] || ln -s "usr/$d" "$dest/$d"
done
owners=$(mktemp)

# owner PATH: the package that owns PATH, into $owners (none for our
# own binaries).
owner() {
	for q in "$1" "$(realpath "$1")" "/usr$1" "${1#/usr}"; do
		if out=$(dpkg -S "$q" 2>/dev/null); then
			echo "$out" | sed 's/: .*//' | tr ',' '\n' |
				sed 's/^ *//; s/:.*//' >>"$owners"
			return 0
		fi
	done
	return 0
}

# put PATH: PATH and, when it is a link, what it points to, each at its
# real directory in DEST.
put() {
	p=$1
	while :; do
		dir=$(realpath "$(dirname "$p")")
		mkdir -p "$dest$dir"
		cp -P "$p" "$dest$dir/"
		owner "$p"
		[ -L "$p" ] || break
		t=$(readlink "$p")
		case $t in
		/*) p=$t ;;
		*) p=$dir/$t ;;
		esac
	done
}

for path in "$@"; do
	if [ -d "$path" ]; then
		real=$(realpath "$path")
		mkdir -p "$dest$(dirname "$real")"
		cp -a "$real" "$dest$(dirname "$real")/"
		owner "$real"
		continue
	fi
	put "$path"
	# The loader and every library, for ELF files (ldd fails on others).
	if libs=$(ldd "$path" 2>/dev/null); then
		echo "$libs" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
			$1 ~ /^\// { print $1 }' | sort -u | while read -r lib; do
			put "$lib"
		done
	fi
done

printf '%s\n' 'root:x:0:0:root:/root:/nonexistent' \
	'ovunque:x:10001:10001:ovunque:/nonexistent:/nonexistent' >"$dest/etc/passwd"
printf '%s\n' 'root:x:0:' 'ovunque:x:10001:' >"$dest/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$dest/etc/nsswitch.conf"
mkdir -p "$dest/tmp"
chmod 1777 "$dest/tmp"

sort -u "$owners" | while read -r pkg; do
	dpkg-query -s "$pkg" >"$dest/var/lib/dpkg/status.d/$pkg"
done
rm -f "$owners"
