#!/usr/bin/env bash
# The project's test command: install what is missing, configure, build, run every test.
#   ./hack/test.sh                 # RelWithDebInfo build in build/
#   REDRAFT_SANITIZE=ON ./hack/test.sh   # ASan + UBSan build in build-asan/
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
./hack/install-deps.sh
export PATH="$root/.tools/bin:$PATH"

sanitize="${REDRAFT_SANITIZE:-OFF}"
build="${REDRAFT_BUILD_DIR:-build}"
[ "$sanitize" = ON ] && build="${REDRAFT_BUILD_DIR:-build-asan}"
jobs="$(nproc)"
# Let ccache hit across clones of the repository (CI builds a fresh clone each time).
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true

cmake -S . -B "$build" -DREDRAFT_WERROR=ON -DREDRAFT_SANITIZE="$sanitize" >/dev/null
cmake --build "$build" -j "$jobs"
cd "$build"
ctest --output-on-failure -j "$jobs" --timeout 600 "$@"
