#!/usr/bin/env bash
# Create the project's virtual environment from uv.lock (pinned, reproducible). Needs only Python 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .tools/bin/uv ] || ! .tools/bin/uv --version | grep -q "$UV_VERSION"; then
  echo "==> installing uv $UV_VERSION into .tools/"
  if ! "$PYTHON" -m venv .tools 2>/dev/null; then
    # Debian's own python3 ships venv separately.
    rm -rf .tools
    scripts/system-packages.sh python3-venv
    "$PYTHON" -m venv .tools
  fi
  .tools/bin/pip install --quiet "uv==$UV_VERSION"
fi
# Never download a Python build: use the machine's 3.11, named by its real path (through a shim such as
# pyenv's, uv would not recognise the venv's interpreter and would rebuild the venv on every run).
PYTHON=$("$PYTHON" -c 'import os, sys; print(os.path.realpath(sys.executable))')
export UV_PYTHON_DOWNLOADS=never UV_PYTHON="$PYTHON"
.tools/bin/uv sync --frozen --quiet
