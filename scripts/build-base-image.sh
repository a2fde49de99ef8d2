#!/usr/bin/env bash
# Builds the local base image `localhost/hubbub-base:bookworm` (Debian bookworm + Python 3.11)
# for machines that reach Debian's mirror but no image registry. Anywhere else, the Dockerfile's
# default base (python:3.11-slim-bookworm) is pulled as usual and this script is not needed.
#
# The root file system is made by debootstrap (variant minbase: no compiler, no docs) and
# `podman import`ed. Both are cached: the image in podman's storage, the tarball under
# ~/.cache/hubbub/, so a second run (CI on the same machine) takes a second. REBUILD=1 forces
# a fresh one. Prints the image name on its last line.
set -euo pipefail

IMAGE="${HUBBUB_LOCAL_BASE_IMAGE:-localhost/hubbub-base:bookworm}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/hubbub/base-image"
TARBALL="$CACHE/bookworm-python3.11.tar"
PACKAGES=python3,python3-venv,ca-certificates,netbase,tzdata

# The mirror apt already uses here (first URIs:/deb line that names Debian), or the public one.
mirror() {
    local found
    found=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/* \
        | grep -E '/debian/?( |$)' | grep -v security | head -n 1 \
        | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//')
    echo "${DEBIAN_MIRROR:-${found:-http://deb.debian.org/debian}}"
}

if [[ -z "${REBUILD:-}" ]] && podman image exists "$IMAGE"; then
    echo "$IMAGE"
    exit 0
fi

if [[ -n "${REBUILD:-}" || ! -s "$TARBALL" ]]; then
    command -v debootstrap >/dev/null || { echo "needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
    mkdir -p "$CACHE"
    root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    url=$(mirror)
    echo "debootstrap bookworm from $url ..." >&2
    debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" "$url" >&2
    # What an image needs no copy of: apt's lists and caches, documentation, other locales.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
        "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/var/log/*.log "$root"/var/log/apt/*
    find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'en*' -exec rm -rf {} +
    # The image's apt reads the same mirror (images built on it may apt-get install).
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$url" "$url" > "$root/etc/apt/sources.list"
    # Like python:3.11-slim: `python` and `python3` on the PATH.
    ln -sf python3 "$root/usr/bin/python"
    tar -C "$root" --numeric-owner -cf "$TARBALL.part" .
    mv "$TARBALL.part" "$TARBALL"
fi

podman import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' \
    --message "Debian bookworm minbase + Python 3.11 (scripts/build-base-image.sh)" \
    "$TARBALL" "$IMAGE" >&2
echo "$IMAGE"
