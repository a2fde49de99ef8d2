"""Generate the Python code of proto/ into src/hubbub/rpc_gen/ (`make proto`).

grpcio-tools' protoc writes the messages (`*_pb2.py`) and the gRPC stubs (`*_pb2_grpc.py`);
mypy-protobuf writes their type stubs (`*.pyi`). protoc names Python modules after the
proto files' paths (`hubbub/users/v1/users.proto` -> `hubbub.users.v1.users_pb2`), which
would collide with the `hubbub` package itself, so the files move under `hubbub.rpc_gen`
(`hubbub.rpc_gen.users.v1.users_pb2`) and their imports of each other are rewritten to
match. The wire names (`hubbub.users.v1.UsersService`) do not change.

    python scripts/protogen.py [--out DIR]

The output depends only on proto/ and the pinned tool versions, so a test regenerates it
into a temporary directory and compares it with the checked-in copy.
"""

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[1]
PROTO = ROOT / "proto"
DEFAULT_OUT = ROOT / "src" / "hubbub" / "rpc_gen"
PACKAGE = "hubbub.rpc_gen"

# `from hubbub.users.v1 import users_pb2`, in the generated code and in its stubs
_IMPORT = re.compile(r"^(from|import) hubbub\.(?=\w+\.v\d+\b)", re.MULTILINE)
# the module name the messages' classes report (`__module__`)
_MODULE_NAME = re.compile(r"(BuildTopDescriptorsAndMessages\(DESCRIPTOR, )'hubbub\.")

INIT = '"""Generated from proto/ by `make proto` (scripts/protogen.py). Do not edit."""\n'


def generate(out: Path) -> list[Path]:
    """Write the generated package into `out` (replacing it); the files written."""
    sources = sorted(str(p.relative_to(PROTO)) for p in PROTO.rglob("*.proto"))
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    plugins = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as raw:
        args = [
            "grpc_tools.protoc",
            f"--proto_path={PROTO}",
            f"--proto_path={well_known}",
            f"--plugin=protoc-gen-mypy={plugins / 'protoc-gen-mypy'}",
            f"--plugin=protoc-gen-mypy_grpc={plugins / 'protoc-gen-mypy_grpc'}",
            f"--python_out={raw}",
            f"--grpc_python_out={raw}",
            f"--mypy_out=quiet:{raw}",
            f"--mypy_grpc_out=quiet:{raw}",
            *sources,
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        if out.exists():
            shutil.rmtree(out)
        written = []
        generated_root = Path(raw) / "hubbub"
        for source in sorted(generated_root.rglob("*.py*")):
            target = out / source.relative_to(generated_root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_rewrite(source.read_text()))
            written.append(target)
    for package in [out, *(d for d in out.rglob("*") if d.is_dir())]:
        (package / "__init__.py").write_text(INIT)
        written.append(package / "__init__.py")
    return sorted(set(written))


def _rewrite(code: str) -> str:
    code = _IMPORT.sub(rf"\1 {PACKAGE}.", code)
    return _MODULE_NAME.sub(rf"\1'{PACKAGE}.", code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    written = generate(parser.parse_args().out)
    print(f"wrote {len(written)} files")


if __name__ == "__main__":
    main()
