#!/usr/bin/env bash
# Provision a real container engine for Multiarch Lab's tests on Debian 12 (root):
# Docker Engine 26 + buildx from Debian trixie, QEMU user emulation, a registry:2 image built from
# Debian's docker-registry, a multi-arch busybox base image, and Chromium + Xvfb for browser tests.
# Idempotent: each step checks first and returns quickly when already done.
set -euo pipefail

log() { printf '[provision] %s\n' "$*"; }
die() { printf '[provision] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts dockerd)"
[ -r /etc/debian_version ] || die "this script provisions Debian machines only"

DOCKER=/usr/bin/docker
STATE_DIR=${MULTIARCH_LAB_TEST_STATE:-/var/lib/multiarch-lab-test}
LABEL=dev.multiarch-lab.test=provision
BASE_IMAGE=${MULTIARCH_LAB_TEST_BASE:-multiarch-lab-test/busybox:1}
mkdir -p "$STATE_DIR"

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    # a mirror mid-sync can fail one index; retry once, then go on (a missing package fails loudly later)
    apt-get update -qq || { sleep 5; apt-get update -qq; } || log "apt-get update reported errors; continuing"
    apt_updated=1
  fi
}

# --- apt sources: trixie for docker 26 (pinned low so nothing else upgrades)
ensure_apt_sources() {
  local changed=0
  if [ ! -f /etc/apt/sources.list.d/multiarch-lab-trixie.sources ]; then
    log "adding Debian trixie apt source (pinned at priority 100)"
    cat >/etc/apt/sources.list.d/multiarch-lab-trixie.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    cat >/etc/apt/preferences.d/multiarch-lab-trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    changed=1
  fi
  if [ "$changed" = 1 ]; then apt_updated=0; fi
}

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

ensure_packages() {
  local bookworm=() trixie=()
  for p in qemu-user-static binfmt-support docker-registry chromium xvfb busybox-static iproute2 ca-certificates openssl; do
    have_pkg "$p" || bookworm+=("$p")
  done
  if ! /usr/sbin/dockerd --version 2>/dev/null | grep -qE 'version (2[6-9]|[3-9][0-9])\.'; then
    trixie+=(docker.io docker-cli docker-buildx)
  fi
  [ -x /usr/libexec/docker/cli-plugins/docker-buildx ] || trixie+=(docker-buildx)
  if [ ${#trixie[@]} -gt 0 ]; then
    apt_update_once
    log "installing from trixie: ${trixie[*]}"
    apt-get install -y -qq --no-install-recommends -t trixie "${trixie[@]}" >/dev/null
  fi
  if [ ${#bookworm[@]} -gt 0 ]; then
    apt_update_once
    log "installing: ${bookworm[*]}"
    apt-get install -y -qq --no-install-recommends "${bookworm[@]}" >/dev/null
  fi
}

ping_engine() { curl -fsS --max-time 2 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; }

ensure_dockerd() {
  mkdir -p /etc/docker
  if [ ! -f /etc/docker/daemon.json ] || ! grep -q containerd-snapshotter /etc/docker/daemon.json; then
    echo '{"features":{"containerd-snapshotter":true}}' >/etc/docker/daemon.json
  fi
  if ping_engine; then log "dockerd already answers"; return; fi
  log "starting dockerd"
  setsid /usr/sbin/dockerd >/var/log/multiarch-lab-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    ping_engine && { log "dockerd is up"; return; }
    sleep 0.5
  done
  tail -n 30 /var/log/multiarch-lab-dockerd.log >&2 || true
  die "dockerd did not answer on /var/run/docker.sock within 30 s (log: /var/log/multiarch-lab-dockerd.log)"
}

ensure_binfmt() {
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc"
  fi
  local conf name
  for conf in /usr/lib/binfmt.d/qemu-*.conf; do
    [ -f "$conf" ] || continue
    name=$(cut -d: -f2 "$conf")
    [ -e "/proc/sys/fs/binfmt_misc/$name" ] && continue
    # the kernel may refuse one handler (e.g. a clash); keep going, the doctor reports what is missing
    cat "$conf" >/proc/sys/fs/binfmt_misc/register 2>/dev/null || log "could not register $name"
  done
}

ensure_registry_image() {
  if $DOCKER image inspect registry:2 >/dev/null 2>&1; then return; fi
  log "building registry:2 from Debian's docker-registry"
  local ctx="$STATE_DIR/registry-image"
  rm -rf "$ctx"; mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc/docker/registry" "$ctx/rootfs/var/lib/registry"
  cp /usr/bin/docker-registry "$ctx/rootfs/bin/registry"
  # copy every shared library the binary needs, at the path the loader looks for it
  ldd /usr/bin/docker-registry | grep -oE '/[^ ]+' | while read -r lib; do
    mkdir -p "$ctx/rootfs$(dirname "$lib")"
    cp -L "$lib" "$ctx/rootfs$lib"
  done
  cat >"$ctx/rootfs/etc/docker/registry/config.yml" <<'CFG'
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: false
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
CFG
  cat >"$ctx/Dockerfile" <<'DF'
FROM scratch
COPY rootfs/ /
VOLUME ["/var/lib/registry"]
EXPOSE 5000
ENTRYPOINT ["/bin/registry"]
CMD ["serve", "/etc/docker/registry/config.yml"]
DF
  $DOCKER build -q --label "$LABEL" -t registry:2 "$ctx" >/dev/null
}

# A private apt setup for one foreign architecture: downloads its .deb files without adding the
# architecture to the system's dpkg (which would make every apt-get update fetch its indexes).
foreign_apt() {
  local arch=$1; shift
  local root="$STATE_DIR/apt-$arch"
  mkdir -p "$root/state/lists/partial" "$root/cache/archives/partial"
  printf 'deb [arch=%s signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main\n' "$arch" >"$root/sources.list"
  local opts=(-o "Dir::State=$root/state" -o "Dir::Cache=$root/cache" -o "Dir::Etc::SourceList=$root/sources.list"
    -o "Dir::Etc::SourceParts=/nonexistent" -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" -o "APT::Sandbox::User=root")
  if [ ! -s "$root/state/lists/lock" ] && ! ls "$root/state/lists/"*Packages* >/dev/null 2>&1; then
    apt-get "${opts[@]}" update -qq
  fi
  (cd "$root" && apt-get "${opts[@]}" "$@") && mv "$root"/*.deb "$dir/deb/"
}

# busybox-static for each architecture, unpacked into a tiny rootfs
ensure_busybox_rootfs() {
  local arch dir
  for arch in amd64 arm64 armhf; do
    dir="$STATE_DIR/busybox/$arch"
    [ -x "$dir/rootfs/bin/busybox" ] && continue
    log "unpacking busybox-static:$arch"
    rm -rf "$dir"; mkdir -p "$dir/deb" "$dir/rootfs/bin" "$dir/rootfs/tmp"
    if [ "$arch" = amd64 ] && have_pkg busybox-static; then
      cp /bin/busybox "$dir/rootfs/bin/busybox"
    else
      foreign_apt "$arch" download -qq "busybox-static:$arch"
      dpkg -x "$dir"/deb/*.deb "$dir/x"
      cp "$dir/x/bin/busybox" "$dir/rootfs/bin/busybox"
      rm -rf "$dir/x" "$dir/deb"
    fi
    for tool in sh uname echo cat chmod ls sleep printf env true false; do
      ln -sf busybox "$dir/rootfs/bin/$tool"
    done
  done
}

ensure_base_image() {
  if $DOCKER image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return; fi
  log "building multi-arch base image $BASE_IMAGE (amd64, arm64, arm/v7)"
  local ctx="$STATE_DIR/base-image"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -a "$STATE_DIR/busybox/amd64/rootfs" "$ctx/rootfs-amd64"
  cp -a "$STATE_DIR/busybox/arm64/rootfs" "$ctx/rootfs-arm64"
  cp -a "$STATE_DIR/busybox/armhf/rootfs" "$ctx/rootfs-armv7"
  cat >"$ctx/Dockerfile" <<'DF'
FROM scratch
ARG TARGETARCH
ARG TARGETVARIANT
COPY rootfs-${TARGETARCH}${TARGETVARIANT}/ /
CMD ["/bin/sh"]
DF
  $DOCKER buildx build --builder default --provenance=false --label "$LABEL" \
    --platform linux/amd64,linux/arm64,linux/arm/v7 -t "$BASE_IMAGE" --load "$ctx" >/dev/null 2>"$ctx/build.log" \
    || { cat "$ctx/build.log" >&2; die "building $BASE_IMAGE failed"; }
}

# The BuildKit image a docker-container builder starts (buildx would pull it from Docker Hub, which
# these machines cannot reach). ../shared sits beside the repository, in development and in CI's clean
# clone alike, so it is found from the repository root, not from the working directory.
BUILDKIT_IMAGE=moby/buildkit:buildx-stable-1
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# A linked git worktree lives elsewhere: then ../shared is found beside the main checkout.
shared_images_dir() {
  if [ -n "${MULTIARCH_LAB_SHARED_IMAGES:-}" ]; then echo "$MULTIARCH_LAB_SHARED_IMAGES"; return; fi
  local common
  if [ ! -d "$REPO_ROOT/../shared/test-images" ] \
    && common=$(git -C "$REPO_ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) \
    && [ -d "$(dirname "$common")/../shared/test-images" ]; then
    echo "$(cd "$(dirname "$common")/../shared/test-images" && pwd)"; return
  fi
  echo "$REPO_ROOT/../shared/test-images"
}
ensure_buildkit_image() {
  local tar
  tar="$(shared_images_dir)/buildkit-v0.23.2-linux-amd64.tar.gz"
  if $DOCKER image inspect "$BUILDKIT_IMAGE" >/dev/null 2>&1; then return; fi
  if [ ! -f "$tar" ]; then
    log "no $BUILDKIT_IMAGE here and no $tar: docker-container builder tests will say they cannot bootstrap"
    return
  fi
  if [ -f "$tar.sha256" ]; then
    # the .sha256 file names the tarball relative to its own folder
    (cd "$(dirname "$tar")" && sha256sum --quiet -c "$(basename "$tar").sha256") \
      || die "$tar does not match its sha256; not loading it"
  else
    log "no $tar.sha256 beside the tarball: loading it unchecked"
  fi
  log "loading $BUILDKIT_IMAGE from $tar"
  $DOCKER load -q -i "$tar" >/dev/null || die "docker load of $tar failed"
  $DOCKER image inspect "$BUILDKIT_IMAGE" >/dev/null 2>&1 \
    || die "$tar loaded but $BUILDKIT_IMAGE is still missing (the tarball carries another tag?)"
}

ensure_apt_sources
ensure_packages
ensure_dockerd
ensure_binfmt
ensure_registry_image
ensure_busybox_rootfs
ensure_base_image
ensure_buildkit_image
log "ready: $($DOCKER version --format 'engine {{.Server.Version}} (API {{.Server.APIVersion}})'), buildx $($DOCKER buildx version | awk '{print $2}')"
