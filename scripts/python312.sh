#!/usr/bin/env bash
# Prints the path of a Python 3.12 interpreter: the version of the Lambda runtime (python3.12) and of the worker
# image (python:3.12-slim), so tests, lint and mypy run on it too. Tried in order: $PYTHON312, python3.12 and
# python3 on PATH, then the newest 3.12.x that pyenv has (its shims answer only when PYENV_VERSION names it).
# Fails with what to install when none is found.
set -euo pipefail

is_312() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; }

for candidate in "${PYTHON312:-}" python3.12 python3; do
  [ -n "$candidate" ] || continue
  path="$(command -v "$candidate" 2>/dev/null)" || continue
  if is_312 "$path"; then
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done

if command -v pyenv >/dev/null 2>&1; then
  version="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -V | tail -n 1 || true)"
  if [ -n "$version" ] && is_312 "$(pyenv root)/versions/$version/bin/python3.12"; then
    echo "$(pyenv root)/versions/$version/bin/python3.12"
    exit 0
  fi
  echo "python312.sh: pyenv has no Python 3.12: run 'pyenv install 3.12' (or set PYTHON312=/path/to/python3.12)" >&2
  exit 1
fi
echo "python312.sh: no Python 3.12 found (the Lambda runtime's version): install python3.12, or pyenv and" \
  "'pyenv install 3.12', or set PYTHON312=/path/to/python3.12" >&2
exit 1
