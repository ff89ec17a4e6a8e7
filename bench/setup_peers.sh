#!/usr/bin/env bash
# Create the virtualenvs holding the peer Starlark implementations that
# bench/run.py compares starflow against.
#
#   ${PEERS_DIR:-/tmp/peers}/venv       PyPI `starlark` (pure Python) + `starlark-go`
#   ${PEERS_DIR:-/tmp/peers}/venv-pyo3  PyPI `starlark-pyo3` (starlark-rust bindings)
#
# `starlark` and `starlark-pyo3` both install a top-level `starlark` module,
# hence two venvs. Idempotent: a venv whose packages already import is left
# alone; a missing or broken one is (re)created. Override the interpreter with
# PEERS_PYTHON (default: python3).
set -euo pipefail

PEERS_DIR="${PEERS_DIR:-/tmp/peers}"
PY="${PEERS_PYTHON:-python3}"
mkdir -p "$PEERS_DIR"

# ensure_venv DIR CHECK_CODE PACKAGE...
ensure_venv() {
    local dir="$1" check="$2"
    shift 2
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c "$check" >/dev/null 2>&1; then
        echo "ok: $dir ($*)"
        return 0
    fi
    echo "creating $dir with: $*"
    "$PY" -m venv --clear "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
    "$dir/bin/python" -c "$check"
    echo "ok: $dir ($*)"
}

ensure_venv "$PEERS_DIR/venv" \
    "import starlark, starlark_go; starlark.exec_file; starlark_go.Starlark" \
    starlark starlark-go
ensure_venv "$PEERS_DIR/venv-pyo3" \
    "import starlark; starlark.Dialect; starlark.Module" \
    starlark-pyo3

for v in venv venv-pyo3; do
    echo "== $v"
    "$PEERS_DIR/$v/bin/python" -m pip list --disable-pip-version-check 2>/dev/null \
        | grep -i starlark || true
done
