// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of lib/proto: igmp_local, static routes, the IGMP proxy and
// the module table.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "igmp_codec.h"
#include "igmp_router.h"
#include "mgm.h"
#include "proto.h"
#include "proto_igmp_local.h"
#include "proto_igmp_proxy.h"
#include "proto_static.h"

namespace {

constexpr uint32_t
ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return (a << 24) | (b << 16) | (c << 8) | d;
}

const uint32_t G1 = ip(232, 1, 1, 1);
const uint32_t G2 = ip(232, 1, 1, 2);
const uint32_t S1 = ip(198, 18, 0, 1);
const uint32_t S2 = ip(198, 18, 0, 2);
const uint32_t UP_ADDR = ip(192, 0, 2, 1);

mf_portset_t
ports(std::initializer_list<int> l)
{
	mf_portset_t s = 0;
	for (int p : l)
		s |= MF_PORTSET_BIT(p);
	return s;
}

std::set<std::pair<uint32_t, uint32_t>>
drain(mgm *m)
{
	std::set<std::pair<uint32_t, uint32_t>> out;
	mf_key k[16];
	unsigned n;
	do {
		n = mgm_fwd_drain_dirty(m, k, 16);
		for (unsigned i = 0; i < n; i++)
			out.insert({k[i].src, k[i].grp});
	} while (n == 16);
	return out;
}

// ------------------------------------------------------------ igmp_local

TEST(IgmpLocal, events_map_to_memberships)
{
	mgm *m = mgm_create(nullptr);
	proto_igmp_local *l = proto_igmp_local_create(m, nullptr, ports({1, 2}));
	ASSERT_NE(l, nullptr);
	EXPECT_TRUE(mgm_interface_igmp(m, 1));
	EXPECT_TRUE(mgm_interface_igmp(m, 2));
	EXPECT_FALSE(mgm_interface_igmp(m, 3));
	struct {
		igmp_member_event ev;
		uint16_t port;
		uint32_t src;
		// expected membership record of (src, G1) afterwards
		mf_portset_t join, block;
	} t[] = {
		{IGMP_MEMBER_GROUP_JOIN, 1, 0, ports({1}), 0},
		{IGMP_MEMBER_GROUP_JOIN, 2, 0, ports({1, 2}), 0},
		{IGMP_MEMBER_SOURCE_BLOCK, 1, S1, 0, ports({1})},
		{IGMP_MEMBER_SOURCE_JOIN, 2, S1, ports({2}), ports({1})},
		{IGMP_MEMBER_SOURCE_UNBLOCK, 1, S1, ports({2}), 0},
		{IGMP_MEMBER_SOURCE_LEAVE, 2, S1, 0, 0},
		{IGMP_MEMBER_GROUP_LEAVE, 1, 0, ports({2}), 0},
	};
	for (auto &x : t) {
		proto_igmp_local_membership(l, x.port, x.src, G1, x.ev);
		mgm_membership_rec r[1];
		mf_key after = {x.src - 1, G1};
		if (x.src == 0)
			after = {UINT32_MAX, G1 - 1};
		unsigned n = mgm_membership_walk(m, nullptr, &after, r, 1);
		if (x.join == 0 && x.block == 0) {
			EXPECT_TRUE(n == 0 || r[0].src != x.src) << x.ev;
			continue;
		}
		ASSERT_EQ(n, 1u) << x.ev;
		EXPECT_EQ(r[0].src, x.src) << x.ev;
		EXPECT_EQ(r[0].join, x.join) << x.ev;
		EXPECT_EQ(r[0].block, x.block) << x.ev;
	}
	struct proto_igmp_local_stats st;
	proto_igmp_local_get_stats(l, &st);
	EXPECT_EQ(st.events, 7u);
	EXPECT_EQ(st.errors, 0u);
	// a leave mgm does not know is counted as stale, not as an error
	proto_igmp_local_membership(l, 1, 0, G2, IGMP_MEMBER_GROUP_LEAVE);
	proto_igmp_local_get_stats(l, &st);
	EXPECT_EQ(st.stale, 1u);
	proto_igmp_local_destroy(l);
	mgm_destroy(m);
}

// IGMP router -> igmp_local -> mgm, and the disable/enable dance when a
// routing protocol takes the port: the router re-reports its state.
struct RouterHolder {
	proto_igmp_local *l = nullptr;
};

void
membership_tramp(void *ctx, uint16_t port, uint32_t s, uint32_t g,
	igmp_member_event ev)
{
	auto *h = (RouterHolder *)ctx;
	if (h->l != nullptr)
		proto_igmp_local_membership(h->l, port, s, g, ev);
}

int
build_v3_report_msg(igmp_msg *msg, uint32_t src, uint8_t type, uint32_t grp,
	std::vector<uint32_t> srcs)
{
	uint8_t buf[IGMP_PKT_MAX];
	igmp_report_rec rec{};
	rec.type = type;
	rec.group = grp;
	rec.n_src = (uint16_t)srcs.size();
	rec.srcs = srcs.empty() ? nullptr : srcs.data();
	int len = igmp_build_v3_report(buf, sizeof(buf), src, &rec, 1);
	if (len < 0)
		return len;
	igmp_parse_policy pol{};
	return igmp_parse(buf, (uint32_t)len, &pol, msg);
}

TEST(IgmpLocal, router_reports_reach_mgm_and_survive_ownership_change)
{
	mgm *m = mgm_create(nullptr);
	RouterHolder h;
	igmp_router_ops ops{};
	ops.membership = membership_tramp;
	igmp_router *r = igmp_router_create(&ops, &h);
	ASSERT_NE(r, nullptr);
	igmp_port_config pc;
	igmp_port_config_defaults(&pc);
	ASSERT_EQ(igmp_router_port_add(r, 1, &pc, 0), 0);
	h.l = proto_igmp_local_create(m, r, ports({1}));
	ASSERT_NE(h.l, nullptr);

	auto *msg = new igmp_msg;
	ASSERT_EQ(build_v3_report_msg(msg, ip(192, 0, 2, 10), IGMP_REC_IS_EX,
		G1, {}), 0);
	ASSERT_EQ(igmp_router_input(r, 1, msg, 100), 0);
	mgm_fwd_entry e{};
	ASSERT_EQ(mgm_fwd_get(m, 0, G1, &e), 0);
	EXPECT_EQ(e.oifs, ports({1}));

	// a routing protocol takes port 1: IGMP disabled and enabled again;
	// the router's state comes back
	mgm_proto *rp;
	mgm_proto_reg reg{};
	reg.proto_id = 500;
	ASSERT_EQ(mgm_register(m, &reg, &rp), 0);
	ASSERT_EQ(mgm_take_interface(m, rp, 1), 0);
	struct proto_igmp_local_stats st;
	proto_igmp_local_get_stats(h.l, &st);
	EXPECT_EQ(st.disables, 1u);
	EXPECT_EQ(st.enables, 1u);
	EXPECT_EQ(st.errors, 0u);
	ASSERT_EQ(mgm_fwd_get(m, 0, G1, &e), 0);
	EXPECT_EQ(e.oifs, ports({1}));
	ASSERT_EQ(mgm_release_interface(m, rp, 1), 0);
	ASSERT_EQ(mgm_fwd_get(m, 0, G1, &e), 0);
	EXPECT_EQ(e.oifs, ports({1}));
	delete msg;
	proto_igmp_local_destroy(h.l);
	igmp_router_destroy(r);
	mgm_destroy(m);
}

// ---------------------------------------------------------------- static

class StaticTest : public ::testing::Test {
protected:
	mgm *m = nullptr;
	proto_static *s = nullptr;
	char err[128] = "";
	void SetUp() override
	{
		m = mgm_create(nullptr);
		s = proto_static_create(m);
		ASSERT_NE(s, nullptr);
	}
	void TearDown() override
	{
		proto_static_destroy(s);
		// all state gone with it
		mgm_fwd_entry e;
		EXPECT_EQ(mgm_fwd_get(m, S1, G1, &e), -ENOENT);
		EXPECT_EQ(mgm_mfe_count(m), 0u);
		mgm_destroy(m);
	}
	static proto_static_route route(uint32_t src, uint32_t grp,
		uint16_t in, mf_portset_t oifs)
	{
		proto_static_route r{};
		r.src = src;
		r.grp = grp;
		r.in_port = in;
		r.oifs = oifs;
		return r;
	}
};

TEST_F(StaticTest, add_delete_error_codes_with_messages)
{
	struct {
		const char *what;
		proto_static_route r;
		int rc;
	} t[] = {
		{"ok", route(S1, G1, 0, ports({1, 2})), 0},
		{"duplicate", route(S1, G1, 3, ports({1})), -EEXIST},
		{"star ok", route(0, G1, 0, ports({3})), 0},
		{"not multicast", route(S1, S2, 0, ports({1})), -EINVAL},
		{"link local", route(S1, ip(224, 0, 0, 5), 0, ports({1})),
		 -EINVAL},
		{"no oifs", route(S1, G2, 0, 0), -EINVAL},
		{"in is out", route(S1, G2, 1, ports({1, 2})), -EINVAL},
		{"bad in port", route(S1, G2, MF_MAX_PORTS, ports({1})),
		 -EINVAL},
		{"bad out port", route(S1, G2, 0, MF_PORTSET_BIT(40)),
		 -EINVAL},
		{"multicast source", route(G2, G2 + 1, 0, ports({1})),
		 -EINVAL},
	};
	for (auto &x : t) {
		err[0] = 0;
		EXPECT_EQ(proto_static_add(s, &x.r, 0, err, sizeof(err)), x.rc)
			<< x.what;
		if (x.rc != 0) {
			EXPECT_STRNE(err, "") << x.what;
		}
	}
	EXPECT_EQ(proto_static_count(s), 2u);
	mgm_fwd_entry e{};
	ASSERT_EQ(mgm_fwd_get(m, S1, G1, &e), 0);
	EXPECT_EQ(e.iif, 0);
	// the static (S,G) also gets the (*,G) route's port 3
	EXPECT_EQ(e.oifs, ports({1, 2, 3}));
	EXPECT_EQ(e.flags & MGM_FWD_NOTIFY_NEW_SOURCE, 0u);
	mgm_mfe_info info;
	ASSERT_EQ(mgm_mfe_get(m, S1, G1, &info), 0);
	EXPECT_EQ(info.timeout_ms, 0u);		// never expires
	EXPECT_EQ(info.creator_id, MGM_PROTO_STATIC);
	ASSERT_EQ(mgm_fwd_get(m, 0, G1, &e), 0);
	EXPECT_EQ(e.iif, 0);
	EXPECT_EQ(e.oifs, ports({3}));
	EXPECT_EQ(proto_static_del(s, S2, G1, err, sizeof(err)), -ENOENT);
	EXPECT_EQ(proto_static_del(s, 0, G1, err, sizeof(err)), 0);
	ASSERT_EQ(mgm_fwd_get(m, S1, G1, &e), 0);
	EXPECT_EQ(e.oifs, ports({1, 2}));
	EXPECT_EQ(proto_static_del(s, S1, G1, err, sizeof(err)), 0);
	EXPECT_EQ(mgm_fwd_get(m, S1, G1, &e), -ENOENT);
}

TEST_F(StaticTest, replace_set_changes_only_what_differs)
{
	std::vector<proto_static_route> v1 = {
		route(S1, G1, 0, ports({1, 2})),
		route(S2, G1, 0, ports({1})),
		route(0, G2, 3, ports({4})),
	};
	unsigned changed = 99;
	ASSERT_EQ(proto_static_replace(s, v1.data(), (unsigned)v1.size(), 0,
		&changed, err, sizeof(err)), 0);
	EXPECT_EQ(changed, 3u);
	drain(m);
	// same set again: nothing changes, no dirty key
	ASSERT_EQ(proto_static_replace(s, v1.data(), (unsigned)v1.size(), 0,
		&changed, err, sizeof(err)), 0);
	EXPECT_EQ(changed, 0u);
	EXPECT_EQ(mgm_fwd_dirty_count(m), 0u);
	// one route changed, one removed, one added, one untouched
	std::vector<proto_static_route> v2 = {
		route(0, G2, 3, ports({4})),			// same
		route(S1, G1, 0, ports({2, 5})),		// oifs changed
		route(S1, G2 + 1, 1, ports({0})),		// new
	};
	ASSERT_EQ(proto_static_replace(s, v2.data(), (unsigned)v2.size(), 0,
		&changed, err, sizeof(err)), 0);
	EXPECT_EQ(changed, 3u);
	auto d = drain(m);
	EXPECT_EQ(d, (std::set<std::pair<uint32_t, uint32_t>>{
		{S1, G1}, {S2, G1}, {S1, G2 + 1}}));
	mgm_fwd_entry e{};
	ASSERT_EQ(mgm_fwd_get(m, S1, G1, &e), 0);
	EXPECT_EQ(e.oifs, ports({2, 5}));
	EXPECT_EQ(mgm_fwd_get(m, S2, G1, &e), -ENOENT);
	EXPECT_EQ(proto_static_count(s), 3u);
	proto_static_route list[4];
	ASSERT_EQ(proto_static_list(s, 0, list, 4), 3u);
	EXPECT_EQ(list[0].grp, G1);	// (grp, src) order
	EXPECT_EQ(list[1].grp, G2);
	// a bad set is refused whole
	std::vector<proto_static_route> bad = {
		route(S1, G1, 0, ports({1})), route(S1, G1, 0, ports({2}))};
	EXPECT_EQ(proto_static_replace(s, bad.data(), 2, 0, &changed, err,
		sizeof(err)), -EINVAL);
	EXPECT_NE(std::string(err).find("same (S,G)"), std::string::npos) << err;
	bad[1] = route(S1, G2, 0, 0);
	EXPECT_EQ(proto_static_replace(s, bad.data(), 2, 0, &changed, err,
		sizeof(err)), -EINVAL);
	EXPECT_NE(std::string(err).find("route 1"), std::string::npos) << err;
	EXPECT_EQ(proto_static_count(s), 3u);
	EXPECT_EQ(mgm_fwd_dirty_count(m), 0u);
	// in-port change only
	v2[1].in_port = 7;
	ASSERT_EQ(proto_static_replace(s, v2.data(), 3, 0, &changed, err,
		sizeof(err)), 0);
	EXPECT_EQ(changed, 1u);
	ASSERT_EQ(mgm_fwd_get(m, S1, G1, &e), 0);
	EXPECT_EQ(e.iif, 7);
	// empty set removes everything
	ASSERT_EQ(proto_static_replace(s, nullptr, 0, 0, &changed, err,
		sizeof(err)), 0);
	EXPECT_EQ(changed, 3u);
	EXPECT_EQ(mgm_mfe_count(m), 0u);
}

// ----------------------------------------------------------------- proxy

struct Sent {
	uint16_t port;
	std::vector<uint8_t> pkt;
};

int
send_cb(void *ctx, uint16_t port, const void *pkt, uint32_t len)
{
	auto *v = (std::vector<Sent> *)ctx;
	Sent s;
	s.port = port;
	s.pkt.assign((const uint8_t *)pkt, (const uint8_t *)pkt + len);
	v->push_back(s);
	return 0;
}

struct Rec {
	uint8_t type;
	uint32_t grp;
	std::vector<uint32_t> srcs;
	bool operator==(const Rec &o) const
	{
		return type == o.type && grp == o.grp && srcs == o.srcs;
	}
};

std::ostream &
operator<<(std::ostream &os, const Rec &r)
{
	os << "{" << (int)r.type << "," << std::hex << r.grp << std::dec
	   << ",[";
	for (auto s : r.srcs)
		os << std::hex << s << std::dec << " ";
	return os << "]}";
}

class ProxyTest : public ::testing::Test {
protected:
	mgm *m = nullptr;
	proto_igmp_local *l = nullptr;
	proto_igmp_proxy *px = nullptr;
	std::vector<Sent> sent;
	igmp_msg *msg = new igmp_msg;
	uint64_t now = 1000;

	void SetUp() override
	{
		m = mgm_create(nullptr);
		l = proto_igmp_local_create(m, nullptr, ports({1, 2, 3}));
		ASSERT_NE(l, nullptr);
	}
	void make(uint8_t robustness = 2, uint64_t seed = 42)
	{
		proto_igmp_proxy_config c{};
		c.upstream = 0;
		c.downstream = ports({1, 2, 3});
		c.src_addr = UP_ADDR;
		c.robustness = robustness;
		c.seed = seed;
		c.send_report = send_cb;
		c.send_ctx = &sent;
		px = proto_igmp_proxy_create(m, &c, now);
		ASSERT_NE(px, nullptr);
	}
	void TearDown() override
	{
		proto_igmp_proxy_destroy(px, now);
		proto_igmp_local_destroy(l);
		mgm_destroy(m);
		delete msg;
	}
	void join(uint16_t port, uint32_t grp)
	{
		proto_igmp_local_membership(l, port, 0, grp,
			IGMP_MEMBER_GROUP_JOIN);
	}
	// parse every packet sent since the last call
	std::vector<Rec> reports(unsigned *packets = nullptr,
		uint8_t *kind = nullptr)
	{
		std::vector<Rec> out;
		if (packets)
			*packets = (unsigned)sent.size();
		for (auto &s : sent) {
			EXPECT_EQ(s.port, 0);	// only upstream
			igmp_parse_policy pol{};
			EXPECT_EQ(igmp_parse(s.pkt.data(), (uint32_t)s.pkt.size(),
				&pol, msg), 0);
			EXPECT_EQ(msg->src, UP_ADDR);
			if (kind)
				*kind = msg->kind;
			if (msg->kind != IGMP_MSG_V3_REPORT) {
				out.push_back({msg->kind, msg->group, {}});
				continue;
			}
			for (unsigned i = 0; i < msg->n_recs; i++) {
				Rec r{msg->recs[i].type, msg->recs[i].group, {}};
				for (unsigned j = 0; j < msg->recs[i].n_src; j++)
					r.srcs.push_back(
						msg->srcs[msg->recs[i].first_src + j]);
				out.push_back(r);
			}
		}
		sent.clear();
		return out;
	}
	void query(uint8_t version, uint32_t grp, uint32_t max_resp_ms,
		std::vector<uint32_t> srcs = {})
	{
		igmp_msg q{};
		q.kind = IGMP_MSG_QUERY;
		q.version = version;
		q.src = ip(192, 0, 2, 254);
		q.dst = grp ? grp : IGMP_ALL_SYSTEMS;
		q.group = grp;
		q.max_resp_ms = max_resp_ms;
		q.n_srcs = (uint16_t)srcs.size();
		for (size_t i = 0; i < srcs.size(); i++)
			q.srcs[i] = srcs[i];
		ASSERT_EQ(proto_igmp_proxy_input(px, &q, now), 0);
	}
	// advance the clock in 10 ms steps to t, ticking when due
	void run_until(uint64_t t)
	{
		for (; now <= t; now += 10)
			if (proto_igmp_proxy_next_deadline(px) <= now)
				proto_igmp_proxy_tick(px, now);
		now = t;
	}
};

TEST_F(ProxyTest, takes_ports_and_forwards_upstream_traffic_to_joined_ports)
{
	make();
	for (int p : {0, 1, 2, 3})
		EXPECT_EQ(mgm_interface_owner(m, (uint16_t)p),
			proto_igmp_proxy_handle(px));
	join(2, G1);
	mgm_fwd_entry e{};
	ASSERT_EQ(mgm_fwd_get(m, 0, G1, &e), 0);
	// upstream (0) for downstream senders, 2 for the joined host
	EXPECT_EQ(e.oifs, ports({0, 2}));
	// traffic from upstream: MFE with iif 0 -> only port 2
	ASSERT_EQ(mgm_new_source(m, S1, G1, 0, now), 0);
	ASSERT_EQ(mgm_fwd_get(m, S1, G1, &e), 0);
	EXPECT_EQ(e.iif, 0);
	EXPECT_EQ(e.oifs, ports({2}));
	// a downstream sender on port 3: upstream and port 2
	ASSERT_EQ(mgm_new_source(m, S2, G1, 3, now), 0);
	ASSERT_EQ(mgm_fwd_get(m, S2, G1, &e), 0);
	EXPECT_EQ(e.oifs, ports({0, 2}));
	// last member leaves: the group entry goes
	proto_igmp_local_membership(l, 2, 0, G1, IGMP_MEMBER_GROUP_LEAVE);
	ASSERT_EQ(mgm_fwd_get(m, 0, G1, &e), -ENOENT);
}

TEST_F(ProxyTest, report_content_after_downstream_joins)
{
	make();
	join(1, G1);
	// EXCLUDE {} on G1 at once: TO_EX {}
	EXPECT_EQ(reports(), (std::vector<Rec>{{IGMP_REC_TO_EX, G1, {}}}));
	// INCLUDE {S2, S1} on G2 from two ports: ALLOW each
	proto_igmp_local_membership(l, 2, S2, G2, IGMP_MEMBER_SOURCE_JOIN);
	EXPECT_EQ(reports(), (std::vector<Rec>{{IGMP_REC_ALLOW, G2, {S2}}}));
	proto_igmp_local_membership(l, 3, S1, G2, IGMP_MEMBER_SOURCE_JOIN);
	// still retransmitting the first change: merged into one record
	EXPECT_EQ(reports(), (std::vector<Rec>{{IGMP_REC_ALLOW, G2, {S1, S2}}}));
	proto_igmp_proxy_group pg;
	uint32_t srcs[4];
	ASSERT_EQ(proto_igmp_proxy_group_get(px, G2, &pg, srcs, 4), 0);
	EXPECT_EQ(pg.mode, IGMP_REC_IS_IN);
	ASSERT_EQ(pg.n_src, 2u);
	EXPECT_EQ(srcs[0], S1);
	EXPECT_EQ(srcs[1], S2);
	// EXCLUDE merging: port 1 blocks S1 and S2, port 2 (EXCLUDE) blocks
	// only S1: merged EXCLUDE {S1}
	// port 1 is G1's only EXCLUDE port: blocking S1 there excludes it.
	// G1's filter-mode change is still being retransmitted, so the
	// change goes out as TO_EX with the new list (RFC 3376 5.1)
	proto_igmp_local_membership(l, 1, S1, G1, IGMP_MEMBER_SOURCE_BLOCK);
	EXPECT_EQ(reports(), (std::vector<Rec>{{IGMP_REC_TO_EX, G1, {S1}}}));
	ASSERT_EQ(proto_igmp_proxy_group_get(px, G1, &pg, srcs, 4), 0);
	EXPECT_EQ(pg.mode, IGMP_REC_IS_EX);
	EXPECT_EQ(pg.n_src, 1u);
}

TEST_F(ProxyTest, exclude_merge_is_intersection_minus_includes)
{
	make();
	join(1, G1);
	join(2, G1);
	run_until(now + 5000);	// TO_EX retransmissions done
	reports();
	struct {
		uint16_t port;
		uint32_t src;
		igmp_member_event ev;
		std::vector<uint32_t> excluded;
	} t[] = {
		{1, S1, IGMP_MEMBER_SOURCE_BLOCK, {}},		// only port 1
		{2, S1, IGMP_MEMBER_SOURCE_BLOCK, {S1}},	// both
		{2, S2, IGMP_MEMBER_SOURCE_BLOCK, {S1}},
		{1, S2, IGMP_MEMBER_SOURCE_BLOCK, {S1, S2}},
		{3, S2, IGMP_MEMBER_SOURCE_JOIN, {S1}},		// INCLUDE port wants S2
		{3, S2, IGMP_MEMBER_SOURCE_LEAVE, {S1, S2}},
		{2, S1, IGMP_MEMBER_SOURCE_UNBLOCK, {S2}},
	};
	for (auto &x : t) {
		proto_igmp_local_membership(l, x.port, x.src, G1, x.ev);
		proto_igmp_proxy_group pg;
		uint32_t srcs[4];
		ASSERT_EQ(proto_igmp_proxy_group_get(px, G1, &pg, srcs, 4), 0);
		EXPECT_EQ(pg.mode, IGMP_REC_IS_EX);
		EXPECT_EQ(std::vector<uint32_t>(srcs, srcs + pg.n_src),
			x.excluded) << x.port << " " << x.ev;
	}
	// the last change went out as source-list-change records, merged
	// with the changes still being retransmitted: S1 allowed again, S2
	// blocked
	auto r = reports();
	ASSERT_GE(r.size(), 2u);
	EXPECT_EQ(r[r.size() - 2], (Rec{IGMP_REC_ALLOW, G1, {S1}}));
	EXPECT_EQ(r.back(), (Rec{IGMP_REC_BLOCK, G1, {S2}}));
}

TEST_F(ProxyTest, unsolicited_reports_sent_robustness_times)
{
	for (uint8_t rv : {1, 2, 3}) {
		SCOPED_TRACE(rv);
		if (px != nullptr) {
			proto_igmp_proxy_destroy(px, now);
			px = nullptr;
			proto_igmp_local_membership(l, 1, 0, G1,
				IGMP_MEMBER_GROUP_LEAVE);
		}
		make(rv);
		sent.clear();
		join(1, G1);
		run_until(now + 5000);	// URI is 1 s: all retransmissions done
		unsigned packets;
		auto r = reports(&packets);
		EXPECT_EQ(packets, rv);
		for (auto &x : r)
			EXPECT_EQ(x, (Rec{IGMP_REC_TO_EX, G1, {}}));
		EXPECT_EQ(proto_igmp_proxy_next_deadline(px), UINT64_MAX);
	}
}

TEST_F(ProxyTest, adopts_querier_robustness)
{
	make(2);
	igmp_msg q{};
	q.kind = IGMP_MSG_QUERY;
	q.version = 3;
	q.qrv = 4;
	q.max_resp_ms = 1000;
	ASSERT_EQ(proto_igmp_proxy_input(px, &q, now), 0);
	run_until(now + 2000);	// the general response (nothing joined)
	reports();
	join(1, G1);
	run_until(now + 8000);
	unsigned packets;
	reports(&packets);
	EXPECT_EQ(packets, 4u);
}

TEST_F(ProxyTest, answers_general_query_after_random_delay)
{
	make();
	join(1, G1);
	proto_igmp_local_membership(l, 2, S1, G2, IGMP_MEMBER_SOURCE_JOIN);
	run_until(now + 5000);
	reports();
	uint64_t t0 = now;
	query(3, 0, 10000);
	EXPECT_TRUE(sent.empty());
	uint64_t due = proto_igmp_proxy_next_deadline(px);
	EXPECT_GE(due, t0);
	EXPECT_LT(due, t0 + 10000);
	// a second general query with a later random time changes nothing
	// earlier than the first one (rule 1)
	query(3, 0, 10000);
	EXPECT_LE(proto_igmp_proxy_next_deadline(px), due);
	due = proto_igmp_proxy_next_deadline(px);
	run_until(t0 + 10000);
	unsigned packets;
	auto r = reports(&packets);
	EXPECT_EQ(packets, 1u);
	EXPECT_EQ(r, (std::vector<Rec>{{IGMP_REC_IS_EX, G1, {}},
		{IGMP_REC_IS_IN, G2, {S1}}}));
	struct proto_igmp_proxy_stats st;
	proto_igmp_proxy_get_stats(px, &st);
	EXPECT_EQ(st.general_queries, 2u);
}

TEST_F(ProxyTest, answers_group_and_group_source_queries)
{
	make();
	join(1, G1);
	proto_igmp_local_membership(l, 1, S1, G1, IGMP_MEMBER_SOURCE_BLOCK);
	proto_igmp_local_membership(l, 2, S1, G2, IGMP_MEMBER_SOURCE_JOIN);
	run_until(now + 5000);
	reports();
	uint64_t t0 = now;
	query(3, G2, 1000);
	run_until(t0 + 1000);
	EXPECT_EQ(reports(), (std::vector<Rec>{{IGMP_REC_IS_IN, G2, {S1}}}));
	// group-and-source: EXCLUDE {S1} asked about S1, S2: IS_IN {S2}
	query(3, G1, 1000, {S2, S1});
	run_until(now + 1000);
	EXPECT_EQ(reports(), (std::vector<Rec>{{IGMP_REC_IS_IN, G1, {S2}}}));
	// a group we have no member for: no answer
	query(3, ip(232, 9, 9, 9), 1000);
	run_until(now + 1000);
	EXPECT_TRUE(reports().empty());
}

TEST_F(ProxyTest, v2_querier_upstream_switches_to_v2_reports_and_leaves)
{
	make();
	query(2, 0, 10000);
	EXPECT_EQ(proto_igmp_proxy_version(px, now), 2);
	join(1, G1);
	uint8_t kind = 0;
	auto r = reports(nullptr, &kind);
	EXPECT_EQ(kind, IGMP_MSG_V2_REPORT);
	EXPECT_EQ(r, (std::vector<Rec>{{IGMP_MSG_V2_REPORT, G1, {}}}));
	// v2 response to a group query, suppressed by another host's report
	run_until(now + 3000);
	reports();
	query(2, G1, 5000);
	igmp_msg other{};
	other.kind = IGMP_MSG_V2_REPORT;
	other.version = 2;
	other.src = ip(192, 0, 2, 77);
	other.group = G1;
	ASSERT_EQ(proto_igmp_proxy_input(px, &other, now), 0);
	run_until(now + 6000);
	EXPECT_TRUE(reports().empty());
	struct proto_igmp_proxy_stats st;
	proto_igmp_proxy_get_stats(px, &st);
	EXPECT_EQ(st.suppressed, 1u);
	// leave: one v2 leave
	proto_igmp_local_membership(l, 1, 0, G1, IGMP_MEMBER_GROUP_LEAVE);
	r = reports(nullptr, &kind);
	EXPECT_EQ(r, (std::vector<Rec>{{IGMP_MSG_V2_LEAVE, G1, {}}}));
	// the v2 querier goes quiet: back to v3 after the timeout
	EXPECT_EQ(proto_igmp_proxy_version(px, now + 400000), 3);
}

TEST_F(ProxyTest, delays_follow_the_seed)
{
	auto due_for = [&](uint64_t seed) {
		if (px != nullptr)
			proto_igmp_proxy_destroy(px, now);
		px = nullptr;
		make(2, seed);
		join(1, G1);
		run_until(now + 5000);
		reports();
		uint64_t t0 = now;
		query(3, 0, 10000);
		uint64_t d = proto_igmp_proxy_next_deadline(px) - t0;
		proto_igmp_local_membership(l, 1, 0, G1,
			IGMP_MEMBER_GROUP_LEAVE);
		return d;
	};
	uint64_t a = due_for(1), b = due_for(1);
	EXPECT_EQ(a, b);
	std::set<uint64_t> seen;
	for (uint64_t s = 2; s < 12; s++)
		seen.insert(due_for(s));
	EXPECT_GT(seen.size(), 3u);	// spread over the interval
}

TEST_F(ProxyTest, destroy_leaves_groups_upstream)
{
	make();
	join(1, G1);
	join(2, G2);
	run_until(now + 5000);
	reports();
	proto_igmp_proxy_destroy(px, now);
	px = nullptr;
	EXPECT_EQ(reports(), (std::vector<Rec>{{IGMP_REC_TO_IN, G1, {}},
		{IGMP_REC_TO_IN, G2, {}}}));
	EXPECT_EQ(mgm_interface_owner(m, 0), nullptr);
	// IGMP memberships stay (re-added after the ownership change would
	// need the router; here they are gone from the proxy's ports)
}

// ----------------------------------------------------------------- table

TEST(ProtoTable, creates_modules_generically)
{
	mgm *m = mgm_create(nullptr);
	std::vector<Sent> sent;
	proto_env env{};
	env.mgm = m;
	env.igmp_ports = ports({1, 2});
	env.proxy_upstream = MF_PORT_ANY;
	env.send = send_cb;
	env.send_ctx = &sent;
	proto_set set;
	ASSERT_EQ(proto_set_create(&set, &env), 0);
	EXPECT_NE(proto_set_get(&set, "igmp_local"), nullptr);
	EXPECT_NE(proto_set_get(&set, "static"), nullptr);
	EXPECT_EQ(proto_set_get(&set, "igmp_proxy"), nullptr);	// not asked
	EXPECT_EQ(proto_set_get(&set, "nope"), nullptr);
	proto_set_destroy(&set);
	// with a proxy
	env.proxy_upstream = 0;
	env.proxy_downstream = ports({1, 2});
	ASSERT_EQ(proto_set_create(&set, &env), 0);
	EXPECT_NE(proto_set_get(&set, "igmp_proxy"), nullptr);
	EXPECT_NE(mgm_interface_owner(m, 0), nullptr);
	proto_set_destroy(&set);
	EXPECT_EQ(mgm_interface_owner(m, 0), nullptr);
	// a failing module undoes the ones before it
	mgm_proto *other;
	mgm_proto_reg reg{};
	reg.proto_id = 900;
	ASSERT_EQ(mgm_register(m, &reg, &other), 0);
	ASSERT_EQ(mgm_take_interface(m, other, 2), 0);
	EXPECT_EQ(proto_set_create(&set, &env), -EBUSY);
	EXPECT_FALSE(mgm_interface_igmp(m, 1));
	mgm_destroy(m);
}

} // namespace
