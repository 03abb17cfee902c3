/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the lib/igmp unit tests. */
#ifndef IGMP_TEST_UTIL_H
#define IGMP_TEST_UTIL_H

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <vector>

#include "igmp_codec.h"

constexpr uint32_t
ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return (a << 24) | (b << 16) | (c << 8) | d;
}

/* A zeroed igmp_msg on the heap (it is about 3 KB). */
inline std::unique_ptr<igmp_msg>
new_msg()
{
	std::unique_ptr<igmp_msg> m(new igmp_msg);
	std::memset(m.get(), 0, sizeof(*m));
	return m;
}

/* One v3 group record for make_v3_report(). */
struct test_rec {
	uint8_t type;
	uint32_t group;
	std::vector<uint32_t> srcs;
};

inline std::unique_ptr<igmp_msg>
make_v3_report(uint32_t src, std::initializer_list<test_rec> recs)
{
	auto m = new_msg();

	m->kind = IGMP_MSG_V3_REPORT;
	m->version = 3;
	m->src = src;
	m->dst = IGMP_V3_ROUTERS;
	m->ttl = 1;
	m->router_alert = 1;
	for (const auto &r : recs) {
		igmp_group_rec &g = m->recs[m->n_recs++];

		g.type = r.type;
		g.group = r.group;
		g.n_src = (uint16_t)r.srcs.size();
		g.first_src = m->n_srcs;
		for (uint32_t s : r.srcs)
			m->srcs[m->n_srcs++] = s;
	}
	return m;
}

inline std::unique_ptr<igmp_msg>
make_simple(uint8_t kind, uint32_t src, uint32_t group)
{
	auto m = new_msg();

	m->kind = kind;
	m->version = kind == IGMP_MSG_V1_REPORT ? 1 : 2;
	m->src = src;
	m->group = group;
	m->dst = kind == IGMP_MSG_V2_LEAVE ? IGMP_ALL_ROUTERS : group;
	m->ttl = 1;
	m->router_alert = kind != IGMP_MSG_V1_REPORT;
	return m;
}

inline std::unique_ptr<igmp_msg>
make_query(uint32_t src, uint8_t version, uint32_t group, std::vector<uint32_t> srcs = {},
	bool s_flag = false, uint8_t qrv = 0, uint32_t qqi_s = 0)
{
	auto m = new_msg();

	m->kind = IGMP_MSG_QUERY;
	m->version = version;
	m->src = src;
	m->group = group;
	m->dst = group == 0 ? IGMP_ALL_SYSTEMS : group;
	m->ttl = 1;
	m->router_alert = 1;
	m->s_flag = s_flag;
	m->qrv = qrv;
	m->qqi_s = qqi_s;
	m->max_resp_ms = 10000;
	for (uint32_t s : srcs)
		m->srcs[m->n_srcs++] = s;
	return m;
}

#endif /* IGMP_TEST_UTIL_H */
