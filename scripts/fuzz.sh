#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined),
# directly, not through meson (the project's compiler is gcc), into
# build-fuzz/, and run each for a bounded time. Exits non-zero when a target
# fails to build or finds a crash (the reproducer is left in build-fuzz/).
#
# usage: scripts/fuzz.sh [--seconds N] [--list] [target ...]
#   --seconds N   run each target N seconds (default 30)
#   --list        print the target names and exit
#   target        names from the table below (default: all)
#
# The committed seed corpus is read-only input; new inputs go to
# build-fuzz/corpus-<target>/ and are kept between runs.
set -eu

cd "$(dirname "$0")/.."

# One line per target:  name | sources | extra cflags | seed corpus dir
TARGETS='
igmp_codec|tests/fuzz/fuzz_igmp_codec.c lib/igmp/igmp_codec.c lib/igmp/igmp_build.c|-Ilib/igmp -Ilib/mgm|tests/fuzz/corpus/igmp
config|tests/fuzz/fuzz_config.c lib/config/mf_config.c lib/igmp/igmp_config.c|-Ilib/config -Ilib/igmp -Ilib/mgm -Wl,--no-as-needed -linih|tests/fuzz/corpus/config
tm_params|tests/fuzz/fuzz_tm_params.c lib/telemetry/tm_params.c lib/config/mf_config.c lib/igmp/igmp_config.c|-Ilib/telemetry -Ilib/config -Ilib/igmp -Ilib/mgm -Wl,--no-as-needed -linih|tests/fuzz/corpus/tm_params
'

seconds=30
list=0
want=""
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
	--seconds=*) seconds="${1#--seconds=}"; shift ;;
	--list) list=1; shift ;;
	-h|--help) sed -n '3,17p' "$0"; exit 0 ;;
	-*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
	*) want="$want $1"; shift ;;
	esac
done
case "$seconds" in
''|*[!0-9]*) echo "fuzz.sh: --seconds needs a whole number" >&2; exit 2 ;;
esac

names=$(echo "$TARGETS" | sed -n 's/^\([a-z0-9_]*\)|.*/\1/p')
if [ "$list" = 1 ]; then
	echo "$names"
	exit 0
fi
[ -n "$want" ] || want="$names"
for t in $want; do
	echo "$names" | grep -qx "$t" || { echo "fuzz.sh: unknown target '$t' (have: $(echo $names))" >&2; exit 2; }
done

CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "fuzz.sh: $CC not found" >&2; exit 2; }
out=build-fuzz
mkdir -p "$out"

status=0
for t in $want; do
	line=$(echo "$TARGETS" | grep "^$t|")
	srcs=$(echo "$line" | cut -d'|' -f2)
	cflags=$(echo "$line" | cut -d'|' -f3)
	seeds=$(echo "$line" | cut -d'|' -f4)
	bin="$out/fuzz_$t"
	work="$out/corpus-$t"

	echo "== fuzz $t: build"
	# shellcheck disable=SC2086 # word splitting of the table's lists is intended
	if ! "$CC" -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$cflags $srcs -o "$bin"; then
		echo "== fuzz $t: BUILD FAILED" >&2
		status=1
		continue
	fi
	mkdir -p "$work"
	echo "== fuzz $t: run ${seconds}s (seeds: $seeds)"
	if ! "./$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
		"$work" "$seeds" >"$out/fuzz-$t.log" 2>&1; then
		tail -n 40 "$out/fuzz-$t.log" >&2
		echo "== fuzz $t: FAILED (log: $out/fuzz-$t.log, reproducer: $out/crash-$t-*)" >&2
		status=1
		continue
	fi
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$out/fuzz-$t.log" || true
	echo "== fuzz $t: ok"
done
exit $status
