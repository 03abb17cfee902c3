/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/igmp codec: builders round-trip through the parser, Max Resp/QQIC
 * codes, and malformed packets each rejected with their own error.
 */
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "igmp_codec.h"
#include "igmp_test_util.h"

namespace {

const uint32_t PORT_ADDR = ip4(192, 0, 2, 1);
const uint32_t HOST = ip4(192, 0, 2, 10);
const uint32_t GRP = ip4(232, 1, 1, 1);
const uint32_t GRP2 = ip4(239, 1, 2, 3);
const uint32_t S1 = ip4(198, 18, 0, 1);
const uint32_t S2 = ip4(198, 18, 0, 2);
const uint32_t S3 = ip4(198, 18, 0, 3);

igmp_parse_policy
policy(bool require_ra = true)
{
	igmp_parse_policy p;

	p.port_addr = PORT_ADDR;
	p.prefix_len = 24;
	p.require_router_alert = require_ra;
	return p;
}

/* Packet buffer with helpers to corrupt it and fix the checksums again. */
struct pkt {
	std::vector<uint8_t> b;

	explicit pkt(int len, const uint8_t *data) : b(data, data + len) {}
	unsigned ihl() const { return (b[0] & 0x0f) * 4u; }
	uint16_t get16(unsigned off) const { return (uint16_t)(b[off] << 8 | b[off + 1]); }
	void put16(unsigned off, uint32_t v) { b[off] = (uint8_t)(v >> 8); b[off + 1] = (uint8_t)v; }
	void put32(unsigned off, uint32_t v)
	{
		put16(off, v >> 16);
		put16(off + 2, v & 0xffff);
	}
	static uint16_t cksum(const uint8_t *p, unsigned len)
	{
		uint32_t sum = 0;

		for (unsigned i = 0; i + 1 < len; i += 2)
			sum += (uint32_t)(p[i] << 8 | p[i + 1]);
		if (len & 1)
			sum += (uint32_t)p[len - 1] << 8;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		return (uint16_t)~sum;
	}
	void fix_ip()
	{
		put16(10, 0);
		put16(10, cksum(b.data(), ihl()));
	}
	void fix_igmp()
	{
		unsigned total = get16(2);

		put16(ihl() + 2, 0);
		put16(ihl() + 2, cksum(b.data() + ihl(), total - ihl()));
	}
	void fix() { fix_ip(); fix_igmp(); }
	/* Set the IP total length to the buffer size. */
	void fit() { put16(2, (uint32_t)b.size()); fix(); }
	int parse(const igmp_parse_policy &pol, igmp_msg *m) const
	{
		return igmp_parse(b.data(), (uint32_t)b.size(), &pol, m);
	}
};

pkt
v2_report(uint32_t src = HOST, uint32_t grp = GRP)
{
	uint8_t buf[IGMP_PKT_MAX];
	int n = igmp_build_v2_report(buf, sizeof(buf), src, grp);

	EXPECT_GT(n, 0);
	return pkt(n, buf);
}

pkt
v3_report(std::vector<igmp_report_rec> recs, uint32_t src = HOST)
{
	uint8_t buf[IGMP_PKT_MAX];
	int n = igmp_build_v3_report(buf, sizeof(buf), src, recs.data(), (uint16_t)recs.size());

	EXPECT_GT(n, 0);
	return pkt(n, buf);
}

pkt
query(igmp_query q)
{
	uint8_t buf[IGMP_PKT_MAX];
	int n = igmp_build_query(buf, sizeof(buf), &q);

	EXPECT_GT(n, 0);
	return pkt(n, buf);
}

igmp_query
general_v3()
{
	igmp_query q;

	std::memset(&q, 0, sizeof(q));
	q.version = 3;
	q.src = ip4(192, 0, 2, 5);
	q.max_resp_ms = 10000;
	q.qrv = 2;
	q.qqi_s = 125;
	return q;
}

class Codec : public ::testing::Test {
protected:
	std::unique_ptr<igmp_msg> m = new_msg();
};

/* ---- Max Resp Code / QQIC ---- */

TEST(CodecCode, small_values_encode_as_themselves)
{
	for (uint32_t v = 0; v < 128; v++) {
		EXPECT_EQ(igmp_code_encode(v), v);
		EXPECT_EQ(igmp_code_decode((uint8_t)v), v);
	}
}

TEST(CodecCode, every_code_round_trips)
{
	for (unsigned c = 0; c < 256; c++)
		EXPECT_EQ(igmp_code_encode(igmp_code_decode((uint8_t)c)), c) << c;
}

TEST(CodecCode, floating_point_form_matches_rfc3376_4_1_1)
{
	/* 0x80: exp 0, mant 0 -> 0x10 << 3 = 128; 0xff: 0x1f << 10 = 31744. */
	EXPECT_EQ(igmp_code_decode(0x80), 128u);
	EXPECT_EQ(igmp_code_decode(0xff), 31744u);
	EXPECT_EQ(igmp_code_decode(0x8a), (0x1au) << 3);
	EXPECT_EQ(igmp_code_encode(128), 0x80);
	EXPECT_EQ(igmp_code_encode(31744), 0xff);
	EXPECT_EQ(igmp_code_encode(1000000), 0xff);
}

TEST(CodecCode, encoding_rounds_down_and_is_monotonic)
{
	uint8_t prev = 0;

	for (uint32_t v = 0; v <= 32000; v++) {
		uint8_t c = igmp_code_encode(v);

		EXPECT_LE(igmp_code_decode(c), v) << v;
		EXPECT_GE(igmp_code_decode(c), prev == 0 ? 0 : igmp_code_decode(prev));
		prev = c;
	}
}

/* ---- round trips ---- */

TEST_F(Codec, v3_general_query_round_trips)
{
	igmp_query q = general_v3();
	pkt p = query(q);

	ASSERT_EQ(p.parse(policy(), m.get()), 0);
	EXPECT_EQ(p.b.size(), 24u + 12u);
	EXPECT_EQ(m->kind, IGMP_MSG_QUERY);
	EXPECT_EQ(m->version, 3);
	EXPECT_EQ(m->group, 0u);
	EXPECT_EQ(m->dst, IGMP_ALL_SYSTEMS);
	EXPECT_EQ(m->src, q.src);
	EXPECT_EQ(m->max_resp_ms, 10000u);
	EXPECT_EQ(m->qrv, 2);
	EXPECT_EQ(m->qqi_s, 125u);
	EXPECT_EQ(m->s_flag, 0);
	EXPECT_EQ(m->router_alert, 1);
	EXPECT_EQ(m->n_srcs, 0);
}

TEST_F(Codec, v3_group_and_source_query_with_s_flag_round_trips)
{
	igmp_query q = general_v3();
	uint32_t srcs[] = { S1, S2, S3 };

	q.group = GRP;
	q.s_flag = 1;
	q.max_resp_ms = 1000;
	q.n_src = 3;
	q.srcs = srcs;
	q.qqi_s = 300;		/* needs the floating-point QQIC form */
	q.max_resp_ms = 200000;	/* 2000 tenths: floating-point form too */
	pkt p = query(q);

	ASSERT_EQ(p.parse(policy(), m.get()), 0);
	EXPECT_EQ(m->group, GRP);
	EXPECT_EQ(m->dst, GRP);
	EXPECT_EQ(m->s_flag, 1);
	ASSERT_EQ(m->n_srcs, 3);
	EXPECT_EQ(m->srcs[0], S1);
	EXPECT_EQ(m->srcs[2], S3);
	EXPECT_EQ(m->qqi_s, igmp_code_decode(igmp_code_encode(300)));
	EXPECT_EQ(m->max_resp_ms, igmp_code_decode(igmp_code_encode(2000)) * 100);
}

TEST_F(Codec, v2_group_specific_query_round_trips)
{
	igmp_query q = general_v3();

	q.version = 2;
	q.group = GRP;
	q.max_resp_ms = 1000;
	pkt p = query(q);

	ASSERT_EQ(p.parse(policy(), m.get()), 0);
	EXPECT_EQ(p.b.size(), 24u + 8u);
	EXPECT_EQ(m->version, 2);
	EXPECT_EQ(m->group, GRP);
	EXPECT_EQ(m->max_resp_ms, 1000u);
}

TEST_F(Codec, v1_query_round_trips_with_ten_second_response)
{
	igmp_query q = general_v3();

	q.version = 1;
	pkt p = query(q);

	ASSERT_EQ(p.parse(policy(), m.get()), 0);
	EXPECT_EQ(m->version, 1);
	EXPECT_EQ(m->max_resp_ms, 10000u);
}

TEST_F(Codec, v3_report_with_all_record_types_round_trips)
{
	uint32_t a[] = { S1, S2 };
	uint32_t b[] = { S3 };
	std::vector<igmp_report_rec> recs = {
		{ IGMP_REC_IS_IN, 2, GRP, a },
		{ IGMP_REC_IS_EX, 0, GRP2, nullptr },
		{ IGMP_REC_TO_IN, 1, GRP, b },
		{ IGMP_REC_TO_EX, 2, GRP2, a },
		{ IGMP_REC_ALLOW, 1, GRP, b },
		{ IGMP_REC_BLOCK, 2, GRP2, a },
	};
	pkt p = v3_report(recs);

	ASSERT_EQ(p.parse(policy(), m.get()), 0);
	EXPECT_EQ(m->kind, IGMP_MSG_V3_REPORT);
	EXPECT_EQ(m->dst, IGMP_V3_ROUTERS);
	ASSERT_EQ(m->n_recs, 6);
	EXPECT_EQ(m->n_srcs, 8);
	for (unsigned i = 0; i < recs.size(); i++) {
		EXPECT_EQ(m->recs[i].type, recs[i].type);
		EXPECT_EQ(m->recs[i].group, recs[i].group);
		ASSERT_EQ(m->recs[i].n_src, recs[i].n_src);
		for (unsigned s = 0; s < recs[i].n_src; s++)
			EXPECT_EQ(m->srcs[m->recs[i].first_src + s], recs[i].srcs[s]);
	}
}

TEST_F(Codec, v2_report_leave_and_v1_report_round_trip)
{
	uint8_t buf[64];
	int n;

	n = igmp_build_v2_report(buf, sizeof(buf), HOST, GRP);
	ASSERT_EQ(n, 32);
	ASSERT_EQ(pkt(n, buf).parse(policy(), m.get()), 0);
	EXPECT_EQ(m->kind, IGMP_MSG_V2_REPORT);
	EXPECT_EQ(m->group, GRP);

	n = igmp_build_v2_leave(buf, sizeof(buf), HOST, GRP);
	ASSERT_EQ(n, 32);
	ASSERT_EQ(pkt(n, buf).parse(policy(), m.get()), 0);
	EXPECT_EQ(m->kind, IGMP_MSG_V2_LEAVE);
	EXPECT_EQ(m->dst, IGMP_ALL_ROUTERS);

	/* v1 reports carry no Router Alert and pass even when it is required. */
	n = igmp_build_v1_report(buf, sizeof(buf), HOST, GRP);
	ASSERT_EQ(n, 28);
	ASSERT_EQ(pkt(n, buf).parse(policy(true), m.get()), 0);
	EXPECT_EQ(m->kind, IGMP_MSG_V1_REPORT);
	EXPECT_EQ(m->router_alert, 0);
}

TEST_F(Codec, builders_report_enospc_and_einval)
{
	uint8_t buf[IGMP_PKT_MAX];
	igmp_query q = general_v3();
	uint32_t srcs[IGMP_QUERY_MAX_SRCS + 1] = {};

	EXPECT_EQ(igmp_build_query(buf, 35, &q), -ENOSPC);
	EXPECT_EQ(igmp_build_query(buf, 36, &q), 36);
	EXPECT_EQ(igmp_build_v2_report(buf, 31, HOST, GRP), -ENOSPC);
	EXPECT_EQ(igmp_build_v1_report(buf, 27, HOST, GRP), -ENOSPC);
	EXPECT_EQ(igmp_build_v2_leave(buf, sizeof(buf), HOST, ip4(10, 0, 0, 1)), -EINVAL);
	q.version = 4;
	EXPECT_EQ(igmp_build_query(buf, sizeof(buf), &q), -EINVAL);
	q = general_v3();
	q.version = 2;
	q.group = GRP;
	q.n_src = 1;
	q.srcs = srcs;
	EXPECT_EQ(igmp_build_query(buf, sizeof(buf), &q), -EINVAL);	/* sources in v2 */
	q.version = 3;
	q.n_src = IGMP_QUERY_MAX_SRCS + 1;
	EXPECT_EQ(igmp_build_query(buf, sizeof(buf), &q), -EINVAL);
	q.n_src = IGMP_QUERY_MAX_SRCS;
	EXPECT_GT(igmp_build_query(buf, sizeof(buf), &q), 0);
	EXPECT_LE(igmp_build_query(buf, sizeof(buf), &q), IGMP_PKT_MAX);
	igmp_report_rec bad = { 9, 0, GRP, nullptr };
	EXPECT_EQ(igmp_build_v3_report(buf, sizeof(buf), HOST, &bad, 1), -EINVAL);
	igmp_report_rec big = { IGMP_REC_IS_IN, IGMP_QUERY_MAX_SRCS + 1, GRP, srcs };
	EXPECT_EQ(igmp_build_v3_report(buf, 1000, HOST, &big, 1), -ENOSPC);
}

/* ---- accepted corner cases ---- */

TEST_F(Codec, report_from_unspecified_source_is_accepted)
{
	pkt p = v2_report(0);

	EXPECT_EQ(p.parse(policy(), m.get()), 0);
	EXPECT_EQ(m->src, 0u);
}

TEST_F(Codec, unknown_record_type_is_skipped_and_aux_data_ignored)
{
	uint32_t a[] = { S1 };
	pkt p = v3_report({ { IGMP_REC_IS_IN, 1, GRP, a }, { IGMP_REC_ALLOW, 1, GRP2, a } });
	unsigned rec0 = p.ihl() + 8;

	/* First record: unknown type 7, with one word of aux data appended. */
	p.b[rec0] = 7;
	p.b[rec0 + 1] = 1;
	p.b.insert(p.b.begin() + rec0 + 12, { 0xde, 0xad, 0xbe, 0xef });
	p.fit();
	ASSERT_EQ(p.parse(policy(), m.get()), 0);
	ASSERT_EQ(m->n_recs, 1);
	EXPECT_EQ(m->recs[0].type, IGMP_REC_ALLOW);
	EXPECT_EQ(m->recs[0].group, GRP2);
	EXPECT_EQ(m->srcs[m->recs[0].first_src], S1);
}

TEST_F(Codec, trailing_bytes_after_total_length_are_ignored)
{
	pkt p = v2_report();

	p.b.resize(p.b.size() + 18, 0xaa);	/* Ethernet padding */
	EXPECT_EQ(p.parse(policy(), m.get()), 0);
}

TEST_F(Codec, missing_router_alert_accepted_when_policy_allows)
{
	uint8_t buf[64];
	pkt p = v2_report();

	/* Rebuild without the option: 20-byte header + 8 bytes. */
	std::memcpy(buf, p.b.data(), 20);
	std::memcpy(buf + 20, p.b.data() + 24, 8);
	pkt q(28, buf);
	q.b[0] = 0x45;
	q.fit();
	EXPECT_EQ(q.parse(policy(false), m.get()), 0);
	EXPECT_EQ(m->router_alert, 0);
	EXPECT_EQ(q.parse(policy(true), m.get()), IGMP_PARSE_ERR_NO_ROUTER_ALERT);
}

TEST_F(Codec, report_to_the_port_address_is_accepted)
{
	pkt p = v2_report();

	p.put32(16, PORT_ADDR);
	p.fix();
	EXPECT_EQ(p.parse(policy(), m.get()), 0);
}

TEST(CodecNames, every_error_has_a_distinct_snake_case_name)
{
	std::set<std::string> seen;

	EXPECT_STREQ(igmp_parse_err_name(0), "ok");
	EXPECT_STREQ(igmp_parse_err_name(-IGMP_PARSE_ERR_COUNT - 1), "unknown");
	EXPECT_STREQ(igmp_parse_err_name(5), "unknown");
	for (int e = -1; e >= -IGMP_PARSE_ERR_COUNT; e--) {
		std::string n = igmp_parse_err_name(e);

		EXPECT_NE(n, "unknown") << e;
		EXPECT_TRUE(seen.insert(n).second) << n;
		for (char c : n)
			EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << n;
	}
	EXPECT_STREQ(igmp_parse_err_name(IGMP_PARSE_ERR_IP_CHECKSUM), "ip_checksum");
}

/* ---- malformed packets: each rejected by its own check ---- */

struct bad_case {
	const char *name;
	int want;
	pkt (*make)();
	bool require_ra;
};

pkt
base_v2() { return v2_report(); }

pkt
base_v3()
{
	uint32_t a[] = { S1, S2 };

	return v3_report({ { IGMP_REC_IS_IN, 2, GRP, a } });
}

const bad_case bad_cases[] = {
	{ "shorter_than_headers", IGMP_PARSE_ERR_TOO_SHORT,
	  [] { pkt p = base_v2(); p.b.resize(27); return p; }, true },
	{ "ip_version_6", IGMP_PARSE_ERR_IP_HDR_LEN,
	  [] { pkt p = base_v2(); p.b[0] = 0x66; p.fix(); return p; }, true },
	{ "ihl_below_20", IGMP_PARSE_ERR_IP_HDR_LEN,
	  [] { pkt p = base_v2(); p.b[0] = 0x44; return p; }, true },
	{ "ihl_beyond_buffer", IGMP_PARSE_ERR_IP_HDR_LEN,
	  [] { pkt p = base_v2(); p.b[0] = 0x4f; return p; }, true },
	{ "ip_checksum_wrong", IGMP_PARSE_ERR_IP_CHECKSUM,
	  [] { pkt p = base_v2(); p.b[10] ^= 0x01; return p; }, true },
	{ "total_length_beyond_buffer", IGMP_PARSE_ERR_TOTAL_LEN,
	  [] { pkt p = base_v2(); p.put16(2, 33); p.fix_ip(); return p; }, true },
	{ "total_length_below_igmp_header", IGMP_PARSE_ERR_TOTAL_LEN,
	  [] { pkt p = base_v2(); p.put16(2, 30); p.fix_ip(); return p; }, true },
	{ "protocol_udp", IGMP_PARSE_ERR_NOT_IGMP,
	  [] { pkt p = base_v2(); p.b[9] = 17; p.fix_ip(); return p; }, true },
	{ "more_fragments_set", IGMP_PARSE_ERR_FRAGMENT,
	  [] { pkt p = base_v2(); p.put16(6, 0x2000); p.fix_ip(); return p; }, true },
	{ "fragment_offset", IGMP_PARSE_ERR_FRAGMENT,
	  [] { pkt p = base_v2(); p.put16(6, 0x0010); p.fix_ip(); return p; }, true },
	{ "ttl_2", IGMP_PARSE_ERR_TTL,
	  [] { pkt p = base_v2(); p.b[8] = 2; p.fix_ip(); return p; }, true },
	{ "ttl_64_on_v3_report", IGMP_PARSE_ERR_TTL,
	  [] { pkt p = base_v3(); p.b[8] = 64; p.fix_ip(); return p; }, true },
	{ "record_route_option", IGMP_PARSE_ERR_IP_OPTION,
	  [] { pkt p = base_v2(); p.b[20] = 7; p.fix_ip(); return p; }, true },
	{ "router_alert_bad_length", IGMP_PARSE_ERR_IP_OPTION,
	  [] { pkt p = base_v2(); p.b[21] = 6; p.fix_ip(); return p; }, true },
	{ "option_length_below_2", IGMP_PARSE_ERR_IP_OPTION,
	  [] { pkt p = base_v2(); p.b[21] = 1; p.fix_ip(); return p; }, true },
	{ "no_router_alert_required", IGMP_PARSE_ERR_NO_ROUTER_ALERT,
	  [] { pkt p = base_v2(); p.b[20] = 1; p.b[21] = 1; p.b[22] = 1; p.b[23] = 0;
	       p.fix_ip(); return p; }, true },
	{ "igmp_checksum_wrong", IGMP_PARSE_ERR_IGMP_CHECKSUM,
	  [] { pkt p = base_v2(); p.b[24 + 7] ^= 0x40; return p; }, true },
	{ "unknown_type_0x13", IGMP_PARSE_ERR_UNKNOWN_TYPE,
	  [] { pkt p = base_v2(); p.b[24] = 0x13; p.fix(); return p; }, true },
	{ "query_of_10_bytes", IGMP_PARSE_ERR_IGMP_LEN,
	  [] { pkt p = query(general_v3()); p.b.resize(p.b.size() - 2); p.fit(); return p; }, true },
	{ "v2_report_for_unicast_group", IGMP_PARSE_ERR_GROUP_NOT_MULTICAST,
	  [] { pkt p = base_v2(); p.put32(28, ip4(10, 0, 0, 1)); p.fix(); return p; }, true },
	{ "v3_record_for_unicast_group", IGMP_PARSE_ERR_GROUP_NOT_MULTICAST,
	  [] { pkt p = base_v3(); p.put32(24 + 8 + 4, ip4(10, 0, 0, 1)); p.fix(); return p; }, true },
	{ "query_for_unicast_group", IGMP_PARSE_ERR_GROUP_NOT_MULTICAST,
	  [] { pkt p = query(general_v3()); p.put32(28, ip4(10, 0, 0, 1)); p.fix(); return p; }, true },
	{ "v2_report_for_224_0_0_5", IGMP_PARSE_ERR_LINK_LOCAL_GROUP,
	  [] { pkt p = v2_report(HOST, ip4(224, 0, 0, 5)); return p; }, true },
	{ "v3_record_for_224_0_0_251", IGMP_PARSE_ERR_LINK_LOCAL_GROUP,
	  [] { pkt p = base_v3(); p.put32(24 + 8 + 4, ip4(224, 0, 0, 251)); p.fix(); return p; }, true },
	{ "more_records_than_present", IGMP_PARSE_ERR_RECORD_LEN,
	  [] { pkt p = base_v3(); p.put16(24 + 6, 2); p.fix(); return p; }, true },
	{ "more_sources_than_present", IGMP_PARSE_ERR_RECORD_LEN,
	  [] { pkt p = base_v3(); p.put16(24 + 8 + 2, 3); p.fix(); return p; }, true },
	{ "aux_data_past_end", IGMP_PARSE_ERR_RECORD_LEN,
	  [] { pkt p = base_v3(); p.b[24 + 8 + 1] = 1; p.fix(); return p; }, true },
	{ "query_sources_past_end", IGMP_PARSE_ERR_RECORD_LEN,
	  [] { pkt p = query(general_v3()); p.put32(28, GRP); p.put16(24 + 10, 1);
	       p.fix(); return p; }, true },
	{ "too_many_records", IGMP_PARSE_ERR_OVERSIZE,
	  [] {
		  std::vector<igmp_report_rec> recs(IGMP_MSG_MAX_RECS + 1,
			  igmp_report_rec{ IGMP_REC_IS_EX, 0, GRP, nullptr });
		  return v3_report(recs);
	  }, true },
	{ "too_many_query_sources", IGMP_PARSE_ERR_OVERSIZE,
	  [] {
		  pkt p = query(general_v3());
		  p.put32(28, GRP);
		  p.put32(16, GRP);
		  p.put16(24 + 10, IGMP_MSG_MAX_SRCS + 1);
		  p.b.resize(p.b.size() + 4 * (IGMP_MSG_MAX_SRCS + 1), 0);
		  p.fit();
		  return p;
	  }, true },
	{ "v3_report_to_all_systems", IGMP_PARSE_ERR_DESTINATION,
	  [] { pkt p = base_v3(); p.put32(16, IGMP_ALL_SYSTEMS); p.fix(); return p; }, true },
	{ "general_query_to_a_group", IGMP_PARSE_ERR_DESTINATION,
	  [] { pkt p = query(general_v3()); p.put32(16, GRP); p.fix(); return p; }, true },
	{ "v2_report_to_another_group", IGMP_PARSE_ERR_DESTINATION,
	  [] { pkt p = base_v2(); p.put32(16, GRP2); p.fix(); return p; }, true },
	{ "leave_to_all_systems", IGMP_PARSE_ERR_DESTINATION,
	  [] {
		  uint8_t buf[64];
		  int n = igmp_build_v2_leave(buf, sizeof(buf), HOST, GRP);
		  pkt p(n, buf);
		  p.put32(16, IGMP_ALL_SYSTEMS);
		  p.fix();
		  return p;
	  }, true },
	{ "report_from_other_subnet", IGMP_PARSE_ERR_SOURCE_SUBNET,
	  [] { return v2_report(ip4(198, 51, 100, 7)); }, true },
	{ "query_from_unspecified_source", IGMP_PARSE_ERR_SOURCE_SUBNET,
	  [] { pkt p = query(general_v3()); p.put32(12, 0); p.fix(); return p; }, true },
	{ "v3_report_from_other_subnet", IGMP_PARSE_ERR_SOURCE_SUBNET,
	  [] { pkt p = base_v3(); p.put32(12, ip4(192, 0, 3, 10)); p.fix(); return p; }, true },
};

void
PrintTo(const bad_case &c, std::ostream *os)
{
	*os << c.name;
}

class Malformed : public ::testing::TestWithParam<bad_case> {};

TEST_P(Malformed, is_rejected_with_its_own_error)
{
	const bad_case &c = GetParam();
	pkt p = c.make();
	auto m = new_msg();
	int ret = p.parse(policy(c.require_ra), m.get());

	EXPECT_EQ(ret, c.want) << c.name << ": got " << igmp_parse_err_name(ret) << ", want "
			       << igmp_parse_err_name(c.want);
}

INSTANTIATE_TEST_SUITE_P(Codec, Malformed, ::testing::ValuesIn(bad_cases),
	[](const ::testing::TestParamInfo<bad_case> &i) { return std::string(i.param.name); });

TEST(CodecMalformed, cases_cover_every_error)
{
	std::set<int> covered;

	for (const bad_case &c : bad_cases)
		covered.insert(c.want);
	EXPECT_GE(sizeof(bad_cases) / sizeof(bad_cases[0]), 25u);
	for (int e = -1; e >= -IGMP_PARSE_ERR_COUNT; e--)
		EXPECT_TRUE(covered.count(e)) << igmp_parse_err_name(e);
}

TEST(CodecMalformed, unmodified_bases_parse)
{
	auto m = new_msg();

	EXPECT_EQ(base_v2().parse(policy(), m.get()), 0);
	EXPECT_EQ(base_v3().parse(policy(), m.get()), 0);
	EXPECT_EQ(query(general_v3()).parse(policy(), m.get()), 0);
}

} // namespace
