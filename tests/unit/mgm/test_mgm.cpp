// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of lib/mgm: the group manager contract, rule by rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mgm.h"

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

mf_portset_t
ports(std::initializer_list<int> l)
{
	mf_portset_t s = 0;
	for (int p : l)
		s |= MF_PORTSET_BIT(p);
	return s;
}

std::string
hex(uint32_t a)
{
	char b[32];
	snprintf(b, sizeof(b), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		(a >> 8) & 255, a & 255);
	return b;
}

struct Fixture;

// One fake protocol: records every callback as a line in the shared log.
struct Proto {
	Fixture *fx = nullptr;
	std::string name;
	mgm_proto *h = nullptr;
	// behaviour knobs
	int rpf_rc = 0;
	uint16_t rpf_iif = MF_PORT_ANY;	// ANY: keep
	mf_portset_t creation_clear = 0;
	std::function<void(const std::string &)> hook;	// runs inside callbacks
};

struct Fixture {
	mgm *m = nullptr;
	std::vector<std::string> log;
	int depth = 0;		// callbacks running now (must stay <= 1)
	int max_depth = 0;
	// stats callback
	std::map<std::pair<uint32_t, uint32_t>, uint64_t> in_pkts;
	int stats_calls = 0;
};


void
enter(Proto *p, const std::string &what)
{
	Fixture *fx = p->fx;
	fx->depth++;
	fx->max_depth = std::max(fx->max_depth, fx->depth);
	fx->log.push_back(p->name + ":" + what);
	if (p->hook)
		p->hook(what);
	fx->depth--;
}

std::string
sg(uint32_t s, uint32_t g)
{
	return (s ? hex(s) : std::string("*")) + "," + hex(g);
}

void
cb_local_join(void *c, uint16_t port, uint32_t s, uint32_t g, unsigned f)
{
	enter((Proto *)c, "local_join(" + std::to_string(port) + "," + sg(s, g) +
		(f & MGM_LOCAL_BLOCK ? ",block" : "") + ")");
}
void
cb_local_leave(void *c, uint16_t port, uint32_t s, uint32_t g, unsigned f)
{
	enter((Proto *)c, "local_leave(" + std::to_string(port) + "," + sg(s, g) +
		(f & MGM_LOCAL_BLOCK ? ",block" : "") + ")");
}
void
cb_join_alert(void *c, uint32_t s, uint32_t g)
{
	enter((Proto *)c, "join_alert(" + sg(s, g) + ")");
}
void
cb_prune_alert(void *c, uint32_t s, uint32_t g)
{
	enter((Proto *)c, "prune_alert(" + sg(s, g) + ")");
}
void
cb_creation(void *c, uint32_t s, uint32_t g, uint16_t iif, mf_portset_t *o)
{
	Proto *p = (Proto *)c;
	char b[64];
	snprintf(b, sizeof(b), ",iif=%u,oifs=%#llx)", iif,
		(unsigned long long)*o);
	enter(p, "creation_alert(" + sg(s, g) + b);
	*o &= ~p->creation_clear;
}
void
cb_deletion(void *c, uint32_t s, uint32_t g)
{
	enter((Proto *)c, "deletion_alert(" + sg(s, g) + ")");
}
int
cb_rpf(void *c, uint32_t s, uint32_t g, uint16_t *iif, uint32_t *up)
{
	Proto *p = (Proto *)c;
	enter(p, "rpf(" + sg(s, g) + ",iif=" + std::to_string(*iif) + ")");
	if (p->rpf_iif != MF_PORT_ANY)
		*iif = p->rpf_iif;
	*up = ip(198, 18, 9, 9);
	return p->rpf_rc;
}
void
cb_wrongif(void *c, uint32_t s, uint32_t g, uint16_t in, uint16_t iif)
{
	enter((Proto *)c, "wrong_if(" + sg(s, g) + ",in=" + std::to_string(in) +
		",iif=" + std::to_string(iif) + ")");
}
void
cb_disable(void *c, uint16_t port)
{
	enter((Proto *)c, "disable_igmp(" + std::to_string(port) + ")");
}
void
cb_enable(void *c, uint16_t port)
{
	enter((Proto *)c, "enable_igmp(" + std::to_string(port) + ")");
}

const mgm_proto_ops all_ops = {
	cb_local_join, cb_local_leave, cb_join_alert, cb_prune_alert,
	cb_creation, cb_deletion, cb_rpf, cb_wrongif, cb_disable, cb_enable,
};

int
stats_cb(void *ctx, uint32_t s, uint32_t g, struct mgm_mfe_stats *out)
{
	Fixture *fx = (Fixture *)ctx;
	fx->stats_calls++;
	auto it = fx->in_pkts.find({s, g});
	if (it == fx->in_pkts.end())
		return -ENOENT;
	out->in_pkts = it->second;
	out->in_bytes = it->second * 100;
	return 0;
}

class MgmTest : public ::testing::Test {
protected:
	Fixture fx;
	Proto igmp, a, b, c;

	void SetUp() override
	{
		mgm_config cfg{};
		cfg.mfe_timeout_ms = 10000;
		cfg.wrongif_interval_ms = 1000;
		cfg.mfe_stats = stats_cb;
		cfg.stats_ctx = &fx;
		fx.m = mgm_create(&cfg);
		ASSERT_NE(fx.m, nullptr);
		reg(igmp, "igmp", MGM_PROTO_IGMP);
		reg(a, "A", 100);
		reg(b, "B", 101);
		reg(c, "C", 102);
	}
	void TearDown() override
	{
		EXPECT_LE(fx.max_depth, 1) << "a callback ran re-entrantly";
		mgm_destroy(fx.m);
	}
	void reg(Proto &p, const char *name, uint32_t id)
	{
		p.fx = &fx;
		p.name = name;
		mgm_proto_reg r{};
		r.proto_id = id;
		r.component_id = 1;
		r.ops = &all_ops;
		r.ctx = &p;
		ASSERT_EQ(mgm_register(fx.m, &r, &p.h), 0);
	}
	std::vector<std::string> take_log()
	{
		std::vector<std::string> l;
		l.swap(fx.log);
		return l;
	}
	mgm_fwd_entry fwd(uint32_t s, uint32_t g, int expect_rc = 0)
	{
		mgm_fwd_entry e{};
		EXPECT_EQ(mgm_fwd_get(fx.m, s, g, &e), expect_rc)
			<< sg(s, g);
		return e;
	}
	std::set<std::pair<uint32_t, uint32_t>> drain()
	{
		std::set<std::pair<uint32_t, uint32_t>> out;
		mf_key k[4];
		unsigned n;
		do {
			n = mgm_fwd_drain_dirty(fx.m, k, 4);
			for (unsigned i = 0; i < n; i++) {
				EXPECT_TRUE(out.insert({k[i].src, k[i].grp}).second)
					<< "key drained twice";
			}
		} while (n == 4);
		return out;
	}
};

using Log = std::vector<std::string>;

// ---------------------------------------------------------------- errors

TEST_F(MgmTest, register_error_codes)
{
	mgm_proto *h;
	mgm_proto_reg r{};
	r.proto_id = 100;
	r.component_id = 1;
	EXPECT_EQ(mgm_register(fx.m, &r, &h), -EEXIST);	// duplicate
	r.component_id = 2;
	EXPECT_EQ(mgm_register(fx.m, &r, &h), 0);		// other component
	r.proto_id = MGM_PROTO_IGMP;
	r.component_id = 7;
	EXPECT_EQ(mgm_register(fx.m, &r, &h), -EEXIST);	// second IGMP
	EXPECT_EQ(mgm_register(fx.m, nullptr, &h), -EINVAL);
	int ok = 0;
	for (uint32_t id = 200; id < 220; id++) {
		r.proto_id = id;
		int rc = mgm_register(fx.m, &r, &h);
		if (rc == 0)
			ok++;
		else
			EXPECT_EQ(rc, -ENOSPC);
	}
	EXPECT_EQ(ok, MGM_MAX_PROTOS - 5);
}

TEST_F(MgmTest, deregister_busy_while_owning)
{
	ASSERT_EQ(mgm_take_interface(fx.m, a.h, 3), 0);
	EXPECT_EQ(mgm_deregister(fx.m, a.h), -EBUSY);
	ASSERT_EQ(mgm_take_interface(fx.m, igmp.h, 3), 0);
	EXPECT_EQ(mgm_deregister(fx.m, igmp.h), -EBUSY);	// IGMP runs there
	ASSERT_EQ(mgm_release_interface(fx.m, a.h, 3), 0);
	EXPECT_EQ(mgm_deregister(fx.m, a.h), 0);
	EXPECT_EQ(mgm_deregister(fx.m, a.h), -EINVAL);	// stale handle
	ASSERT_EQ(mgm_release_interface(fx.m, igmp.h, 3), 0);
	EXPECT_EQ(mgm_deregister(fx.m, igmp.h), 0);
}

struct OwnStep {
	const char *what;
	char who;	// 'A', 'B', 'I' (igmp)
	bool take;
	uint16_t port;
	int rc;
	char owner_after;	// '-' none
};

TEST_F(MgmTest, ownership_rules_table)
{
	const OwnStep steps[] = {
		{"A takes 1", 'A', true, 1, 0, 'A'},
		{"A again", 'A', true, 1, -EEXIST, 'A'},
		{"B on A's port", 'B', true, 1, -EBUSY, 'A'},
		{"IGMP shares", 'I', true, 1, 0, 'A'},
		{"IGMP twice", 'I', true, 1, -EEXIST, 'A'},
		{"B releases A's port", 'B', false, 1, -ENOENT, 'A'},
		{"bad port", 'A', true, MF_MAX_PORTS, -EINVAL, '-'},
		{"A releases", 'A', false, 1, 0, '-'},
		{"B takes", 'B', true, 1, 0, 'B'},
		{"IGMP releases", 'I', false, 1, 0, 'B'},
		{"IGMP releases again", 'I', false, 1, -ENOENT, 'B'},
	};
	for (const auto &s : steps) {
		Proto *p = s.who == 'A' ? &a : s.who == 'B' ? &b : &igmp;
		int rc = s.take ? mgm_take_interface(fx.m, p->h, s.port)
				: mgm_release_interface(fx.m, p->h, s.port);
		EXPECT_EQ(rc, s.rc) << s.what;
		mgm_proto *o = mgm_interface_owner(fx.m, s.port);
		mgm_proto *want = s.owner_after == 'A' ? a.h :
			s.owner_after == 'B' ? b.h : nullptr;
		EXPECT_EQ(o, want) << s.what;
	}
	EXPECT_EQ(mgm_interface_igmp(fx.m, 1), 0);
}

TEST_F(MgmTest, membership_error_codes)
{
	struct {
		const char *what;
		bool add;
		uint16_t port;
		uint32_t s, g;
		mgm_member_flavour f;
		int rc;
	} t[] = {
		{"add", true, 1, 0, G1, MGM_JOIN, 0},
		{"dup", true, 1, 0, G1, MGM_JOIN, -EEXIST},
		{"other flavour", true, 1, 0, G1, MGM_FORWARD, 0},
		{"not multicast", true, 1, 0, S1, MGM_JOIN, -EINVAL},
		{"bad port", true, MF_MAX_PORTS, 0, G1, MGM_JOIN, -EINVAL},
		{"block without source", true, 1, 0, G1, MGM_SOURCE_BLOCK,
		 -EINVAL},
		/* 0 is no flavour; a value outside the enum's range (0..3 in
		 * C++) would be undefined behaviour, which UBSan reports. */
		{"bad flavour", true, 1, 0, G1, (mgm_member_flavour)0, -EINVAL},
		{"del missing", false, 2, 0, G1, MGM_JOIN, -ENOENT},
		{"del missing key", false, 1, S1, G2, MGM_JOIN, -ENOENT},
		{"del", false, 1, 0, G1, MGM_JOIN, 0},
		{"del again", false, 1, 0, G1, MGM_JOIN, -ENOENT},
	};
	for (const auto &x : t) {
		int rc = x.add ? mgm_add_membership(fx.m, a.h, x.port, x.s, x.g, x.f)
			: mgm_del_membership(fx.m, a.h, x.port, x.s, x.g, x.f);
		EXPECT_EQ(rc, x.rc) << x.what;
	}
}

// ------------------------------------------------------------ alerts

struct AlertStep {
	char who;
	bool add;
	uint16_t port;
	Log expect;
};

TEST_F(MgmTest, star_g_join_and_prune_alert_rules)
{
	const std::string g = "*," + hex(G1);
	// first alerts all others, second only the first, later nobody;
	// prune mirrors it
	const AlertStep steps[] = {
		{'A', true, 1, {"igmp:join_alert(" + g + ")",
			"B:join_alert(" + g + ")", "C:join_alert(" + g + ")"}},
		{'A', true, 2, {}},	// same protocol, more ports: no alert
		{'B', true, 3, {"A:join_alert(" + g + ")"}},
		{'C', true, 4, {}},
		{'C', false, 4, {}},
		{'B', false, 3, {"A:prune_alert(" + g + ")"}},
		{'A', false, 1, {}},
		{'A', false, 2, {"igmp:prune_alert(" + g + ")",
			"B:prune_alert(" + g + ")", "C:prune_alert(" + g + ")"}},
	};
	int i = 0;
	for (const auto &s : steps) {
		Proto *p = s.who == 'A' ? &a : s.who == 'B' ? &b : &c;
		int rc = s.add ? mgm_add_membership(fx.m, p->h, s.port, 0, G1, MGM_JOIN)
			: mgm_del_membership(fx.m, p->h, s.port, 0, G1, MGM_JOIN);
		ASSERT_EQ(rc, 0) << "step " << i;
		EXPECT_EQ(take_log(), s.expect) << "step " << i;
		i++;
	}
}

TEST_F(MgmTest, forward_flavour_raises_no_alert)
{
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 1, 0, G1, MGM_FORWARD), 0);
	EXPECT_EQ(take_log(), Log{});
	EXPECT_EQ(fwd(0, G1).oifs, ports({1}));
}

TEST_F(MgmTest, igmp_on_owned_port_tells_owner_and_counts_for_it)
{
	ASSERT_EQ(mgm_take_interface(fx.m, a.h, 1), 0);
	take_log();
	const std::string g = "*," + hex(G1);
	// IGMP joins on A's port: A hears local join; the receivers count
	// for A, so everybody but A hears the join alert (IGMP included)
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 1, 0, G1, MGM_JOIN), 0);
	EXPECT_EQ(take_log(), (Log{"A:local_join(1," + g + ")",
		"igmp:join_alert(" + g + ")", "B:join_alert(" + g + ")",
		"C:join_alert(" + g + ")"}));
	// an EXCLUDE block is a local join with the block flag
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 1, S1, G1, MGM_SOURCE_BLOCK), 0);
	EXPECT_EQ(take_log(), (Log{"A:local_join(1," + sg(S1, G1) + ",block)"}));
	// IGMP on a port nobody owns: no local join, IGMP is the receiver
	// protocol: second protocol -> only the first (A) hears
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G1, MGM_JOIN), 0);
	EXPECT_EQ(take_log(), (Log{"A:join_alert(" + g + ")"}));
	ASSERT_EQ(mgm_del_membership(fx.m, igmp.h, 1, S1, G1, MGM_SOURCE_BLOCK), 0);
	EXPECT_EQ(take_log(), (Log{"A:local_leave(1," + sg(S1, G1) + ",block)"}));
	ASSERT_EQ(mgm_del_membership(fx.m, igmp.h, 1, 0, G1, MGM_JOIN), 0);
	EXPECT_EQ(take_log(), (Log{"A:local_leave(1," + g + ")",
		"igmp:prune_alert(" + g + ")"}));
}

TEST_F(MgmTest, s_g_alert_goes_only_to_owner_towards_source)
{
	// B owns port 5 (towards S1). Traffic from S1 made the MFE.
	ASSERT_EQ(mgm_take_interface(fx.m, b.h, 5), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 1, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_new_source(fx.m, S1, G1, 5, 0), 0);
	take_log();
	// A joins (S1,G1): only B (owner of the MFE's iif) hears it
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 2, S1, G1, MGM_JOIN), 0);
	EXPECT_EQ(take_log(), (Log{"B:join_alert(" + sg(S1, G1) + ")"}));
	ASSERT_EQ(mgm_add_membership(fx.m, c.h, 3, S1, G1, MGM_JOIN), 0);
	EXPECT_EQ(take_log(), Log{});	// not the first
	ASSERT_EQ(mgm_del_membership(fx.m, c.h, 3, S1, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_del_membership(fx.m, a.h, 2, S1, G1, MGM_JOIN), 0);
	EXPECT_EQ(take_log(), (Log{"B:prune_alert(" + sg(S1, G1) + ")"}));
	// no MFE for S2: the alert waits for the MFE, then goes to its owner
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 2, S2, G1, MGM_JOIN), 0);
	EXPECT_EQ(take_log(), Log{});
	ASSERT_EQ(mgm_new_source(fx.m, S2, G1, 5, 0), 0);
	Log l = take_log();
	EXPECT_NE(std::find(l.begin(), l.end(),
		"B:join_alert(" + sg(S2, G1) + ")"), l.end());
	EXPECT_EQ(l.front(), "B:rpf(" + sg(S2, G1) + ",iif=5)");
}

// ------------------------------------------------- outgoing set merging

struct MergeCase {
	const char *what;
	// memberships: proto ('I' igmp, 'A'), flavour, port, src
	struct M {
		char who;
		mgm_member_flavour f;
		uint16_t port;
		uint32_t src;
	};
	std::vector<M> ms;
	uint16_t mfe_iif;	// MF_PORT_ANY: no MFE
	mf_portset_t star_oifs;
	int sg_rc;
	mf_portset_t sg_oifs;
};

TEST_F(MgmTest, outgoing_set_merging_table)
{
	using M = MergeCase::M;
	const MergeCase cases[] = {
		{"(*,G) only: no (S,G) entry", {{'I', MGM_JOIN, 1, 0},
			{'I', MGM_JOIN, 2, 0}}, MF_PORT_ANY, ports({1, 2}),
			-ENOENT, 0},
		{"EXCLUDE block removes the port", {{'I', MGM_JOIN, 1, 0},
			{'I', MGM_JOIN, 2, 0}, {'I', MGM_SOURCE_BLOCK, 1, S1}},
			MF_PORT_ANY, ports({1, 2}), 0, ports({2})},
		{"(S,G) join adds to (*,G)", {{'I', MGM_JOIN, 1, 0},
			{'I', MGM_JOIN, 3, S1}}, MF_PORT_ANY, ports({1}), 0,
			ports({1, 3})},
		{"INCLUDE only", {{'I', MGM_JOIN, 3, S1}}, MF_PORT_ANY, 0,
			0, ports({3})},
		{"block does not take another protocol's port",
			{{'I', MGM_JOIN, 1, 0}, {'A', MGM_FORWARD, 1, 0},
			 {'I', MGM_SOURCE_BLOCK, 1, S1}}, MF_PORT_ANY,
			ports({1}), 0, ports({1})},
		{"block of all ports leaves a negative entry",
			{{'I', MGM_JOIN, 1, 0}, {'I', MGM_SOURCE_BLOCK, 1, S1}},
			MF_PORT_ANY, ports({1}), 0, 0},
		{"incoming port is never outgoing", {{'I', MGM_JOIN, 1, 0},
			{'I', MGM_JOIN, 2, 0}, {'A', MGM_FORWARD, 4, S1}}, 2,
			ports({1, 2}), 0, ports({1, 4})},
		{"block and join of same port: join wins",
			{{'I', MGM_JOIN, 1, 0}, {'I', MGM_SOURCE_BLOCK, 1, S1},
			 {'A', MGM_JOIN, 1, S1}}, MF_PORT_ANY, ports({1}), 0,
			ports({1})},
	};
	for (const auto &cs : cases) {
		mgm *m = fx.m;
		for (const M &x : cs.ms) {
			Proto *p = x.who == 'I' ? &igmp : &a;
			ASSERT_EQ(mgm_add_membership(m, p->h, x.port, x.src, G1,
				x.f), 0) << cs.what;
		}
		if (cs.mfe_iif != MF_PORT_ANY) {
			ASSERT_EQ(mgm_new_source(m, S1, G1, cs.mfe_iif, 0), 0);
		}
		mgm_fwd_entry e = fwd(0, G1, cs.star_oifs ? 0 : -ENOENT);
		if (cs.star_oifs) {
			EXPECT_EQ(e.oifs, cs.star_oifs) << cs.what;
			EXPECT_EQ(e.iif, MF_PORT_ANY) << cs.what;
			EXPECT_TRUE(e.flags & MGM_FWD_NOTIFY_NEW_SOURCE);
		}
		mgm_fwd_entry f{};
		EXPECT_EQ(mgm_fwd_get(m, S1, G1, &f), cs.sg_rc) << cs.what;
		if (cs.sg_rc == 0) {
			EXPECT_EQ(f.oifs, cs.sg_oifs) << cs.what;
			EXPECT_EQ(f.iif, cs.mfe_iif) << cs.what;
			EXPECT_EQ(!!(f.flags & MGM_FWD_NOTIFY_NEW_SOURCE),
				cs.mfe_iif == MF_PORT_ANY) << cs.what;
		}
		// undo, and check everything left the view
		if (cs.mfe_iif != MF_PORT_ANY) {
			ASSERT_EQ(mgm_mfe_delete(m, S1, G1), 0);
		}
		for (const M &x : cs.ms) {
			Proto *p = x.who == 'I' ? &igmp : &a;
			ASSERT_EQ(mgm_del_membership(m, p->h, x.port, x.src, G1,
				x.f), 0) << cs.what;
		}
		fwd(0, G1, -ENOENT);
		fwd(S1, G1, -ENOENT);
		drain();
		take_log();
	}
}

// ------------------------------------------------------- dirty keys

TEST_F(MgmTest, dirty_keys_once_per_change_and_only_on_change)
{
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 1, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 1, S1, G1, MGM_SOURCE_BLOCK), 0);
	EXPECT_EQ(mgm_fwd_dirty_count(fx.m), 2u);
	auto d = drain();
	EXPECT_EQ(d, (std::set<std::pair<uint32_t, uint32_t>>{{0, G1}, {S1, G1}}));
	// same outgoing set through another protocol: nothing changes
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 2, 0, G1, MGM_FORWARD), 0);
	EXPECT_EQ(mgm_fwd_dirty_count(fx.m), 0u);
	// a (*,G) change reaches its (S,G) entries
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 3, 0, G1, MGM_JOIN), 0);
	EXPECT_EQ(drain(), (std::set<std::pair<uint32_t, uint32_t>>{{0, G1}, {S1, G1}}));
	EXPECT_EQ(fwd(S1, G1).oifs, ports({2, 3}));
	// removal: dirty, then gone from the view
	ASSERT_EQ(mgm_del_membership(fx.m, igmp.h, 1, S1, G1, MGM_SOURCE_BLOCK), 0);
	EXPECT_EQ(drain(), (std::set<std::pair<uint32_t, uint32_t>>{{S1, G1}}));
	fwd(S1, G1, -ENOENT);
	// add then remove between drains: one dirty key, reads -ENOENT
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 4, S2, G2, MGM_JOIN), 0);
	ASSERT_EQ(mgm_del_membership(fx.m, igmp.h, 4, S2, G2, MGM_JOIN), 0);
	EXPECT_EQ(drain(), (std::set<std::pair<uint32_t, uint32_t>>{{S2, G2}}));
	fwd(S2, G2, -ENOENT);
}

TEST_F(MgmTest, burst_of_changes_gives_bounded_dirty_keys)
{
	// 10k membership changes over 100 groups: at most 100 dirty keys
	for (int round = 0; round < 50; round++) {
		for (uint32_t g = 0; g < 100; g++) {
			ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, round % 2,
				0, G1 + g, MGM_JOIN), 0);
			ASSERT_EQ(mgm_del_membership(fx.m, igmp.h, round % 2,
				0, G1 + g, MGM_JOIN), 0);
		}
	}
	EXPECT_LE(mgm_fwd_dirty_count(fx.m), 100u);
	EXPECT_EQ(drain().size(), 100u);
	EXPECT_EQ(mgm_fwd_dirty_count(fx.m), 0u);
}

// ------------------------------------------------ new source, MFEs

TEST_F(MgmTest, new_source_creates_mfe_with_rpf_and_creation_alerts)
{
	// no state for G: a stale record
	EXPECT_EQ(mgm_new_source(fx.m, S1, G1, 1, 0), -ENOENT);
	EXPECT_EQ(mgm_new_source(fx.m, 0, G1, 1, 0), -EINVAL);
	ASSERT_EQ(mgm_take_interface(fx.m, a.h, 1), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, b.h, 3, 0, G1, MGM_FORWARD), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, b.h, 4, 0, G1, MGM_FORWARD), 0);
	b.creation_clear = ports({4});	// B disables its port 4
	take_log();
	drain();
	ASSERT_EQ(mgm_new_source(fx.m, S1, G1, 1, 1000), 0);
	EXPECT_EQ(take_log(), (Log{"A:rpf(" + sg(S1, G1) + ",iif=1)",
		"igmp:creation_alert(" + sg(S1, G1) + ",iif=1,oifs=0x4)",
		"B:creation_alert(" + sg(S1, G1) + ",iif=1,oifs=0x18)"}));
	mgm_fwd_entry e = fwd(S1, G1);
	EXPECT_EQ(e.iif, 1);
	EXPECT_EQ(e.oifs, ports({2, 3}));
	EXPECT_EQ(e.flags, MGM_FWD_MFE);
	mgm_mfe_info info;
	ASSERT_EQ(mgm_mfe_get(fx.m, S1, G1, &info), 0);
	EXPECT_EQ(info.upstream, ip(198, 18, 9, 9));
	EXPECT_EQ(info.disabled, ports({4}));
	EXPECT_EQ(info.created_ms, 1000u);
	EXPECT_EQ(info.timeout_ms, 10000u);
	EXPECT_EQ(drain().count({S1, G1}), 1u);
	EXPECT_EQ(mgm_new_source(fx.m, S1, G1, 1, 0), -EEXIST);
	EXPECT_EQ(mgm_mfe_count(fx.m), 1u);
}

TEST_F(MgmTest, rpf_may_change_iif_or_refuse)
{
	ASSERT_EQ(mgm_take_interface(fx.m, a.h, 1), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 3, 0, G1, MGM_JOIN), 0);
	a.rpf_iif = 2;
	ASSERT_EQ(mgm_new_source(fx.m, S1, G1, 1, 0), 0);
	mgm_fwd_entry e = fwd(S1, G1);
	EXPECT_EQ(e.iif, 2);
	EXPECT_EQ(e.oifs, ports({3}));
	a.rpf_iif = MF_PORT_ANY;
	a.rpf_rc = -1;		// negative MFE: drop
	ASSERT_EQ(mgm_new_source(fx.m, S2, G1, 1, 0), 0);
	e = fwd(S2, G1);
	EXPECT_EQ(e.iif, 1);
	EXPECT_EQ(e.oifs, 0u);
	// no owner on the arrival port: no RPF, arrival port kept
	take_log();
	ASSERT_EQ(mgm_new_source(fx.m, ip(198, 18, 0, 3), G1, 3, 0), 0);
	EXPECT_EQ(fwd(ip(198, 18, 0, 3), G1).oifs, ports({2}));
	for (auto &l : take_log())
		EXPECT_EQ(l.find("rpf"), std::string::npos) << l;
}

TEST_F(MgmTest, wrong_interface_is_rate_limited_and_counted)
{
	ASSERT_EQ(mgm_take_interface(fx.m, b.h, 4), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_new_source(fx.m, S1, G1, 1, 0), 0);
	EXPECT_EQ(mgm_wrong_interface(fx.m, S2, G1, 4, 0), -ENOENT);
	take_log();
	struct {
		uint64_t t;
		int rc;
	} t[] = {{10, 1}, {500, 0}, {1009, 0}, {1010, 1}, {1011, 0},
		{5000, 1}};
	for (auto &x : t)
		EXPECT_EQ(mgm_wrong_interface(fx.m, S1, G1, 4, x.t), x.rc)
			<< x.t;
	EXPECT_EQ(take_log(), (Log{"B:wrong_if(" + sg(S1, G1) + ",in=4,iif=1)",
		"B:wrong_if(" + sg(S1, G1) + ",in=4,iif=1)",
		"B:wrong_if(" + sg(S1, G1) + ",in=4,iif=1)"}));
	mgm_mfe_info info;
	ASSERT_EQ(mgm_mfe_get(fx.m, S1, G1, &info), 0);
	EXPECT_EQ(info.wrong_if_records, 6u);
	EXPECT_EQ(info.wrong_if_callbacks, 3u);
	// arrival port with no owner and iif with no owner: counted only
	EXPECT_EQ(mgm_wrong_interface(fx.m, S1, G1, 3, 9000), 0);
}

TEST_F(MgmTest, tick_some_checks_a_slice_at_a_time_and_starts_over)
{
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G1, MGM_JOIN), 0);
	for (uint32_t i = 0; i < 6; i++)
		ASSERT_EQ(mgm_new_source(fx.m, S1 + i, G1, 1, 0), 0);
	drain();
	take_log();
	ASSERT_EQ(mgm_mfe_count(fx.m), 6u);
	// Not idle long enough yet: a whole pass expires nothing.
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(mgm_tick_some(fx.m, 1000, 3), 0u);
	// All idle past the timeout: slices of at most 3 keys.
	unsigned int total = 0, calls = 0, got;
	while (total < 6 && calls < 10) {
		got = mgm_tick_some(fx.m, 100000, 3);
		EXPECT_LE(got, 3u);
		total += got;
		calls++;
	}
	EXPECT_EQ(total, 6u);
	EXPECT_GE(calls, 2u);
	EXPECT_EQ(mgm_mfe_count(fx.m), 0u);
	EXPECT_EQ(drain().size(), 6u);
	EXPECT_EQ(mgm_tick_some(fx.m, 200000, 3), 0u);
}

TEST_F(MgmTest, mfe_expires_when_in_packets_stop)
{
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_new_source(fx.m, S1, G1, 1, 0), 0);
	ASSERT_EQ(mgm_mfe_add(fx.m, a.h, S2, G1, 1, 0, 0), 0);	// never
	drain();
	take_log();
	// timeout 10 s; packets move until t = 4 s
	struct {
		uint64_t t;
		uint64_t pkts;
		unsigned expired;
		unsigned mfes;
	} t[] = {
		{1000, 5, 0, 2}, {2000, 9, 0, 2}, {4000, 12, 0, 2},
		{13999, 12, 0, 2}, {14000, 12, 1, 1}, {100000, 12, 0, 1},
	};
	for (auto &x : t) {
		fx.in_pkts[{S1, G1}] = x.pkts;
		EXPECT_EQ(mgm_tick(fx.m, x.t), x.expired) << x.t;
		EXPECT_EQ(mgm_mfe_count(fx.m), x.mfes) << x.t;
	}
	fwd(S1, G1, -ENOENT);
	EXPECT_EQ(drain().count({S1, G1}), 1u);
	Log l = take_log();
	EXPECT_NE(std::find(l.begin(), l.end(),
		"igmp:deletion_alert(" + sg(S1, G1) + ")"), l.end());
	struct mgm_mfe_stats st;
	EXPECT_EQ(mgm_mfe_get_stats(fx.m, S1, G1, &st), -ENOENT);
	fx.in_pkts[{S2, G1}] = 77;
	ASSERT_EQ(mgm_mfe_get_stats(fx.m, S2, G1, &st), 0);
	EXPECT_EQ(st.in_pkts, 77u);
	EXPECT_EQ(st.in_bytes, 7700u);
}

TEST_F(MgmTest, mfe_walk_in_group_source_order_resumable)
{
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G2, MGM_JOIN), 0);
	std::vector<std::pair<uint32_t, uint32_t>> want;	// (grp, src)
	uint32_t srcs[] = {ip(198, 18, 0, 9), ip(198, 18, 0, 1),
		ip(192, 0, 2, 7), ip(198, 19, 1, 1), ip(198, 18, 0, 5)};
	for (uint32_t g : {G2, G1}) {
		for (uint32_t s : srcs) {
			ASSERT_EQ(mgm_new_source(fx.m, s, g, 1, 0), 0);
			want.push_back({g, s});
		}
	}
	ASSERT_EQ(mgm_mfe_add(fx.m, a.h, 0, G2, 3, 0, 0), 0);	// (*,G2)
	want.push_back({G2, 0});
	std::sort(want.begin(), want.end());
	for (unsigned max : {1u, 3u, 4u, 20u}) {
		std::vector<std::pair<uint32_t, uint32_t>> got;
		mgm_mfe_info buf[20];
		mf_key cur{};
		const mf_key *after = nullptr;
		unsigned n;
		do {
			n = mgm_mfe_walk(fx.m, after, buf, max);
			for (unsigned i = 0; i < n; i++)
				got.push_back({buf[i].grp, buf[i].src});
			if (n > 0) {
				cur = {buf[n - 1].src, buf[n - 1].grp};
				after = &cur;
			}
		} while (n == max);
		EXPECT_EQ(got, want) << "page " << max;
	}
	// resume after a key that is not an MFE
	mf_key k = {ip(198, 18, 0, 2), G1};
	mgm_mfe_info one;
	ASSERT_EQ(mgm_mfe_walk(fx.m, &k, &one, 1), 1u);
	EXPECT_EQ(one.src, ip(198, 18, 0, 5));
}

TEST_F(MgmTest, protocol_mfe_sets_iif_and_star_entry)
{
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 2, 0, G1, MGM_FORWARD), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 3, 0, G1, MGM_FORWARD), 0);
	ASSERT_EQ(mgm_mfe_add(fx.m, a.h, 0, G1, 3, 0, 0), 0);
	mgm_fwd_entry e = fwd(0, G1);
	EXPECT_EQ(e.iif, 3);
	EXPECT_EQ(e.oifs, ports({2}));
	EXPECT_EQ(mgm_mfe_add(fx.m, a.h, 0, G1, 2, 0, 0), 1);	// update
	EXPECT_EQ(fwd(0, G1).oifs, ports({3}));
	EXPECT_EQ(mgm_mfe_set_iif(fx.m, 0, G1, MF_PORT_ANY), 0);
	EXPECT_EQ(fwd(0, G1).oifs, ports({2, 3}));
	EXPECT_EQ(mgm_mfe_set_iif(fx.m, 0, G1, 40), -EINVAL);
	EXPECT_EQ(mgm_mfe_set_iif(fx.m, S1, G1, 1), -ENOENT);
	EXPECT_EQ(mgm_mfe_set_upstream(fx.m, 0, G1, ip(192, 0, 2, 1)), 0);
	mgm_mfe_info info;
	ASSERT_EQ(mgm_mfe_get(fx.m, 0, G1, &info), 0);
	EXPECT_EQ(info.upstream, ip(192, 0, 2, 1));
	EXPECT_EQ(info.creator_id, 100u);
}

// ------------------------------------- ownership and IGMP disable/enable

TEST_F(MgmTest, ownership_change_runs_igmp_disable_enable_and_readds)
{
	// IGMP runs on port 1 and has a membership there. On enable it
	// re-adds what it knows, as igmp_local does through the router.
	ASSERT_EQ(mgm_take_interface(fx.m, igmp.h, 1), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 1, 0, G1, MGM_JOIN), 0);
	igmp.hook = [&](const std::string &w) {
		if (w == "enable_igmp(1)") {
			EXPECT_EQ(mgm_add_membership(fx.m, igmp.h, 1, 0, G1,
				MGM_JOIN), 0);
		}
	};
	take_log();
	ASSERT_EQ(mgm_take_interface(fx.m, a.h, 1), 0);
	const std::string g = "*," + hex(G1);
	EXPECT_EQ(take_log(), (Log{
		// removal while IGMP was its own receiver protocol
		"A:prune_alert(" + g + ")", "B:prune_alert(" + g + ")",
		"C:prune_alert(" + g + ")",
		"igmp:disable_igmp(1)", "igmp:enable_igmp(1)",
		// re-added: now A's receivers
		"A:local_join(1," + g + ")",
		"igmp:join_alert(" + g + ")", "B:join_alert(" + g + ")",
		"C:join_alert(" + g + ")"}));
	EXPECT_EQ(fwd(0, G1).oifs, ports({1}));
	// the owner releases: same dance the other way
	igmp.hook = [&](const std::string &w) {
		if (w == "enable_igmp(1)") {
			EXPECT_EQ(mgm_add_membership(fx.m, igmp.h, 1, 0, G1,
				MGM_JOIN), 0);
		}
	};
	ASSERT_EQ(mgm_release_interface(fx.m, a.h, 1), 0);
	Log l = take_log();
	ASSERT_GE(l.size(), 3u);
	EXPECT_EQ(l[0], "A:local_leave(1," + g + ")");
	EXPECT_NE(std::find(l.begin(), l.end(), "igmp:disable_igmp(1)"), l.end());
	EXPECT_EQ(mgm_interface_owner(fx.m, 1), nullptr);
	EXPECT_EQ(fwd(0, G1).oifs, ports({1}));
}

TEST_F(MgmTest, release_removes_protocol_state_on_port)
{
	ASSERT_EQ(mgm_take_interface(fx.m, a.h, 1), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 1, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 2, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, b.h, 1, S1, G1, MGM_FORWARD), 0);
	ASSERT_EQ(mgm_new_source(fx.m, S2, G1, 1, 0), 0);	// iif 1
	ASSERT_EQ(mgm_mfe_add(fx.m, c.h, ip(198, 18, 0, 7), G1, 1, 0, 0), 0);
	ASSERT_EQ(mgm_release_interface(fx.m, a.h, 1), 0);
	mgm_mfe_info other;	// C's MFE with iif 1 is C's business
	EXPECT_EQ(mgm_mfe_get(fx.m, ip(198, 18, 0, 7), G1, &other), 0);
	EXPECT_EQ(fwd(0, G1).oifs, ports({2}));	// A's port 1 gone
	EXPECT_EQ(fwd(S1, G1).oifs, ports({1, 2}));	// B's stays
	mgm_mfe_info info;
	EXPECT_EQ(mgm_mfe_get(fx.m, S2, G1, &info), -ENOENT);
}

TEST_F(MgmTest, deregister_removes_memberships_and_mfes)
{
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 1, 0, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_mfe_add(fx.m, a.h, S1, G1, 3, 0, 0), 0);
	take_log();
	ASSERT_EQ(mgm_deregister(fx.m, a.h), 0);
	fwd(0, G1, -ENOENT);
	fwd(S1, G1, -ENOENT);
	EXPECT_EQ(mgm_mfe_count(fx.m), 0u);
	// A hears nothing more; the others hear the prune
	for (auto &l : take_log())
		EXPECT_NE(l.substr(0, 2), "A:") << l;
}

// ------------------------------------------- callbacks calling back in

TEST_F(MgmTest, nested_call_callbacks_run_after_current_one_returns)
{
	const std::string g1 = "*," + hex(G1), g2 = "*," + hex(G2);
	// B answers a join alert for G1 by joining G2 itself (a nested call);
	// the alerts that causes are delivered after B returns, after the
	// callbacks already queued (C's), and never inside B's callback.
	b.hook = [&](const std::string &w) {
		if (w == "join_alert(" + g1 + ")") {
			EXPECT_EQ(mgm_add_membership(fx.m, b.h, 5, 0, G2,
				MGM_JOIN), 0);
			// the state change is visible at once
			mgm_fwd_entry e;
			EXPECT_EQ(mgm_fwd_get(fx.m, 0, G2, &e), 0);
			fx.log.push_back("B:returned");
		}
	};
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 1, 0, G1, MGM_JOIN), 0);
	EXPECT_EQ(take_log(), (Log{"igmp:join_alert(" + g1 + ")",
		"B:join_alert(" + g1 + ")", "B:returned",
		"C:join_alert(" + g1 + ")",
		"igmp:join_alert(" + g2 + ")", "A:join_alert(" + g2 + ")",
		"C:join_alert(" + g2 + ")"}));
	EXPECT_EQ(fx.max_depth, 1);
}

TEST_F(MgmTest, callback_deleting_the_mfe_stops_its_pending_alerts)
{
	ASSERT_EQ(mgm_take_interface(fx.m, a.h, 1), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, 0, G1, MGM_JOIN), 0);
	a.hook = [&](const std::string &w) {
		if (w.rfind("rpf(", 0) == 0) {
			EXPECT_EQ(mgm_mfe_delete(fx.m, S1, G1), 0);
		}
	};
	take_log();
	ASSERT_EQ(mgm_new_source(fx.m, S1, G1, 1, 0), 0);
	Log l = take_log();
	for (auto &x : l)
		EXPECT_EQ(x.find("creation_alert"), std::string::npos) << x;
	EXPECT_EQ(mgm_mfe_count(fx.m), 0u);
}

TEST_F(MgmTest, deregistering_in_a_callback_drops_its_queued_callbacks)
{
	c.hook = [&](const std::string &) {};
	b.hook = [&](const std::string &w) {
		if (w.rfind("join_alert", 0) == 0) {
			EXPECT_EQ(mgm_deregister(fx.m, c.h), 0);
		}
	};
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 1, 0, G1, MGM_JOIN), 0);
	for (auto &x : take_log())
		EXPECT_NE(x.substr(0, 2), "C:") << x;
}

// ------------------------------------------------- enumeration

TEST_F(MgmTest, group_enumeration_and_membership_walk)
{
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 1, 0, G2, MGM_JOIN), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, S1, G1, MGM_JOIN), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, a.h, 3, 0, G1, MGM_FORWARD), 0);
	ASSERT_EQ(mgm_add_membership(fx.m, igmp.h, 2, S2, G1, MGM_SOURCE_BLOCK), 0);
	uint32_t g[4];
	ASSERT_EQ(mgm_group_enum(fx.m, nullptr, 0, g, 4), 2u);
	EXPECT_EQ(g[0], G1);
	EXPECT_EQ(g[1], G2);
	ASSERT_EQ(mgm_group_enum(fx.m, a.h, 0, g, 4), 1u);
	EXPECT_EQ(g[0], G1);
	ASSERT_EQ(mgm_group_enum(fx.m, nullptr, G1, g, 4), 1u);
	EXPECT_EQ(g[0], G2);
	mgm_membership_rec r[8];
	mf_key from = {UINT32_MAX, G1 - 1};
	ASSERT_EQ(mgm_membership_walk(fx.m, nullptr, &from, r, 8), 4u);
	EXPECT_EQ(r[0].src, 0u);
	EXPECT_EQ(r[0].forward, ports({3}));
	EXPECT_EQ(r[1].src, S1);
	EXPECT_EQ(r[1].join, ports({2}));
	EXPECT_EQ(r[2].src, S2);
	EXPECT_EQ(r[2].block, ports({2}));
	EXPECT_EQ(r[3].grp, G2);
	ASSERT_EQ(mgm_membership_walk(fx.m, a.h, nullptr, r, 8), 1u);
}

// The key store is cut into blocks of 256 (inserts and deletes move one
// block, not the whole sorted array): thousands of keys inserted and
// deleted in scattered order must still walk in (grp, src) order, (*,G)
// first, with every key found and no deleted one left.
TEST_F(MgmTest, key_store_keeps_order_through_scattered_inserts_and_deletes)
{
	const unsigned n = 6000;	// 1500 groups x 4 (src 0 = (*,G))
	auto key = [](unsigned i) {
		return std::make_pair(uint32_t(i % 4 == 0 ? 0 : 0xc6120000u + i % 4),
			uint32_t(0xe8000000u + i / 4));
	};
	std::set<std::pair<uint32_t, uint32_t>> want;	// (grp, src)
	for (unsigned j = 0; j < n; j++) {
		unsigned i = unsigned((uint64_t(j) * 7919) % n);
		auto k = key(i);
		ASSERT_EQ(mgm_mfe_add(fx.m, a.h, k.first, k.second, 1, 0, 0), 0) << j;
		want.insert({k.second, k.first});
	}
	auto check = [&]() {
		std::vector<std::pair<uint32_t, uint32_t>> got;
		mgm_mfe_info r[97];
		mf_key after{};
		unsigned got_n;
		const mf_key *ap = nullptr;
		do {
			got_n = mgm_mfe_walk(fx.m, ap, r, 97);
			for (unsigned x = 0; x < got_n; x++)
				got.push_back({r[x].grp, r[x].src});
			if (got_n > 0) {
				after.src = r[got_n - 1].src;
				after.grp = r[got_n - 1].grp;
				ap = &after;
			}
		} while (got_n == 97);
		ASSERT_EQ(got.size(), want.size());
		EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin()))
			<< "walk out of (grp, src) order or missing keys";
		EXPECT_EQ(mgm_mfe_count(fx.m), want.size());
	};
	check();
	drain();
	for (unsigned j = 0; j < n; j += 3) {
		unsigned i = unsigned((uint64_t(j) * 104729) % n);
		auto k = key(i);
		if (want.erase({k.second, k.first}) == 0)
			continue;
		ASSERT_EQ(mgm_mfe_delete(fx.m, k.first, k.second), 0) << j;
	}
	drain();	// frees the emptied keys
	check();
	for (unsigned i = 0; i < n; i++) {
		auto k = key(i);
		mgm_mfe_info info;
		EXPECT_EQ(mgm_mfe_get(fx.m, k.first, k.second, &info),
			want.count({k.second, k.first}) ? 0 : -ENOENT) << i;
	}
	// Deleting everything empties the store; it fills again.
	for (auto &k : std::vector<std::pair<uint32_t, uint32_t>>(want.begin(), want.end()))
		ASSERT_EQ(mgm_mfe_delete(fx.m, k.second, k.first), 0);
	want.clear();
	drain();
	check();
	ASSERT_EQ(mgm_mfe_add(fx.m, a.h, 0, 0xe9000001u, 1, 0, 0), 0);
	want.insert({0xe9000001u, 0});
	check();
}

} // namespace
