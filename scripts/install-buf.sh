#!/usr/bin/env bash
# buf (the Protocol Buffers linter and breaking-change checker) from the npm package
# @bufbuild/buf, which ships buf's binary for this platform. It is installed once per
# machine into a cache outside the checkout; later runs, and fresh clones on the same
# machine, find it there without the network.
#
# Prints the path of the buf command on its last line. Idempotent.
set -euo pipefail

BUF_VERSION=1.75.0
CACHE=${HUBBUB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hubbub}
PREFIX=$CACHE/buf-$BUF_VERSION
BUF=$PREFIX/node_modules/.bin/buf

if [[ -x $BUF ]] && [[ $("$BUF" --version 2>/dev/null) == "$BUF_VERSION" ]]; then
    echo "$BUF"
    exit 0
fi

command -v npm >/dev/null || { echo "install-buf: npm is needed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-save --no-audit --no-fund --loglevel=error \
    "@bufbuild/buf@$BUF_VERSION" >&2
"$BUF" --version >/dev/null
echo "$BUF"
