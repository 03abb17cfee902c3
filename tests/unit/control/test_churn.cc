// Membership churn, checked packet by packet (issue 8, docs/scale.md): the
// real worker and control loop (single-lcore mode over net_ring ports, the
// control harness) take a seeded random sequence of IGMPv3 joins and
// leaves (fast_leave) of 8 groups on 3 receiver ports. After each change
// has been applied (control turns, then the published (*,G) entry is
// checked against the model), one datagram per group enters on the source
// port, and every receiver port must get exactly one replica of each group
// it is a member of and none of the others: not one packet to a port that
// had left, not one missed by a port that had joined.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "control.h"
#include "control_harness.h"
#include "igmp_codec.h"
#include "mgm_types.h"

namespace {

constexpr uint32_t ip(int a, int b, int c, int d)
{
	return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

struct Env : public ::testing::Environment {
	void SetUp() override { ASSERT_EQ(ch_eal_init(), 0); }
};
::testing::Environment *const env = ::testing::AddGlobalTestEnvironment(new Env);

const char *const churn_ports = R"(
[global]
tx_flush_us = 1
[port {p0}]
address = 198.18.0.1/24
[port {p1}]
address = 198.18.1.1/24
fast_leave = on
igmp_rate_limit = 0
[port {p2}]
address = 198.18.2.1/24
fast_leave = on
igmp_rate_limit = 0
[port {p3}]
address = 198.18.3.1/24
fast_leave = on
igmp_rate_limit = 0
)";

constexpr unsigned int n_groups = 8;
constexpr unsigned int n_changes = 300;
constexpr uint32_t src = ip(198, 18, 0, 10);

uint32_t
group(unsigned int g)
{
	return ip(239, 5, 0, int(g) + 1);
}

class Churn : public ::testing::Test {
protected:
	void SetUp() override
	{
		char err[256] = "";
		h = ch_create(4, churn_ports, err, sizeof(err));
		ASSERT_NE(h, nullptr) << err;
		for (unsigned int i = 0; i < 4; i++)
			port[i] = ch_port(h, i);
		ch_poll(h, 4);
		ch_drain_tx(h);
	}
	void TearDown() override { ch_free(h); }

	void report(unsigned int i, uint32_t grp, uint8_t type)
	{
		uint8_t pkt[256], frame[512];
		struct igmp_report_rec rec = {};
		rec.type = type;
		rec.group = grp;
		int len = igmp_build_v3_report(pkt, sizeof(pkt), ip(198, 18, int(i), 10), &rec, 1);
		ASSERT_GT(len, 0);
		uint32_t flen = ch_frame(frame, sizeof(frame), pkt, uint32_t(len));
		ASSERT_EQ(ch_rx(h, i, frame, flen), 0);
	}
	// Replicas of each group per port since the last call (UDP only).
	void collect(unsigned int got[4][n_groups])
	{
		uint8_t buf[2048];
		uint32_t len;
		for (unsigned int i = 0; i < 4; i++) {
			while ((len = ch_tx(h, i, buf, sizeof(buf))) > 0) {
				if (len < 34 || buf[23] != 17)
					continue;	// IGMP queries
				uint32_t dst = (uint32_t(buf[30]) << 24) | (uint32_t(buf[31]) << 16) |
					(uint32_t(buf[32]) << 8) | buf[33];
				for (unsigned int g = 0; g < n_groups; g++)
					if (dst == group(g))
						got[i][g]++;
			}
		}
	}

	struct ch *h = nullptr;
	uint16_t port[4] = {};
	bool member[4][n_groups] = {};
};

TEST_F(Churn, every_datagram_goes_to_exactly_the_members_after_each_change)
{
	uint32_t seed = 12345;
	auto rnd = [&seed]() {
		seed = seed * 1103515245u + 12345u;
		return (seed >> 16) & 0x7fff;
	};
	unsigned int joins = 0, leaves = 0, replicas = 0;

	for (unsigned int c = 0; c < n_changes; c++) {
		unsigned int p = 1 + rnd() % 3, g = rnd() % n_groups;

		member[p][g] = !member[p][g];
		report(p, group(g), member[p][g] ? IGMP_REC_TO_EX : IGMP_REC_TO_IN);
		(member[p][g] ? joins : leaves)++;
		ch_poll(h, 3);	// worker parses; control applies and publishes

		// The published (*,G) entry is the model's member set.
		for (unsigned int k = 0; k < n_groups; k++) {
			uint64_t want = 0, oifs = 0;
			uint16_t iif, flags;
			for (unsigned int i = 1; i < 4; i++)
				if (member[i][k])
					want |= 1ULL << port[i];
			int rc = ch_route(h, 0, group(k), &iif, &oifs, &flags);
			if (want == 0)
				ASSERT_TRUE(rc == -ENOENT || oifs == 0) << "change " << c << " group " << k;
			else
				ASSERT_EQ(rc == 0 ? oifs : 0, want) << "change " << c << " group " << k;
		}

		// One datagram per group, then every replica accounted for.
		unsigned int got[4][n_groups] = {};
		unsigned int expect = 0;
		for (unsigned int k = 0; k < n_groups; k++) {
			uint8_t frame[256];
			uint32_t len = ch_udp_frame(frame, sizeof(frame), src, group(k), 16, 18);
			ASSERT_EQ(ch_rx(h, 0, frame, len), 0);
			for (unsigned int i = 1; i < 4; i++)
				expect += member[i][k];
		}
		unsigned int seen = 0;
		auto t0 = std::chrono::steady_clock::now();
		while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(200)) {
			ch_poll(h, 1);
			collect(got);
			seen = 0;
			for (unsigned int i = 0; i < 4; i++)
				for (unsigned int k = 0; k < n_groups; k++)
					seen += got[i][k];
			if (seen >= expect)
				break;
			std::this_thread::sleep_for(std::chrono::microseconds(20));
		}
		// A little longer: anything extra would show now.
		for (int t = 0; t < 5; t++) {
			std::this_thread::sleep_for(std::chrono::microseconds(20));
			ch_poll(h, 1);
			collect(got);
		}
		for (unsigned int k = 0; k < n_groups; k++) {
			EXPECT_EQ(got[0][k], 0u) << "change " << c << ": back out the source port";
			for (unsigned int i = 1; i < 4; i++)
				ASSERT_EQ(got[i][k], member[i][k] ? 1u : 0u)
					<< "change " << c << ": port " << i << " group " << k
					<< (member[i][k] ? " joined but missed it" : " had left but got it");
		}
		replicas += expect;
	}
	EXPECT_GT(joins, 100u);
	EXPECT_GT(leaves, 100u);
	EXPECT_GT(replicas, 1000u);
}

} // namespace
