/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/fastpath/fp_rate.h: the per-(worker, port) IGMP token bucket, driven
 * with an injected TSC (HZ cycles per second) instead of the clock.
 */
#include <gtest/gtest.h>

#include <cstdint>

#include "fp_rate.h"

namespace {

constexpr uint64_t HZ = 1000000000ull;  // a 1 GHz TSC
constexpr uint64_t T0 = 5000000000ull;  // some start time

// Takes n packets at time now; returns how many were admitted.
unsigned int
take_n(struct fp_rate *b, uint32_t rate, uint32_t burst, uint64_t now,
		unsigned int n)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n; i++)
		ok += fp_rate_take(b, rate, burst, now, HZ) ? 1 : 0;
	return ok;
}

TEST(FpRate, zero_rate_is_unlimited)
{
	struct fp_rate b = {};

	EXPECT_EQ(take_n(&b, 0, 1, T0, 100000), 100000u);
	EXPECT_EQ(b.rate, 0u);
}

TEST(FpRate, a_burst_then_drops_at_one_instant)
{
	struct fp_rate b = {};

	EXPECT_EQ(take_n(&b, 1000, 200, T0, 1000), 200u);
	EXPECT_EQ(take_n(&b, 1000, 200, T0, 10), 0u);
}

TEST(FpRate, one_token_per_period_and_fractions_carry_over)
{
	struct fp_rate b = {};
	const uint64_t period = HZ / 1000;  // 1 ms at 1000/s

	ASSERT_EQ(take_n(&b, 1000, 5, T0, 5), 5u);
	EXPECT_FALSE(fp_rate_take(&b, 1000, 5, T0 + period - 1, HZ));
	EXPECT_TRUE(fp_rate_take(&b, 1000, 5, T0 + period, HZ));
	EXPECT_FALSE(fp_rate_take(&b, 1000, 5, T0 + period, HZ));
	// 2.5 periods later: two tokens, the half period is kept...
	EXPECT_EQ(take_n(&b, 1000, 5, T0 + 3 * period + period / 2, 5), 2u);
	// ...so half a period more gives the next one.
	EXPECT_TRUE(fp_rate_take(&b, 1000, 5, T0 + 4 * period, HZ));
	EXPECT_FALSE(fp_rate_take(&b, 1000, 5, T0 + 4 * period, HZ));
}

TEST(FpRate, long_idle_refills_to_burst_only)
{
	struct fp_rate b = {};

	ASSERT_EQ(take_n(&b, 10, 3, T0, 3), 3u);
	EXPECT_EQ(take_n(&b, 10, 3, T0 + 3600 * HZ, 100), 3u);
}

TEST(FpRate, sustained_rate_matches_the_configured_rate)
{
	struct fp_rate b = {};
	unsigned int ok = 0;

	// 10 s of 10000 packets/s offered against 1000/s, burst 200.
	for (uint64_t i = 0; i < 100000; i++)
		ok += fp_rate_take(&b, 1000, 200, T0 + i * (HZ / 10000), HZ);
	// 200 at once, then one per ms for 10 s (the last packet at 9.9999 s).
	EXPECT_EQ(ok, 200u + 9999u);
}

TEST(FpRate, a_rate_change_restarts_full_and_a_lower_burst_clips)
{
	struct fp_rate b = {};

	ASSERT_EQ(take_n(&b, 1, 4, T0, 10), 4u);
	// New rate at run time: full bucket of the new burst at once.
	EXPECT_EQ(take_n(&b, 2, 6, T0 + 1, 10), 6u);
	EXPECT_EQ(b.period, HZ / 2);
	// Same rate, lower burst: what is left is clipped to it.
	struct fp_rate c = {};
	ASSERT_EQ(take_n(&c, 5, 10, T0, 2), 2u);
	EXPECT_EQ(take_n(&c, 5, 3, T0, 10), 3u);
}

TEST(FpRate, burst_zero_is_taken_as_one)
{
	struct fp_rate b = {};

	EXPECT_EQ(take_n(&b, 1, 0, T0, 5), 1u);
	EXPECT_EQ(take_n(&b, 1, 0, T0 + HZ, 5), 1u);
}

TEST(FpRate, the_period_is_at_least_one_cycle)
{
	// A rate above hz: the period would be 0, it is 1 cycle.
	struct fp_rate c = {};
	EXPECT_TRUE(fp_rate_take(&c, 1000, 1, 10, 10));
	EXPECT_FALSE(fp_rate_take(&c, 1000, 1, 10, 10));
	EXPECT_TRUE(fp_rate_take(&c, 1000, 1, 11, 10));
}

} // namespace
