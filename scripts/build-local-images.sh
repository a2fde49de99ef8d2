#!/usr/bin/env bash
# Builds the local stand-ins for the public images of compose.scaled.yaml
# (deploy/compose/local-images/: PostgreSQL, Redis, Tansu, Prometheus, nginx) on the local base,
# for machines without an image registry. An image that exists is kept (REBUILD=1 rebuilds).
# Prints `NAME_IMAGE=image` lines for the compose variables.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_IMAGE="$(bash scripts/build-base-image.sh | tail -n 1)"
cert="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
for dir in deploy/compose/local-images/*/; do
    name=$(basename "$dir")
    image="localhost/hubbub-local/$name:latest"
    if [[ -n "${REBUILD:-}" ]] || ! podman image exists "$image"; then
        args=(--format docker --network host --build-arg "BASE_IMAGE=$BASE_IMAGE" --tag "$image")
        [[ -s "$cert" ]] && args+=(--secret "id=pip_cert,src=$cert")
        podman build "${args[@]}" "$dir" >&2
    fi
    echo "$(echo "$name" | tr '[:lower:]' '[:upper:]')_IMAGE=$image"
done
