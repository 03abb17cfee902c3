// Unit tests for lib/control: the control lcore between real workers'
// records, the IGMP router, the group manager and the table, over net_ring
// ports, in single-lcore mode (each ch_poll is one control turn that also
// polls the worker).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "control.h"
#include "control_harness.h"
#include "fp_hist.h"
#include "igmp_codec.h"
#include "mf_table.h"
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

const char *const three_ports = R"(
[port {p0}]
name = up
address = 198.18.0.1/24
[port {p1}]
name = lan1
address = 198.18.1.1/24
last_member_query_interval_ms = 100
last_member_query_count = 2
[port {p2}]
name = lan2
address = 198.18.2.1/24
[routes]
route = * 239.1.1.1 up lan1,lan2
route = 198.18.0.10 232.1.1.1 up lan2
)";

class Control : public ::testing::Test {
protected:
	void SetUp() override
	{
		char err[256] = "";
		h = ch_create(3, three_ports, err, sizeof(err));
		ASSERT_NE(h, nullptr) << err;
		p0 = ch_port(h, 0);
		p1 = ch_port(h, 1);
		p2 = ch_port(h, 2);
	}
	void TearDown() override { ch_free(h); }

	// Control turns for about ms milliseconds (TX buffers flush on a timer).
	void poll_for(int ms)
	{
		auto t0 = std::chrono::steady_clock::now();
		while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(ms)) {
			ch_poll(h, 1);
			std::this_thread::sleep_for(std::chrono::microseconds(200));
		}
	}
	void rx_ip(unsigned int i, const uint8_t *pkt, int len)
	{
		uint8_t frame[2048];
		ASSERT_GT(len, 0);
		uint32_t flen = ch_frame(frame, sizeof(frame), pkt, uint32_t(len));
		ASSERT_EQ(ch_rx(h, i, frame, flen), 0);
	}
	void join(unsigned int i, uint32_t host, uint32_t grp)
	{
		uint8_t pkt[256];
		struct igmp_report_rec rec = {};
		rec.type = IGMP_REC_TO_EX;
		rec.group = grp;
		rx_ip(i, pkt, igmp_build_v3_report(pkt, sizeof(pkt), host, &rec, 1));
	}
	void leave(unsigned int i, uint32_t host, uint32_t grp)
	{
		uint8_t pkt[256];
		struct igmp_report_rec rec = {};
		rec.type = IGMP_REC_TO_IN;
		rec.group = grp;
		rx_ip(i, pkt, igmp_build_v3_report(pkt, sizeof(pkt), host, &rec, 1));
	}
	unsigned int count_udp_tx(unsigned int i, uint32_t grp, uint8_t *ttl_out)
	{
		uint8_t buf[2048];
		unsigned int n = 0;
		uint32_t len;
		while ((len = ch_tx(h, i, buf, sizeof(buf))) > 0) {
			if (len < 34 || buf[23] != 17)
				continue;	// not UDP (IGMP queries)
			uint32_t dst = (uint32_t(buf[30]) << 24) | (uint32_t(buf[31]) << 16) |
				(uint32_t(buf[32]) << 8) | buf[33];
			if (dst != grp)
				continue;
			if (ttl_out != nullptr)
				*ttl_out = buf[22];
			n++;
		}
		return n;
	}

	struct ch *h = nullptr;
	uint16_t p0 = 0, p1 = 0, p2 = 0;
};

TEST_F(Control, static_routes_from_config_are_published_at_start)
{
	uint16_t iif, flags;
	uint64_t oifs;

	ASSERT_EQ(ch_route(h, 0, ip(239, 1, 1, 1), &iif, &oifs, &flags), 0);
	EXPECT_EQ(iif, p0);
	EXPECT_EQ(oifs, (1ULL << p1) | (1ULL << p2));
	ASSERT_EQ(ch_route(h, ip(198, 18, 0, 10), ip(232, 1, 1, 1), &iif, &oifs, &flags), 0);
	EXPECT_EQ(iif, p0);
	EXPECT_EQ(oifs, 1ULL << p2);
	EXPECT_EQ(ch_route(h, 0, ip(239, 9, 9, 9), &iif, &oifs, &flags), -ENOENT);
}

TEST_F(Control, startup_general_query_leaves_every_igmp_port_from_its_address)
{
	ch_poll(h, 4);
	const uint32_t addrs[3] = { ip(198, 18, 0, 1), ip(198, 18, 1, 1), ip(198, 18, 2, 1) };
	for (unsigned int i = 0; i < 3; i++) {
		uint8_t buf[256];
		uint32_t len = ch_tx(h, i, buf, sizeof(buf));
		ASSERT_GE(len, 14u + 24u + 8u) << "port " << i;
		const uint8_t mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
		EXPECT_EQ(memcmp(buf, mac, 6), 0);
		EXPECT_EQ(buf[23], 2) << "IP protocol is IGMP";
		uint32_t src = (uint32_t(buf[26]) << 24) | (uint32_t(buf[27]) << 16) |
			(uint32_t(buf[28]) << 8) | buf[29];
		EXPECT_EQ(src, addrs[i]);
		struct igmp_msg msg;
		struct igmp_parse_policy pol = {};
		ASSERT_EQ(igmp_parse(buf + 14, len - 14, &pol, &msg), 0);
		EXPECT_EQ(msg.kind, IGMP_MSG_QUERY);
		EXPECT_EQ(msg.group, 0u);
		EXPECT_EQ(msg.version, 3);
	}
}

TEST_F(Control, report_publishes_group_entry_then_data_forwards_and_makes_sg_mfe)
{
	const uint32_t grp = ip(239, 2, 2, 2), src = ip(198, 18, 0, 10);
	uint16_t iif, flags;
	uint64_t oifs;

	ch_poll(h, 2);
	ch_drain_tx(h);
	join(1, ip(198, 18, 1, 10), grp);
	ch_poll(h, 2);	// worker parses and posts; control applies and publishes
	ASSERT_EQ(ch_route(h, 0, grp, &iif, &oifs, &flags), 0);
	EXPECT_EQ(iif, MF_PORT_ANY);
	EXPECT_EQ(oifs, 1ULL << p1);
	EXPECT_NE(flags & MF_REPL_F_NOTIFY_NEW_SOURCE, 0)
		<< "a (*,G) learned by IGMP asks for new-source records";

	uint8_t frame[256];
	uint32_t len = ch_udp_frame(frame, sizeof(frame), src, grp, 8, 32);
	ASSERT_EQ(ch_rx(h, 0, frame, len), 0);
	poll_for(20);
	uint8_t ttl = 0;
	EXPECT_EQ(count_udp_tx(1, grp, &ttl), 1u);
	EXPECT_EQ(ttl, 7);
	EXPECT_EQ(count_udp_tx(2, grp, nullptr), 0u);
	EXPECT_EQ(count_udp_tx(0, grp, nullptr), 0u) << "never back out the incoming port";

	ASSERT_EQ(ch_route(h, src, grp, &iif, &oifs, &flags), 0) << "new source made an (S,G) MFE";
	EXPECT_EQ(iif, p0);
	EXPECT_EQ(oifs, 1ULL << p1);

	// The same source now arriving on lan2 is a wrong-interface packet.
	len = ch_udp_frame(frame, sizeof(frame), src, grp, 8, 32);
	ASSERT_EQ(ch_rx(h, 2, frame, len), 0);
	poll_for(20);
	EXPECT_EQ(count_udp_tx(1, grp, nullptr), 0u);
	struct ctl_stats st;
	ctl_stats_read(ch_ctl(h), &st);
	EXPECT_GE(st.wrong_iif, 1u);
	EXPECT_GE(st.new_sources, 1u);
}

TEST_F(Control, a_join_that_changes_forwarding_is_one_latency_sample)
{
	struct fp_hist_pct lat;

	ctl_join_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 0u);
	join(1, ip(198, 18, 1, 10), ip(239, 4, 4, 4));
	ch_poll(h, 2);
	ctl_join_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 1u);
	EXPECT_LE(lat.p50_us, lat.p99_us);
	EXPECT_LE(lat.p99_us, lat.max_us + FP_HIST_BUCKET_US);
	// The same report again changes nothing: no new sample.
	join(1, ip(198, 18, 1, 10), ip(239, 4, 4, 4));
	ch_poll(h, 2);
	ctl_join_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 1u);
	// A second receiver port changes the oif list: a second sample.
	join(2, ip(198, 18, 2, 10), ip(239, 4, 4, 4));
	ch_poll(h, 2);
	ctl_join_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 2u);
	ctl_stats_clear(ch_ctl(h));
	ctl_join_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 0u);
	EXPECT_EQ(lat.max_us, 0u);
}

TEST_F(Control, the_first_replica_after_a_join_is_one_sample)
{
	const uint32_t grp = ip(239, 5, 5, 5), src = ip(198, 18, 0, 10);
	struct fp_hist_pct lat;
	uint8_t frame[256];
	uint32_t len = ch_udp_frame(frame, sizeof(frame), src, grp, 8, 32);

	ch_poll(h, 2);
	ch_drain_tx(h);
	join(1, ip(198, 18, 1, 10), grp);
	ch_poll(h, 2);
	ctl_first_replica_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 0u) << "no replica yet";
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(ch_rx(h, 0, frame, len), 0);
	poll_for(20);
	EXPECT_EQ(count_udp_tx(1, grp, nullptr), 3u);
	ctl_first_replica_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 1u) << "one join, one first replica";
	EXPECT_LE(lat.p50_us, lat.p99_us);
	EXPECT_LE(lat.p99_us, lat.max_us + FP_HIST_BUCKET_US);
	EXPECT_LT(lat.max_us, 1000000u);
	// More data, and the (S,G) entry the first packet created (no
	// report behind it): no new sample.
	ASSERT_EQ(ch_rx(h, 0, frame, len), 0);
	poll_for(20);
	EXPECT_EQ(count_udp_tx(1, grp, nullptr), 1u);
	ctl_first_replica_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 1u);
	// A second receiver port: the report republishes the (S,G) the
	// data uses (and the (*,G)); its first replica is a second sample.
	join(2, ip(198, 18, 2, 10), grp);
	ch_poll(h, 2);
	ASSERT_EQ(ch_rx(h, 0, frame, len), 0);
	poll_for(20);
	EXPECT_EQ(count_udp_tx(2, grp, nullptr), 1u);
	ctl_first_replica_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 2u);
	ctl_stats_clear(ch_ctl(h));
	ctl_first_replica_latency(ch_ctl(h), &lat);
	EXPECT_EQ(lat.samples, 0u);
}

TEST_F(Control, leave_removes_the_receiver_within_last_member_query_time)
{
	const uint32_t grp = ip(239, 3, 3, 3);
	uint16_t iif, flags;
	uint64_t oifs;

	join(1, ip(198, 18, 1, 10), grp);
	ch_poll(h, 2);
	ASSERT_EQ(ch_route(h, 0, grp, &iif, &oifs, &flags), 0);
	leave(1, ip(198, 18, 1, 10), grp);
	// LMQT on lan1 = 2 x 100 ms; poll for at most 2 s.
	auto t0 = std::chrono::steady_clock::now();
	int ret = 0;
	while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2)) {
		ch_poll(h, 1);
		ret = ch_route(h, 0, grp, &iif, &oifs, &flags);
		if (ret == -ENOENT)
			break;
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
		std::chrono::steady_clock::now() - t0).count();
	EXPECT_EQ(ret, -ENOENT);
	EXPECT_GE(ms, 100) << "not before the last member queries";
	EXPECT_LT(ms, 1500);
}

std::atomic<int> ran_on_control{0};

int
record_thread(struct ctl *, void *arg)
{
	*static_cast<std::thread::id *>(arg) = std::this_thread::get_id();
	ran_on_control++;
	return 42;
}

int
slow_fn(struct ctl *, void *)
{
	std::this_thread::sleep_for(std::chrono::milliseconds(300));
	return 1;
}

std::atomic<int> late_ran{0};

int
late_fn(struct ctl *, void *)
{
	late_ran++;
	return 2;
}

TEST_F(Control, ctl_call_runs_fn_on_the_control_thread_and_returns_its_value)
{
	int before = ran_on_control.load();
	EXPECT_EQ(ctl_call(ch_ctl(h), record_thread, nullptr, 100), -ETIMEDOUT)
		<< "no control loop running yet: withdrawn, not run";
	EXPECT_EQ(ran_on_control.load(), before);
	ASSERT_EQ(ch_run_thread(h), 0);
	std::thread::id where;
	EXPECT_EQ(ctl_call(ch_ctl(h), record_thread, &where, 2000), 42);
	EXPECT_EQ(ran_on_control.load(), before + 1);
	EXPECT_NE(where, std::this_thread::get_id());
	ch_stop_thread(h);
}

TEST_F(Control, ctl_call_that_times_out_before_starting_never_runs)
{
	ASSERT_EQ(ch_run_thread(h), 0);
	std::thread slow([this] { EXPECT_EQ(ctl_call(ch_ctl(h), slow_fn, nullptr, 2000), 1); });
	std::this_thread::sleep_for(std::chrono::milliseconds(50));	// slow_fn is running
	EXPECT_EQ(ctl_call(ch_ctl(h), late_fn, nullptr, 50), -ETIMEDOUT);
	slow.join();
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	EXPECT_EQ(late_ran.load(), 0);
	ch_stop_thread(h);
}

TEST_F(Control, concurrent_callers_each_get_their_own_answer)
{
	ASSERT_EQ(ch_run_thread(h), 0);
	std::atomic<int> ok{0};
	std::thread t[8];
	for (auto &th : t)
		th = std::thread([this, &ok] {
			for (int i = 0; i < 50; i++) {
				std::thread::id where;
				if (ctl_call(ch_ctl(h), record_thread, &where, 2000) == 42)
					ok++;
			}
		});
	for (auto &th : t)
		th.join();
	EXPECT_EQ(ok.load(), 400);
	ch_stop_thread(h);
}

} // namespace
