#!/usr/bin/env bash
# `buf lint` of proto/, then `buf breaking` against the protos of the main branch: a change
# that would break a deployed client or server (a renumbered field, a removed rpc, a changed
# type) fails here. Run by `make lint`.
set -euo pipefail
cd "$(dirname "$0")/.."

BUF=$(bash scripts/install-buf.sh | tail -n 1)
"$BUF" lint
echo "buf lint: ok"

# The main branch's protos, from git (works in worktrees and shallow clones alike).
AGAINST_REF=${BUF_AGAINST_REF:-main}
if ! git rev-parse --verify --quiet "$AGAINST_REF^{commit}" >/dev/null; then
    AGAINST_REF=origin/$AGAINST_REF
fi
if ! git rev-parse --verify --quiet "$AGAINST_REF:buf.yaml" >/dev/null; then
    echo "buf breaking: skipped ($AGAINST_REF has no buf.yaml yet: nothing to break)"
    exit 0
fi
AGAINST=$(mktemp -d)
trap 'rm -rf "$AGAINST"' EXIT
git archive "$AGAINST_REF" buf.yaml proto | tar -x -C "$AGAINST"
"$BUF" breaking --against "$AGAINST"
echo "buf breaking against $AGAINST_REF: ok"
