#!/usr/bin/env bash
# Deploys FastTriage with samconfig.toml's parameter list plus the worker image (and any Key=Value you add).
#   infra/deploy.sh dev|prod WORKER_IMAGE_URI [Key=Value ...] [-- extra sam deploy arguments]
# Why: `sam deploy --parameter-overrides` replaces samconfig's list instead of merging it, so passing only
# WorkerImageUri on the command line would silently reset Stage and the rest to the template defaults.
# Run `sam build` first. SAM_BIN picks the SAM CLI (default: .tools/sam/bin/sam, else sam on PATH).
set -euo pipefail

usage() { echo "usage: $0 dev|prod WORKER_IMAGE_URI [Key=Value ...] [-- sam deploy args]" >&2; exit 2; }
[ "$#" -ge 2 ] || usage
stage="$1" image="$2"
shift 2
case "$stage" in
  dev) config_env=default ;;
  prod) config_env=prod ;;
  *) usage ;;
esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

extra=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do extra+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift

sam="${SAM_BIN:-}"
if [ -z "$sam" ]; then
  if [ -x "$repo/.tools/sam/bin/sam" ]; then sam="$repo/.tools/sam/bin/sam"; else sam="sam"; fi
fi

mapfile -t overrides < <(python3 - "$config_env" "WorkerImageUri=$image" "${extra[@]}" <<'PY'
import sys
import tomllib

with open("samconfig.toml", "rb") as handle:
    config = tomllib.load(handle)
merged = {}
for item in config[sys.argv[1]]["deploy"]["parameters"]["parameter_overrides"].split() + sys.argv[2:]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        sys.exit(f"not a Key=Value override: {item!r}")
    merged[key] = value
for key, value in merged.items():
    print(f"{key}={value}")
PY
)

echo "sam deploy --config-env $config_env with: ${overrides[*]}" >&2
exec "$sam" deploy --config-env "$config_env" --parameter-overrides "${overrides[@]}" "$@"
