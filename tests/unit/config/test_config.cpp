// SPDX-License-Identifier: BSD-3-Clause
// Unit tests for lib/config: good files, and bad ones each with its exact
// "FILE:LINE: message".
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "mf_config.h"

namespace {

struct Loaded {
	int rc;
	std::string err;
	std::unique_ptr<mf_config> cfg;
};

Loaded
load(const std::string &text)
{
	Loaded l;
	char err[512] = "";

	l.cfg.reset(new mf_config);
	l.rc = mf_config_load_string(text.c_str(), "t.ini", l.cfg.get(), err,
		sizeof(err));
	l.err = err;
	return l;
}

std::string
load_err(const std::string &text)
{
	Loaded l = load(text);

	EXPECT_EQ(l.rc, -EINVAL) << text;
	return l.err;
}

uint32_t
ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (a << 24) | (b << 16) | (c << 8) | d;
}

TEST(ConfigGood, EmptyTextGivesDefaults)
{
	Loaded l = load("");
	mf_config def;

	ASSERT_EQ(l.rc, 0) << l.err;
	mf_config_defaults(&def);
	EXPECT_EQ(l.cfg->mfe_timeout_s, 210u);
	EXPECT_EQ(l.cfg->log_level, MF_LOG_INFO);
	EXPECT_TRUE(l.cfg->telemetry);
	EXPECT_EQ(l.cfg->proxy_upstream, MF_PORT_ANY);
	EXPECT_EQ(l.cfg->n_routes, 0u);
	for (unsigned p = 0; p < MF_MAX_PORTS; p++) {
		EXPECT_FALSE(l.cfg->ports[p].present);
		EXPECT_EQ(l.cfg->ports[p].ttl_threshold, 1);
		EXPECT_EQ(l.cfg->ports[p].name[0], '\0');
		EXPECT_EQ(0, memcmp(&l.cfg->ports[p].igmp, &def.ports[p].igmp,
			sizeof(def.ports[p].igmp)));
	}
	EXPECT_STREQ(l.cfg->source, "t.ini");
}

TEST(ConfigGood, NullPathGivesDefaults)
{
	std::unique_ptr<mf_config> c(new mf_config);
	char err[256] = "";

	memset(c.get(), 0x5a, sizeof(*c));
	ASSERT_EQ(mf_config_load(nullptr, c.get(), err, sizeof(err)), 0);
	EXPECT_EQ(c->mfe_timeout_s, 210u);
	EXPECT_EQ(c->control_idle_us, 20u);
	EXPECT_EQ(c->control_slice_us, 100u);
	EXPECT_EQ(c->n_routes, 0u);
	EXPECT_EQ(c->proxy_upstream, MF_PORT_ANY);
}

TEST(ConfigGood, ExampleFileLoads)
{
	std::unique_ptr<mf_config> c(new mf_config);
	char err[512] = "";

	ASSERT_EQ(mf_config_load(MF_EXAMPLE_INI, c.get(), err, sizeof(err)), 0)
		<< err;
	EXPECT_STREQ(c->ports[0].name, "uplink");
	EXPECT_EQ(c->ports[0].addr, ip(198, 18, 0, 1));
	EXPECT_EQ(c->ports[0].prefix_len, 24);
	EXPECT_EQ(c->ports[0].igmp.address, ip(198, 18, 0, 1));
	EXPECT_EQ(c->ports[2].ttl_threshold, 2);
	ASSERT_EQ(c->n_routes, 2u);
	EXPECT_EQ(c->routes[0].src, 0u);
	EXPECT_EQ(c->routes[0].grp, ip(239, 1, 1, 1));
	EXPECT_EQ(c->routes[0].in_port, 0);
	EXPECT_EQ(c->routes[0].oifs, MF_PORTSET_BIT(1) | MF_PORTSET_BIT(2));
	EXPECT_EQ(c->routes[1].src, ip(198, 18, 0, 10));
	EXPECT_EQ(c->routes[1].oifs, MF_PORTSET_BIT(1));
	EXPECT_STREQ(c->source, MF_EXAMPLE_INI);
}

TEST(ConfigGood, EveryShippedExampleLoads)
{
	DIR *d = opendir(MF_EXAMPLES_DIR);
	struct dirent *e;
	unsigned int n = 0;

	ASSERT_NE(d, nullptr);
	while ((e = readdir(d)) != nullptr) {
		std::string name = e->d_name;
		if (name.size() < 4 || name.substr(name.size() - 4) != ".ini")
			continue;
		std::string path = std::string(MF_EXAMPLES_DIR) + "/" + name;
		std::unique_ptr<mf_config> c(new mf_config);
		char err[512] = "";
		EXPECT_EQ(mf_config_load(path.c_str(), c.get(), err,
			sizeof(err)), 0) << err;
		n++;
	}
	closedir(d);
	EXPECT_GE(n, 3u);
}

TEST(ConfigGood, ProxyExampleNamesItsUpstream)
{
	std::unique_ptr<mf_config> c(new mf_config);
	char err[512] = "";

	ASSERT_EQ(mf_config_load(MF_EXAMPLES_DIR "/igmp-proxy.ini", c.get(), err,
		sizeof(err)), 0) << err;
	EXPECT_EQ(c->proxy_upstream, 0);
	ASSERT_EQ(mf_config_load(MF_EXAMPLES_DIR "/igmp-lan.ini", c.get(), err,
		sizeof(err)), 0) << err;
	EXPECT_EQ(c->ports[2].igmp.version, 2);
	EXPECT_TRUE(c->ports[1].igmp.fast_leave);
	EXPECT_EQ(c->ports[1].igmp.query_interval_ms, 10000u);
}

TEST(ConfigGood, ControlIdleZeroMeansBusyPoll)
{
	Loaded l = load("[global]\ncontrol_idle_us = 0\n");

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(l.cfg->control_idle_us, 0u);
}

TEST(ConfigGood, ControlSliceZeroAndKernelBounds)
{
	Loaded l = load("[global]\ncontrol_slice_us = 0\n");

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(l.cfg->control_slice_us, 0u);
	l = load("[global]\ncontrol_slice_us = 100000\n");
	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(l.cfg->control_slice_us, 100000u);
}

TEST(ConfigGood, GlobalKeysAndPortKeys)
{
	Loaded l = load(
		"# comment\n"
		"[global]\n"
		"mfe_timeout_s = 1\n"
		"log_level = debug ; inline comment\n"
		"telemetry = off\n"
		"rx_desc = 1024\n"
		"tx_desc = 64\n"
		"tx_flush_us = 50\n"
		"igmp_proxy_upstream = up\n"
		"\n"
		"[port 3]\n"
		"name = up\n"
		"address = 192.0.2.1/28\n"
		"ttl_threshold = 64\n"
		"chain_threshold = never\n"
		"tx_multi_seg = off\n"
		"igmp = off\n"
		"[port 4]\n"
		"chain_threshold = 1024\n"
		"tx_multi_seg = on\n"
		"[port 5]\n"
		"tx_multi_seg = auto\n");

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(l.cfg->mfe_timeout_s, 1u);
	EXPECT_EQ(l.cfg->log_level, MF_LOG_DEBUG);
	EXPECT_FALSE(l.cfg->telemetry);
	EXPECT_EQ(l.cfg->rx_desc, 1024);
	EXPECT_EQ(l.cfg->tx_desc, 64);
	EXPECT_EQ(l.cfg->tx_flush_us, 50u);
	EXPECT_EQ(l.cfg->proxy_upstream, 3);
	EXPECT_EQ(l.cfg->proxy_line, 9u);
	EXPECT_TRUE(l.cfg->ports[3].present);
	EXPECT_EQ(l.cfg->ports[3].line, 11u);
	EXPECT_EQ(l.cfg->ports[3].addr, ip(192, 0, 2, 1));
	EXPECT_EQ(l.cfg->ports[3].prefix_len, 28);
	EXPECT_EQ(l.cfg->ports[3].ttl_threshold, 64);
	EXPECT_EQ(l.cfg->ports[3].chain_threshold, MF_CONFIG_CHAIN_NEVER);
	EXPECT_FALSE(l.cfg->ports[3].igmp.enabled);
	EXPECT_EQ(l.cfg->ports[3].tx_multi_seg, MF_MSEG_OFF);
	EXPECT_EQ(l.cfg->ports[4].chain_threshold, 1024u);
	EXPECT_EQ(l.cfg->ports[4].tx_multi_seg, MF_MSEG_ON);
	EXPECT_TRUE(l.cfg->ports[5].present);
	EXPECT_EQ(l.cfg->ports[5].tx_multi_seg, MF_MSEG_AUTO);
	EXPECT_EQ(l.cfg->ports[6].tx_multi_seg, MF_MSEG_AUTO);
	EXPECT_FALSE(l.cfg->ports[6].present);
}

TEST(ConfigGood, IgmpKeysAreDelegatedToTheIgmpModule)
{
	Loaded l = load("[port 1]\nversion = 2\nrobustness = 3\n"
		"query_interval_ms = 20000\nfast_leave = on\n");

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(l.cfg->ports[1].igmp.version, 2);
	EXPECT_EQ(l.cfg->ports[1].igmp.robustness, 3);
	EXPECT_EQ(l.cfg->ports[1].igmp.query_interval_ms, 20000u);
	EXPECT_TRUE(l.cfg->ports[1].igmp.fast_leave);
}

TEST(ConfigGood, RoutesByIdOrNameDefinedLaterAndAnySeparator)
{
	Loaded l = load(
		"[routes]\n"
		"route = * 239.1.1.1 in a,b\n"
		"route = 198.18.0.5,239.1.1.1,0,1,2\n"
		"route = 198.18.0.6 239.255.0.1 1 0 2 7\n"
		"[port 0]\nname = in\n"
		"[port 1]\nname = a\n"
		"[port 2]\nname = b\n");

	ASSERT_EQ(l.rc, 0) << l.err;
	ASSERT_EQ(l.cfg->n_routes, 3u);
	EXPECT_EQ(l.cfg->routes[0].src, 0u);
	EXPECT_EQ(l.cfg->routes[0].in_port, 0);
	EXPECT_EQ(l.cfg->routes[0].oifs, MF_PORTSET_BIT(1) | MF_PORTSET_BIT(2));
	EXPECT_EQ(l.cfg->routes[0].line, 2u);
	EXPECT_EQ(l.cfg->routes[1].src, ip(198, 18, 0, 5));
	EXPECT_EQ(l.cfg->routes[2].in_port, 1);
	EXPECT_EQ(l.cfg->routes[2].oifs,
		MF_PORTSET_BIT(0) | MF_PORTSET_BIT(2) | MF_PORTSET_BIT(7));
	EXPECT_EQ(l.cfg->routes[2].line, 4u);
}

TEST(ConfigGood, SameGroupDifferentSourcesAreDistinctRoutes)
{
	Loaded l = load("[routes]\nroute = * 239.1.1.1 0 1\n"
		"route = 198.18.0.1 239.1.1.1 0 1\n"
		"route = 198.18.0.2 239.1.1.1 1 0\n");

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(l.cfg->n_routes, 3u);
}

TEST(ConfigGood, PortLookupByIdAndName)
{
	Loaded l = load("[port 5]\nname = wan\n");
	uint16_t p = 0;

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(mf_config_port_lookup(l.cfg.get(), "wan", &p), 0);
	EXPECT_EQ(p, 5);
	EXPECT_EQ(mf_config_port_lookup(l.cfg.get(), "31", &p), 0);
	EXPECT_EQ(p, 31);
	EXPECT_EQ(mf_config_port_lookup(l.cfg.get(), "32", &p), -EINVAL);
	EXPECT_EQ(mf_config_port_lookup(l.cfg.get(), "", &p), -EINVAL);
	EXPECT_EQ(mf_config_port_lookup(l.cfg.get(), "lan", &p), -ENOENT);
	EXPECT_EQ(mf_config_port_lookup(nullptr, "wan", &p), -ENOENT);
	char buf[16];
	EXPECT_STREQ(mf_config_port_label(l.cfg.get(), 5, buf, sizeof(buf)), "wan");
	EXPECT_STREQ(mf_config_port_label(l.cfg.get(), 6, buf, sizeof(buf)), "6");
}

TEST(ConfigGood, RouteParseForTelemetry)
{
	mf_config_route r;
	char err[256] = "";

	ASSERT_EQ(mf_config_route_parse(nullptr, "*,239.2.2.2,1,0,3", &r, err,
		sizeof(err)), 0) << err;
	EXPECT_EQ(r.src, 0u);
	EXPECT_EQ(r.grp, ip(239, 2, 2, 2));
	EXPECT_EQ(r.in_port, 1);
	EXPECT_EQ(r.oifs, MF_PORTSET_BIT(0) | MF_PORTSET_BIT(3));
	EXPECT_EQ(mf_config_route_parse(nullptr, "*,239.2.2.2,x,0", &r, err,
		sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "unknown port 'x'");
	EXPECT_EQ(mf_config_route_parse(nullptr, "*,239.2.2.2,1", &r, err,
		sizeof(err)), -EINVAL);
	EXPECT_STREQ(err,
		"expected '<source|*> <group> <in port> <out port>[,<out port>...]'");
	EXPECT_EQ(mf_config_route_parse(nullptr, "224.1.1.1,239.2.2.2,1,2", &r,
		err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "source 224.1.1.1 is not a unicast address");
	EXPECT_EQ(mf_config_route_parse(nullptr, "*,239.2.2.2,1,2,2", &r, err,
		sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "outgoing port 2 is listed twice");
}

TEST(ConfigGood, CheckPortsAcceptsExistingPorts)
{
	Loaded l = load("[port 1]\nname = a\n[routes]\nroute = * 239.0.0.9 0 a\n");
	char err[256] = "";

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(mf_config_check_ports(l.cfg.get(), 0x3, err, sizeof(err)), 0);
}

TEST(ConfigGood, FileWithCrlfAndBlankLines)
{
	Loaded l = load("\r\n[port 0]\r\nname = x\r\n\r\n[routes]\r\n"
		"route = * 239.1.1.1 x 1\r\n");

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_STREQ(l.cfg->ports[0].name, "x");
	EXPECT_EQ(l.cfg->routes[0].line, 6u);
}

// ---- bad files: one exact message each ----

struct BadCase {
	const char *text;
	const char *err;
};

class ConfigBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigBad, ExactError)
{
	const BadCase &b = GetParam();
	EXPECT_EQ(load_err(b.text), b.err);
}

const BadCase bad_cases[] = {
	{ "[global]\n[bogus]\n",
	  "t.ini:2: unknown section [bogus] (expected [global], [port N] or [routes])" },
	{ "[port uplink]\nname = x\n",
	  "t.ini:1: bad section [port uplink]: expected [port N] with N a port id 0..31" },
	{ "[port 32]\n",
	  "t.ini:1: bad section [port 32]: expected [port N] with N a port id 0..31" },
	{ "[global]\nmfe_timeout = 3\n",
	  "t.ini:2: unknown key 'mfe_timeout' in [global]" },
	{ "[port 0]\nbogus = 1\n",
	  "t.ini:2: unknown key 'bogus' in [port 0]" },
	{ "[port 0]\naddress = 198.18.0.300/24\n",
	  "t.ini:2: address: '198.18.0.300/24' is not an IPv4 address/prefix (e.g. 198.18.0.1/24)" },
	{ "[port 0]\naddress = 198.18.0.1\n",
	  "t.ini:2: address: '198.18.0.1' is not an IPv4 address/prefix (e.g. 198.18.0.1/24)" },
	{ "[port 0]\naddress = 198.18.0.1/33\n",
	  "t.ini:2: address: prefix length '33' is out of range 1..32" },
	{ "[port 0]\naddress = 239.0.0.1/24\n",
	  "t.ini:2: address: 239.0.0.1 is not a unicast host address" },
	{ "[routes]\nroute = * 10.1.1.1 0 1\n",
	  "t.ini:2: route: group 10.1.1.1 is not a multicast address" },
	{ "[routes]\nroute = * 224.0.0.5 0 1\n",
	  "t.ini:2: route: group 224.0.0.5 is link-local (224.0.0.0/24 is never routed)" },
	{ "[routes]\nroute = * 239.1.1.1.1 0 1\n",
	  "t.ini:2: route: group '239.1.1.1.1' is not an IPv4 address" },
	{ "[routes]\nroute = 0.0.0.0 239.1.1.1 0 1\n",
	  "t.ini:2: route: source 0.0.0.0 is not a unicast address" },
	{ "[routes]\nroute = host 239.1.1.1 0 1\n",
	  "t.ini:2: route: source 'host' is not an IPv4 address or '*'" },
	{ "[port 0]\nname = up\n[routes]\nroute = * 239.1.1.1 up down\n",
	  "t.ini:4: route: unknown port 'down'" },
	{ "[routes]\nroute = * 239.1.1.1 0 40\n",
	  "t.ini:2: route: port '40' is out of range 0..31" },
	{ "[routes]\n; c\nroute = * 239.1.1.1 0 1\nroute = * 239.1.1.1 2 3\n",
	  "t.ini:4: duplicate route (*, 239.1.1.1) (first at line 3)" },
	{ "[routes]\nroute = 198.18.0.1 239.1.1.1 0 1\nroute = 198.18.0.1 239.1.1.1 0 2\n",
	  "t.ini:3: duplicate route (198.18.0.1, 239.1.1.1) (first at line 2)" },
	{ "[routes]\nroute = * 239.1.1.1 0 1,0\n",
	  "t.ini:2: route: incoming port 0 is also an outgoing port" },
	{ "[port 2]\nname = lan\n[routes]\nroute = * 239.1.1.1 lan 1 2\n",
	  "t.ini:4: route: incoming port lan is also an outgoing port" },
	{ "[routes]\nroute = * 239.1.1.1 0\n",
	  "t.ini:2: route: expected '<source|*> <group> <in port> <out port>[,<out port>...]'" },
	{ "[routes]\nstatic = * 239.1.1.1 0 1\n",
	  "t.ini:2: unknown key 'static' in [routes] (expected 'route = ...')" },
	{ "[port 1]\nttl_threshold = 300\n",
	  "t.ini:2: ttl_threshold: 300 is out of range 1..255" },
	{ "[port 1]\nttl_threshold = 0\n",
	  "t.ini:2: ttl_threshold: 0 is out of range 1..255" },
	{ "[port 1]\nttl_threshold = -1\n",
	  "t.ini:2: ttl_threshold: '-1' is not a number" },
	{ "[port 1]\nchain_threshold = 10\n",
	  "t.ini:2: chain_threshold: 10 is out of range 64..65535" },
	{ "[port 1]\ntx_multi_seg = force\n",
	  "t.ini:2: tx_multi_seg: 'force' is not auto, on or off" },
	{ "[global]\ncontrol_idle_us = 1001\n",
	  "t.ini:2: control_idle_us: 1001 is out of range 0..1000" },
	{ "[global]\ncontrol_slice_us = 99\n",
	  "t.ini:2: control_slice_us: 99 is below the kernel's 100 us "
	  "minimum (0 = the kernel's default)" },
	{ "[global]\ncontrol_slice_us = 100001\n",
	  "t.ini:2: control_slice_us: 100001 is out of range 0..100000" },
	{ "[global]\nmfe_timeout_s = 86401\n",
	  "t.ini:2: mfe_timeout_s: 86401 is out of range 1..86400" },
	{ "[global]\nmfe_timeout_s = 0\n",
	  "t.ini:2: mfe_timeout_s: 0 is out of range 1..86400" },
	{ "[global]\nrx_desc = 99999999999\n",
	  "t.ini:2: rx_desc: '99999999999' is not a number" },
	{ "[global]\nlog_level = loud\n",
	  "t.ini:2: log_level: 'loud' is not one of emerg, alert, crit, err, warning, notice, info, debug" },
	{ "[global]\ntelemetry = maybe\n",
	  "t.ini:2: telemetry: 'maybe' is not on or off" },
	{ "[port 0]\nigmp = sometimes\n",
	  "t.ini:2: igmp: 'sometimes' is not on or off" },
	{ "[port 0]\n\n[port 0]\n",
	  "t.ini:3: duplicate section [port 0] (first at line 1)" },
	{ "[global]\n[routes]\n[global]\n",
	  "t.ini:3: duplicate section [global] (first at line 1)" },
	{ "[port 0]\nname = a\nname = b\n",
	  "t.ini:3: duplicate key 'name' in [port 0] (first at line 2)" },
	{ "[port 0]\nname = a\n[port 1]\nname = a\n",
	  "t.ini:4: name: 'a' is already the name of port 0" },
	{ "[port 0]\nname = 1a\n",
	  "t.ini:2: name: '1a' is not a valid port name (1-15 letters, digits, '_' or '-', starting with a letter or '_'; not none/any/all)" },
	{ "[port 0]\nname = none\n",
	  "t.ini:2: name: 'none' is not a valid port name (1-15 letters, digits, '_' or '-', starting with a letter or '_'; not none/any/all)" },
	{ "[port 0]\nname =\n",
	  "t.ini:2: name: missing value" },
	{ "name = a\n",
	  "t.ini:1: key 'name' outside any section" },
	{ "[global]\n\njust some words\n",
	  "t.ini:3: syntax error (expected 'key = value', '[section]' or a comment)" },
	{ "[global\n",
	  "t.ini:1: syntax error: section header without ']'" },
	{ "[global]\nigmp_proxy_upstream = wan\n",
	  "t.ini:2: igmp_proxy_upstream: unknown port 'wan'" },
	{ "[port 0]\nprefix_len = 24\n",
	  "t.ini:2: unknown key 'prefix_len' in [port 0] (give it with address = A.B.C.D/LEN)" },
	{ "[port 0]\nversion = 5\n",
	  nullptr },
};

// The IGMP key error text belongs to lib/igmp: only check the location.
TEST(ConfigBadIgmp, IgmpValueErrorCarriesFileAndLine)
{
	std::string e = load_err("[port 0]\n\nversion = 5\n");
	EXPECT_EQ(e.rfind("t.ini:3: ", 0), 0u) << e;
}

std::vector<BadCase>
bad_cases_with_message()
{
	std::vector<BadCase> v;
	for (const BadCase &b : bad_cases)
		if (b.err != nullptr)
			v.push_back(b);
	return v;
}

INSTANTIATE_TEST_SUITE_P(Files, ConfigBad,
	::testing::ValuesIn(bad_cases_with_message()));

TEST(ConfigGood, LineOfExactlyTheLimit)
{
	std::string text = "[global]\n; " + std::string(195, 'x') + "\n";
	Loaded l = load(text);
	EXPECT_EQ(l.rc, 0) << l.err;
	text = "[global]\n; " + std::string(196, 'x') + "\r\n";
	EXPECT_EQ(load_err(text), "t.ini:2: line too long (at most 197 characters)");
}

TEST(ConfigBadMore, LineTooLong)
{
	std::string text = "[global]\n; " + std::string(300, 'x') + "\n";
	EXPECT_EQ(load_err(text), "t.ini:2: line too long (at most 197 characters)");
}

TEST(ConfigBadMore, TooManyRoutes)
{
	std::string text = "[routes]\n";
	for (unsigned i = 0; i <= MF_CONFIG_MAX_ROUTES; i++)
		text += "route = * 239.1." + std::to_string(i / 256) + "." +
			std::to_string(i % 256) + " 0 1\n";
	EXPECT_EQ(load_err(text), "t.ini:" +
		std::to_string(MF_CONFIG_MAX_ROUTES + 2) +
		": too many routes (at most 4096)");
}

TEST(ConfigBadMore, LoadIsAllOrNothing)
{
	std::unique_ptr<mf_config> c(new mf_config);
	std::unique_ptr<mf_config> before(new mf_config);
	char err[256];

	memset(c.get(), 0xa5, sizeof(*c));
	memcpy(before.get(), c.get(), sizeof(*c));
	EXPECT_EQ(mf_config_load_string("[port 0]\nname = a\n[routes]\n"
		"route = * 239.1.1.1 0 1\nroute = * 239.1.1.1 0 2\n", "x", c.get(),
		err, sizeof(err)), -EINVAL);
	EXPECT_EQ(0, memcmp(c.get(), before.get(), sizeof(*c)));
}

TEST(ConfigBadMore, MissingFile)
{
	std::unique_ptr<mf_config> c(new mf_config);
	char err[256] = "";

	EXPECT_EQ(mf_config_load("/nonexistent/mcastfwd.ini", c.get(), err,
		sizeof(err)), -ENOENT);
	EXPECT_STREQ(err, "/nonexistent/mcastfwd.ini: cannot open: No such file or directory");
}

TEST(ConfigBadMore, ErrorInRealFileNamesTheFile)
{
	char path[] = "/tmp/mf_config_test_XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	const char text[] = "[global]\nlog_level = info\n[port 0]\nttl_threshold = 256\n";
	ASSERT_EQ(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	std::unique_ptr<mf_config> c(new mf_config);
	char err[512] = "";
	EXPECT_EQ(mf_config_load(path, c.get(), err, sizeof(err)), -EINVAL);
	EXPECT_EQ(std::string(err), std::string(path) +
		":4: ttl_threshold: 256 is out of range 1..255");
	unlink(path);
}

TEST(ConfigBadMore, CheckPortsNamesTheLineOfAMissingPort)
{
	Loaded l = load("[port 1]\nname = a\n[routes]\n"
		"route = * 239.0.0.9 0 a\nroute = * 239.0.0.10 0 1,3\n");
	char err[256] = "";

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(mf_config_check_ports(l.cfg.get(), 0x3, err, sizeof(err)),
		-ENODEV);
	EXPECT_STREQ(err, "t.ini:5: port 3 does not exist (ports: 0-1)");
	EXPECT_EQ(mf_config_check_ports(l.cfg.get(), 0x1, err, sizeof(err)),
		-ENODEV);
	EXPECT_STREQ(err, "t.ini:1: port 1 does not exist (ports: 0-0)");
}

} // namespace

TEST(ConfigGood, IgmpRateLimitKeysPerPort)
{
	Loaded l = load("[port 0]\nigmp_rate_limit = 0\n"
		"[port 1]\nigmp_rate_limit = 50\nigmp_rate_burst = 5\n");

	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(l.cfg->ports[0].igmp.igmp_rate_limit, 0u);
	EXPECT_EQ(l.cfg->ports[0].igmp.igmp_rate_burst,
		(uint32_t)IGMP_RATE_BURST_DEFAULT);
	EXPECT_EQ(l.cfg->ports[1].igmp.igmp_rate_limit, 50u);
	EXPECT_EQ(l.cfg->ports[1].igmp.igmp_rate_burst, 5u);
	// Ports without a section keep the defaults.
	EXPECT_EQ(l.cfg->ports[2].igmp.igmp_rate_limit,
		(uint32_t)IGMP_RATE_LIMIT_DEFAULT);
	std::string e = load_err("[port 3]\nigmp_rate_burst = 0\n");
	EXPECT_EQ(e, "t.ini:2: igmp_rate_burst: expected an integer in "
		"1..65536, got '0'");
}

TEST(ConfigGood, MaxRoutesSizesTheTable)
{
	Loaded d = load("");
	ASSERT_EQ(d.rc, 0) << d.err;
	EXPECT_EQ(d.cfg->max_routes, (uint32_t)MF_CONFIG_TABLE_DEFAULT);
	EXPECT_STREQ(d.cfg->routes_file, "");
	Loaded l = load("[global]\nmax_routes = 1100000\n");
	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_EQ(l.cfg->max_routes, 1100000u);
	EXPECT_EQ(d.cfg->extra_mbufs, 0u);
	EXPECT_EQ(load("[global]\nextra_mbufs = 1000000\n").cfg->extra_mbufs,
		1000000u);
	EXPECT_EQ(load_err("[global]\nmax_routes = 63\n"),
		"t.ini:2: max_routes: 63 is out of range 64..16777216");
}

// Writes text into a temporary directory as "routes.txt" and a config
// naming it relatively; reads it back through mf_config_routes_file_read.
struct RoutesFile {
	char dir[64] = "/tmp/mf_routes_test_XXXXXX";
	std::string cfg_path, routes_path;

	explicit RoutesFile(const std::string &routes, const std::string &extra = "")
	{
		EXPECT_NE(mkdtemp(dir), nullptr);
		cfg_path = std::string(dir) + "/m.ini";
		routes_path = std::string(dir) + "/routes.txt";
		write_file(routes_path, routes);
		write_file(cfg_path, "[global]\nroutes_file = routes.txt\n" + extra +
			"[port 1]\nname = lan\n");
	}
	~RoutesFile()
	{
		unlink(cfg_path.c_str());
		unlink(routes_path.c_str());
		rmdir(dir);
	}
	static void write_file(const std::string &p, const std::string &t)
	{
		FILE *f = fopen(p.c_str(), "w");
		ASSERT_NE(f, nullptr);
		fputs(t.c_str(), f);
		fclose(f);
	}
};

TEST(ConfigGood, RoutesFileRelativeToTheConfigWithNamesAndComments)
{
	RoutesFile rf("# bulk routes\n\n198.18.0.1 232.0.0.1 0 lan,2\n"
		"  * 239.9.0.1 2 0  \r\n");
	std::unique_ptr<mf_config> c(new mf_config);
	char err[512] = "";
	ASSERT_EQ(mf_config_load(rf.cfg_path.c_str(), c.get(), err, sizeof(err)), 0) << err;
	EXPECT_STREQ(c->routes_file, "routes.txt");
	mf_config_route *r = nullptr;
	uint32_t n = 0;
	ASSERT_EQ(mf_config_routes_file_read(c.get(), 0x7, &r, &n, err,
		sizeof(err)), 0) << err;
	ASSERT_EQ(n, 2u);
	EXPECT_EQ(r[0].src, ip(198, 18, 0, 1));
	EXPECT_EQ(r[0].grp, ip(232, 0, 0, 1));
	EXPECT_EQ(r[0].in_port, 0);
	EXPECT_EQ(r[0].oifs, 0x6u);
	EXPECT_EQ(r[0].line, 3u);
	EXPECT_EQ(r[1].src, 0u);
	EXPECT_EQ(r[1].oifs, 0x1u);
	EXPECT_EQ(r[1].line, 4u);
	free(r);
}

TEST(ConfigBadMore, RoutesFileErrorsNameFileAndLine)
{
	std::unique_ptr<mf_config> c(new mf_config);
	mf_config_route *r = nullptr;
	uint32_t n = 7;
	char err[512] = "";
	{
		RoutesFile rf("* 239.9.0.1 0 1\n* 10.0.0.1 0 1\n");
		ASSERT_EQ(mf_config_load(rf.cfg_path.c_str(), c.get(), err, sizeof(err)), 0) << err;
		EXPECT_EQ(mf_config_routes_file_read(c.get(), 0, &r, &n, err,
			sizeof(err)), -EINVAL);
		EXPECT_EQ(std::string(err).rfind(rf.routes_path + ":2: route: ", 0), 0u) << err;
		EXPECT_EQ(r, nullptr);
		EXPECT_EQ(n, 0u);
	}
	{
		RoutesFile rf("* 239.9.0.1 0 1\n* 239.9.0.2 0 5\n");
		ASSERT_EQ(mf_config_load(rf.cfg_path.c_str(), c.get(), err, sizeof(err)), 0) << err;
		EXPECT_EQ(mf_config_routes_file_read(c.get(), 0x3, &r, &n, err,
			sizeof(err)), -ENODEV);
		EXPECT_EQ(std::string(err), rf.routes_path +
			":2: a port of this route does not exist");
	}
	{
		std::string many;
		for (int i = 0; i < 65; i++)
			many += "* 239.9.0." + std::to_string(i + 1) + " 0 1\n";
		RoutesFile rf(many, "max_routes = 64\n");
		ASSERT_EQ(mf_config_load(rf.cfg_path.c_str(), c.get(), err, sizeof(err)), 0) << err;
		EXPECT_EQ(mf_config_routes_file_read(c.get(), 0, &r, &n, err,
			sizeof(err)), -E2BIG);
		EXPECT_EQ(std::string(err), rf.routes_path +
			":65: more routes than max_routes (64)");
	}
	snprintf(c->routes_file, sizeof(c->routes_file), "/nonexistent/r.txt");
	EXPECT_EQ(mf_config_routes_file_read(c.get(), 0, &r, &n, err,
		sizeof(err)), -ENOENT);
}
