// SPDX-License-Identifier: BSD-3-Clause
// Unit tests for lib/fastpath: one worker driven with fp_worker_poll over
// net_ring ports whose RX and TX rings the test fills and drains.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "fastpath_event.h"
#include "igmp_codec.h"
#include "shim_eal.h"
#include "shim_fastpath.h"
#include "shim_table.h"

namespace {

constexpr uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return (a << 24) | (b << 16) | (c << 8) | d;
}

const uint32_t G1 = ip(232, 1, 1, 1);
const uint32_t G2 = ip(232, 1, 1, 2);
const uint32_t GI = ip(239, 1, 1, 1);
const uint32_t S1 = ip(198, 18, 0, 10);
const uint32_t S2 = ip(198, 18, 0, 11);

constexpr unsigned int N_PORTS = 5;  // port 4 has a 3-packet TX ring

struct Env : public ::testing::Environment {
	struct rte_mempool *rx_pool = nullptr;
	struct rte_mempool *replica_pool = nullptr;
	struct rte_mempool *header_pool = nullptr;
	struct rte_mempool *igmp_pool = nullptr;
	uint16_t port[N_PORTS] = {};
	uint8_t mac[N_PORTS][6] = {};

	void SetUp() override
	{
		ASSERT_EQ(shim_eal_init("mf_fastpath_unit", nullptr, 0), 0);
		rx_pool = shim_pktmbuf_pool("fp_rx", 2047, 2048 + 128);
		replica_pool = shim_pktmbuf_pool("fp_rep", 1023, 2048 + 128);
		header_pool = shim_pktmbuf_pool("fp_hdr", 1023, 128 + 64);
		igmp_pool = shim_pool("fp_igmp", 63, sizeof(struct igmp_msg));
		ASSERT_NE(rx_pool, nullptr);
		ASSERT_NE(replica_pool, nullptr);
		ASSERT_NE(header_pool, nullptr);
		ASSERT_NE(igmp_pool, nullptr);
		for (unsigned int i = 0; i < N_PORTS; i++) {
			std::string n = "fpr" + std::to_string(i);
			ASSERT_EQ(shim_ring_port_create(n.c_str(), rx_pool,
					i == 4 ? 4 : 1024, &port[i]), 0);
			ASSERT_EQ(shim_port_mac(port[i], mac[i]), 0);
			ASSERT_TRUE(shim_port_multi_seg(port[i]));
		}
	}
};

Env *env = static_cast<Env *>(::testing::AddGlobalTestEnvironment(new Env));

void
put16(std::vector<uint8_t> &b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

void
put32(std::vector<uint8_t> &b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = (uint8_t)(v >> (24 - 8 * i));
}

void
eth_header(std::vector<uint8_t> &b, uint32_t grp, uint16_t type)
{
	const uint8_t dst[6] = { 0x01, 0x00, 0x5e, (uint8_t)((grp >> 16) & 0x7f),
		(uint8_t)(grp >> 8), (uint8_t)grp };
	const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	memcpy(&b[0], dst, 6);
	memcpy(&b[6], src, 6);
	put16(b, 12, type);
}

void
fix_cksum(std::vector<uint8_t> &b)
{
	b[24] = b[25] = 0;
	uint16_t c = shim_ipv4_cksum(&b[14]);
	memcpy(&b[24], &c, 2);
}

// Ethernet + IPv4 (no options) + payload pattern, frame_len bytes in all;
// IP total length tot (0: frame_len - 14).
std::vector<uint8_t>
frame(uint32_t src, uint32_t grp, uint8_t ttl, size_t frame_len,
		uint8_t proto = 17, size_t tot = 0)
{
	std::vector<uint8_t> b(frame_len);
	eth_header(b, grp, 0x0800);
	if (tot == 0)
		tot = frame_len - 14;
	b[14] = 0x45;
	b[15] = 0;
	put16(b, 16, (uint16_t)tot);
	put16(b, 18, 0x1234);
	put16(b, 20, 0);
	b[22] = ttl;
	b[23] = proto;
	put32(b, 26, src);
	put32(b, 30, grp);
	for (size_t i = 34; i < frame_len; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	fix_cksum(b);
	return b;
}

// An IP packet from igmp_build_* behind an Ethernet header.
std::vector<uint8_t>
igmp_frame(uint32_t src, uint32_t grp)
{
	uint8_t pkt[64];
	int n = igmp_build_v2_report(pkt, sizeof(pkt), src, grp);
	EXPECT_GT(n, 0);
	std::vector<uint8_t> b(14 + (size_t)(n > 0 ? n : 0));
	eth_header(b, grp, 0x0800);
	memcpy(&b[14], pkt, (size_t)(n > 0 ? n : 0));
	return b;
}

struct Rx {
	std::vector<uint8_t> bytes;
	uint16_t nb_segs;
	uint16_t refcnt;
	uint16_t first_len;
	const struct rte_mempool *pool;
	struct rte_mbuf *payload;  // second segment, or null
};

struct FpTest : public ::testing::Test {
	struct mf_table *t = nullptr;
	struct rte_rcu_qsbr *qsv = nullptr;
	struct shim_fp *f = nullptr;
	struct shim_fp_cfg cfg = {};
	unsigned int in_use0[4] = {};
	bool online = false;
	static int seq;

	struct rte_mempool *pool(int i)
	{
		struct rte_mempool *p[4] = { env->rx_pool, env->replica_pool,
			env->header_pool, env->igmp_pool };
		return p[i];
	}

	void SetUp() override
	{
		for (int i = 0; i < 4; i++)
			in_use0[i] = shim_pool_in_use(pool(i));
		qsv = shim_qsv_create(2);
		ASSERT_NE(qsv, nullptr);
		std::string name = "fpt" + std::to_string(seq++);
		struct mf_table_params p = {};
		p.name = name.c_str();
		p.max_entries = 64;
		p.qsv = qsv;
		p.n_workers = 2;
		t = mf_table_create(&p);
		ASSERT_NE(t, nullptr);
		cfg.id = 0;
		cfg.n_ports = N_PORTS;
		for (unsigned int i = 0; i < N_PORTS; i++) {
			cfg.ports[i].port = env->port[i];
			cfg.ports[i].multi_seg = 0;
			cfg.ports[i].igmp_enabled = 1;
			cfg.ports[i].igmp_addr = ip(198, 18, 0, 1);
			cfg.ports[i].igmp_prefix_len = 24;
		}
		cfg.table = t;
		cfg.qsv = qsv;
		cfg.rcu_tid = 0;
		cfg.replica_pool = env->replica_pool;
		cfg.header_pool = env->header_pool;
		cfg.igmp_pool = env->igmp_pool;
	}

	void start()
	{
		f = shim_fp_create(&cfg);
		ASSERT_NE(f, nullptr);
		shim_fp_online(f);
		online = true;
	}

	// Stop and free the worker, then check that every mbuf of pool p
	// (a pool the test gave the worker) came back, and free p.
	void stop_and_check_pool(struct rte_mempool *p)
	{
		shim_fp_offline(f);
		online = false;
		shim_fp_free(f);
		f = nullptr;
		EXPECT_EQ(shim_pool_in_use(p), 0u);
		shim_pool_free(p);
	}

	// Route key -> ports (indexes into env->port), thresholds thr.
	void route(uint32_t src, uint32_t grp, int iif,
			std::vector<unsigned int> oifs,
			std::vector<uint8_t> thr = {}, uint16_t flags = 0)
	{
		struct mf_repl_list *l = mf_repl_list_alloc(t,
				(uint16_t)oifs.size());
		ASSERT_NE(l, nullptr);
		shim_list_set(l, iif < 0 ? MF_PORT_ANY : env->port[iif], flags,
				(uint16_t)oifs.size());
		for (size_t i = 0; i < oifs.size(); i++)
			shim_list_set_oif(l, (unsigned int)i,
					env->port[oifs[i]],
					i < thr.size() ? thr[i] : 1);
		ASSERT_EQ(mf_table_publish(t, src, grp, l), 0);
	}

	void send(unsigned int in, const std::vector<uint8_t> &b,
			uint32_t seg_len = 0, bool flush = true)
	{
		struct rte_mbuf *m = shim_mbuf_from(env->rx_pool, b.data(),
				(uint32_t)b.size(), seg_len);
		ASSERT_NE(m, nullptr);
		ASSERT_EQ(shim_ring_port_rx_push(env->port[in], &m, 1), 1u);
		shim_fp_poll(f);
		if (flush)
			shim_fp_flush(f);
	}

	// Everything port i transmitted; mbufs freed unless keep.
	std::vector<Rx> collect(unsigned int i, std::vector<struct rte_mbuf *>
			*keep = nullptr)
	{
		std::vector<Rx> out;
		struct rte_mbuf *m[64];
		unsigned int n;
		while ((n = shim_ring_port_tx_pull(env->port[i], m, 64)) > 0) {
			for (unsigned int k = 0; k < n; k++) {
				Rx r;
				r.bytes.resize(shim_mbuf_pkt_len(m[k]));
				shim_mbuf_read(m[k], r.bytes.data(),
						(uint32_t)r.bytes.size());
				r.nb_segs = shim_mbuf_nb_segs(m[k]);
				r.refcnt = shim_mbuf_refcnt(m[k]);
				r.first_len = shim_mbuf_data_len(m[k]);
				r.pool = shim_mbuf_pool(m[k]);
				r.payload = shim_mbuf_next(m[k]);
				out.push_back(r);
				if (keep != nullptr)
					keep->push_back(m[k]);
				else
					shim_mbuf_free(m[k]);
			}
		}
		return out;
	}

	uint64_t stat(const char *name, unsigned int idx = 0)
	{
		return shim_fp_stat(f, name, idx);
	}

	// The replica of `in` that port i must send: TTL - 1, valid
	// checksum, port i's MAC as source, everything else unchanged.
	void expect_replica(const std::vector<uint8_t> &out,
			const std::vector<uint8_t> &in, unsigned int i)
	{
		size_t tot = ((size_t)in[16] << 8) | in[17];
		ASSERT_EQ(out.size(), 14 + tot);
		EXPECT_EQ(0, memcmp(&out[0], &in[0], 6)) << "dst MAC";
		EXPECT_EQ(0, memcmp(&out[6], env->mac[i], 6)) << "src MAC";
		EXPECT_EQ(0, memcmp(&out[12], &in[12], 2));
		EXPECT_EQ(out[22], in[22] - 1) << "TTL";
		EXPECT_TRUE(shim_ipv4_cksum_ok(&out[14])) << "IP checksum";
		EXPECT_EQ(0, memcmp(&out[14], &in[14], 8));
		EXPECT_EQ(out[23], in[23]);
		EXPECT_EQ(0, memcmp(&out[26], &in[26], tot - 12)) << "payload";
	}

	void TearDown() override
	{
		if (f != nullptr) {
			if (online)
				shim_fp_offline(f);
			uint8_t type;
			uint16_t port;
			uint32_t src, grp;
			void *ptr;
			while (shim_fp_event_pop(f, &type, &port, &src, &grp,
					&ptr) == 0)
				if (type == FP_EV_IGMP)
					shim_pool_put(env->igmp_pool, ptr);
			shim_fp_free(f);
		}
		for (unsigned int i = 0; i < N_PORTS; i++)
			collect(i);
		mf_table_free(t);
		shim_qsv_free(qsv);
		// Every mbuf and message went back to its pool.
		for (int i = 0; i < 4; i++)
			EXPECT_EQ(shim_pool_in_use(pool(i)), in_use0[i])
				<< "pool " << i;
	}
};

int FpTest::seq;

TEST_F(FpTest, copy_replicas_have_exact_bytes_and_skip_the_incoming_port)
{
	start();
	route(0, G1, -1, { 0, 1, 2, 3 });
	auto in = frame(S1, G1, 64, 300);
	send(0, in);
	EXPECT_TRUE(collect(0).empty());
	for (unsigned int i = 1; i <= 3; i++) {
		auto rx = collect(i);
		ASSERT_EQ(rx.size(), 1u) << "port " << i;
		expect_replica(rx[0].bytes, in, i);
		EXPECT_EQ(rx[0].nb_segs, 1);
		EXPECT_EQ(rx[0].refcnt, 1);
	}
	EXPECT_EQ(stat("rx"), 1u);
	EXPECT_EQ(stat("forwarded"), 1u);
	EXPECT_EQ(stat("replicas"), 3u);
	EXPECT_EQ(stat("replicas_copied"), 3u);
	EXPECT_EQ(stat("replicas_chained"), 0u);
	EXPECT_EQ(stat("port_tx", env->port[1]), 1u);
	EXPECT_EQ(stat("port_tx", env->port[0]), 0u);

	struct mf_route_stats rs;
	struct mf_oif_stats os[MF_MAX_PORTS];
	uint16_t n;
	ASSERT_EQ(mf_table_route_stats(t, 0, G1, &rs, os, &n), 0);
	EXPECT_EQ(rs.in_pkts, 1u);
	EXPECT_EQ(rs.in_bytes, 286u);
	EXPECT_EQ(os[0].out_pkts, 0u);
	EXPECT_EQ(os[1].out_pkts, 1u);
	EXPECT_EQ(os[3].out_pkts, 1u);
}

TEST_F(FpTest, chained_replicas_share_one_refcounted_payload)
{
	for (unsigned int i = 0; i < N_PORTS; i++) {
		cfg.ports[i].multi_seg = 1;
		cfg.ports[i].chain_threshold = 512;
	}
	start();
	route(0, G1, -1, { 1, 2, 3 });
	auto in = frame(S1, G1, 64, 1000);
	send(0, in);
	std::vector<struct rte_mbuf *> held;
	std::vector<Rx> all;
	for (unsigned int i = 1; i <= 3; i++) {
		auto rx = collect(i, &held);
		ASSERT_EQ(rx.size(), 1u);
		expect_replica(rx[0].bytes, in, i);
		EXPECT_EQ(rx[0].nb_segs, 2);
		EXPECT_EQ(rx[0].first_len, 14);
		EXPECT_EQ(rx[0].pool, env->header_pool);
		all.push_back(rx[0]);
	}
	ASSERT_NE(all[0].payload, nullptr);
	EXPECT_EQ(all[0].payload, all[1].payload);
	EXPECT_EQ(all[0].payload, all[2].payload);
	struct rte_mbuf *payload = all[0].payload;
	EXPECT_EQ(shim_mbuf_refcnt(payload), 3);
	EXPECT_EQ(shim_mbuf_pool(payload), env->rx_pool);
	shim_mbuf_free(held[0]);
	EXPECT_EQ(shim_mbuf_refcnt(payload), 2);
	shim_mbuf_free(held[1]);
	EXPECT_EQ(shim_mbuf_refcnt(payload), 1);
	shim_mbuf_free(held[2]);
	EXPECT_EQ(stat("replicas_chained"), 3u);

	// Below the threshold the same ports copy.
	auto small = frame(S1, G1, 64, 200);
	send(0, small);
	for (unsigned int i = 1; i <= 3; i++) {
		auto rx = collect(i);
		ASSERT_EQ(rx.size(), 1u);
		expect_replica(rx[0].bytes, small, i);
		EXPECT_EQ(rx[0].nb_segs, 1);
	}
	EXPECT_EQ(stat("replicas_copied"), 3u);
}

TEST_F(FpTest, copy_or_chain_is_chosen_per_port)
{
	cfg.ports[1].multi_seg = 1;
	cfg.ports[1].chain_threshold = 512;
	cfg.ports[2].multi_seg = 0;   // no TX multi-seg: always copy
	cfg.ports[3].multi_seg = 1;
	cfg.ports[3].chain_threshold = 2000;
	start();
	route(0, G1, -1, { 1, 2, 3 });
	auto in = frame(S1, G1, 64, 1000);
	send(0, in);
	auto r1 = collect(1), r2 = collect(2), r3 = collect(3);
	ASSERT_EQ(r1.size(), 1u);
	ASSERT_EQ(r2.size(), 1u);
	ASSERT_EQ(r3.size(), 1u);
	EXPECT_EQ(r1[0].nb_segs, 2);
	EXPECT_EQ(r2[0].nb_segs, 1);
	EXPECT_EQ(r3[0].nb_segs, 1);
	EXPECT_EQ(r2[0].pool, env->replica_pool);
	expect_replica(r1[0].bytes, in, 1);
	expect_replica(r2[0].bytes, in, 2);
	expect_replica(r3[0].bytes, in, 3);
	EXPECT_EQ(stat("replicas_chained"), 1u);
	EXPECT_EQ(stat("replicas_copied"), 2u);
}

TEST_F(FpTest, multi_segment_input_is_replicated_whole)
{
	cfg.ports[3].multi_seg = 1;
	cfg.ports[3].chain_threshold = 512;
	start();
	route(0, G1, -1, { 1, 2, 3 });
	auto in = frame(S1, G1, 64, 700);
	send(0, in, 256);  // three segments
	for (unsigned int i = 1; i <= 3; i++) {
		auto rx = collect(i);
		ASSERT_EQ(rx.size(), 1u);
		expect_replica(rx[0].bytes, in, i);
		if (i == 3)
			EXPECT_EQ(rx[0].nb_segs, 4);  // header + 3 shared
		else
			EXPECT_EQ(rx[0].nb_segs, 1);  // copies are linear
	}
}

TEST_F(FpTest, ethernet_padding_is_not_replicated)
{
	start();
	route(0, G1, -1, { 1 });
	auto in = frame(S1, G1, 64, 60, 17, 28);  // 18 bytes of padding
	send(0, in);
	auto rx = collect(1);
	ASSERT_EQ(rx.size(), 1u);
	EXPECT_EQ(rx[0].bytes.size(), 42u);
	expect_replica(rx[0].bytes, in, 1);
}

TEST_F(FpTest, source_entry_wins_over_star_and_misses_count_no_route)
{
	start();
	route(S1, G1, -1, { 1 });
	route(0, G1, -1, { 2 });
	send(0, frame(S1, G1, 64, 100));
	send(0, frame(S2, G1, 64, 100));
	send(0, frame(S1, G2, 64, 100));
	EXPECT_EQ(collect(1).size(), 1u);
	EXPECT_EQ(collect(2).size(), 1u);
	EXPECT_EQ(collect(3).size(), 0u);
	EXPECT_EQ(stat("no_route"), 1u);
	EXPECT_EQ(stat("forwarded"), 2u);
	EXPECT_EQ(stat("rx"), 3u);
}

TEST_F(FpTest, wrong_iif_is_dropped_counted_and_reported_rate_limited)
{
	cfg.wrong_iif_rate = 1;
	cfg.wrong_iif_burst = 2;
	start();
	route(S1, G1, 1, { 2, 3 });
	for (int k = 0; k < 5; k++)
		send(0, frame(S1, G1, 64, 100));
	EXPECT_TRUE(collect(2).empty());
	EXPECT_TRUE(collect(3).empty());
	EXPECT_EQ(stat("wrong_iif"), 5u);
	EXPECT_EQ(stat("wrong_iif_posted"), 2u);
	EXPECT_EQ(stat("wrong_iif_suppressed"), 3u);
	uint8_t type;
	uint16_t port;
	uint32_t src, grp;
	void *ptr;
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(shim_fp_event_pop(f, &type, &port, &src, &grp, &ptr),
				0);
		EXPECT_EQ(type, FP_EV_WRONG_IIF);
		EXPECT_EQ(port, env->port[0]);
		EXPECT_EQ(src, S1);
		EXPECT_EQ(grp, G1);
		EXPECT_EQ(ptr, nullptr);
	}
	EXPECT_EQ(shim_fp_event_pop(f, &type, &port, &src, &grp, &ptr),
			-ENOENT);
	struct mf_route_stats rs;
	ASSERT_EQ(mf_table_route_stats(t, S1, G1, &rs, nullptr, nullptr), 0);
	EXPECT_EQ(rs.wrong_iif, 5u);
	EXPECT_EQ(rs.in_pkts, 0u);

	// On the right port it flows.
	send(1, frame(S1, G1, 64, 100));
	EXPECT_EQ(collect(2).size(), 1u);
	EXPECT_EQ(collect(3).size(), 1u);
}

TEST_F(FpTest, ttl_one_is_dropped_and_port_thresholds_apply)
{
	start();
	route(0, G1, -1, { 1, 2, 3 }, { 0, 10, 4 });
	send(0, frame(S1, G1, 1, 100));
	send(0, frame(S1, G1, 0, 100));
	EXPECT_EQ(stat("ttl_drop"), 2u);
	for (unsigned int i = 1; i <= 3; i++)
		EXPECT_TRUE(collect(i).empty());

	send(0, frame(S1, G1, 5, 100));  // 5 > 0 and > 4, not > 10
	EXPECT_EQ(collect(1).size(), 1u);
	EXPECT_EQ(collect(2).size(), 0u);
	EXPECT_EQ(collect(3).size(), 1u);
	send(0, frame(S1, G1, 4, 100));  // not > 4 either
	EXPECT_EQ(collect(1).size(), 1u);
	EXPECT_EQ(collect(3).size(), 0u);
	EXPECT_EQ(stat("ttl_threshold"), 3u);

	struct mf_route_stats rs;
	struct mf_oif_stats os[MF_MAX_PORTS];
	ASSERT_EQ(mf_table_route_stats(t, 0, G1, &rs, os, nullptr), 0);
	EXPECT_EQ(rs.ttl_drop, 2u);
	EXPECT_EQ(rs.in_pkts, 4u);
	EXPECT_EQ(os[0].ttl_too_low, 0u);
	EXPECT_EQ(os[1].ttl_too_low, 2u);
	EXPECT_EQ(os[2].ttl_too_low, 1u);
	EXPECT_EQ(os[2].out_pkts, 1u);

	// Only port 2 (threshold 10) left and the packet fails it: no oif.
	route(0, G2, -1, { 2 }, { 10 });
	uint64_t fwd = stat("forwarded");
	send(0, frame(S1, G2, 5, 100));
	EXPECT_EQ(stat("no_oif"), 1u);
	EXPECT_EQ(stat("forwarded"), fwd);
}

TEST_F(FpTest, notify_entry_posts_new_source_rate_limited)
{
	cfg.new_source_rate = 1;
	cfg.new_source_burst = 2;
	start();
	route(0, G1, -1, { 1 }, {}, MF_REPL_F_NOTIFY_NEW_SOURCE);
	route(S2, G1, 0, { 1 });  // a plain (S,G): no record
	for (int k = 0; k < 3; k++)
		send(0, frame(S1, G1, 64, 100));
	send(0, frame(S2, G1, 64, 100));
	EXPECT_EQ(collect(1).size(), 4u);
	EXPECT_EQ(stat("forwarded"), 4u);
	EXPECT_EQ(stat("new_source_posted"), 2u);
	EXPECT_EQ(stat("new_source_suppressed"), 1u);
	uint8_t type;
	uint16_t port;
	uint32_t src, grp;
	void *ptr;
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(shim_fp_event_pop(f, &type, &port, &src, &grp, &ptr),
				0);
		EXPECT_EQ(type, FP_EV_NEW_SOURCE);
		EXPECT_EQ(port, env->port[0]);
		EXPECT_EQ(src, S1);
		EXPECT_EQ(grp, G1);
	}
	EXPECT_EQ(shim_fp_event_pop(f, &type, &port, &src, &grp, &ptr),
			-ENOENT);
	EXPECT_EQ(shim_fp_event_size(), 24u);
}

TEST_F(FpTest, non_multicast_and_malformed_packets_are_counted_and_dropped)
{
	start();
	route(0, G1, -1, { 1 });
	std::vector<uint8_t> arp(60, 0);
	eth_header(arp, G1, 0x0806);
	send(0, arp);
	send(0, frame(S1, ip(198, 18, 1, 1), 64, 100));   // unicast
	send(0, frame(S1, ip(224, 0, 0, 5), 64, 100, 89)); // link-local
	auto bad = frame(S1, G1, 64, 100);
	bad[25] ^= 0xff;                                    // checksum
	send(0, bad);
	send(0, frame(S1, G1, 64, 100, 17, 200));          // tot > frame
	auto v6 = frame(S1, G1, 64, 100);
	v6[14] = 0x65;                                      // version 6
	fix_cksum(v6);
	send(0, v6);
	EXPECT_TRUE(collect(1).empty());
	EXPECT_EQ(stat("rx"), 6u);
	EXPECT_EQ(stat("non_ip"), 1u);
	EXPECT_EQ(stat("other_dropped"), 1u);
	EXPECT_EQ(stat("link_local"), 1u);
	EXPECT_EQ(stat("bad_ip"), 3u);
	EXPECT_EQ(stat("forwarded"), 0u);
}

TEST_F(FpTest, igmp_is_parsed_into_a_pool_message_and_posted)
{
	start();
	route(0, GI, -1, { 1 });  // IGMP is never forwarded, even with a route
	send(0, igmp_frame(ip(198, 18, 0, 20), GI));
	EXPECT_EQ(stat("igmp_seen"), 1u);
	EXPECT_EQ(stat("igmp_posted"), 1u);
	EXPECT_EQ(shim_pool_in_use(env->igmp_pool), in_use0[3] + 1);
	uint8_t type;
	uint16_t port;
	uint32_t src, grp;
	void *ptr;
	ASSERT_EQ(shim_fp_event_pop(f, &type, &port, &src, &grp, &ptr), 0);
	EXPECT_EQ(type, FP_EV_IGMP);
	EXPECT_EQ(port, env->port[0]);
	EXPECT_EQ(src, ip(198, 18, 0, 20));
	EXPECT_EQ(grp, GI);
	ASSERT_NE(ptr, nullptr);
	const struct igmp_msg *msg = static_cast<const struct igmp_msg *>(ptr);
	EXPECT_EQ(msg->kind, IGMP_MSG_V2_REPORT);
	EXPECT_EQ(msg->group, GI);
	shim_pool_put(env->igmp_pool, ptr);

	// Off the port's subnet: rejected, counted by reason.
	send(0, igmp_frame(ip(192, 0, 2, 20), GI));
	EXPECT_EQ(stat("igmp_bad"), 1u);
	EXPECT_EQ(stat("igmp_bad_by_err", -IGMP_PARSE_ERR_SOURCE_SUBNET - 1),
			1u);
	// Disabled at run time: dropped, counted.
	shim_fp_set_igmp(f, env->port[0], 0, 0);
	send(0, igmp_frame(ip(198, 18, 0, 20), GI));
	EXPECT_EQ(stat("igmp_disabled"), 1u);
	EXPECT_EQ(stat("igmp_seen"), 3u);
	EXPECT_EQ(shim_fp_event_pop(f, &type, &port, &src, &grp, &ptr),
			-ENOENT);
	EXPECT_TRUE(collect(1).empty());
}

TEST_F(FpTest, igmp_beyond_the_port_rate_is_dropped_before_parsing)
{
	start();
	// 1 packet/s, burst 3: a refill takes a second, the test far less
	// (bounded below by the elapsed time, so a stalled machine passes).
	shim_fp_set_igmp_rate(f, env->port[0], 1, 3);
	auto t0 = std::chrono::steady_clock::now();
	for (int k = 0; k < 10; k++)
		send(0, igmp_frame(ip(198, 18, 0, 20), GI));
	// A bad packet beyond the rate is not even parsed (no igmp_bad).
	auto bad = igmp_frame(ip(198, 18, 0, 20), GI);
	bad[14 + 24 + 2] ^= 0xff;  // IGMP checksum
	send(0, bad);
	uint64_t slack = (uint64_t)std::chrono::duration_cast<
		std::chrono::seconds>(std::chrono::steady_clock::now() -
		t0).count();
	EXPECT_EQ(stat("igmp_seen"), 11u);
	EXPECT_GE(stat("igmp_posted"), 3u);
	EXPECT_LE(stat("igmp_posted"), 3u + slack);
	EXPECT_EQ(stat("igmp_posted") + stat("igmp_rate_limited") +
			stat("igmp_bad"), 11u);
	EXPECT_EQ(stat("port_igmp_rate_limited", env->port[0]),
			stat("igmp_rate_limited"));
	EXPECT_EQ(stat("port_igmp_rate_limited", env->port[1]), 0u);
	// The message pool holds only what was posted.
	EXPECT_EQ(shim_pool_in_use(env->igmp_pool),
			in_use0[3] + stat("igmp_posted"));

	// Another port has its own bucket (unlimited here).
	for (int k = 0; k < 5; k++)
		send(1, igmp_frame(ip(198, 18, 0, 21), GI));
	EXPECT_EQ(stat("port_igmp_rate_limited", env->port[1]), 0u);

	// Unlimited at run time: everything is parsed again.
	shim_fp_set_igmp_rate(f, env->port[0], 0, 3);
	uint64_t posted = stat("igmp_posted");
	uint64_t limited = stat("igmp_rate_limited");
	for (int k = 0; k < 5; k++)
		send(0, igmp_frame(ip(198, 18, 0, 20), GI));
	EXPECT_EQ(stat("igmp_posted"), posted + 5);
	EXPECT_EQ(stat("igmp_rate_limited"), limited);

	// A new rate restarts the bucket full: burst 2 admits 2 of 4.
	shim_fp_set_igmp_rate(f, env->port[0], 2, 2);
	posted = stat("igmp_posted");
	for (int k = 0; k < 4; k++)
		send(0, igmp_frame(ip(198, 18, 0, 20), GI));
	EXPECT_GE(stat("igmp_posted"), posted + 2);
	EXPECT_LE(stat("igmp_posted"), posted + 3);
}

TEST_F(FpTest, tx_drops_are_counted_per_port)
{
	start();
	route(0, G1, -1, { 4 });  // port 4's TX ring holds 3 packets
	for (int k = 0; k < 20; k++)
		send(0, frame(S1, G1, 64, 100), 0, false);
	shim_fp_flush(f);
	EXPECT_EQ(collect(4).size(), 3u);
	EXPECT_EQ(stat("port_tx", env->port[4]), 20u);
	EXPECT_EQ(stat("port_tx_drop", env->port[4]), 17u);
	EXPECT_EQ(stat("tx_drop"), 17u);
}

TEST_F(FpTest, tx_buffers_flush_on_the_drain_timeout)
{
	cfg.drain_us = 2000000;  // 2 s: nothing leaves without a flush
	start();
	route(0, G1, -1, { 1 });
	send(0, frame(S1, G1, 64, 100), 0, false);
	EXPECT_EQ(collect(1).size(), 0u);
	shim_fp_flush(f);
	EXPECT_EQ(collect(1).size(), 1u);

	cfg.drain_us = 1000;     // 1 ms
	shim_fp_offline(f);
	shim_fp_free(f);
	start();
	send(0, frame(S1, G1, 64, 100), 0, false);
	std::this_thread::sleep_for(std::chrono::milliseconds(5));
	shim_fp_poll(f);          // no RX: only the timer flushes
	EXPECT_EQ(collect(1).size(), 1u);
}

TEST_F(FpTest, replica_pool_exhaustion_is_counted_not_leaked)
{
	struct rte_mempool *tiny = shim_pktmbuf_pool("fp_tiny", 2, 2048 + 128);
	ASSERT_NE(tiny, nullptr);
	cfg.replica_pool = tiny;
	start();
	route(0, G1, -1, { 1, 2, 3, 4 });  // 3 copies + the original
	send(0, frame(S1, G1, 64, 100));
	for (unsigned int i = 1; i <= 4; i++)
		EXPECT_TRUE(collect(i).empty());
	EXPECT_EQ(stat("alloc_fail"), 1u);
	EXPECT_EQ(stat("forwarded"), 0u);
	EXPECT_EQ(stat("replicas"), 0u);
	struct mf_oif_stats os[MF_MAX_PORTS];
	ASSERT_EQ(mf_table_route_stats(t, 0, G1, nullptr, os, nullptr), 0);
	EXPECT_EQ(os[0].discards, 1u);
	EXPECT_EQ(os[3].discards, 1u);
	EXPECT_EQ(shim_pool_in_use(tiny), 0u);
	route(0, G1, -1, { 1, 2, 3 });  // 2 copies fit
	send(0, frame(S1, G1, 64, 100));
	EXPECT_EQ(collect(1).size() + collect(2).size() + collect(3).size(),
			3u);
	stop_and_check_pool(tiny);
}

TEST_F(FpTest, a_frame_longer_than_a_replica_goes_out_as_itself_only)
{
	// Replicas hold 256 bytes; the 600-byte frame fits the RX pool only.
	struct rte_mempool *small = shim_pktmbuf_pool("fp_small", 63,
			256 + 128);
	ASSERT_NE(small, nullptr);
	cfg.replica_pool = small;
	start();
	route(0, G1, -1, { 1, 2, 3 });
	auto b = frame(S1, G1, 64, 600);
	send(0, b);
	EXPECT_TRUE(collect(1).empty());
	EXPECT_TRUE(collect(2).empty());
	auto r3 = collect(3);
	ASSERT_EQ(r3.size(), 1u) << "the packet itself, to the last oif";
	EXPECT_EQ(r3[0].bytes.size(), 600u);
	EXPECT_EQ(stat("alloc_fail"), 2u);
	EXPECT_EQ(stat("forwarded"), 1u);
	EXPECT_EQ(stat("replicas"), 1u);
	struct mf_oif_stats os[MF_MAX_PORTS];
	ASSERT_EQ(mf_table_route_stats(t, 0, G1, nullptr, os, nullptr), 0);
	EXPECT_EQ(os[0].discards, 1u);
	EXPECT_EQ(os[1].discards, 1u);
	EXPECT_EQ(os[2].discards, 0u);
	EXPECT_EQ(os[0].out_pkts, 0u);
	EXPECT_EQ(os[1].out_pkts, 0u);
	EXPECT_EQ(os[2].out_pkts, 1u);
	// A short frame on the same route still goes everywhere.
	send(0, frame(S1, G1, 64, 100));
	for (unsigned int i = 1; i <= 3; i++)
		EXPECT_EQ(collect(i).size(), 1u);
	stop_and_check_pool(small);
}

TEST_F(FpTest, oif_counters_add_up_over_a_burst_of_mixed_targets)
{
	start();
	route(0, G1, -1, { 1, 2, 3 });
	route(0, G2, -1, { 2 });
	// One burst: runs of equal targets, another group in between, and
	// a change of length (a new target for the same list).
	std::vector<std::vector<uint8_t>> in = {
		frame(S1, G1, 64, 100), frame(S1, G1, 64, 100),
		frame(S1, G2, 64, 100), frame(S1, G1, 64, 100),
		frame(S1, G1, 64, 200), frame(S1, G1, 64, 200),
	};
	for (auto &b : in) {
		struct rte_mbuf *m = shim_mbuf_from(env->rx_pool, b.data(),
				(uint32_t)b.size(), 0);
		ASSERT_NE(m, nullptr);
		ASSERT_EQ(shim_ring_port_rx_push(env->port[0], &m, 1), 1u);
	}
	shim_fp_poll(f);
	shim_fp_flush(f);
	EXPECT_EQ(collect(1).size(), 5u);
	EXPECT_EQ(collect(2).size(), 6u);
	EXPECT_EQ(collect(3).size(), 5u);
	struct mf_oif_stats os[MF_MAX_PORTS];
	ASSERT_EQ(mf_table_route_stats(t, 0, G1, nullptr, os, nullptr), 0);
	EXPECT_EQ(os[0].out_pkts, 5u);
	EXPECT_EQ(os[1].out_pkts, 5u);
	EXPECT_EQ(os[2].out_pkts, 5u);
	ASSERT_EQ(mf_table_route_stats(t, 0, G2, nullptr, os, nullptr), 0);
	EXPECT_EQ(os[0].out_pkts, 1u);
	EXPECT_EQ(stat("replicas"), 16u);
}

TEST_F(FpTest, each_worker_counts_in_its_own_block_of_the_list)
{
	start();
	struct shim_fp_cfg c2 = cfg;
	c2.id = 1;
	c2.rcu_tid = 1;
	struct shim_fp *f2 = shim_fp_create(&c2);
	ASSERT_NE(f2, nullptr);
	shim_fp_online(f2);
	c2.id = 2;  // the table has two counter blocks
	c2.rcu_tid = 1;
	EXPECT_EQ(shim_fp_create(&c2), nullptr);

	route(0, G1, -1, { 1 });
	send(0, frame(S1, G1, 64, 100));  // worker 0
	for (int k = 0; k < 2; k++) {
		auto b = frame(S1, G1, 64, 200);
		struct rte_mbuf *m = shim_mbuf_from(env->rx_pool, b.data(),
				(uint32_t)b.size(), 0);
		ASSERT_NE(m, nullptr);
		ASSERT_EQ(shim_ring_port_rx_push(env->port[0], &m, 1), 1u);
		shim_fp_poll(f2);          // worker 1
	}
	shim_fp_flush(f2);
	EXPECT_EQ(collect(1).size(), 3u);
	EXPECT_EQ(shim_fp_stat(f2, "forwarded", 0), 2u);
	EXPECT_EQ(stat("forwarded"), 1u);

	const struct mf_repl_list *l = mf_table_lookup_exact(t, 0, G1);
	ASSERT_NE(l, nullptr);
	EXPECT_EQ(mf_repl_list_route_stats(l, 0)->in_pkts, 1u);
	EXPECT_EQ(mf_repl_list_route_stats(l, 1)->in_pkts, 2u);
	EXPECT_EQ(mf_repl_list_out_pkts(l, 1)[0], 2u);
	struct mf_route_stats rs;
	ASSERT_EQ(mf_table_route_stats(t, 0, G1, &rs, nullptr, nullptr), 0);
	EXPECT_EQ(rs.in_pkts, 3u);
	EXPECT_EQ(rs.in_bytes, 86u + 2 * 186u);
	shim_fp_offline(f2);
	shim_fp_free(f2);
}

TEST_F(FpTest, injected_control_packets_leave_at_once)
{
	cfg.with_inject = 1;
	cfg.drain_us = 2000000;  // the drain timer would hold data 2 s
	start();
	auto b = frame(S1, ip(224, 0, 0, 1), 1, 60);
	struct rte_mbuf *m = shim_mbuf_from(env->rx_pool, b.data(),
			(uint32_t)b.size(), 0);
	ASSERT_NE(m, nullptr);
	ASSERT_EQ(shim_fp_inject(f, env->port[2], m), 0);
	shim_fp_poll(f);
	auto rx = collect(2);
	ASSERT_EQ(rx.size(), 1u);
	EXPECT_EQ(rx[0].bytes, b);  // sent as given, not forwarded
	EXPECT_EQ(stat("injected"), 1u);
	EXPECT_EQ(stat("rx"), 0u);
}

// fp_worker_run on its own thread: forwards, reports quiescence so the
// writer's reclaim completes while it runs, and stops on request.
TEST_F(FpTest, worker_thread_forwards_quiesces_and_stops)
{
	f = shim_fp_create(&cfg);
	ASSERT_NE(f, nullptr);
	route(0, G1, -1, { 1 });
	std::thread th([this] { shim_fp_run(f); });
	for (int k = 0; k < 10; k++) {
		auto b = frame(S1, G1, 64, 100);
		struct rte_mbuf *m = shim_mbuf_from(env->rx_pool, b.data(),
				(uint32_t)b.size(), 0);
		ASSERT_NE(m, nullptr);
		ASSERT_EQ(shim_ring_port_rx_push(env->port[0], &m, 1), 1u);
	}
	auto deadline = std::chrono::steady_clock::now() +
		std::chrono::seconds(5);
	while (stat("forwarded") < 10 &&
			std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	EXPECT_EQ(stat("forwarded"), 10u);

	// Replace the route: the old list is freed once the worker passes
	// a quiescent state.
	route(0, G1, -1, { 2 });
	unsigned int freed = 0;
	while (freed == 0 && std::chrono::steady_clock::now() < deadline) {
		freed += mf_table_reclaim(t);
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	EXPECT_EQ(freed, 1u);

	shim_fp_stop(f);
	th.join();
	// Stopped: TX flushed, worker offline (grace periods do not wait).
	EXPECT_EQ(collect(1).size(), 10u);
	route(0, G1, -1, { 3 });
	EXPECT_EQ(mf_table_reclaim(t), 1u);
}

} // namespace
