#!/usr/bin/env bash
# Set up if needed, build, and run every test:
#   1. meson test -C build  (every suite: unit, e2e, soak; e2e needs root)
#   2. the unit and e2e suites again on build-asan, a sanitizer build
#      (-Db_sanitize=address,undefined); any sanitizer report fails
#   3. scripts/fuzz.sh --seconds 30  (the libFuzzer targets), when present
# Prints meson's summary, then as its LAST line "N passed, N failed"
# (meson's results of both builds from <dir>/meson-logs/testlog.json, plus
# the fuzz run as one test). Exits non-zero when anything failed.
#
#   scripts/test.sh [--no-fuzz] [--no-asan] [-- meson test args...]
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

fuzz=1
asan=1
meson_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-fuzz) fuzz=0 ;;
	--no-asan) asan=0 ;;
	--) shift; meson_args=("$@"); break ;;
	-h|--help) sed -n '2,11p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
	shift
done

if ! ./scripts/setup.sh; then
	echo "set-up or build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

log=build/meson-logs/testlog.json
rm -f "$log"
meson test -C build --print-errorlogs --no-rebuild "${meson_args[@]}"
meson_rc=$?

# The sanitizer build: every unit and e2e test again with ASan + UBSan.
# DPDK 22.11 with --no-huge needs nothing special under ASan (its own memory
# is mmap'ed and not instrumented; ours is). Reports go to files under
# build-asan/sanitizer-reports/ as well as making the process exit non-zero,
# so a report in a process whose exit code a test does not check (a helper,
# a server stopped by a context manager) still fails the run. Leaks inside
# DPDK's af_xdp driver and its libbpf/libxdp are suppressed: see
# tests/sanitize/lsan.supp. MFE2E_SANITIZER tells e2e tests that process
# RSS includes ASan's quarantine (freed memory held back up to 256 MB), so
# RSS-flatness checks must allow for it.
asan_log=build-asan/meson-logs/testlog.json
asan_reports=build-asan/sanitizer-reports
asan_rc=0
asan_found=0
if [ "$asan" -eq 1 ]; then
	echo "== build-asan: unit and e2e suites under AddressSanitizer + UndefinedBehaviorSanitizer"
	rm -f "$asan_log"
	rm -rf "$asan_reports"
	if { [ -f build-asan/build.ninja ] ||
		run_logged /tmp/mcastfwd-asan-setup.log meson setup build-asan \
			--buildtype=debugoptimized \
			-Db_sanitize=address,undefined -Db_lundef=false; } &&
		run_logged /tmp/mcastfwd-asan-build.log ninja -C build-asan; then
		mkdir -p "$asan_reports"
		rdir="$(pwd)/$asan_reports"
		ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$rdir/asan" \
		LSAN_OPTIONS="suppressions=$(pwd)/tests/sanitize/lsan.supp:print_suppressions=0" \
		UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$rdir/ubsan" \
		MFE2E_SANITIZER=address,undefined \
			meson test -C build-asan --print-errorlogs --no-rebuild \
				--suite unit --suite e2e "${meson_args[@]}"
		asan_rc=$?
		for f in "$asan_reports"/*; do
			[ -e "$f" ] || continue
			asan_found=$((asan_found + 1))
			echo "== sanitizer report $f"
			head -n 60 "$f"
		done
	else
		asan_rc=1
		echo "build-asan: set-up or build failed"
	fi
fi

fuzz_pass=0
fuzz_fail=0
if [ "$fuzz" -eq 1 ] && [ -x scripts/fuzz.sh ]; then
	echo "== scripts/fuzz.sh --seconds 30"
	if ./scripts/fuzz.sh --seconds 30; then
		fuzz_pass=1
		echo "fuzz: OK"
	else
		fuzz_fail=1
		echo "fuzz: FAIL"
	fi
fi

# Count meson's results (one JSON object per line).
count_log() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
p = f = s = 0
try:
    with open(sys.argv[1]) as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                r = json.loads(line).get("result", "")
            except ValueError:
                r = "UNREADABLE"   # counts as a failure, never as nothing
            if r in ("OK", "EXPECTEDFAIL"):
                p += 1
            elif r == "SKIP":
                s += 1
            else:
                f += 1
except OSError:
    f = 1          # meson test did not even write its log
print(p, f, s)
PY
}
read -r m_pass m_fail m_skip < <(count_log "$log")
if [ "$meson_rc" -ne 0 ] && [ "$m_fail" -eq 0 ]; then
	m_fail=1       # meson failed without a failed test: count it
fi
a_pass=0
a_fail=0
a_skip=0
if [ "$asan" -eq 1 ]; then
	read -r a_pass a_fail a_skip < <(count_log "$asan_log")
	if [ "$asan_rc" -ne 0 ] && [ "$a_fail" -eq 0 ]; then
		a_fail=1
	fi
	if [ "$asan_found" -gt 0 ]; then
		echo "sanitizer reports: $asan_found (in $asan_reports/)"
		a_fail=$((a_fail + 1))   # the reports count as one failed test
	fi
fi
m_pass=$((m_pass + a_pass))
m_fail=$((m_fail + a_fail))
m_skip=$((m_skip + a_skip))
passed=$((m_pass + fuzz_pass))
failed=$((m_fail + fuzz_fail))
if [ "$m_skip" -gt 0 ]; then
	echo "skipped: $m_skip"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
