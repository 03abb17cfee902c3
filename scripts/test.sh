#!/usr/bin/env bash
# Set up if needed, build, and run every test:
#   1. meson test -C build  (suites unit and e2e; e2e needs root)
#   2. scripts/fuzz.sh --seconds 30  (the IGMP codec fuzzer), when present
# Prints meson's summary, then as its LAST line "N passed, N failed"
# (meson's results from build/meson-logs/testlog.json, plus the fuzz run as
# one test). Exits non-zero when anything failed.
#
#   scripts/test.sh [--no-fuzz] [-- meson test args...]
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

fuzz=1
meson_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-fuzz) fuzz=0 ;;
	--) shift; meson_args=("$@"); break ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
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
read -r m_pass m_fail m_skip < <(/usr/bin/python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
try:
    with open(sys.argv[1]) as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line).get("result", "")
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
)
if [ "$meson_rc" -ne 0 ] && [ "$m_fail" -eq 0 ]; then
	m_fail=1       # meson failed without a failed test: count it
fi
passed=$((m_pass + fuzz_pass))
failed=$((m_fail + fuzz_fail))
if [ "$m_skip" -gt 0 ]; then
	echo "skipped: $m_skip"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
