/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/igmp router under a deterministic random workload: every membership
 * event must be a true delta, the reported state must always match the RFC
 * state the router shows, counters must add up, and deleting the port must
 * reverse everything that was reported.
 */
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "igmp_router.h"
#include "igmp_test_util.h"

namespace {

struct model {
	std::set<uint32_t> group_joined;			/* grp */
	std::set<std::pair<uint32_t, uint32_t>> joined;		/* (grp, src) */
	std::set<std::pair<uint32_t, uint32_t>> blocked;	/* (grp, src) */
	unsigned bad = 0;
	unsigned events = 0;
};

void
on_member(void *ctx, uint16_t, uint32_t src, uint32_t grp, igmp_member_event ev)
{
	model *m = static_cast<model *>(ctx);
	auto key = std::make_pair(grp, src);

	m->events++;
	switch (ev) {
	case IGMP_MEMBER_GROUP_JOIN:
		m->bad += src != 0 || !m->group_joined.insert(grp).second;
		break;
	case IGMP_MEMBER_GROUP_LEAVE:
		m->bad += src != 0 || m->group_joined.erase(grp) != 1;
		break;
	case IGMP_MEMBER_SOURCE_JOIN:
		m->bad += src == 0 || m->blocked.count(key) || !m->joined.insert(key).second;
		break;
	case IGMP_MEMBER_SOURCE_LEAVE:
		m->bad += m->joined.erase(key) != 1;
		break;
	case IGMP_MEMBER_SOURCE_BLOCK:
		m->bad += src == 0 || m->joined.count(key) || !m->blocked.insert(key).second;
		break;
	case IGMP_MEMBER_SOURCE_UNBLOCK:
		m->bad += m->blocked.erase(key) != 1;
		break;
	}
}

void
on_query(void *, uint16_t, const igmp_query *q)
{
	/* Every query the router asks for must build. */
	uint8_t buf[IGMP_PKT_MAX];

	EXPECT_GT(igmp_build_query(buf, sizeof(buf), q), 0);
}

/* The reported state must be exactly what the RFC state implies. */
void
check_consistent(igmp_router *r, const model &md, uint64_t now, bool reporting)
{
	uint32_t groups[64];
	int n;
	std::set<uint32_t> gj;
	std::set<std::pair<uint32_t, uint32_t>> sj, sb;
	igmp_port_info pi;
	uint32_t total_src = 0;

	igmp_router_tick(r, now);	/* timers due at now have fired */
	n = igmp_router_groups(r, 0, 0, groups, 64);
	ASSERT_GE(n, 0);
	for (int i = 0; i < n; i++) {
		igmp_group_info gi;
		igmp_source_info si[64];
		int ns = igmp_router_group_info(r, 0, groups[i], now, &gi, si, 0, 64);

		ASSERT_GE(ns, 0);
		ASSERT_EQ((uint32_t)ns, gi.n_sources);
		total_src += gi.n_sources;
		if (gi.filter_mode == IGMP_MODE_INCLUDE) {
			EXPECT_GT(ns, 0) << "INCLUDE ({}) group kept";
		}
		if (!reporting)
			continue;
		if (gi.filter_mode == IGMP_MODE_EXCLUDE)
			gj.insert(groups[i]);
		for (int k = 0; k < ns; k++) {
			auto key = std::make_pair(groups[i], si[k].addr);

			if (gi.filter_mode == IGMP_MODE_INCLUDE && si[k].timer_left_ms > 0)
				sj.insert(key);
			if (gi.filter_mode == IGMP_MODE_EXCLUDE && si[k].timer_left_ms == 0)
				sb.insert(key);
		}
	}
	ASSERT_EQ(igmp_router_port_info(r, 0, now, &pi), 0);
	EXPECT_EQ(pi.n_groups, (uint32_t)n);
	EXPECT_EQ(pi.n_sources, total_src);
	EXPECT_EQ(md.group_joined, gj);
	EXPECT_EQ(md.joined, sj);
	EXPECT_EQ(md.blocked, sb);
}

void
run_workload(uint32_t seed, bool fast_leave, uint8_t version)
{
	std::mt19937 rng(seed);
	model md;
	igmp_router_ops ops = { on_query, on_member };
	igmp_router *r = igmp_router_create(&ops, &md);
	igmp_port_config cfg;
	uint64_t now = 0;
	bool reporting = true;
	const uint32_t groups[] = { ip4(232, 1, 1, 1), ip4(232, 1, 1, 2), ip4(239, 9, 9, 9) };

	igmp_port_config_defaults(&cfg);
	cfg.address = ip4(192, 0, 2, 1);
	cfg.prefix_len = 24;
	cfg.query_interval_ms = 20000;
	cfg.query_response_interval_ms = 2000;
	cfg.max_sources_per_group = 5;
	cfg.max_groups = 2;
	cfg.fast_leave = fast_leave;
	cfg.version = version;
	ASSERT_EQ(igmp_router_port_add(r, 0, &cfg, now), 0);

	for (int step = 0; step < 4000; step++) {
		uint32_t grp = groups[rng() % 3];
		unsigned what = rng() % 100;

		now += rng() % 3000;
		if (what < 55) {
			std::vector<uint32_t> srcs;
			unsigned ns = rng() % 4;

			for (unsigned i = 0; i < ns; i++)
				srcs.push_back(ip4(198, 18, 0, 1 + rng() % 7));
			auto m = make_v3_report(ip4(192, 0, 2, 10),
				{ { (uint8_t)(IGMP_REC_IS_IN + rng() % 6), grp, srcs } });
			igmp_router_input(r, 0, m.get(), now);
		} else if (what < 65) {
			igmp_router_input(r, 0, make_simple(IGMP_MSG_V2_REPORT, 0, grp).get(), now);
		} else if (what < 68) {
			igmp_router_input(r, 0, make_simple(IGMP_MSG_V1_REPORT, 0, grp).get(), now);
		} else if (what < 76) {
			igmp_router_input(r, 0, make_simple(IGMP_MSG_V2_LEAVE, 0, grp).get(), now);
		} else if (what < 80) {
			uint32_t from = rng() % 2 ? ip4(192, 0, 2, 0) : ip4(192, 0, 2, 9);
			std::vector<uint32_t> srcs;

			if (rng() % 2)
				srcs.push_back(ip4(198, 18, 0, 1 + rng() % 7));
			igmp_router_input(r, 0, make_query(from, (uint8_t)(1 + rng() % 3),
				rng() % 2 ? grp : 0, srcs, rng() % 2).get(), now);
		} else if (what < 82) {
			reporting = !reporting;
			igmp_router_set_reporting(r, 0, reporting);
		} else {
			now += rng() % 100000;
			igmp_router_tick(r, now);
		}
		ASSERT_EQ(md.bad, 0u) << "step " << step;
		if (step % 50 == 0)
			check_consistent(r, md, now, reporting);
	}
	check_consistent(r, md, now, reporting);
	EXPECT_GT(md.events, 50u);
	ASSERT_EQ(igmp_router_port_del(r, 0), 0);
	EXPECT_EQ(md.bad, 0u);
	EXPECT_TRUE(md.group_joined.empty());
	EXPECT_TRUE(md.joined.empty());
	EXPECT_TRUE(md.blocked.empty());
	igmp_router_destroy(r);
}

TEST(RouterRandom, deltas_stay_consistent_with_rfc_state_v3)
{
	for (uint32_t seed = 1; seed <= 8; seed++)
		run_workload(seed, false, 3);
}

TEST(RouterRandom, deltas_stay_consistent_with_rfc_state_fast_leave)
{
	for (uint32_t seed = 11; seed <= 14; seed++)
		run_workload(seed, true, 3);
}

TEST(RouterRandom, deltas_stay_consistent_with_rfc_state_v2_port)
{
	for (uint32_t seed = 21; seed <= 24; seed++)
		run_workload(seed, false, 2);
}

} // namespace
