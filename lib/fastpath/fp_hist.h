/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fp_hist.h: a latency histogram with one writer and any number of
 * readers, for the join latencies (report at a worker -> forwarding change
 * published, on the control lcore; report -> first replica sent, on each
 * worker).
 *
 * FP_HIST_BUCKETS buckets FP_HIST_BUCKET_US wide (0 .. 4 ms); longer times
 * count in the last bucket, and max_us stays exact. The writer updates
 * with relaxed stores and readers load with relaxed loads, so a reader
 * never sees a torn value, only a histogram a few samples old. No locks,
 * no allocation: usable on a worker lcore (the writer call is rare, once
 * per join).
 */
#ifndef MF_FP_HIST_H
#define MF_FP_HIST_H

#include <stdint.h>
#include <string.h>

#define FP_HIST_BUCKET_US 2
#define FP_HIST_BUCKETS 2048	/**< 0 .. 4 ms */

/** The histogram. Zero it (or fp_hist_clear()) before use. */
struct fp_hist {
	uint64_t bucket[FP_HIST_BUCKETS];
	uint64_t max_us;
};

/** Percentiles read from one or several histograms. */
struct fp_hist_pct {
	uint64_t samples;
	uint32_t p50_us;	/**< upper edge of the bucket, capped at max */
	uint32_t p90_us;
	uint32_t p99_us;
	uint32_t max_us;
};

/** Add a sample of us microseconds. The histogram's single writer only. */
static inline void
fp_hist_add(struct fp_hist *h, uint64_t us)
{
	uint64_t b = us / FP_HIST_BUCKET_US;

	if (b >= FP_HIST_BUCKETS)
		b = FP_HIST_BUCKETS - 1;
	__atomic_store_n(&h->bucket[b], h->bucket[b] + 1, __ATOMIC_RELAXED);
	if (us > h->max_us)
		__atomic_store_n(&h->max_us, us, __ATOMIC_RELAXED);
}

/** Add a sample of cycles TSC cycles at hz cycles a second. Single writer. */
static inline void
fp_hist_add_cycles(struct fp_hist *h, uint64_t cycles, uint64_t hz)
{
	fp_hist_add(h, cycles * 1000000 / hz);
}

/** Zero h. Any thread; a sample added meanwhile may survive or not. */
static inline void
fp_hist_clear(struct fp_hist *h)
{
	unsigned int b;

	for (b = 0; b < FP_HIST_BUCKETS; b++)
		__atomic_store_n(&h->bucket[b], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->max_us, 0, __ATOMIC_RELAXED);
}

/**
 * Nearest-rank percentiles of the sum of n histograms (NULL entries are
 * skipped) into out. Any thread.
 */
static inline void
fp_hist_pct(const struct fp_hist *const *h, unsigned int n,
		struct fp_hist_pct *out)
{
	uint64_t total = 0, seen = 0, want50, want90, want99, v, max = 0;
	unsigned int b, i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (h[i] == NULL)
			continue;
		for (b = 0; b < FP_HIST_BUCKETS; b++)
			total += __atomic_load_n(&h[i]->bucket[b],
					__ATOMIC_RELAXED);
		v = __atomic_load_n(&h[i]->max_us, __ATOMIC_RELAXED);
		if (v > max)
			max = v;
	}
	out->samples = total;
	out->max_us = (uint32_t)(max > UINT32_MAX ? UINT32_MAX : max);
	if (total == 0)
		return;
	want50 = (total * 50 + 99) / 100;
	want90 = (total * 90 + 99) / 100;
	want99 = (total * 99 + 99) / 100;
	for (b = 0; b < FP_HIST_BUCKETS; b++) {
		v = 0;
		for (i = 0; i < n; i++)
			if (h[i] != NULL)
				v += __atomic_load_n(&h[i]->bucket[b],
						__ATOMIC_RELAXED);
		if (v == 0)
			continue;
		seen += v;
		if (out->p50_us == 0 && seen >= want50)
			out->p50_us = (b + 1) * FP_HIST_BUCKET_US;
		if (out->p90_us == 0 && seen >= want90)
			out->p90_us = (b + 1) * FP_HIST_BUCKET_US;
		if (out->p99_us == 0 && seen >= want99) {
			out->p99_us = (b + 1) * FP_HIST_BUCKET_US;
			break;
		}
	}
	/* A bucket's upper edge may overstate: never above the real max. */
	if (out->max_us > 0) {
		if (out->p99_us > out->max_us)
			out->p99_us = out->max_us;
		if (out->p90_us > out->max_us)
			out->p90_us = out->max_us;
		if (out->p50_us > out->max_us)
			out->p50_us = out->max_us;
	}
}

#endif /* MF_FP_HIST_H */
