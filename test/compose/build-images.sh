#!/usr/bin/env bash
# Builds, on the daemon named by DOCKER_HOST, the images docker-compose.yml needs, without
# Docker Hub: a Node base and a Redis base made from this machine's own binaries (the binary
# plus the libraries `ldd` names, imported as a rootfs), and the dockops image on that Node base
# from this worktree's compiled code and production dependencies.
#
#   build-images.sh NODE_BASE_TAG REDIS_TAG APP_TAG
# The two base images are kept and reused when they exist; the app image is rebuilt every time.
set -euo pipefail
NODE_BASE="$1" REDIS_IMAGE="$2" APP_IMAGE="$3"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DOCKER="${DOCKER_BIN:-docker}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Copies each binary and every library it links (and the dynamic loader) into a rootfs.
copy_with_libs() {
  local rootfs="$1"; shift
  for bin in "$@"; do
    cp --parents -L "$bin" "$rootfs"
    ldd "$bin" | grep -o '/[^ ]*' | while read -r lib; do cp --parents -L "$lib" "$rootfs"; done
  done
}

# /etc/passwd and /etc/group with root and the "node" user (1000) the Dockerfile runs as.
base_rootfs() {
  local rootfs="$1"
  mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/home/node" "$rootfs/bin" "$rootfs/data"
  chmod 1777 "$rootfs/tmp"
  chown 1000:1000 "$rootfs/home/node"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$rootfs/etc/group"
  # A shell helps when debugging a container; the images need nothing else from it.
  cp /bin/busybox "$rootfs/bin/busybox"
  for c in sh ls cat wget; do ln -sf busybox "$rootfs/bin/$c"; done
}

exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

if ! exists "$NODE_BASE"; then
  base_rootfs "$WORK/node"
  copy_with_libs "$WORK/node" "$(command -v node)"
  tar -C "$WORK/node" -c . | "$DOCKER" import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'CMD ["node"]' - "$NODE_BASE" >/dev/null
fi

if ! exists "$REDIS_IMAGE"; then
  base_rootfs "$WORK/redis"
  copy_with_libs "$WORK/redis" /usr/bin/redis-server /usr/bin/redis-cli
  # The official redis image is built with protected mode off (other containers connect to it);
  # Debian's binary has it on, so the entrypoint says so, as the official image's default does.
  mkdir -p "$WORK/redis/usr/local/bin"
  cat >"$WORK/redis/usr/local/bin/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
if [ "$1" = redis-server ]; then shift; exec redis-server "$@" --protected-mode no; fi
exec "$@"
ENTRY
  chmod 755 "$WORK/redis/usr/local/bin/docker-entrypoint.sh"
  tar -C "$WORK/redis" -c . | "$DOCKER" import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'WORKDIR /data' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["redis-server"]' - "$REDIS_IMAGE" >/dev/null
fi

# The app: what the Dockerfile's build stage produces (tsc output) and its runtime stage installs
# (production dependencies, from package-lock.json), on the local Node base.
CTX="$WORK/app"
mkdir -p "$CTX/node_modules"
cp "$ROOT/package.json" "$CTX/"
"$ROOT/node_modules/.bin/tsc" -p "$ROOT/tsconfig.build.json" --outDir "$CTX/dist"
MODULES="$(readlink -f "$ROOT/node_modules")"
node -e '
  const lock = require(process.argv[1]);
  for (const [path, entry] of Object.entries(lock.packages))
    if (path.startsWith("node_modules/") && !entry.dev) console.log(path.slice("node_modules/".length));
' "$ROOT/package-lock.json" | while read -r pkg; do
  if [ -e "$MODULES/$pkg" ]; then mkdir -p "$CTX/node_modules/$(dirname "$pkg")"; cp -a "$MODULES/$pkg" "$CTX/node_modules/$pkg"; fi
done
cat >"$CTX/Dockerfile" <<DOCKERFILE
FROM $NODE_BASE
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY node_modules ./node_modules
COPY dist ./dist
USER node
EXPOSE 3000
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["all"]
DOCKERFILE
"$DOCKER" build -q -t "$APP_IMAGE" "$CTX" >/dev/null
