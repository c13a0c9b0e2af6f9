#!/usr/bin/env bash
# Ovunque's container images, built with podman (docs/deploy.md, "Images").
#
#   images.sh build     the base image if needed, then every image (default)
#   images.sh base      only the base image localhost/ov-debian:bookworm
#   images.sh sizes     a table of the images (latest) and their sizes
#   images.sh smoke     deploy/smoke.sh: the stack from the images, one call
#
# The base is made from this machine's apt sources with mmdebstrap
# (no registry is needed); it is rebuilt only when the apt sources or the
# mmdebstrap command change. OV_IMAGE_BASE=IMAGE builds from another base
# instead (a carrier's registry): it is used as is.
#
# Every image is tagged localhost/ov-NAME:VERSION (git describe) and
# localhost/ov-NAME:latest (OV_IMAGE_TAG=TAG instead of git describe).
# OV_IMAGES="router admin" builds only those.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES=(router registrar ivr admin notify migrate kamailio rtpengine)
[ -n "${OV_IMAGES:-}" ] && read -r -a IMAGES <<<"$OV_IMAGES"
VERSION=${OV_IMAGE_TAG:-$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo dev)}
REVISION=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
BASE_IMAGE=localhost/ov-debian:bookworm
BASE=${OV_IMAGE_BASE:-$BASE_IMAGE}
KEY_LABEL=org.ovunque.base.key

die() {
	echo "images: $*" >&2
	exit 1
}

# The Debian 12 apt sources of this machine, deb822 or one-line.
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && grep -qs 'debian' "$f" && grep -qs 'bookworm' "$f" &&
			echo "$f"
	done
	return 0
}

base() {
	[ -n "${OV_IMAGE_BASE:-}" ] && return 0
	local srcs mm key have
	mapfile -t srcs < <(apt_sources)
	[ ${#srcs[@]} -gt 0 ] || die "no Debian bookworm apt source in /etc/apt"
	# minbase: Essential packages and apt. Like debian:bookworm-slim,
	# dpkg keeps no manuals, translations or docs (but the copyrights),
	# in this image and in every package installed on it later.
	mm=(mmdebstrap --quiet --variant=minbase --format=tar
		--dpkgopt='path-exclude=/usr/share/man/*'
		--dpkgopt='path-exclude=/usr/share/locale/*'
		--dpkgopt='path-exclude=/usr/share/info/*'
		--dpkgopt='path-exclude=/usr/share/lintian/*'
		--dpkgopt='path-exclude=/usr/share/doc/*'
		--dpkgopt='path-include=/usr/share/doc/*/copyright'
		bookworm)
	key=$({ printf '%s\n' "${mm[*]}"; cat "${srcs[@]}"; } | sha256sum | cut -c1-16)
	have=$(podman image inspect --format "{{index .Labels \"$KEY_LABEL\"}}" \
		"$BASE_IMAGE" 2>/dev/null || true)
	if [ "$have" = "$key" ]; then
		echo "images: $BASE_IMAGE is up to date (apt sources unchanged)" >&2
		return 0
	fi
	echo "images: making $BASE_IMAGE with mmdebstrap (${srcs[*]})" >&2
	local tmp
	tmp=$(mktemp -d /tmp/ov-images-base.XXXXXX)
	"${mm[@]}" "$tmp/base.tar" "${srcs[@]}" || {
		rm -rf "$tmp"
		die "mmdebstrap failed"
	}
	podman import --quiet \
		--change "LABEL $KEY_LABEL=$key" \
		--change 'CMD ["/bin/bash"]' \
		"$tmp/base.tar" "$BASE_IMAGE" >/dev/null
	rm -rf "$tmp"
}

build() {
	[ -f "$ROOT/build/web/index.html" ] ||
		die "build/web is missing: the admin image serves it (make web)"
	base
	local name t0 t1
	for name in "${IMAGES[@]}"; do
		t0=$SECONDS
		podman build --isolation chroot --quiet \
			--file "$ROOT/deploy/images/Containerfile" \
			--ignorefile "$ROOT/deploy/images/containerignore" \
			--build-arg BASE="$BASE" --build-arg VERSION="$VERSION" \
			--label org.opencontainers.image.version="$VERSION" \
			--label org.opencontainers.image.revision="$REVISION" \
			--label org.opencontainers.image.vendor=Ovunque \
			--target "$name" \
			--tag "localhost/ov-$name:$VERSION" \
			--tag "localhost/ov-$name:latest" \
			"$ROOT" >/dev/null || die "ov-$name failed to build"
		t1=$SECONDS
		echo "images: ov-$name:$VERSION built in $((t1 - t0)) s" >&2
	done
	sizes "$VERSION"
}

# sizes [TAG]: the images of TAG (default: latest, the last build).
sizes() {
	local tag=${1:-${OV_IMAGE_TAG:-latest}} ref
	printf '%-34s %8s\n' IMAGE "SIZE MB"
	for ref in "${IMAGES[@]/#/localhost/ov-}" "$BASE"; do
		[[ $ref == localhost/ov-* && $ref != "$BASE" ]] && ref=$ref:$tag
		podman image inspect --format '{{.Size}}' "$ref" 2>/dev/null |
			awk -v r="$ref" '{ printf "%-34s %8.0f\n", r, $1 / 1e6 }'
	done
}

command -v podman >/dev/null || die "podman is missing (bash scripts/deps.sh images)"
case ${1:-build} in
build) build ;;
base) base ;;
sizes) sizes ;;
smoke) exec bash "$ROOT/deploy/smoke.sh" ;;
*)
	sed -n '2,15p' "$0" >&2
	exit 2
	;;
esac
