#!/usr/bin/env bash
# Brings up the dockops test fleet on this machine (run as root; idempotent):
#   - three Docker hosts (dockerd 20.10 in network namespaces dckops-a/b/c on bridge dckops0) and
#     a fourth, f, that only the monitor's host-fault test stops,
#   - a private registry with basic auth on 10.250.0.1:5000, holding the test images,
#   - a Redis on 127.0.0.1:6390 (or the next free port),
# and writes $FLEET_STATE_DIR/fleet.env (default /tmp/dckops-fleet/fleet.env) for the tests.
# A second run with everything up changes nothing and takes about half a second; a piece that
# is down (a killed daemon, the registry, redis) is started again on its own.
#
# Test images (all in 10.250.0.1:5000, built on host a; hosts b and c have to pull them):
#   web:v1, web:v2   print "web vN starting", serve "web vN" on :80 (/healthz = "ok"),
#                    label version=vN, HEALTHCHECK wget /healthz every 1s, 2 retries
#   web:latest       the same image as web:v1 (not v2: "latest" is deliberately the older one,
#                    so a test deploying "latest" after v2 sees a real change)
#   web:crash        the crash image under the web repository; web:sick the unhealthy one, so
#                    one project can deploy a failing version over a good one
#   unhealthy:v1     prints "unhealthy starting", serves :80 but has no /healthz: the
#                    HEALTHCHECK (same as web) always fails, so it turns unhealthy in ~2-3 s
#   crash:v1         prints "crash v1 starting", ~1 s later "fatal: cannot connect to database"
#                    on stderr and exits with code 3; HEALTHCHECK as web
#   plain:v1         like web:v1 (prints "plain v1 starting", serves "plain v1") with NO HEALTHCHECK
#   static:v1        only a runtime: serves whatever is in /var/www/html (a project's code mounted
#                    there) on :80; HEALTHCHECK wget / every 1s, so it is healthy once the code has
#                    an index.html
# The HTTP images run httpd as a child of a sh that traps SIGTERM, so `docker stop` takes
# well under a second (httpd as PID 1 would ignore SIGTERM and wait out the stop timeout).
set -euo pipefail

FLEET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=test/fleet/lib.sh
. "$FLEET_DIR/lib.sh"

# shellcheck disable=SC2154 # rc is set inside the trap
trap 'rc=$?; printf "fleet: ERROR: up.sh failed (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR

T0=$(fleet_ms)
fleet_require_root

# ---------------------------------------------------------------------------- packages

ensure_packages() {
  local missing=() c
  for c in redis-server redis-cli redis-sentinel dockerd containerd runc iptables docker-registry ip nsenter \
    openssl htpasswd curl setsid flock findmnt ss sha256sum docker-compose caddy git; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  [ -x /usr/bin/docker ] || missing+=(/usr/bin/docker)
  [ -x /bin/busybox ] && [ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(busybox/ca-certificates)
  # The base image needs the static busybox: a dynamic one would not run in the image.
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || missing+=(busybox-static)
  # /stats --chart sets its text in DejaVu Sans.
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  [ ${#missing[@]} -eq 0 ] && return 0
  fleet_log "installing Debian packages (missing: ${missing[*]}); log: $LOG_DIR/apt.log"
  local apt=(apt-get -o DPkg::Lock::Timeout=600)
  if ! { "${apt[@]}" update && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends \
    redis-server redis-sentinel docker.io iptables docker-registry busybox-static iproute2 openssl ca-certificates \
    apache2-utils curl util-linux docker-compose caddy git fonts-dejavu-core; } >>"$LOG_DIR/apt.log" 2>&1; then
    fleet_die_log "apt-get failed" "$LOG_DIR/apt.log"
  fi
}

# ---------------------------------------------------------------------------- network

ensure_network() {
  # Bridge in the root namespace.
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  if ! ip -4 -o addr show dev "$BRIDGE" | grep -q " $BRIDGE_ADDR/24 "; then
    ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up

  local h
  for h in "${FLEET_HOSTS[@]}"; do ensure_host_net "$h"; done
  # Any other address of 10.250.0.0/16 goes nowhere (instead of to the default gateway).
  ensure_route "$FLEET_NET" blackhole
  # The namespaces talk to each other and to 10.250.0.1 through the bridge (layer 2), and
  # dockerd turns on forwarding inside its own namespace: the root namespace does not need
  # net.ipv4.ip_forward, so it is left as it is.
}
# ---------------------------------------------------------------------------- TLS for host c

ensure_tls() {
  local f ok=1
  for f in ca.pem ca-key.pem server-cert.pem server-key.pem cert.pem key.pem; do
    [ -s "$TLS_DIR/$f" ] || ok=0
  done
  [ $ok = 1 ] && return 0
  fleet_log "generating TLS CA and certificates for host c in $TLS_DIR"
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR"
    umask 077
    {
      printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' >ca.ext
      printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:%s\n' \
        "$(host_addr c)" >server.ext
      printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
      openssl genrsa -out ca-key.pem 2048
      openssl req -new -key ca-key.pem -subj "/CN=dckops fleet CA" -out ca.csr
      openssl x509 -req -in ca.csr -signkey ca-key.pem -sha256 -days 3650 -extfile ca.ext -out ca.pem
      openssl genrsa -out server-key.pem 2048
      openssl req -new -key server-key.pem -subj "/CN=$(host_addr c)" -out server.csr
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days 3650 \
        -extfile server.ext -out server-cert.pem
      openssl genrsa -out key.pem 2048
      openssl req -new -key key.pem -subj "/CN=dckops-client" -out client.csr
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days 3650 \
        -extfile client.ext -out cert.pem
      rm -f ./*.csr ./*.ext ca.srl
      chmod 644 ca.pem server-cert.pem cert.pem
    } >"$LOG_DIR/openssl.log" 2>&1
  ) || fleet_die_log "generating TLS certificates failed" "$LOG_DIR/openssl.log"
}

# ---------------------------------------------------------------------------- dockerd

STARTED_HOSTS=()
ensure_dockerd() {
  local h=$1 pid
  pid=$(dockerd_pid "$h")
  if [ -n "$pid" ]; then
    if dockerd_cmdline_matches "$h" "$pid" && dockerd_answers "$h"; then
      return 0
    fi
    fleet_log "dockerd $h (pid $pid) has other flags or does not answer: restarting it"
    dockerd_stop "$h"
  fi
  dockerd_start "$h"
  STARTED_HOSTS+=("$h")
}

# ---------------------------------------------------------------------------- registry

# write_if_changed FILE CONTENT: returns 0 when FILE was (re)written.
write_if_changed() {
  local f=$1 content=$2
  if [ -f "$f" ] && [ "$(cat "$f")" = "$content" ]; then return 1; fi
  printf '%s\n' "$content" >"$f.tmp"
  mv "$f.tmp" "$f"
  return 0
}

REG_DIR="$STATE/registry"
registry_pid() {
  local pid
  pid=$(cat "$REG_DIR/registry.pid" 2>/dev/null || true)
  if pid_is "$pid" docker-registry; then echo "$pid"; fi
}
registry_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$REGISTRY_ADDR/v2/" 2>/dev/null || true; }

ensure_registry() {
  local changed=0 pid pw i
  mkdir -p "$REG_DIR" "$DATA_ROOT/registry"
  if [ ! -s "$REG_DIR/password" ]; then
    (umask 077 && openssl rand -hex 16 >"$REG_DIR/password")
  fi
  if [ ! -s "$REG_DIR/http-secret" ]; then
    (umask 077 && openssl rand -hex 24 >"$REG_DIR/http-secret")
  fi
  pw=$(cat "$REG_DIR/password")
  if [ ! -f "$REG_DIR/htpasswd" ] || ! htpasswd -vb "$REG_DIR/htpasswd" "$REGISTRY_USER" "$pw" >/dev/null 2>&1; then
    htpasswd -Bbn "$REGISTRY_USER" "$pw" >"$REG_DIR/htpasswd"
    changed=1
  fi
  if write_if_changed "$REG_DIR/config.yml" "version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $DATA_ROOT/registry
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $REGISTRY_ADDR
  secret: $(cat "$REG_DIR/http-secret")
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: dckops-registry
    path: $REG_DIR/htpasswd"; then changed=1; fi

  pid=$(registry_pid)
  if [ -n "$pid" ] && [ $changed = 0 ] && [ "$(registry_code)" = 401 ]; then
    return 0
  fi
  if [ -n "$pid" ]; then
    fleet_log "restarting registry (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do pid_is "$pid" docker-registry || break; sleep 0.1; done
    if pid_is "$pid" docker-registry; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  local t0
  t0=$(fleet_ms)
  printf '\n===== %s starting registry =====\n' "$(date -Is)" >>"$LOG_DIR/registry.log"
  # The registry reads REGISTRY_* variables as configuration overrides (and fleet.env has
  # REGISTRY_URL, REGISTRY_PASSWORD...): start it without any.
  local unset_env=() v
  for v in $(compgen -e | grep '^REGISTRY_' || true); do unset_env+=(-u "$v"); done
  env "${unset_env[@]}" setsid docker-registry serve "$REG_DIR/config.yml" >>"$LOG_DIR/registry.log" 2>&1 </dev/null 9>&- &
  echo $! >"$REG_DIR/registry.pid"
  disown 2>/dev/null || true
  local code=""
  for ((i = 0; i < 150; i++)); do
    code=$(registry_code)
    [ "$code" = 401 ] && break
    pid_alive "$(cat "$REG_DIR/registry.pid")" || fleet_die_log "the registry exited at start-up" "$LOG_DIR/registry.log"
    sleep 0.1
  done
  case "$code" in
    401) ;;
    200) fleet_die_log "the registry answers without asking for credentials (auth not in force)" "$LOG_DIR/registry.log" ;;
    *) fleet_die_log "the registry did not answer on http://$REGISTRY_ADDR/v2/ within 15s (last status '$code')" "$LOG_DIR/registry.log" ;;
  esac
  fleet_log "registry started on $REGISTRY_ADDR with basic auth (user $REGISTRY_USER) in $(($(fleet_ms) - t0)) ms"
}

# ---------------------------------------------------------------------------- redis

REDIS_DIR="$STATE/redis"
ensure_redis() {
  local port pid
  mkdir -p "$REDIS_DIR"
  port=$(cat "$REDIS_DIR/port" 2>/dev/null || true)
  pid=$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)
  if [ -n "$port" ] && pid_is "$pid" redis-server &&
    [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
    REDIS_PORT=$port
    # A Redis started before agents existed listens on loopback only; widen it without a restart.
    if ! ss -Hltn "src $BRIDGE_ADDR:$port" | grep -q .; then
      redis-cli -h 127.0.0.1 -p "$port" config set bind "127.0.0.1 $BRIDGE_ADDR" >/dev/null
      redis-cli -h 127.0.0.1 -p "$port" config set protected-mode no >/dev/null
      fleet_log "redis on 127.0.0.1:$port now also listens on $BRIDGE_ADDR:$port (for host agents)"
    fi
    return 0
  fi
  if pid_is "$pid" redis-server; then kill -TERM "$pid" 2>/dev/null || true; sleep 0.5; fi
  # Keep the port of an earlier run when it is free; otherwise take the next free one.
  [ -n "$port" ] || port=$REDIS_BASE_PORT
  while ss -Hltn "sport = :$port" | grep -q .; do
    port=$((port + 1))
    [ "$port" -lt $((REDIS_BASE_PORT + 100)) ] || fleet_die "no free port for redis in $REDIS_BASE_PORT..$port"
  done
  printf '\n===== %s starting redis on port %s =====\n' "$(date -Is)" "$port" >>"$LOG_DIR/redis.log"
  # shellcheck disable=SC2094 # redis-server writes its --logfile itself; nothing reads it here
  # Also on the bridge, for the host agents inside the namespaces; protected mode would refuse
  # them (the default user has no password), and the bridge is reachable only from the fleet.
  redis-server --bind 127.0.0.1 "$BRIDGE_ADDR" --protected-mode no --port "$port" --appendonly yes --dir "$REDIS_DIR" --daemonize yes \
    --pidfile "$REDIS_DIR/redis.pid" --logfile "$LOG_DIR/redis.log" >>"$LOG_DIR/redis.log" 2>&1 9>&- ||
    fleet_die_log "redis-server failed to start" "$LOG_DIR/redis.log"
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] ||
    fleet_die_log "redis did not answer PING on 127.0.0.1:$port within 10s" "$LOG_DIR/redis.log"
  echo "$port" >"$REDIS_DIR/port"
  REDIS_PORT=$port
  fleet_log "redis started on 127.0.0.1:$port and $BRIDGE_ADDR:$port (appendonly, dir $REDIS_DIR)"
}

# ---------------------------------------------------------------------------- images

IMG_DIR="$STATE/images"

# Writes the build context of one test image into $IMG_DIR/NAME-VERSION.
#   kind: web (healthy httpd), unhealthy, crash, plain (httpd, no HEALTHCHECK)
write_context() {
  local name=$1 version=$2 kind=$3 dir entry
  dir="$IMG_DIR/$name-$version"
  mkdir -p "$dir"
  local hc='HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O /dev/null http://127.0.0.1/healthz'
  case $kind in
    static)
      entry=$(
        cat <<EOF
#!/bin/sh
# $name $version: serves the files mounted at /var/www/html with busybox httpd on port 80.
echo "$name $version starting"
httpd -f -p 80 -h /var/www/html &
child=\$!
trap 'kill -TERM "\$child" 2>/dev/null; wait "\$child"; exit 0' TERM INT
wait "\$child"
EOF
      )
      ;;
    crash)
      entry=$(
        cat <<EOF
#!/bin/sh
# $name $version: starts, fails to reach its database and exits with code 3.
echo "$name $version starting"
sleep 1
echo "fatal: cannot connect to database" >&2
exit 3
EOF
      )
      ;;
    *)
      local banner="$name $version starting" healthz='echo ok >/www/healthz'
      [ "$kind" = unhealthy ] && banner="$name starting" &&
        healthz='# no /www/healthz: the HEALTHCHECK gets a 404 and fails'
      entry=$(
        cat <<EOF
#!/bin/sh
# $name $version: serves /www with busybox httpd on port 80.
echo "$banner"
mkdir -p /www
echo "$name $version" >/www/index.html
$healthz
httpd -f -p 80 -h /www &
child=\$!
# sh (PID 1) forwards SIGTERM so that \`docker stop\` is quick.
trap 'kill -TERM "\$child" 2>/dev/null; wait "\$child"; exit 0' TERM INT
wait "\$child"
EOF
      )
      ;;
  esac
  write_if_changed "$dir/entrypoint.sh" "$entry" || true
  write_if_changed "$dir/Dockerfile" "$(
    echo "FROM local/busybox:1"
    echo "COPY entrypoint.sh /entrypoint.sh"
    echo "LABEL version=\"$version\" org.opencontainers.image.title=\"$name\""
    echo "EXPOSE 80"
    if [ "$kind" = static ]; then
      echo "${hc%/healthz}/"
    elif [ "$kind" != plain ]; then
      echo "$hc"
    fi
    echo 'ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]'
  )" || true
}

# Hash of a build context plus the base image's, stored as a label on the image, so that an
# image in the registry that was built from other definitions is rebuilt.
context_hash() { (cd "$1" && cat Dockerfile entrypoint.sh && echo "$BASE_HASH") | sha256sum | cut -c1-16; }

# Label dckops.fleet.def of REPO:TAG in the registry, or nothing if the tag is absent.
registry_def_label() {
  local repo=$1 tag=$2 pw manifest cfg
  pw=$(cat "$REG_DIR/password")
  manifest=$(curl -fsS -m 5 -u "$REGISTRY_USER:$pw" \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_ADDR/v2/$repo/manifests/$tag" 2>/dev/null) || return 0
  cfg=$(printf '%s' "$manifest" | tr -d ' \n' | grep -o '"config":{[^}]*}' | grep -o 'sha256:[0-9a-f]\{64\}' | head -1)
  [ -n "$cfg" ] || return 0
  curl -fsSL -m 5 -u "$REGISTRY_USER:$pw" "http://$REGISTRY_ADDR/v2/$repo/blobs/$cfg" 2>/dev/null |
    grep -o '"dckops.fleet.def":"[0-9a-f]*"' | head -1 | cut -d'"' -f4 || true
}

ensure_base_image() {
  local have
  have=$(docker_h a image inspect local/busybox:1 --format '{{index .Config.Labels "dckops.fleet.def"}}' 2>/dev/null || true)
  [ "$have" = "$BASE_HASH" ] && return 0
  fleet_log "importing local/busybox:1 on host a from /bin/busybox"
  local root="$IMG_DIR/rootfs" applet
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" "$root/tmp" "$root/www" \
    "$root/root" "$root/proc" "$root/sys" "$root/dev"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  while read -r applet; do
    [ "$applet" = bin/busybox ] || [ "$applet" = linuxrc ] && continue
    ln -sf /bin/busybox "$root/$applet"
  done < <(/bin/busybox --list-full)
  for applet in httpd wget sh sleep env cat echo date; do
    [ -n "$(find "$root" -name "$applet" -type l)" ] || fleet_die "busybox has no '$applet' applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -c . | docker_h a import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' \
    --change "LABEL dckops.fleet.def=$BASE_HASH" \
    - local/busybox:1 >>"$LOG_DIR/images.log" 2>&1 ||
    fleet_die_log "docker import of local/busybox:1 on host a failed" "$LOG_DIR/images.log"
  rm -rf "$root"
}

registry_login() {
  [ "${LOGGED_IN:-0}" = 1 ] && return 0
  mkdir -p "$DOCKER_CONFIG"
  "$DOCKER_BIN" -H "unix://$(host_sock a)" login -u "$REGISTRY_USER" --password-stdin "$REGISTRY_ADDR" \
    <"$REG_DIR/password" >>"$LOG_DIR/images.log" 2>&1 ||
    fleet_die_log "docker login to $REGISTRY_ADDR failed" "$LOG_DIR/images.log"
  LOGGED_IN=1
}

ensure_images() {
  mkdir -p "$IMG_DIR"
  BASE_HASH=$( (sha256sum /bin/busybox && /bin/busybox --list-full && echo base-v1) | sha256sum | cut -c1-16)
  write_context web v1 web
  write_context web v2 web
  write_context unhealthy v1 unhealthy
  write_context crash v1 crash
  write_context plain v1 plain
  write_context static v1 static
  # repo tag context-dir
  local spec=(
    "web v1 web-v1"
    "web v2 web-v2"
    "web latest web-v1"
    "web crash crash-v1"
    "web sick unhealthy-v1"
    "unhealthy v1 unhealthy-v1"
    "crash v1 crash-v1"
    "plain v1 plain-v1"
    "static v1 static-v1"
  )
  local line repo tag ctx hash ref built=0 t0
  t0=$(fleet_ms)
  declare -A done_ctx=()
  for line in "${spec[@]}"; do
    read -r repo tag ctx <<<"$line"
    hash=$(context_hash "$IMG_DIR/$ctx")
    [ "$(registry_def_label "$repo" "$tag")" = "$hash" ] && continue
    ref="$REGISTRY_ADDR/$repo:$tag"
    ensure_base_image
    registry_login
    if [ -z "${done_ctx[$ctx]:-}" ]; then
      fleet_log "building $ref on host a"
      docker_h a build -q --label "dckops.fleet.def=$hash" -t "$ref" "$IMG_DIR/$ctx" >>"$LOG_DIR/images.log" 2>&1 ||
        fleet_die_log "docker build of $ref failed" "$LOG_DIR/images.log"
      done_ctx[$ctx]=$ref
    elif [ "${done_ctx[$ctx]}" != "$ref" ]; then
      docker_h a tag "${done_ctx[$ctx]}" "$ref"
    fi
    fleet_log "pushing $ref"
    docker_h a push "$ref" >>"$LOG_DIR/images.log" 2>&1 ||
      fleet_die_log "docker push of $ref failed" "$LOG_DIR/images.log"
    [ "$(registry_def_label "$repo" "$tag")" = "$hash" ] ||
      fleet_die "pushed $ref but the registry does not serve it back (see $LOG_DIR/registry.log)"
    built=$((built + 1))
  done
  if [ $built -gt 0 ]; then
    fleet_log "$built image tag(s) built and pushed in $(($(fleet_ms) - t0)) ms"
  fi
}

# caddy:2 for the proxy tests: Debian's caddy binary with the libraries ldd names and a static
# busybox (the proxy's health probe uses its wget), shaped like the official caddy:2 image.
# The libraries stay out of the default library path (a wrapper hands them to the loader): the
# static busybox would load the image's libc for name lookups and crash.
ensure_caddy_image() {
  local hash root lib ref="$REGISTRY_ADDR/caddy:2"
  hash=$( (sha256sum /usr/bin/caddy /bin/busybox && echo caddy-v2) | sha256sum | cut -c1-16)
  [ "$(registry_def_label caddy 2)" = "$hash" ] && return 0
  fleet_log "importing $ref on host a from /usr/bin/caddy"
  root="$IMG_DIR/caddy-rootfs"
  rm -rf "$root"
  mkdir -p "$root/usr/bin" "$root/usr/lib/caddy" "$root/lib64" "$root/bin" "$root/etc/caddy" "$root/config" \
    "$root/data" "$root/tmp" "$root/etc/ssl/certs"
  chmod 1777 "$root/tmp"
  cp /usr/bin/caddy "$root/usr/lib/caddy/caddy"
  for lib in $(ldd /usr/bin/caddy | grep -o '/[^ ]*' | grep -v ld-linux); do cp -L "$lib" "$root/usr/lib/caddy/"; done
  cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
  printf '#!/bin/sh\nexec /lib64/ld-linux-x86-64.so.2 --library-path /usr/lib/caddy /usr/lib/caddy/caddy "$@"\n' >"$root/usr/bin/caddy"
  chmod 755 "$root/usr/bin/caddy"
  cp /bin/busybox "$root/bin/busybox"
  for lib in sh wget cat sleep; do ln -sf /bin/busybox "$root/bin/$lib"; done
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  tar -C "$root" -c . | docker_h a import \
    --change 'ENV PATH=/usr/bin:/bin' --change 'ENV XDG_CONFIG_HOME=/config' --change 'ENV XDG_DATA_HOME=/data' \
    --change 'CMD ["caddy","run","--config","/etc/caddy/Caddyfile","--adapter","caddyfile"]' \
    --change "LABEL dckops.fleet.def=$hash" - "$ref" >>"$LOG_DIR/images.log" 2>&1 ||
    fleet_die_log "docker import of $ref failed" "$LOG_DIR/images.log"
  rm -rf "$root"
  registry_login
  docker_h a push "$ref" >>"$LOG_DIR/images.log" 2>&1 || fleet_die_log "docker push of $ref failed" "$LOG_DIR/images.log"
}

# ---------------------------------------------------------------------------- fleet.env

write_env() {
  local pw
  pw=$(cat "$REG_DIR/password")
  if write_if_changed "$STATE/fleet.env" "# Written by test/fleet/up.sh; plain KEY=VALUE lines.
FLEET_STATE_DIR=$STATE
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
REGISTRY_URL=$REGISTRY_ADDR
REGISTRY_USERNAME=$REGISTRY_USER
REGISTRY_PASSWORD=$pw
HOST_A_DOCKER=unix://$(host_sock a)
HOST_A_ADDR=$(host_addr a)
HOST_A_NETNS=$(host_netns a)
HOST_A_SOCK=unix://$(host_sock a)
HOST_A_TCP=$(host_tcp a)
HOST_B_DOCKER=$(host_tcp b)
HOST_B_ADDR=$(host_addr b)
HOST_B_NETNS=$(host_netns b)
HOST_B_SOCK=unix://$(host_sock b)
HOST_C_DOCKER=$(host_tcp c)
HOST_C_ADDR=$(host_addr c)
HOST_C_NETNS=$(host_netns c)
HOST_C_SOCK=unix://$(host_sock c)
HOST_C_TLS_CA=$TLS_DIR/ca.pem
HOST_C_TLS_CERT=$TLS_DIR/cert.pem
HOST_C_TLS_KEY=$TLS_DIR/key.pem
HOST_F_DOCKER=$(host_tcp f)
HOST_F_ADDR=$(host_addr f)
HOST_F_NETNS=$(host_netns f)
HOST_F_SOCK=unix://$(host_sock f)
HOST_G_ADDR=$(host_addr g)
HOST_G_NETNS=$(host_netns g)
HOST_G_SOCK=unix://$(host_sock g)
REDIS_BRIDGE_URL=redis://$BRIDGE_ADDR:$REDIS_PORT
FLEET_DOCKER_CONFIG=$DOCKER_CONFIG"; then
    fleet_log "wrote $STATE/fleet.env"
  fi
}

# ---------------------------------------------------------------------------- main

mkdir -p "$STATE" "$LOG_DIR" "$RUN_ROOT" "$DATA_ROOT"
chmod 700 "$STATE"
ensure_packages
ensure_network
ensure_tls
for h in "${FLEET_HOSTS[@]}"; do ensure_dockerd "$h"; done
ensure_registry
ensure_redis
for h in "${STARTED_HOSTS[@]}"; do
  t=$(fleet_ms)
  dockerd_wait "$h" 60
  fleet_log "dockerd $h started: unix://$(host_sock "$h")$(has_tcp_api "$h" && echo " $(host_tcp "$h")") (waited $(($(fleet_ms) - t)) ms)"
done
ensure_images
ensure_caddy_image
write_env
fleet_log "fleet up in $(($(fleet_ms) - T0)) ms; env: $STATE/fleet.env"
