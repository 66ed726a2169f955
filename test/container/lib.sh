# Helpers for test/container/run.sh (sourced, not run). Bash.

# ---- logging ----------------------------------------------------------------------------------------
ct_now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
ct_elapsed() { awk -v a="$1" -v b="$(ct_now)" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[ct %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
ok() { printf '[ct %s]   ok: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
bad() { printf '[ct %s]   FAIL: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { bad "$*"; exit 1; }

# ---- assertions (inside a test, which runs in a subshell: a failed one ends the test) -------------
# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
    if [ "$1" == "$2" ]; then ok "$3 ($(brief "$1"))"; else die "$3: expected [$2], got [$1]"; fi
}
# A value for a log line: as is when one line, else its line count.
brief() {
    case "$1" in
        *$'\n'*) printf '%s lines' "$(printf '%s\n' "$1" | wc -l)" ;;
        *) printf '%s' "$1" ;;
    esac
}
# expect_match TEXT EXTENDED-REGEX WHAT
expect_match() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then ok "$3"; else die "$3: /$2/ not found in: $(printf '%s' "$1" | head -c 2000)"; fi
}
# expect_lt A B WHAT   (numbers, decimals allowed)
expect_lt() {
    if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; then ok "$3 ($1 < $2)"; else die "$3: $1 is not < $2"; fi
}
# expect_empty TEXT WHAT
expect_empty() {
    if [ -z "$1" ]; then ok "$2"; else die "$2: got: $(printf '%s' "$1" | head -c 2000)"; fi
}

# ---- waiting --------------------------------------------------------------------------------------
# wait_for TIMEOUT_SECONDS WHAT CMD...   polls CMD every 0.5 s until it succeeds.
wait_for() {
    local timeout=$1 what=$2 start
    shift 2
    start=$(ct_now)
    while ! "$@" > /dev/null 2>&1; do
        if awk -v a="$start" -v b="$(ct_now)" -v t="$timeout" 'BEGIN { exit !(b - a > t) }'; then
            bad "timed out after ${timeout}s waiting for: $what"
            return 1
        fi
        sleep 0.5
    done
    ok "$what (after $(ct_elapsed "$start")s)"
}

# Prints a free TCP port on 127.0.0.1.
free_port() {
    node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# Unmounts everything mounted at or below $1 (deepest first). Used before deleting a debootstrap
# target or the engine's folder, so that `rm -rf` can never walk into a mounted /proc or /dev.
unmount_below() {
    local dir=$1 m
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd -P)
    awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
        umount "$m" 2> /dev/null || umount -l "$m" 2> /dev/null || true
    done
}

# Deletes a folder after unmounting whatever is below it; stays on its file system.
remove_tree() {
    [ -n "${1:-}" ] && [ -e "$1" ] || return 0
    unmount_below "$1"
    rm -rf --one-file-system "$1"
}
