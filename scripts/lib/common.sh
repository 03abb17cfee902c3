# Shell helpers for scripts/*.sh (sourced, not run).
# Sets REPO (the repository root) and cds there.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"

# msg TEXT...: one line on stderr, prefixed with the calling script's name.
msg() {
	echo "$(basename "$0"): $*" >&2
}

# die TEXT...: msg and exit 1.
die() {
	msg "error: $*"
	exit 1
}

# run_logged LOG CMD...: run CMD with its output in LOG; on failure show the
# log's tail and return CMD's status. Quiet on success.
run_logged() {
	local log="$1"
	shift
	local rc=0
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		return 0
	fi
	msg "failed ($rc): $*"
	tail -n 60 "$log" >&2
	msg "full log: $log"
	return "$rc"
}

# is_root: true when running as root.
is_root() {
	[ "$(id -u)" -eq 0 ]
}
