// SPDX-License-Identifier: BSD-3-Clause
// Unit tests for the /mcast telemetry parameter parsers.
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tm_params.h"

namespace {

uint32_t
ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (a << 24) | (b << 16) | (c << 8) | d;
}

class TmParams : public ::testing::Test {
protected:
	void SetUp() override
	{
		char err[256];

		cfg.reset(new mf_config);
		ASSERT_EQ(mf_config_load_string("[port 0]\nname = up\n"
			"[port 2]\nname = lan\n", "t", cfg.get(), err,
			sizeof(err)), 0) << err;
		in_use = 0x7; /* ports 0, 1, 2 */
	}
	std::unique_ptr<mf_config> cfg;
	mf_portset_t in_use;
	char err[256] = "";
};

TEST_F(TmParams, SplitTrimsAndCounts)
{
	tm_fields f;

	ASSERT_EQ(tm_split(nullptr, &f, err, sizeof(err)), 0);
	EXPECT_EQ(f.n, 0u);
	ASSERT_EQ(tm_split("  ", &f, err, sizeof(err)), 0);
	EXPECT_EQ(f.n, 0u);
	ASSERT_EQ(tm_split(" a , b,c ", &f, err, sizeof(err)), 0);
	ASSERT_EQ(f.n, 3u);
	EXPECT_STREQ(f.f[0], "a");
	EXPECT_STREQ(f.f[1], "b");
	EXPECT_STREQ(f.f[2], "c");
	EXPECT_EQ(tm_split("a,,b", &f, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "empty field 2");
	EXPECT_EQ(tm_split("a,", &f, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "empty field 2");
	std::string many;
	for (int i = 0; i <= TM_MAX_FIELDS; i++)
		many += "1,";
	many += "1";
	EXPECT_EQ(tm_split(many.c_str(), &f, err, sizeof(err)), -E2BIG);
	EXPECT_STREQ(err, "too many parameters");
	std::string longp(TM_PARAMS_MAX, 'x');
	EXPECT_EQ(tm_split(longp.c_str(), &f, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "parameters too long");
}

TEST_F(TmParams, PortByIdOrNameMustBeInUse)
{
	uint16_t p = 99;

	EXPECT_EQ(tm_parse_port(cfg.get(), in_use, "up", &p, err, sizeof(err)), 0);
	EXPECT_EQ(p, 0);
	EXPECT_EQ(tm_parse_port(cfg.get(), in_use, "2", &p, err, sizeof(err)), 0);
	EXPECT_EQ(p, 2);
	EXPECT_EQ(tm_parse_port(cfg.get(), in_use, "lan", &p, err, sizeof(err)), 0);
	EXPECT_EQ(p, 2);
	EXPECT_EQ(tm_parse_port(cfg.get(), in_use, "3", &p, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "unknown port '3'");
	EXPECT_EQ(tm_parse_port(cfg.get(), in_use, "wan", &p, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "unknown port 'wan'");
	EXPECT_EQ(tm_parse_port(cfg.get(), in_use, "", &p, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "missing port");
	EXPECT_EQ(tm_parse_port(cfg.get(), in_use, nullptr, &p, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "missing port");
	EXPECT_EQ(tm_parse_port(cfg.get(), in_use, "0,1", &p, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "too many parameters");
	EXPECT_EQ(p, 2); /* untouched on error */
}

TEST_F(TmParams, NoParameters)
{
	EXPECT_EQ(tm_parse_none(nullptr, err, sizeof(err)), 0);
	EXPECT_EQ(tm_parse_none("", err, sizeof(err)), 0);
	EXPECT_EQ(tm_parse_none("x", err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "no parameters expected");
}

TEST_F(TmParams, GroupsAndSources)
{
	uint32_t g = 0, s = 7;

	EXPECT_EQ(tm_group("239.1.2.3", "group", &g, err, sizeof(err)), 0);
	EXPECT_EQ(g, ip(239, 1, 2, 3));
	EXPECT_EQ(tm_group("10.0.0.1", "group", &g, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "group 10.0.0.1 is not a multicast address");
	EXPECT_EQ(tm_group("239.1.2", "start group", &g, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "start group '239.1.2' is not an IPv4 address");
	EXPECT_EQ(tm_source("*", &s, err, sizeof(err)), 0);
	EXPECT_EQ(s, 0u);
	EXPECT_EQ(tm_source("198.18.0.1", &s, err, sizeof(err)), 0);
	EXPECT_EQ(s, ip(198, 18, 0, 1));
	EXPECT_EQ(tm_source("239.0.0.1", &s, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "source 239.0.0.1 is not a unicast address");
	EXPECT_EQ(tm_source("0.0.0.0", &s, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "source 0.0.0.0 is not a unicast address");
	EXPECT_EQ(tm_source("any", &s, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "source 'any' is not an IPv4 address or '*'");
}

TEST_F(TmParams, PortGroupForms)
{
	uint16_t p;
	uint32_t g, st;

	ASSERT_EQ(tm_parse_port_group_start(cfg.get(), in_use, "lan", &p, &st,
		err, sizeof(err)), 0);
	EXPECT_EQ(p, 2);
	EXPECT_EQ(st, 0u);
	ASSERT_EQ(tm_parse_port_group_start(cfg.get(), in_use, "1,239.0.0.9", &p,
		&st, err, sizeof(err)), 0);
	EXPECT_EQ(st, ip(239, 0, 0, 9));
	EXPECT_EQ(tm_parse_port_group_start(cfg.get(), in_use, "1,10.0.0.9", &p,
		&st, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "start group 10.0.0.9 is not a multicast address");
	ASSERT_EQ(tm_parse_port_group(cfg.get(), in_use, "up,239.1.1.1", &p, &g,
		&st, err, sizeof(err)), 0);
	EXPECT_EQ(p, 0);
	EXPECT_EQ(g, ip(239, 1, 1, 1));
	EXPECT_EQ(st, 0u);
	ASSERT_EQ(tm_parse_port_group(cfg.get(), in_use, "up,239.1.1.1,5", &p, &g,
		&st, err, sizeof(err)), 0);
	EXPECT_EQ(st, 5u);
	EXPECT_EQ(tm_parse_port_group(cfg.get(), in_use, "up", &p, &g, &st, err,
		sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "missing group");
	EXPECT_EQ(tm_parse_port_group(cfg.get(), in_use, "up,239.1.1.1,x", &p, &g,
		&st, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "source index 'x' is not a number");
}

TEST_F(TmParams, MfeStartAndSg)
{
	bool has = true;
	mf_key k{};

	ASSERT_EQ(tm_parse_mfe_start(nullptr, &has, &k, err, sizeof(err)), 0);
	EXPECT_FALSE(has);
	ASSERT_EQ(tm_parse_mfe_start("239.1.1.1,*", &has, &k, err, sizeof(err)), 0);
	EXPECT_TRUE(has);
	EXPECT_EQ(k.grp, ip(239, 1, 1, 1));
	EXPECT_EQ(k.src, 0u);
	EXPECT_EQ(tm_parse_mfe_start("239.1.1.1", &has, &k, err, sizeof(err)),
		-EINVAL);
	EXPECT_STREQ(err, "missing start source");
	ASSERT_EQ(tm_parse_sg("198.18.0.1,232.1.1.1", &k, err, sizeof(err)), 0);
	EXPECT_EQ(k.src, ip(198, 18, 0, 1));
	EXPECT_EQ(k.grp, ip(232, 1, 1, 1));
	EXPECT_EQ(tm_parse_sg("*", &k, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "missing group");
	EXPECT_EQ(tm_parse_sg("", &k, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "missing source");
}

TEST_F(TmParams, Index)
{
	uint32_t s = 9;

	ASSERT_EQ(tm_parse_index(nullptr, 10, &s, err, sizeof(err)), 0);
	EXPECT_EQ(s, 0u);
	ASSERT_EQ(tm_parse_index("10", 10, &s, err, sizeof(err)), 0);
	EXPECT_EQ(s, 10u);
	EXPECT_EQ(tm_parse_index("11", 10, &s, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "start index 11 is out of range 0..10");
	EXPECT_EQ(tm_parse_index("-1", 10, &s, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "start index '-1' is not a number");
}

TEST_F(TmParams, RouteAdd)
{
	mf_config_route r;

	ASSERT_EQ(tm_parse_route(cfg.get(), in_use, "*,239.1.1.1,up,1,lan", &r,
		err, sizeof(err)), 0) << err;
	EXPECT_EQ(r.src, 0u);
	EXPECT_EQ(r.grp, ip(239, 1, 1, 1));
	EXPECT_EQ(r.in_port, 0);
	EXPECT_EQ(r.oifs, MF_PORTSET_BIT(1) | MF_PORTSET_BIT(2));

	struct {
		const char *params;
		const char *err;
	} bad[] = {
		{ "*,239.1.1.1,up", "missing out port" },
		{ "*,239.1.1.1", "missing in port" },
		{ "*", "missing group" },
		{ "", "missing source" },
		{ "*,239.1.1.1,up,up", "incoming port 'up' is also an outgoing port" },
		{ "*,239.1.1.1,up,0", "incoming port '0' is also an outgoing port" },
		{ "*,239.1.1.1,up,1,1", "outgoing port '1' is listed twice" },
		{ "*,239.1.1.1,up,3", "unknown port '3'" },
		{ "*,239.1.1.1,nope,1", "unknown port 'nope'" },
		{ "*,224.0.0.1,0,1", "group 224.0.0.1 is link-local (224.0.0.0/24 is never routed)" },
		{ "*,192.0.2.1,0,1", "group 192.0.2.1 is not a multicast address" },
		{ "x,239.1.1.1,0,1", "source 'x' is not an IPv4 address or '*'" },
		{ "*,239.1.1.1,0,,1", "empty field 4" },
	};
	for (const auto &b : bad) {
		mf_config_route before = r;
		EXPECT_EQ(tm_parse_route(cfg.get(), in_use, b.params, &r, err,
			sizeof(err)), -EINVAL) << b.params;
		EXPECT_STREQ(err, b.err) << b.params;
		EXPECT_EQ(0, memcmp(&before, &r, sizeof(r)));
	}
}

TEST_F(TmParams, IgmpConfigIsAllOrNothing)
{
	igmp_port_config base, out;
	uint16_t p = 0;
	unsigned int n = 99;

	igmp_port_config_defaults(&base);
	ASSERT_EQ(tm_parse_igmp_config(cfg.get(), in_use, "lan", &base, &p, &out,
		&n, err, sizeof(err)), 0) << err;
	EXPECT_EQ(p, 2);
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(0, memcmp(&out, &base, sizeof(out)));

	ASSERT_EQ(tm_parse_igmp_config(cfg.get(), in_use,
		"1,version=2, robustness = 3,fast_leave=on", &base, &p, &out, &n,
		err, sizeof(err)), 0) << err;
	EXPECT_EQ(p, 1);
	EXPECT_EQ(n, 3u);
	EXPECT_EQ(out.version, 2);
	EXPECT_EQ(out.robustness, 3);
	EXPECT_TRUE(out.fast_leave);

	igmp_port_config keep = out;
	EXPECT_EQ(tm_parse_igmp_config(cfg.get(), in_use, "1,version=2,bogus=1",
		&base, &p, &out, &n, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "unknown key 'bogus'");
	EXPECT_EQ(tm_parse_igmp_config(cfg.get(), in_use, "1,version", &base, &p,
		&out, &n, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "expected key=value, got 'version'");
	EXPECT_EQ(tm_parse_igmp_config(cfg.get(), in_use, "1,version=2,version=3",
		&base, &p, &out, &n, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "key 'version' given twice");
	EXPECT_EQ(tm_parse_igmp_config(cfg.get(), in_use, "1,robustness=0",
		&base, &p, &out, &n, err, sizeof(err)), -EINVAL);
	EXPECT_NE(std::string(err), "");
	/* cross-field: the response interval must stay below the interval */
	EXPECT_EQ(tm_parse_igmp_config(cfg.get(), in_use,
		"1,query_interval_ms=2000,query_response_interval_ms=3000", &base,
		&p, &out, &n, err, sizeof(err)), -EINVAL);
	EXPECT_NE(std::string(err), "");
	EXPECT_EQ(tm_parse_igmp_config(cfg.get(), in_use, "9,version=2", &base,
		&p, &out, &n, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "unknown port '9'");
	EXPECT_EQ(0, memcmp(&keep, &out, sizeof(out)));
}

TEST_F(TmParams, Ipv4Format)
{
	char b[16];
	EXPECT_STREQ(tm_ipv4_str(ip(239, 255, 0, 1), b, sizeof(b)), "239.255.0.1");
}

} // namespace
