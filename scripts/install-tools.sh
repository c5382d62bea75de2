#!/usr/bin/env bash
# Installs the infrastructure tools the tests and the deploy use, each in its own virtualenv under .tools/:
#   .tools/sam      aws-sam-cli==1.170.0   (sam validate --lint, sam build, sam deploy)
#   .tools/checkov  checkov==3.3.30        (IaC security scan of template.yaml)
#   .tools/check-jsonschema  check-jsonschema==0.39.0  (GitHub workflow schema, offline; see tests/infra)
# Idempotent: a tool whose binary already runs at the pinned version is left alone.
# PYTHON picks the interpreter (default python3); the tests find the tools at $SAM_BIN / $CHECKOV_BIN or here.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"
python="${PYTHON:-python3}"

install_tool() {
  local name="$1" requirement="$2" binary="$3" version="${2##*==}"
  local dir="$tools/$name"
  if "$dir/bin/$binary" --version 2>/dev/null | grep -qF "$version"; then
    echo "$name $version already installed in $dir"
    return
  fi
  echo "Installing $requirement into $dir"
  "$python" -m venv --clear "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$requirement"
  "$dir/bin/$binary" --version
}

mkdir -p "$tools"
install_tool sam aws-sam-cli==1.170.0 sam
install_tool checkov checkov==3.3.30 checkov
install_tool check-jsonschema check-jsonschema==0.39.0 check-jsonschema
