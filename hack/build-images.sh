#!/usr/bin/env bash
# Builds the redraft operator and executor container images WITHOUT a container engine (no
# Docker daemon, no root): each image is built from scratch out of the self-contained bundle of
# its binary (CMake targets redraft-operator-bundle / redraft-executor-bundle, which make
# BUILD-DIR/bundles/redraft-NAME/), a CA bundle (the host's), /etc/passwd and /etc/group with the
# non-root user nonroot (65532), /tmp and /home/nonroot. One reproducible layer per image.
#
#   hack/build-images.sh [--build-dir DIR] [--out DIR]
#
# Writes, for NAME in operator and executor:
#   OUT/redraft-NAME/      an OCI image layout (oci-layout, index.json, blobs/sha256/...), tag = version
#   OUT/redraft-NAME.tar   a docker-archive (the `docker save` format), tagged as the chart expects
# Image names and the tag have one source, the chart: charts/redraft/values.yaml
# image.repository and executor.image.repository, and Chart.yaml appVersion (equal to the CMake
# project version; tests/images fails on drift). `--print-refs` prints them.
#
# Load them (OUT defaults to build/images):
#   kind load image-archive build/images/redraft-operator.tar   # and redraft-executor.tar
#   docker load -i build/images/redraft-operator.tar
#   ctr -n k8s.io images import build/images/redraft-operator.tar   # containerd (k3s: k3s ctr ...)
#   skopeo copy oci:build/images/redraft-operator:0.1.0 docker://REGISTRY/redraft/operator:0.1.0
#
# Options:
#   --build-dir DIR        the CMake build directory (default: build, configured if needed);
#                          its two bundle targets are built first (up to date: nothing to do)
#   --out DIR              where the images go (default: BUILD-DIR/images)
#   --no-build             take the bundles as they are instead of building their targets first
#   --operator-bundle DIR, --executor-bundle DIR   take a bundle directory from elsewhere
#   --ca-bundle FILE       the CA certificates to ship (default /etc/ssl/certs/ca-certificates.crt)
#   --source URL           label org.opencontainers.image.source (default: Chart.yaml `home`,
#                          else the git remote "origin"; user:password@ is always removed)
#   --licenses SPDX        label org.opencontainers.image.licenses (default: none)
#   --print-refs           print "operator REF" and "executor REF" and exit
#   --chart DIR            read names and tag from another chart directory (default charts/redraft)
# Environment: SOURCE_DATE_EPOCH (every timestamp; default the commit time of HEAD),
# REDRAFT_IMAGE_REVISION (label org.opencontainers.image.revision; default `git rev-parse HEAD`,
# with "-dirty" when tracked files differ from it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chart="$root/charts/redraft"
images=(operator executor)

die() { echo "build-images: $*" >&2; exit 1; }

build_dir="$root/build"
out=""
do_build=1
print_refs=0
ca_bundle=/etc/ssl/certs/ca-certificates.crt
source_url=""
licenses=""
declare -A bundle=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="${2:?--build-dir needs a directory}"; shift 2 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --operator-bundle) bundle[operator]="${2:?--operator-bundle needs a directory}"; shift 2 ;;
    --executor-bundle) bundle[executor]="${2:?--executor-bundle needs a directory}"; shift 2 ;;
    --ca-bundle) ca_bundle="${2:?--ca-bundle needs a file}"; shift 2 ;;
    --chart) chart="${2:?--chart needs a directory}"; shift 2 ;;
    --source) source_url="${2:?--source needs a URL}"; shift 2 ;;
    --licenses) licenses="${2:?--licenses needs an SPDX expression}"; shift 2 ;;
    --print-refs) print_refs=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
build_dir="$(realpath -m "$build_dir")"
out="$(realpath -m "${out:-$build_dir/images}")"

# Prints the scalar at a dotted key path of a block-style YAML file (plain, "double" or 'single'
# quoted scalars, comments): enough for the chart keys read here, and tests/images checks the
# result against what `helm template` renders. Keys inside list items never match. Returns 1
# when the key is absent.
yaml_get() {
  awk -v want="$2" '
    function unquote(v,   q, end) {
      q = substr(v, 1, 1)
      if (q == "\"" || q == "\x27") {
        end = index(substr(v, 2), q)
        return end ? substr(v, 2, end - 1) : substr(v, 2)
      }
      sub(/[ \t]+#.*$/, "", v); sub(/[ \t]+$/, "", v)
      return v
    }
    /^[ \t]*(#.*)?$/ { next }
    /^(---|\.\.\.)/ { depth = 0; next }
    {
      match($0, /^ */); indent = RLENGTH; line = substr($0, indent + 1)
      while (depth > 0 && indents[depth] >= indent) depth--
      if (line ~ /^-( |$)/) {  # a list item: everything under it gets "[]" in its path
        depth++; indents[depth] = indent; keys[depth] = "[]"
        line = substr(line, 2); match(line, /^ */); indent += 1 + RLENGTH; line = substr(line, RLENGTH + 1)
      }
      if (line !~ /^[A-Za-z0-9_.\/-]+:([ \t]|$)/) next
      colon = index(line, ":"); key = substr(line, 1, colon - 1)
      value = substr(line, colon + 1); sub(/^[ \t]+/, "", value)
      path = key
      for (i = depth; i >= 1; i--) path = keys[i] "." path
      if (path == want) { print unquote(value); found = 1; exit }
      depth++; indents[depth] = indent; keys[depth] = key
    }
    END { exit found ? 0 : 1 }
  ' "$1"
}
yaml_require() { yaml_get "$1" "$2" || die "$1: no key '$2'"; }

version="$(yaml_require "$chart/Chart.yaml" appVersion)"
[[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z._+-]*$ ]] || die "Chart.yaml appVersion '$version' is not a valid tag"
declare -A repository=(
  [operator]="$(yaml_require "$chart/values.yaml" image.repository)"
  [executor]="$(yaml_require "$chart/values.yaml" executor.image.repository)"
)
# A repository as Kubernetes and containerd accept it (optional registry host[:port], lower-case
# path components).
declare -A repo_keys=([operator]=image.repository [executor]=executor.image.repository)
for name in "${images[@]}"; do
  [[ "${repository[$name]}" =~ ^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$ ]] ||
    die "values.yaml ${repo_keys[$name]} '${repository[$name]}' is not an image repository name"
done
# The chart renders `default appVersion tag`; an image is always built at appVersion (the
# version its binary reports), so a different default tag in values.yaml is a mistake.
for key in image.tag executor.image.tag; do
  tag="$(yaml_require "$chart/values.yaml" "$key")"
  [ -z "$tag" ] || [ "$tag" = "$version" ] ||
    die "values.yaml $key is '$tag' but images are built at appVersion $version (leave it \"\")"
done
ref() { echo "${repository[$1]}:$version"; }

if [ "$print_refs" = 1 ]; then
  for name in "${images[@]}"; do echo "$name $(ref "$name")"; done
  exit 0
fi

for name in "${images[@]}"; do
  [ -n "${bundle[$name]:-}" ] || bundle[$name]="$build_dir/bundles/redraft-$name"
done
if [ "$do_build" = 1 ]; then
  targets=()
  for name in "${images[@]}"; do
    [ "${bundle[$name]}" = "$build_dir/bundles/redraft-$name" ] && targets+=("redraft-$name-bundle")
  done
  if [ ${#targets[@]} -gt 0 ]; then
    export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
    [ -f "$build_dir/CMakeCache.txt" ] || cmake -S "$root" -B "$build_dir" -DREDRAFT_WERROR=ON >/dev/null
    cmake --build "$build_dir" -j "${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" --target "${targets[@]}" ||
      die "building ${targets[*]} in $build_dir failed (sanitized builds have no bundles: use a normal build directory)"
  fi
fi

# --- labels ---------------------------------------------------------------------------------
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
  epoch="$SOURCE_DATE_EPOCH"
else
  epoch="$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)"
fi
[[ "$epoch" =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH '$epoch' is not a number of seconds"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"

if [ -n "${REDRAFT_IMAGE_REVISION:-}" ]; then
  revision="$REDRAFT_IMAGE_REVISION"
elif revision="$(git -C "$root" rev-parse HEAD 2>/dev/null)"; then
  [ -z "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] || revision+="-dirty"
else
  revision=unknown
fi

if [ -z "$source_url" ]; then
  source_url="$(yaml_get "$chart/Chart.yaml" home || true)"
fi
if [ -z "$source_url" ]; then
  source_url="$(git -C "$root" remote get-url origin 2>/dev/null || true)"
fi
# A remote URL may carry a token (https://user:token@host/...): never put it in an image.
source_url="$(printf '%s' "$source_url" | sed -E 's#^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@#\1#')"
for value in "$revision" "$source_url" "$licenses"; do
  [[ ! "$value" =~ [[:cntrl:]\"\\] ]] || die "a label value has a control character, quote or backslash: '$value'"
done
[ -n "$source_url" ] || echo "build-images: no source URL (Chart.yaml home, git remote origin or --source): label left out" >&2

# --- helpers --------------------------------------------------------------------------------
# A JSON string literal. Every value that reaches it was checked above to hold no control
# character (so escaping quotes and backslashes suffices).
json_string() {
  local s="${1//\\/\\\\}"
  printf '"%s"' "${s//\"/\\\"}"
}
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
size_of() { stat -c %s "$1"; }

# The OCI platform architecture of an ELF executable (from e_machine), so a cross-built bundle
# is labelled for what it is, not for this machine.
elf_architecture() {
  [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || die "$1 is not an ELF executable"
  case "$(od -An -t u2 -j 18 -N 2 "$1" | tr -d ' ')" in
    62) echo amd64 ;;
    183) echo arm64 ;;
    243) echo riscv64 ;;
    *) die "$1: unsupported ELF machine" ;;
  esac
}

# Moves a finished file/directory into place (replacing the old one), once both images are built.
publish() { rm -rf "$2"; mv "$1" "$2"; }

mkdir -p "$out"
work="$(mktemp -d "$out/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

tar_reproducible=(--format=gnu --numeric-owner --mtime="@$epoch" --no-recursion)

# --- one image ------------------------------------------------------------------------------
build_image() {
  local name="$1" title="redraft-$1" src="${bundle[$1]}"
  local dir="$work/$name" rootfs="$work/$name/rootfs"
  local entry="/$title"
  [ -d "$src" ] || die "no bundle directory $src (build the CMake target $title-bundle)"
  if [ ! -f "$src/$title" ] || [ ! -x "$src/$title" ]; then die "the bundle $src has no executable $title"; fi
  local reported
  reported="$("$src/$title" --version 2>/dev/null | head -n 1)" || die "$src/$title --version failed"
  [ "$reported" = "$title $version" ] ||
    die "$src/$title reports '$reported' but the chart's appVersion is $version"
  local arch
  arch="$(elf_architecture "$src/$title")"

  mkdir -p "$rootfs"
  cp -a "$src/." "$rootfs/"
  for f in etc/passwd etc/group etc/ssl/certs/ca-certificates.crt tmp home; do
    [ ! -e "$rootfs/$f" ] || die "the bundle $src has its own /$f, which the image provides"
  done
  mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/home/nonroot"
  cp "$root/hack/images/rootfs/etc/passwd" "$root/hack/images/rootfs/etc/group" "$rootfs/etc/"
  cp -L "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt" || die "cannot read CA bundle $ca_bundle"
  # Modes do not depend on the umask or the bundle's checkout: directories and executables 0755,
  # everything else 0644 (no set-id bits); /tmp is sticky and world-writable, home is private.
  find "$rootfs" -type d -exec chmod 0755 {} +
  find "$rootfs" -type f -perm /111 -exec chmod 0755 {} +
  find "$rootfs" -type f ! -perm /111 -exec chmod 0644 {} +
  chmod 1777 "$rootfs/tmp"
  chmod 0700 "$rootfs/home/nonroot"

  # The layer: entries sorted by name (C locale), owned by root, every mtime the epoch; then
  # /home/nonroot, owned by nonroot, appended last.
  local layer="$dir/layer.tar"
  (cd "$rootfs" && find . -mindepth 1 ! -path ./home/nonroot -printf '%P\0' | LC_ALL=C sort -z) > "$dir/entries"
  tar "${tar_reproducible[@]}" --owner=0 --group=0 -C "$rootfs" --null -T "$dir/entries" -cf "$layer"
  tar "${tar_reproducible[@]}" --owner=65532 --group=65532 -C "$rootfs" -rf "$layer" home/nonroot
  gzip -n -6 -c "$layer" > "$dir/layer.tar.gz"
  local diff_id layer_digest layer_size
  diff_id="$(sha256_of "$layer")"
  layer_digest="$(sha256_of "$dir/layer.tar.gz")"
  layer_size="$(size_of "$dir/layer.tar.gz")"

  local labels=""
  add_label() { [ -z "$2" ] || labels+="${labels:+,}$(json_string "$1"):$(json_string "$2")"; }
  add_label org.opencontainers.image.title "$title"
  add_label org.opencontainers.image.description "$2"
  add_label org.opencontainers.image.version "$version"
  add_label org.opencontainers.image.revision "$revision"
  add_label org.opencontainers.image.created "$created"
  add_label org.opencontainers.image.source "$source_url"
  add_label org.opencontainers.image.licenses "$licenses"

  # PATH=/ lets a pod run the bare command name (the operator's install container runs
  # `redraft-executor install ...`); no Cmd, no shell.
  local config="$dir/config.json"
  {
    printf '{"architecture":%s,"os":"linux","created":%s,' "$(json_string "$arch")" "$(json_string "$created")"
    printf '"config":{"User":"65532:65532","Env":["PATH=/","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],'
    printf '"Entrypoint":[%s],"WorkingDir":"/","Labels":{%s}},' "$(json_string "$entry")" "$labels"
    printf '"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},' "$diff_id"
    printf '"history":[{"created":%s,"created_by":"hack/build-images.sh","comment":%s}]}' \
      "$(json_string "$created")" "$(json_string "$title bundle, CA certificates, nonroot user")"
  } > "$config"
  local config_digest config_size
  config_digest="$(sha256_of "$config")"
  config_size="$(size_of "$config")"

  local manifest="$dir/manifest.json"
  {
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
    printf '"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},' \
      "$config_digest" "$config_size"
    printf '"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
      "$layer_digest" "$layer_size"
  } > "$manifest"
  local manifest_digest manifest_size
  manifest_digest="$(sha256_of "$manifest")"
  manifest_size="$(size_of "$manifest")"

  # The OCI layout. ref.name is the tag (skopeo's oci:DIR:TAG); containerd names the image from
  # io.containerd.image.name, fully qualified the way Kubernetes resolves "redraft/operator".
  local image_ref full_ref
  image_ref="$(ref "$name")"
  if [[ "$image_ref" != */* ]]; then
    full_ref="docker.io/library/$image_ref"
  elif [[ "${image_ref%%/*}" == *[.:]* || "${image_ref%%/*}" == localhost ]]; then
    full_ref="$image_ref"  # the first component is a registry host
  else
    full_ref="docker.io/$image_ref"
  fi
  local oci="$dir/oci"
  mkdir -p "$oci/blobs/sha256"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$oci/oci-layout"
  cp "$config" "$oci/blobs/sha256/$config_digest"
  cp "$manifest" "$oci/blobs/sha256/$manifest_digest"
  cp "$dir/layer.tar.gz" "$oci/blobs/sha256/$layer_digest"
  {
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":['
    printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,' \
      "$manifest_digest" "$manifest_size"
    printf '"platform":{"architecture":%s,"os":"linux"},' "$(json_string "$arch")"
    printf '"annotations":{"io.containerd.image.name":%s,"org.opencontainers.image.ref.name":%s}}]}' \
      "$(json_string "$full_ref")" "$(json_string "$version")"
  } > "$oci/index.json"
  chmod -R u=rwX,go=rX "$oci"

  # The docker-archive: manifest.json naming the config and the uncompressed layer by digest
  # (what docker load, containerd's importer and skopeo read; the config is the same blob, so
  # the image ID is the same in both formats).
  local archive="$dir/archive"
  mkdir -p "$archive"
  cp "$config" "$archive/$config_digest.json"
  mv "$layer" "$archive/$diff_id.tar"
  printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["%s.tar"]}]' \
    "$config_digest" "$(json_string "$image_ref")" "$diff_id" > "$archive/manifest.json"
  chmod 0644 "$archive"/*
  (cd "$archive" && printf '%s\0' "$config_digest.json" "$diff_id.tar" manifest.json) > "$dir/archive-entries"
  tar "${tar_reproducible[@]}" --owner=0 --group=0 -C "$archive" --null -T "$dir/archive-entries" -cf "$dir/archive.tar"

  awk -v ref="$image_ref" -v id="$config_digest" -v c="$layer_size" -v u="$(size_of "$dir/archive.tar")" \
    -v o="$out/$title" -v a="$out/$title.tar" 'BEGIN {
      printf "%s  id sha256:%.12s  layer %.1f MiB compressed, %.1f MiB uncompressed\n  OCI layout      %s\n  docker-archive  %s\n",
        ref, id, c / 1048576, u / 1048576, o, a }'
}

# Both images at once (gzip dominates); each prints its summary when done, in order.
declare -A description=(
  [operator]="The redraft Kubernetes operator"
  [executor]="The redraft executor: runs inside every redraft task pod"
)
declare -A pid=()
for name in "${images[@]}"; do
  build_image "$name" "${description[$name]}" > "$work/$name.summary" &
  pid[$name]=$!
done
failed=0
for name in "${images[@]}"; do
  wait "${pid[$name]}" || failed=1
done
[ "$failed" = 0 ] || die "building the images failed (nothing was written to $out)"
for name in "${images[@]}"; do
  publish "$work/$name/oci" "$out/redraft-$name"
  publish "$work/$name/archive.tar" "$out/redraft-$name.tar"
  cat "$work/$name.summary"
done
