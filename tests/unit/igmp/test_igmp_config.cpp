/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/igmp per-port configuration: RFC defaults, key=value setter, validation. */
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "igmp_router.h"
#include "igmp_test_util.h"

namespace {

TEST(IgmpConfig, defaults_are_rfc3376_section_8)
{
	igmp_port_config c;

	igmp_port_config_defaults(&c);
	EXPECT_TRUE(c.enabled);
	EXPECT_EQ(c.version, 3);
	EXPECT_EQ(c.robustness, 2);
	EXPECT_EQ(c.query_interval_ms, 125000u);
	EXPECT_EQ(c.query_response_interval_ms, 10000u);
	EXPECT_EQ(c.startup_query_interval_ms, 31250u);
	EXPECT_EQ(c.startup_query_count, 2u);
	EXPECT_EQ(c.last_member_query_interval_ms, 1000u);
	EXPECT_EQ(c.last_member_query_count, 2u);
	EXPECT_EQ(c.group_membership_ms, 260000u);
	EXPECT_EQ(c.other_querier_present_ms, 255000u);
	EXPECT_EQ(c.last_member_query_time_ms, 2000u);
	EXPECT_FALSE(c.fast_leave);
	char err[128];
	EXPECT_EQ(igmp_port_config_validate(&c, err, sizeof(err)), 0);
}

TEST(IgmpConfig, every_key_sets_its_field_and_derived_values_follow)
{
	igmp_port_config c;
	char err[128];

	igmp_port_config_defaults(&c);
	EXPECT_EQ(igmp_port_config_set(&c, "enabled", "off", err, sizeof(err)), 0);
	EXPECT_FALSE(c.enabled);
	EXPECT_EQ(igmp_port_config_set(&c, "enabled", "YES", err, sizeof(err)), 0);
	EXPECT_TRUE(c.enabled);
	EXPECT_EQ(igmp_port_config_set(&c, "version", "2", err, sizeof(err)), 0);
	EXPECT_EQ(c.version, 2);
	EXPECT_EQ(igmp_port_config_set(&c, "robustness", "3", err, sizeof(err)), 0);
	EXPECT_EQ(igmp_port_config_set(&c, "query_interval_ms", "20000", err, sizeof(err)), 0);
	EXPECT_EQ(igmp_port_config_set(&c, "query_response_interval_ms", "4000", err, sizeof(err)), 0);
	EXPECT_EQ(c.group_membership_ms, 3u * 20000u + 4000u);
	EXPECT_EQ(c.other_querier_present_ms, 3u * 20000u + 2000u);
	EXPECT_EQ(igmp_port_config_set(&c, "startup_query_interval_ms", "5000", err, sizeof(err)), 0);
	EXPECT_EQ(c.startup_query_interval_ms, 5000u);
	EXPECT_EQ(igmp_port_config_set(&c, "startup_query_count", "4", err, sizeof(err)), 0);
	EXPECT_EQ(c.startup_query_count, 4u);
	EXPECT_EQ(igmp_port_config_set(&c, "last_member_query_interval_ms", "300", err, sizeof(err)), 0);
	EXPECT_EQ(igmp_port_config_set(&c, "last_member_query_count", "5", err, sizeof(err)), 0);
	EXPECT_EQ(c.last_member_query_time_ms, 1500u);
	EXPECT_EQ(igmp_port_config_set(&c, "fast_leave", "1", err, sizeof(err)), 0);
	EXPECT_TRUE(c.fast_leave);
	EXPECT_EQ(igmp_port_config_set(&c, "require_router_alert", "true", err, sizeof(err)), 0);
	EXPECT_TRUE(c.require_router_alert);
	EXPECT_EQ(igmp_port_config_set(&c, "max_groups", "100", err, sizeof(err)), 0);
	EXPECT_EQ(c.max_groups, 100u);
	EXPECT_EQ(igmp_port_config_set(&c, "max_sources_per_group", "0", err, sizeof(err)), 0);
	EXPECT_EQ(c.max_sources_per_group, 0u);
	EXPECT_EQ(igmp_port_config_set(&c, "address", "192.0.2.1/24", err, sizeof(err)), 0);
	EXPECT_EQ(c.address, ip4(192, 0, 2, 1));
	EXPECT_EQ(c.prefix_len, 24);
	EXPECT_EQ(igmp_port_config_set(&c, "address", "198.18.0.1", err, sizeof(err)), 0);
	EXPECT_EQ(c.prefix_len, 24);
	EXPECT_EQ(igmp_port_config_set(&c, "prefix_len", "16", err, sizeof(err)), 0);
	EXPECT_EQ(c.prefix_len, 16);
	EXPECT_EQ(igmp_port_config_validate(&c, err, sizeof(err)), 0) << err;
}

struct bad_kv {
	const char *key;
	const char *value;
	int want;
};

TEST(IgmpConfig, bad_values_are_rejected_with_a_message_and_no_change)
{
	const bad_kv cases[] = {
		{ "nonsense", "1", -ENOENT },
		{ "enabled", "maybe", -EINVAL },
		{ "version", "1", -EINVAL },
		{ "version", "4", -EINVAL },
		{ "robustness", "0", -EINVAL },
		{ "robustness", "8", -EINVAL },
		{ "query_interval_ms", "999", -EINVAL },
		{ "query_interval_ms", "31744001", -EINVAL },
		{ "query_response_interval_ms", "99", -EINVAL },
		{ "startup_query_count", "0", -EINVAL },
		{ "last_member_query_interval_ms", "50", -EINVAL },
		{ "last_member_query_count", "11", -EINVAL },
		{ "max_groups", "0", -EINVAL },
		{ "max_sources_per_group", "4097", -EINVAL },
		{ "prefix_len", "33", -EINVAL },
		{ "robustness", "-1", -EINVAL },
		{ "robustness", "2x", -EINVAL },
		{ "robustness", "", -EINVAL },
		{ "query_interval_ms", "99999999999999999999", -EINVAL },
		{ "address", "192.0.2", -EINVAL },
		{ "address", "192.0.2.256", -EINVAL },
		{ "address", "239.1.1.1", -EINVAL },
		{ "address", "192.0.2.1/40", -EINVAL },
		{ "address", "192.0.2.1 ", -EINVAL },
	};

	for (const bad_kv &k : cases) {
		igmp_port_config c, before;
		char err[128] = "";

		igmp_port_config_defaults(&c);
		before = c;
		EXPECT_EQ(igmp_port_config_set(&c, k.key, k.value, err, sizeof(err)), k.want)
			<< k.key << "=" << k.value;
		EXPECT_NE(std::string(err), "") << k.key << "=" << k.value;
		EXPECT_EQ(memcmp(&c, &before, sizeof(c)), 0) << k.key << "=" << k.value;
	}
}

TEST(IgmpConfig, validate_requires_response_interval_below_query_interval)
{
	igmp_port_config c;
	char err[128];

	igmp_port_config_defaults(&c);
	c.query_response_interval_ms = c.query_interval_ms;
	EXPECT_EQ(igmp_port_config_validate(&c, err, sizeof(err)), -EINVAL);
	EXPECT_NE(std::string(err).find("query_response_interval_ms"), std::string::npos);
	igmp_port_config_defaults(&c);
	c.robustness = 0;
	EXPECT_EQ(igmp_port_config_validate(&c, err, sizeof(err)), -EINVAL);
	EXPECT_EQ(igmp_port_config_validate(&c, nullptr, 0), -EINVAL);
}

} // namespace

namespace {

TEST(IgmpConfig, igmp_rate_keys_default_parse_and_range_check)
{
	igmp_port_config c;
	char err[128];

	igmp_port_config_defaults(&c);
	EXPECT_EQ(c.igmp_rate_limit, (uint32_t)IGMP_RATE_LIMIT_DEFAULT);
	EXPECT_EQ(c.igmp_rate_burst, (uint32_t)IGMP_RATE_BURST_DEFAULT);
	EXPECT_EQ(igmp_port_config_set(&c, "igmp_rate_limit", "0", err, sizeof(err)), 0);
	EXPECT_EQ(c.igmp_rate_limit, 0u);
	EXPECT_EQ(igmp_port_config_set(&c, "igmp_rate_limit", "1000000", err, sizeof(err)), 0);
	EXPECT_EQ(c.igmp_rate_limit, 1000000u);
	EXPECT_EQ(igmp_port_config_set(&c, "igmp_rate_limit", "1000001", err, sizeof(err)),
		-EINVAL);
	EXPECT_EQ(c.igmp_rate_limit, 1000000u);
	EXPECT_EQ(igmp_port_config_set(&c, "igmp_rate_burst", "1", err, sizeof(err)), 0);
	EXPECT_EQ(c.igmp_rate_burst, 1u);
	EXPECT_EQ(igmp_port_config_set(&c, "igmp_rate_burst", "0", err, sizeof(err)), -EINVAL);
	EXPECT_NE(std::string(err).find("igmp_rate_burst"), std::string::npos) << err;
	EXPECT_EQ(igmp_port_config_set(&c, "igmp_rate_burst", "65537", err, sizeof(err)),
		-EINVAL);
	EXPECT_EQ(igmp_port_config_set(&c, "igmp_rate_burst", "-5", err, sizeof(err)), -EINVAL);
	EXPECT_EQ(c.igmp_rate_burst, 1u);
	EXPECT_EQ(igmp_port_config_validate(&c, err, sizeof(err)), 0);
	c.igmp_rate_burst = 0;
	EXPECT_EQ(igmp_port_config_validate(&c, err, sizeof(err)), -EINVAL);
}

} // namespace
