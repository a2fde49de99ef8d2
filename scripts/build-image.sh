#!/usr/bin/env bash
# Builds the hubbub image with podman (or docker) from the Dockerfile and prints its name.
#
#   scripts/build-image.sh                  # localhost/hubbub:dev on the local Debian base
#   BASE_IMAGE=python:3.11-slim-bookworm scripts/build-image.sh   # where a registry is reachable
#
# Without BASE_IMAGE the base is the one scripts/build-base-image.sh makes and caches here
# (no registry needed). pip in the build uses the host's network and the host's CA bundle
# (PIP_CERT, else the system's: it may hold a TLS proxy's CA) as the build secret `pip_cert`,
# which never lands in a layer.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${HUBBUB_IMAGE:-localhost/hubbub:dev}"
ENGINE="${CONTAINER_ENGINE:-podman}"
BASE_IMAGE="${BASE_IMAGE:-$(bash scripts/build-base-image.sh | tail -n 1)}"

args=(--tag "$IMAGE" --build-arg "BASE_IMAGE=$BASE_IMAGE" --network host)
# Docker format keeps the HEALTHCHECK (the OCI image format has no field for it).
[[ "$ENGINE" == podman ]] && args+=(--format docker)
[[ -n "${PIP_INDEX_URL:-}" ]] && args+=(--build-arg "PIP_INDEX_URL=$PIP_INDEX_URL")
cert="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
[[ -n "$cert" && -s "$cert" ]] && args+=(--secret "id=pip_cert,src=$cert")

previous=$("$ENGINE" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
"$ENGINE" build "${args[@]}" . >&2
# The image this one replaces (its venv layer alone is 300 MB) goes, unless a container uses it;
# the build cache (dependencies, base) stays.
current=$("$ENGINE" image inspect --format '{{.Id}}' "$IMAGE")
if [[ -n "$previous" && "$previous" != "$current" ]]; then
    "$ENGINE" rmi "$previous" >/dev/null 2>&1 || true
fi
echo "$IMAGE"
