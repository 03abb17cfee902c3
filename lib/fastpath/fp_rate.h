/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-(worker, port) IGMP admission: a token bucket in TSC cycles whose
 * rate and burst may change at any time (the control lcore stores them in
 * struct fp_port; the worker passes the values it loaded on each call).
 *
 * Plain C, inline, no EAL and no clock of its own: the caller passes the
 * TSC value and the TSC frequency, so unit tests drive time by hand.
 * One bucket belongs to one worker (single thread, no atomics).
 */
#ifndef MF_FP_RATE_H
#define MF_FP_RATE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A token bucket (zero-initialised = not yet set up). */
struct fp_rate {
	uint64_t last;    /**< TSC up to which tokens have been credited */
	uint64_t period;  /**< TSC cycles per token at rate */
	uint32_t rate;    /**< tokens per second period was computed for; 0: none */
	uint32_t tokens;  /**< tokens left, <= burst */
};

/**
 * Take one token for a packet arriving at TSC now.
 *
 * rate 0 means unlimited (always admits, the bucket is left as is). When
 * rate differs from the one the bucket was set up for (first use or a
 * change at run time) the bucket restarts full (burst tokens) at now.
 * A burst lowered at run time clips the tokens left. Tokens are credited
 * from the elapsed TSC only when the bucket is empty, one per period, at
 * most burst; the fraction of a period not yet credited carries over.
 *
 * @param b      the bucket (one per worker and port)
 * @param rate   packets per second, 0: unlimited
 * @param burst  bucket depth in packets; 0 is taken as 1
 * @param now    current TSC (never decreasing between calls)
 * @param hz     TSC cycles per second (rte_get_tsc_hz())
 * @return true: admit the packet; false: drop it (rate limited).
 *
 * Thread: the worker that owns b. Cost: a compare when tokens are left; a
 * 64-bit division when empty or on a rate change. No syscall, no lock.
 */
static inline bool
fp_rate_take(struct fp_rate *b, uint32_t rate, uint32_t burst, uint64_t now,
		uint64_t hz)
{
	uint64_t add;

	if (rate == 0)
		return true;
	if (burst == 0)
		burst = 1;
	if (b->rate != rate) {
		b->rate = rate;
		b->period = hz / rate;
		if (b->period == 0)
			b->period = 1;
		b->tokens = burst;
		b->last = now;
	} else if (b->tokens > burst) {
		b->tokens = burst;
	}
	if (b->tokens == 0) {
		add = (now - b->last) / b->period;
		if (add == 0)
			return false;
		if (add >= burst) {
			b->tokens = burst;
			b->last = now;
		} else {
			b->tokens = (uint32_t)add;
			b->last += add * b->period;
		}
	}
	b->tokens--;
	return true;
}

#ifdef __cplusplus
}
#endif

#endif /* MF_FP_RATE_H */
