/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/igmp router: one test per row of RFC 3376 tables 6.4.1 and 6.4.2,
 * timers on an injected clock, querier election, v1/v2 compatibility,
 * fast leave, limits, reporting on/off.
 *
 * Defaults (RFC 3376 8): QI 125 s, QRI 10 s, robustness 2, so
 * GMI = 260 s, Other Querier Present = 255 s, LMQI 1 s, LMQC 2, LMQT 2 s,
 * startup query interval 31.25 s, startup count 2.
 */
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <ostream>
#include <tuple>
#include <vector>

#include "igmp_router.h"
#include "igmp_test_util.h"
#include "mgm_types.h"

namespace {

const uint32_t ADDR = ip4(192, 0, 2, 1);
const uint32_t LOWER = ip4(192, 0, 2, 0);	/* wins the election */
const uint32_t HIGHER = ip4(192, 0, 2, 200);
const uint32_t HOST = ip4(192, 0, 2, 10);
const uint32_t G = ip4(232, 1, 1, 1);
const uint32_t G2 = ip4(239, 1, 2, 3);
const uint32_t S1 = ip4(198, 18, 0, 1);
const uint32_t S2 = ip4(198, 18, 0, 2);
const uint32_t S3 = ip4(198, 18, 0, 3);
const uint32_t S4 = ip4(198, 18, 0, 4);
const uint32_t S5 = ip4(198, 18, 0, 5);

const uint64_t GMI = 260000;
const uint64_t OQPI = 255000;
const uint64_t QI = 125000;
const uint64_t SQI = 31250;
const uint64_t LMQI = 1000;
const uint64_t LMQT = 2000;

enum { GJ = IGMP_MEMBER_GROUP_JOIN, GL = IGMP_MEMBER_GROUP_LEAVE,
	SJ = IGMP_MEMBER_SOURCE_JOIN, SL = IGMP_MEMBER_SOURCE_LEAVE,
	SB = IGMP_MEMBER_SOURCE_BLOCK, SU = IGMP_MEMBER_SOURCE_UNBLOCK };

struct ev {
	uint16_t port;
	uint32_t src;
	uint32_t grp;
	int what;
	bool operator==(const ev &o) const
	{
		return std::tie(port, src, grp, what) == std::tie(o.port, o.src, o.grp, o.what);
	}
};

std::ostream &
operator<<(std::ostream &os, const ev &e)
{
	static const char *const n[] = { "?", "GJ", "GL", "SJ", "SL", "SB", "SU" };

	return os << "{" << n[e.what] << " port " << e.port << " src " << (e.src & 0xff)
		  << " grp " << std::hex << e.grp << std::dec << "}";
}

struct sent_query {
	uint16_t port;
	uint8_t version;
	bool s_flag;
	uint32_t src;
	uint32_t group;
	uint32_t max_resp_ms;
	uint8_t qrv;
	uint32_t qqi_s;
	std::vector<uint32_t> srcs;
};

ev
e(int what, uint32_t src, uint32_t grp = G, uint16_t port = 0)
{
	return ev{ port, src, grp, what };
}

class Router : public ::testing::Test {
protected:
	igmp_router *r = nullptr;
	igmp_port_config cfg;
	std::vector<ev> evs;
	std::vector<sent_query> qs;
	uint64_t now = 1000;

	static void
	on_query(void *ctx, uint16_t port, const igmp_query *q)
	{
		sent_query s{ port, q->version, q->s_flag != 0, q->src, q->group, q->max_resp_ms,
			q->qrv, q->qqi_s, {} };

		for (unsigned i = 0; i < q->n_src; i++)
			s.srcs.push_back(q->srcs[i]);
		static_cast<Router *>(ctx)->qs.push_back(s);
	}

	static void
	on_member(void *ctx, uint16_t port, uint32_t src, uint32_t grp, igmp_member_event what)
	{
		static_cast<Router *>(ctx)->evs.push_back(ev{ port, src, grp, what });
	}

	void
	SetUp() override
	{
		igmp_router_ops ops = { on_query, on_member };

		igmp_port_config_defaults(&cfg);
		cfg.address = ADDR;
		cfg.prefix_len = 24;
		r = igmp_router_create(&ops, this);
		ASSERT_NE(r, nullptr);
	}

	void
	TearDown() override
	{
		igmp_router_destroy(r);
	}

	/* Add port 0 with cfg and forget its startup query. */
	void
	start()
	{
		ASSERT_EQ(igmp_router_port_add(r, 0, &cfg, now), 0);
		clear();
	}

	void
	clear()
	{
		evs.clear();
		qs.clear();
	}

	int
	in(const std::unique_ptr<igmp_msg> &m)
	{
		return igmp_router_input(r, 0, m.get(), now);
	}

	void
	report(uint8_t type, uint32_t grp, std::vector<uint32_t> srcs)
	{
		in(make_v3_report(HOST, { { type, grp, srcs } }));
	}

	void
	at(uint64_t t)
	{
		now = t;
		igmp_router_tick(r, now);
	}

	void
	advance(uint64_t d)
	{
		at(now + d);
	}

	/* The group's state, or filter_mode 0 when it does not exist. */
	igmp_group_info
	group(uint32_t grp = G)
	{
		igmp_group_info gi = {};

		if (igmp_router_group_info(r, 0, grp, now, &gi, nullptr, 0, 0) < 0)
			gi.filter_mode = 0;
		return gi;
	}

	/* Source -> timer left (ms). */
	std::map<uint32_t, uint64_t>
	sources(uint32_t grp = G)
	{
		igmp_group_info gi;
		igmp_source_info si[64];
		std::map<uint32_t, uint64_t> out;
		int n = igmp_router_group_info(r, 0, grp, now, &gi, si, 0, 64);

		for (int i = 0; i < n; i++)
			out[si[i].addr] = si[i].timer_left_ms;
		return out;
	}

	igmp_port_info
	port_info()
	{
		igmp_port_info pi;

		EXPECT_EQ(igmp_router_port_info(r, 0, now, &pi), 0);
		return pi;
	}

	/* INCLUDE (a), set up 10 s ago. */
	void
	include(std::vector<uint32_t> a)
	{
		report(IGMP_REC_IS_IN, G, a);
		now += 10000;
		clear();
	}

	/* EXCLUDE (x, y), set up 10 s ago: INCLUDE (x) IS_EX (x+y). */
	void
	exclude(std::vector<uint32_t> x, std::vector<uint32_t> y)
	{
		std::vector<uint32_t> b = x;

		if (!x.empty())
			report(IGMP_REC_IS_IN, G, x);
		b.insert(b.end(), y.begin(), y.end());
		report(IGMP_REC_IS_EX, G, b);
		now += 10000;
		clear();
	}
};

using M = std::map<uint32_t, uint64_t>;
using E = std::vector<ev>;

/* ================= RFC 3376 6.4.1: current-state records ================= */

TEST_F(Router, row_include_is_in_adds_b_with_gmi)
{
	/* INCLUDE (A) IS_IN (B) -> INCLUDE (A+B); (B)=GMI */
	start();
	include({ S1, S2 });
	report(IGMP_REC_IS_IN, G, { S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_INCLUDE);
	EXPECT_EQ(sources(), (M{ { S1, GMI - 10000 }, { S2, GMI }, { S3, GMI } }));
	EXPECT_EQ(evs, (E{ e(SJ, S3) }));
	EXPECT_TRUE(qs.empty());
}

TEST_F(Router, row_include_is_ex_switches_to_exclude)
{
	/* INCLUDE (A) IS_EX (B) -> EXCLUDE (A*B,B-A); (B-A)=0, Delete (A-B), GT=GMI */
	start();
	include({ S1, S2 });
	report(IGMP_REC_IS_EX, G, { S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(group().group_timer_left_ms, GMI);
	EXPECT_EQ(sources(), (M{ { S2, GMI - 10000 }, { S3, 0 } }));
	EXPECT_EQ(evs, (E{ e(GJ, 0), e(SL, S1), e(SL, S2), e(SB, S3) }));
	EXPECT_TRUE(qs.empty());
}

TEST_F(Router, row_exclude_is_in_moves_a_to_requested_list)
{
	/* EXCLUDE (X,Y) IS_IN (A) -> EXCLUDE (X+A,Y-A); (A)=GMI */
	start();
	exclude({ S1 }, { S2 });
	report(IGMP_REC_IS_IN, G, { S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(group().group_timer_left_ms, GMI - 10000);
	EXPECT_EQ(sources(), (M{ { S1, GMI - 10000 }, { S2, GMI }, { S3, GMI } }));
	EXPECT_EQ(evs, (E{ e(SU, S2) }));
	EXPECT_TRUE(qs.empty());
}

TEST_F(Router, row_exclude_is_ex_replaces_both_lists)
{
	/* EXCLUDE (X,Y) IS_EX (A) -> EXCLUDE (A-Y,Y*A); (A-X-Y)=GMI, Delete (X-A), Delete (Y-A), GT=GMI */
	start();
	exclude({ S1, S4 }, { S2, S5 });
	report(IGMP_REC_IS_EX, G, { S1, S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(group().group_timer_left_ms, GMI);
	EXPECT_EQ(sources(), (M{ { S1, GMI - 10000 }, { S2, 0 }, { S3, GMI } }));
	EXPECT_EQ(evs, (E{ e(SU, S5) }));
	EXPECT_TRUE(qs.empty());
}

/* ================= RFC 3376 6.4.2: filter-mode and source-list changes ================= */

TEST_F(Router, row_include_allow_adds_b_with_gmi)
{
	/* INCLUDE (A) ALLOW (B) -> INCLUDE (A+B); (B)=GMI */
	start();
	include({ S1 });
	report(IGMP_REC_ALLOW, G, { S2 });
	EXPECT_EQ(sources(), (M{ { S1, GMI - 10000 }, { S2, GMI } }));
	EXPECT_EQ(evs, (E{ e(SJ, S2) }));
	EXPECT_TRUE(qs.empty());
}

TEST_F(Router, row_include_block_queries_a_times_b)
{
	/* INCLUDE (A) BLOCK (B) -> INCLUDE (A); Send Q(G,A*B) */
	start();
	include({ S1, S2 });
	report(IGMP_REC_BLOCK, G, { S2, S3 });
	EXPECT_EQ(sources(), (M{ { S1, GMI - 10000 }, { S2, LMQT } }));
	EXPECT_TRUE(evs.empty());
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].group, G);
	EXPECT_EQ(qs[0].srcs, (std::vector<uint32_t>{ S2 }));
	EXPECT_FALSE(qs[0].s_flag);
	EXPECT_EQ(qs[0].max_resp_ms, LMQI);
	EXPECT_EQ(qs[0].src, ADDR);
}

TEST_F(Router, row_include_to_ex_switches_to_exclude_and_queries_a_times_b)
{
	/* INCLUDE (A) TO_EX (B) -> EXCLUDE (A*B,B-A); (B-A)=0, Delete (A-B), Send Q(G,A*B), GT=GMI */
	start();
	include({ S1, S2 });
	report(IGMP_REC_TO_EX, G, { S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(group().group_timer_left_ms, GMI);
	EXPECT_EQ(sources(), (M{ { S2, LMQT }, { S3, 0 } }));
	EXPECT_EQ(evs, (E{ e(GJ, 0), e(SL, S1), e(SL, S2), e(SB, S3) }));
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].srcs, (std::vector<uint32_t>{ S2 }));
}

TEST_F(Router, row_include_to_in_adds_b_and_queries_a_minus_b)
{
	/* INCLUDE (A) TO_IN (B) -> INCLUDE (A+B); (B)=GMI, Send Q(G,A-B) */
	start();
	include({ S1, S2 });
	report(IGMP_REC_TO_IN, G, { S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_INCLUDE);
	EXPECT_EQ(sources(), (M{ { S1, LMQT }, { S2, GMI }, { S3, GMI } }));
	EXPECT_EQ(evs, (E{ e(SJ, S3) }));
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].srcs, (std::vector<uint32_t>{ S1 }));
}

TEST_F(Router, row_exclude_allow_moves_a_to_requested_list)
{
	/* EXCLUDE (X,Y) ALLOW (A) -> EXCLUDE (X+A,Y-A); (A)=GMI */
	start();
	exclude({ S1 }, { S2 });
	report(IGMP_REC_ALLOW, G, { S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(sources(), (M{ { S1, GMI - 10000 }, { S2, GMI }, { S3, GMI } }));
	EXPECT_EQ(evs, (E{ e(SU, S2) }));
	EXPECT_TRUE(qs.empty());
}

TEST_F(Router, row_exclude_block_adds_new_sources_with_group_timer_and_queries_a_minus_y)
{
	/* EXCLUDE (X,Y) BLOCK (A) -> EXCLUDE (X+(A-Y),Y); (A-X-Y)=GT, Send Q(G,A-Y) */
	start();
	exclude({ S1 }, { S2 });
	report(IGMP_REC_BLOCK, G, { S1, S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(group().group_timer_left_ms, GMI - 10000);
	/* S3 got GT (250 s), then both S1 and S3 were lowered to LMQT by the query. */
	EXPECT_EQ(sources(), (M{ { S1, LMQT }, { S2, 0 }, { S3, LMQT } }));
	EXPECT_TRUE(evs.empty());
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].srcs, (std::vector<uint32_t>{ S1, S3 }));
	EXPECT_FALSE(qs[0].s_flag);
}

TEST_F(Router, row_exclude_to_ex_replaces_lists_and_queries_a_minus_y)
{
	/*
	 * EXCLUDE (X,Y) TO_EX (A) -> EXCLUDE (A-Y,Y*A); (A-X-Y)=GT, Delete (X-A),
	 * Delete (Y-A), Send Q(G,A-Y), GT=GMI
	 */
	start();
	exclude({ S1, S4 }, { S2, S5 });
	report(IGMP_REC_TO_EX, G, { S1, S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(group().group_timer_left_ms, GMI);
	EXPECT_EQ(sources(), (M{ { S1, LMQT }, { S2, 0 }, { S3, LMQT } }));
	EXPECT_EQ(evs, (E{ e(SU, S5) }));
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].srcs, (std::vector<uint32_t>{ S1, S3 }));
}

TEST_F(Router, row_exclude_to_ex_new_source_takes_old_group_timer)
{
	/* (A-X-Y)=GT is the group timer before GT=GMI: visible as a non-querier (no lowering). */
	cfg.address = HIGHER;
	start();
	in(make_query(LOWER, 3, 0));
	exclude({ S1 }, {});
	report(IGMP_REC_TO_EX, G, { S1, S3 });
	EXPECT_EQ(sources(), (M{ { S1, GMI - 10000 }, { S3, GMI - 10000 } }));
	EXPECT_EQ(group().group_timer_left_ms, GMI);
	EXPECT_TRUE(qs.empty());
}

TEST_F(Router, row_exclude_to_in_queries_x_minus_a_and_group)
{
	/* EXCLUDE (X,Y) TO_IN (A) -> EXCLUDE (X+A,Y-A); (A)=GMI, Send Q(G,X-A), Send Q(G) */
	start();
	exclude({ S1, S4 }, { S2 });
	report(IGMP_REC_TO_IN, G, { S2, S3 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(group().group_timer_left_ms, LMQT);
	EXPECT_EQ(sources(), (M{ { S1, LMQT }, { S2, GMI }, { S3, GMI }, { S4, LMQT } }));
	EXPECT_EQ(evs, (E{ e(SU, S2) }));
	ASSERT_EQ(qs.size(), 2u);
	EXPECT_EQ(qs[0].srcs, (std::vector<uint32_t>{ S1, S4 }));
	EXPECT_EQ(qs[1].group, G);
	EXPECT_TRUE(qs[1].srcs.empty());
	EXPECT_FALSE(qs[1].s_flag);
}

/* ================= 6.5 timers and 6.6.3 retransmissions ================= */

TEST_F(Router, exclude_to_in_ends_in_include_of_the_new_sources_after_lmqt)
{
	start();
	exclude({ S1 }, { S2 });
	report(IGMP_REC_TO_IN, G, { S3 });
	clear();
	advance(LMQI);		/* retransmissions of Q(G,S1) and Q(G) */
	EXPECT_EQ(qs.size(), 2u);
	advance(LMQI);		/* LMQT: S1 expires into Y, then GT expires */
	EXPECT_EQ(group().filter_mode, IGMP_MODE_INCLUDE);
	EXPECT_EQ(sources(), (M{ { S3, GMI - LMQT } }));
	EXPECT_EQ(evs, (E{ e(SU, S2), e(SJ, S3), e(GL, 0) }));
}

TEST_F(Router, group_timer_expiry_turns_exclude_into_include_of_requested_sources)
{
	start();
	exclude({ S1 }, { S2 });
	report(IGMP_REC_ALLOW, G, { S1 });	/* S1 outlives the group timer */
	clear();
	at(now + GMI - 10000 - 1);
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	advance(1);
	EXPECT_EQ(group().filter_mode, IGMP_MODE_INCLUDE);
	EXPECT_EQ(sources(), (M{ { S1, 10000 } }));
	EXPECT_EQ(evs, (E{ e(SJ, S1), e(SU, S2), e(GL, 0) }));
}

TEST_F(Router, group_timer_expiry_without_sources_deletes_the_group)
{
	start();
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	EXPECT_EQ(evs, (E{ e(GJ, 0) }));
	clear();
	advance(GMI - 1);
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_TRUE(evs.empty());
	advance(1);
	EXPECT_EQ(group().filter_mode, 0);
	EXPECT_EQ(evs, (E{ e(GL, 0) }));
	EXPECT_EQ(port_info().n_groups, 0u);
}

TEST_F(Router, source_timer_expiry_in_include_deletes_the_source_then_the_group)
{
	start();
	include({ S1 });
	report(IGMP_REC_ALLOW, G, { S2 });
	clear();
	at(now + GMI - 10000);
	EXPECT_EQ(sources(), (M{ { S2, 10000 } }));
	EXPECT_EQ(evs, (E{ e(SL, S1) }));
	clear();
	advance(10000);
	EXPECT_EQ(group().filter_mode, 0);
	EXPECT_EQ(evs, (E{ e(SL, S2) }));
}

TEST_F(Router, source_timer_expiry_in_exclude_blocks_the_source)
{
	start();
	exclude({ S1 }, {});
	in(make_v3_report(HOST, { { IGMP_REC_IS_EX, G, { S1 } } }));	/* GT refreshed, S1 not */
	clear();
	at(now + GMI - 10000);
	EXPECT_EQ(sources(), (M{ { S1, 0 } }));
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(evs, (E{ e(SB, S1) }));
}

TEST_F(Router, v2_leave_sends_lmqc_group_queries_then_leaves_at_lmqt)
{
	start();
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	clear();
	in(make_simple(IGMP_MSG_V2_LEAVE, HOST, G));
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].group, G);
	EXPECT_EQ(qs[0].max_resp_ms, LMQI);
	EXPECT_EQ(group().group_timer_left_ms, LMQT);
	advance(LMQI - 1);
	EXPECT_EQ(qs.size(), 1u);
	advance(1);
	EXPECT_EQ(qs.size(), 2u);
	EXPECT_TRUE(evs.empty());
	advance(LMQI);
	EXPECT_EQ(qs.size(), 2u);	/* LMQC = 2 */
	EXPECT_EQ(evs, (E{ e(GL, 0) }));
	EXPECT_EQ(port_info().stats.group_queries_sent, 2u);
}

TEST_F(Router, group_query_retransmission_sets_s_flag_once_a_report_refreshed_the_timer)
{
	start();
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	in(make_simple(IGMP_MSG_V2_LEAVE, HOST, G));
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));	/* another host answers */
	clear();
	advance(LMQI);
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_TRUE(qs[0].s_flag);
	advance(LMQI);
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_TRUE(evs.empty());
}

TEST_F(Router, source_query_retransmission_splits_s_flag_set_and_clear)
{
	/* 6.6.3.2: sources refreshed above LMQT go in a query with S set, the others without. */
	start();
	exclude({ S1, S4 }, {});
	report(IGMP_REC_TO_IN, G, {});		/* Send Q(G,{S1,S4}), Send Q(G) */
	report(IGMP_REC_ALLOW, G, { S1 });	/* S1 back to GMI */
	clear();
	advance(LMQI);
	ASSERT_EQ(qs.size(), 3u);
	EXPECT_TRUE(qs[0].srcs.empty());	/* Q(G) */
	EXPECT_TRUE(qs[1].s_flag);
	EXPECT_EQ(qs[1].srcs, (std::vector<uint32_t>{ S1 }));
	EXPECT_FALSE(qs[2].s_flag);
	EXPECT_EQ(qs[2].srcs, (std::vector<uint32_t>{ S4 }));
	advance(LMQI);
	EXPECT_EQ(group().filter_mode, IGMP_MODE_INCLUDE);
	EXPECT_EQ(sources(), (M{ { S1, GMI - LMQT } }));
	EXPECT_EQ(evs, (E{ e(SJ, S1), e(GL, 0) }));
}

TEST_F(Router, big_source_query_is_split_to_fit_the_mtu)
{
	std::vector<uint32_t> many;

	cfg.max_sources_per_group = 1000;
	start();
	for (uint32_t i = 0; i < IGMP_QUERY_MAX_SRCS + 5; i++)
		many.push_back(ip4(198, 18, 1, 0) + i);
	report(IGMP_REC_IS_IN, G, many);
	now += 5000;
	clear();
	report(IGMP_REC_BLOCK, G, many);
	ASSERT_EQ(qs.size(), 2u);
	EXPECT_EQ(qs[0].srcs.size(), (size_t)IGMP_QUERY_MAX_SRCS);
	EXPECT_EQ(qs[1].srcs.size(), 5u);
}

/* ================= querier ================= */

TEST_F(Router, starts_as_querier_with_startup_queries_then_every_query_interval)
{
	ASSERT_EQ(igmp_router_port_add(r, 0, &cfg, now), 0);
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].group, 0u);
	EXPECT_EQ(qs[0].version, 3);
	EXPECT_EQ(qs[0].src, ADDR);
	EXPECT_EQ(qs[0].max_resp_ms, 10000u);
	EXPECT_EQ(qs[0].qrv, 2);
	EXPECT_EQ(qs[0].qqi_s, 125u);
	EXPECT_TRUE(port_info().is_querier);
	EXPECT_EQ(igmp_router_next_deadline(r), now + SQI);
	advance(SQI - 1);
	EXPECT_EQ(qs.size(), 1u);
	advance(1);
	EXPECT_EQ(qs.size(), 2u);	/* second (last) startup query */
	advance(QI - 1);
	EXPECT_EQ(qs.size(), 2u);
	advance(1);
	EXPECT_EQ(qs.size(), 3u);
	advance(QI);
	EXPECT_EQ(qs.size(), 4u);
	EXPECT_EQ(port_info().stats.general_queries_sent, 4u);
}

TEST_F(Router, query_from_lower_address_takes_over_and_silences_us)
{
	start();
	EXPECT_EQ(in(make_query(LOWER, 3, 0)), 0);
	igmp_port_info pi = port_info();
	EXPECT_FALSE(pi.is_querier);
	EXPECT_EQ(pi.querier_addr, LOWER);
	EXPECT_EQ(pi.other_querier_left_ms, OQPI);
	EXPECT_EQ(pi.general_query_left_ms, 0u);
	EXPECT_EQ(pi.stats.querier_changes, 1u);
	advance(OQPI - 1);
	EXPECT_TRUE(qs.empty());
}

TEST_F(Router, query_from_higher_address_is_ignored_for_election)
{
	start();
	in(make_query(HIGHER, 3, 0));
	EXPECT_TRUE(port_info().is_querier);
	EXPECT_EQ(port_info().querier_addr, ADDR);
	EXPECT_EQ(port_info().stats.queries_received, 1u);
}

TEST_F(Router, other_querier_present_expiry_resumes_querier_duties)
{
	start();
	in(make_query(LOWER, 3, 0));
	advance(OQPI / 2);
	in(make_query(LOWER, 3, 0));		/* refreshes the timer */
	advance(OQPI - 1);
	EXPECT_TRUE(qs.empty());
	advance(1);
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].group, 0u);
	EXPECT_TRUE(port_info().is_querier);
	EXPECT_EQ(port_info().querier_addr, ADDR);
	advance(QI);
	EXPECT_EQ(qs.size(), 2u);
}

TEST_F(Router, own_query_looped_back_is_ignored)
{
	start();
	EXPECT_EQ(in(make_query(ADDR, 3, 0)), -EAGAIN);
	EXPECT_TRUE(port_info().is_querier);
}

TEST_F(Router, non_querier_adopts_querier_robustness_and_interval)
{
	cfg.address = HIGHER;
	start();
	in(make_query(LOWER, 3, 0, {}, false, 3, 60));
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	/* GMI = 3 * 60 s + 10 s */
	EXPECT_EQ(group().group_timer_left_ms, 190000u);
	EXPECT_EQ(port_info().other_querier_left_ms, 3 * 60000u + 5000u);
}

TEST_F(Router, non_querier_lowers_group_timer_on_group_query_without_s_flag)
{
	cfg.address = HIGHER;
	start();
	in(make_query(LOWER, 3, 0));
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	in(make_query(LOWER, 3, G, {}, true));
	EXPECT_EQ(group().group_timer_left_ms, GMI);	/* S flag: no change */
	in(make_query(LOWER, 3, G));
	EXPECT_EQ(group().group_timer_left_ms, LMQT);
	advance(LMQT);
	EXPECT_EQ(group().filter_mode, 0);
	EXPECT_EQ(evs, (E{ e(GJ, 0), e(GL, 0) }));
}

TEST_F(Router, non_querier_lowers_source_timers_on_source_query)
{
	cfg.address = HIGHER;
	start();
	in(make_query(LOWER, 3, 0));
	include({ S1, S2 });
	in(make_query(LOWER, 3, G, { S1 }));
	EXPECT_EQ(sources(), (M{ { S1, LMQT }, { S2, GMI - 10000 } }));
}

TEST_F(Router, non_querier_sends_no_specific_queries_and_keeps_timers)
{
	cfg.address = HIGHER;
	start();
	in(make_query(LOWER, 3, 0));
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	clear();
	in(make_simple(IGMP_MSG_V2_LEAVE, HOST, G));
	EXPECT_TRUE(qs.empty());
	EXPECT_EQ(group().group_timer_left_ms, GMI);
}

/* ================= compatibility (RFC 3376 7) ================= */

TEST_F(Router, v2_report_is_is_ex_nothing_and_starts_v2_host_present_timer)
{
	start();
	include({ S1 });
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	igmp_group_info gi = group();
	EXPECT_EQ(gi.filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(gi.compat_version, 2);
	EXPECT_EQ(gi.v2_host_left_ms, GMI);
	EXPECT_TRUE(sources().empty());
	EXPECT_EQ(evs, (E{ e(GJ, 0), e(SL, S1) }));
	EXPECT_EQ(port_info().stats.v2_reports, 1u);
}

TEST_F(Router, v2_compat_mode_ignores_block_and_to_ex_source_lists)
{
	start();
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	clear();
	report(IGMP_REC_BLOCK, G, { S1 });
	EXPECT_TRUE(sources().empty());
	report(IGMP_REC_TO_EX, G, { S1 });
	EXPECT_TRUE(sources().empty());		/* treated as TO_EX ({}) */
	EXPECT_TRUE(evs.empty());
	EXPECT_EQ(port_info().stats.ignored, 1u);
}

TEST_F(Router, host_present_timer_expiry_returns_group_to_v3_mode)
{
	start();
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	advance(GMI - 1000);
	report(IGMP_REC_IS_EX, G, {});		/* v3 host keeps the group */
	advance(1000);
	EXPECT_EQ(group().compat_version, 3);
	report(IGMP_REC_BLOCK, G, { S1 });
	EXPECT_EQ(sources().count(S1), 1u);	/* BLOCK processed again */
}

TEST_F(Router, v1_report_puts_group_in_v1_mode_where_leaves_are_ignored)
{
	start();
	in(make_simple(IGMP_MSG_V1_REPORT, HOST, G));
	EXPECT_EQ(group().compat_version, 1);
	EXPECT_EQ(group().v1_host_left_ms, GMI);
	clear();
	in(make_simple(IGMP_MSG_V2_LEAVE, HOST, G));
	EXPECT_TRUE(qs.empty());
	EXPECT_EQ(group().group_timer_left_ms, GMI);
	EXPECT_EQ(port_info().stats.v1_reports, 1u);
	EXPECT_EQ(port_info().stats.leaves, 1u);
	advance(GMI);
	EXPECT_EQ(group().filter_mode, 0);
}

TEST_F(Router, v2_and_v3_hosts_on_one_group_coexist)
{
	start();
	report(IGMP_REC_IS_EX, G, {});
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_EQ(group().compat_version, 2);
	clear();
	/* The v3 host leaves; the querier asks; the v2 host answers and keeps G. */
	report(IGMP_REC_TO_IN, G, {});
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].group, G);
	advance(LMQI);
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	advance(LMQI);
	advance(LMQI);
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_TRUE(evs.empty());
}

TEST_F(Router, port_configured_v2_sends_v2_queries_and_keeps_no_source_state)
{
	cfg.version = 2;
	ASSERT_EQ(igmp_router_port_add(r, 0, &cfg, now), 0);
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].version, 2);
	clear();
	report(IGMP_REC_IS_IN, G, { S1 });
	EXPECT_EQ(group().filter_mode, IGMP_MODE_EXCLUDE);
	EXPECT_TRUE(sources().empty());
	EXPECT_EQ(evs, (E{ e(GJ, 0) }));
	report(IGMP_REC_TO_IN, G, {});
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].version, 2);
	EXPECT_EQ(qs[0].group, G);
}

TEST_F(Router, older_v1_querier_present_lowers_port_version_until_it_expires)
{
	uint64_t t0 = now;

	start();
	in(make_query(HIGHER, 1, 0));
	EXPECT_EQ(port_info().oper_version, 1);
	EXPECT_EQ(port_info().v1_querier_left_ms, GMI);
	advance(SQI);		/* second startup query goes out as v1 */
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].version, 1);
	EXPECT_EQ(qs[0].group, 0u);
	at(t0 + GMI);
	EXPECT_EQ(port_info().oper_version, 3);
	clear();
	advance(QI);
	ASSERT_EQ(qs.size(), 1u);
	EXPECT_EQ(qs[0].version, 3);
}

TEST_F(Router, older_v2_querier_present_makes_v3_port_speak_v2)
{
	start();
	in(make_query(HIGHER, 2, 0));
	EXPECT_EQ(port_info().oper_version, 2);
	EXPECT_EQ(port_info().v2_querier_left_ms, GMI);
	advance(GMI);
	EXPECT_EQ(port_info().oper_version, 3);
}

/* ================= fast leave ================= */

TEST_F(Router, fast_leave_v2_leave_removes_the_group_at_once)
{
	cfg.fast_leave = true;
	start();
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	clear();
	in(make_simple(IGMP_MSG_V2_LEAVE, HOST, G));
	EXPECT_EQ(evs, (E{ e(GL, 0) }));
	EXPECT_TRUE(qs.empty());
	EXPECT_EQ(group().filter_mode, 0);
}

TEST_F(Router, fast_leave_v3_to_in_nothing_removes_the_group_at_once)
{
	cfg.fast_leave = true;
	start();
	exclude({ S1 }, { S2 });
	report(IGMP_REC_TO_IN, G, {});
	EXPECT_EQ(group().filter_mode, 0);
	EXPECT_EQ(evs, (E{ e(SU, S2), e(GL, 0) }));
	EXPECT_TRUE(qs.empty());
}

TEST_F(Router, fast_leave_block_in_include_drops_the_source_at_once)
{
	cfg.fast_leave = true;
	start();
	include({ S1, S2 });
	report(IGMP_REC_BLOCK, G, { S1 });
	EXPECT_EQ(sources(), (M{ { S2, GMI - 10000 } }));
	EXPECT_EQ(evs, (E{ e(SL, S1) }));
	EXPECT_TRUE(qs.empty());
}

TEST_F(Router, fast_leave_block_in_exclude_blocks_the_source_at_once)
{
	cfg.fast_leave = true;
	start();
	exclude({}, {});
	report(IGMP_REC_BLOCK, G, { S1 });
	EXPECT_EQ(sources(), (M{ { S1, 0 } }));
	EXPECT_EQ(evs, (E{ e(SB, S1) }));
}

/* ================= limits ================= */

TEST_F(Router, groups_over_max_groups_are_rejected_and_counted)
{
	cfg.max_groups = 2;
	start();
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, ip4(232, 0, 0, 1)));
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, ip4(232, 0, 0, 2)));
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, ip4(232, 0, 0, 3)));
	report(IGMP_REC_IS_IN, ip4(232, 0, 0, 4), { S1 });
	EXPECT_EQ(port_info().n_groups, 2u);
	EXPECT_EQ(port_info().stats.groups_over_limit, 2u);
	EXPECT_EQ(evs.size(), 2u);
	/* Existing groups still refresh. */
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, ip4(232, 0, 0, 1)));
	EXPECT_EQ(port_info().stats.groups_over_limit, 2u);
}

TEST_F(Router, sources_over_max_sources_per_group_are_rejected_and_counted)
{
	cfg.max_sources_per_group = 2;
	start();
	report(IGMP_REC_IS_IN, G, { S1, S2, S3 });
	EXPECT_EQ(sources().size(), 2u);
	EXPECT_EQ(port_info().stats.sources_over_limit, 1u);
	report(IGMP_REC_ALLOW, G, { S4, S5 });
	EXPECT_EQ(sources().size(), 2u);
	EXPECT_EQ(port_info().stats.sources_over_limit, 3u);
	EXPECT_EQ(port_info().n_sources, 2u);
	EXPECT_EQ(evs.size(), 2u);
}

TEST_F(Router, many_groups_stay_sorted_and_page)
{
	uint32_t page[8];

	start();
	for (uint32_t i = 0; i < 20; i++)
		in(make_simple(IGMP_MSG_V2_REPORT, HOST, ip4(232, 0, 0, 40 - 2 * i)));
	ASSERT_EQ(igmp_router_groups(r, 0, 0, page, 8), 8);
	EXPECT_EQ(page[0], ip4(232, 0, 0, 2));
	EXPECT_EQ(page[7], ip4(232, 0, 0, 16));
	ASSERT_EQ(igmp_router_groups(r, 0, page[7] + 1, page, 8), 8);
	EXPECT_EQ(page[0], ip4(232, 0, 0, 18));
	ASSERT_EQ(igmp_router_groups(r, 0, ip4(232, 0, 0, 35), page, 8), 3);
	EXPECT_EQ(page[0], ip4(232, 0, 0, 36));
	EXPECT_EQ(igmp_router_groups(r, 1, 0, page, 8), -ENOENT);
}

/* ================= reporting, ports, config ================= */

TEST_F(Router, reporting_off_reverses_everything_and_on_replays_it)
{
	start();
	exclude({ S1 }, { S2 });
	report(IGMP_REC_IS_IN, G2, { S3 });
	clear();
	ASSERT_EQ(igmp_router_set_reporting(r, 0, false), 0);
	EXPECT_EQ(evs, (E{ e(SU, S2), e(GL, 0), e(SL, S3, G2) }));
	clear();
	report(IGMP_REC_ALLOW, G2, { S4 });	/* state keeps running, silently */
	EXPECT_TRUE(evs.empty());
	ASSERT_EQ(igmp_router_set_reporting(r, 0, true), 0);
	EXPECT_EQ(evs, (E{ e(GJ, 0), e(SB, S2), e(SJ, S3, G2), e(SJ, S4, G2) }));
}

TEST_F(Router, port_del_reports_the_reverse_of_every_state)
{
	start();
	exclude({}, { S2 });
	clear();
	ASSERT_EQ(igmp_router_port_del(r, 0), 0);
	EXPECT_EQ(evs, (E{ e(SU, S2), e(GL, 0) }));
	EXPECT_EQ(igmp_router_port_del(r, 0), -ENOENT);
}

TEST_F(Router, disabling_a_port_flushes_groups_and_stops_queries)
{
	start();
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	clear();
	cfg.enabled = false;
	ASSERT_EQ(igmp_router_port_config_set(r, 0, &cfg, now), 0);
	EXPECT_EQ(evs, (E{ e(GL, 0) }));
	EXPECT_EQ(in(make_simple(IGMP_MSG_V2_REPORT, HOST, G)), -EAGAIN);
	advance(10 * QI);
	EXPECT_TRUE(qs.empty());
	cfg.enabled = true;
	ASSERT_EQ(igmp_router_port_config_set(r, 0, &cfg, now), 0);
	EXPECT_EQ(qs.size(), 1u);	/* startup again */
}

TEST_F(Router, runtime_config_change_applies_to_new_timers)
{
	start();
	cfg.last_member_query_interval_ms = 500;
	cfg.last_member_query_count = 3;
	ASSERT_EQ(igmp_router_port_config_set(r, 0, &cfg, now), 0);
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	clear();
	in(make_simple(IGMP_MSG_V2_LEAVE, HOST, G));
	EXPECT_EQ(group().group_timer_left_ms, 1500u);
	advance(500);
	advance(500);
	advance(500);
	EXPECT_EQ(qs.size(), 3u);
	EXPECT_EQ(group().filter_mode, 0);
	igmp_port_config got;
	ASSERT_EQ(igmp_router_port_config_get(r, 0, &got), 0);
	EXPECT_EQ(got.last_member_query_count, 3u);
	cfg.query_response_interval_ms = cfg.query_interval_ms;
	EXPECT_EQ(igmp_router_port_config_set(r, 0, &cfg, now), -EINVAL);
}

TEST_F(Router, next_deadline_is_a_lower_bound_and_tick_before_it_does_nothing)
{
	start();
	in(make_simple(IGMP_MSG_V2_REPORT, HOST, G));
	uint64_t d = igmp_router_next_deadline(r);
	EXPECT_EQ(d, now + SQI);
	at(d - 1);
	EXPECT_TRUE(qs.empty());
	at(d);
	EXPECT_EQ(qs.size(), 1u);
	EXPECT_GT(igmp_router_next_deadline(r), d);
}

TEST_F(Router, ports_are_independent)
{
	start();
	igmp_port_config c2 = cfg;
	c2.address = ip4(198, 18, 5, 1);
	ASSERT_EQ(igmp_router_port_add(r, 3, &c2, now), 0);
	EXPECT_EQ(igmp_router_port_add(r, 3, &c2, now), -EEXIST);
	EXPECT_EQ(igmp_router_port_add(r, MF_MAX_PORTS, &c2, now), -EINVAL);
	clear();
	auto m = make_simple(IGMP_MSG_V2_REPORT, ip4(198, 18, 5, 9), G);
	ASSERT_EQ(igmp_router_input(r, 3, m.get(), now), 0);
	EXPECT_EQ(evs, (E{ e(GJ, 0, G, 3) }));
	EXPECT_EQ(group().filter_mode, 0);	/* port 0 untouched */
	EXPECT_EQ(igmp_router_input(r, 7, m.get(), now), -ENOENT);
}

TEST_F(Router, report_built_and_parsed_by_the_codec_drives_the_router)
{
	uint8_t buf[IGMP_PKT_MAX];
	uint32_t a[] = { S1, S2 };
	igmp_report_rec rec = { IGMP_REC_TO_EX, 2, G, a };
	igmp_parse_policy pol = { ADDR, 24, 1 };
	auto m = new_msg();

	start();
	int n = igmp_build_v3_report(buf, sizeof(buf), HOST, &rec, 1);
	ASSERT_GT(n, 0);
	ASSERT_EQ(igmp_parse(buf, (uint32_t)n, &pol, m.get()), 0);
	ASSERT_EQ(in(m), 0);
	EXPECT_EQ(evs, (E{ e(GJ, 0), e(SB, S1), e(SB, S2) }));
}

} // namespace
