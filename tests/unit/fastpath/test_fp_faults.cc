// SPDX-License-Identifier: BSD-3-Clause
// Fault tests for lib/fastpath (issue 7): a stalled port does not block the
// others, a full worker->control ring drops and counts, mbuf pool
// exhaustion degrades to drops and recovers, and every pool returns to its
// baseline afterwards. One worker driven with fp_worker_poll over net_ring
// ports whose RX and TX rings the test fills and drains.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
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

const uint32_t G1 = ip(232, 2, 2, 1);
const uint32_t GI = ip(239, 2, 2, 2);
const uint32_t S1 = ip(198, 18, 0, 10);

// Ports 0..2 have a TX ring of 1024; port 3's holds 3 packets and nobody
// drains it: a port whose TX has stalled.
constexpr unsigned int N_PORTS = 4;
constexpr unsigned int STALLED = 3;

struct Env : public ::testing::Environment {
	struct rte_mempool *rx_pool = nullptr;
	struct rte_mempool *replica_pool = nullptr;
	struct rte_mempool *header_pool = nullptr;
	struct rte_mempool *igmp_pool = nullptr;
	uint16_t port[N_PORTS] = {};

	void SetUp() override
	{
		ASSERT_EQ(shim_eal_init("mf_fp_faults_unit", nullptr, 0), 0);
		rx_pool = shim_pktmbuf_pool("ff_rx", 4095, 2048 + 128);
		replica_pool = shim_pktmbuf_pool("ff_rep", 2047, 2048 + 128);
		header_pool = shim_pktmbuf_pool("ff_hdr", 1023, 128 + 64);
		igmp_pool = shim_pool("ff_igmp", 63, sizeof(struct igmp_msg));
		ASSERT_NE(rx_pool, nullptr);
		ASSERT_NE(replica_pool, nullptr);
		ASSERT_NE(header_pool, nullptr);
		ASSERT_NE(igmp_pool, nullptr);
		for (unsigned int i = 0; i < N_PORTS; i++) {
			std::string n = "ffr" + std::to_string(i);
			ASSERT_EQ(shim_ring_port_create(n.c_str(), rx_pool,
					i == STALLED ? 4 : 1024, &port[i]), 0);
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
eth_header(std::vector<uint8_t> &b, uint32_t grp)
{
	const uint8_t dst[6] = { 0x01, 0x00, 0x5e, (uint8_t)((grp >> 16) & 0x7f),
		(uint8_t)(grp >> 8), (uint8_t)grp };
	const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	memcpy(&b[0], dst, 6);
	memcpy(&b[6], src, 6);
	put16(b, 12, 0x0800);
}

// Ethernet + IPv4 UDP-ish packet, frame_len bytes in all, valid checksum.
std::vector<uint8_t>
frame(uint32_t src, uint32_t grp, size_t frame_len)
{
	std::vector<uint8_t> b(frame_len);
	eth_header(b, grp);
	b[14] = 0x45;
	put16(b, 16, (uint16_t)(frame_len - 14));
	b[22] = 64;
	b[23] = 17;
	put32(b, 26, src);
	put32(b, 30, grp);
	for (size_t i = 34; i < frame_len; i++)
		b[i] = (uint8_t)(i * 5 + 1);
	uint16_t c = shim_ipv4_cksum(&b[14]);
	memcpy(&b[24], &c, 2);
	return b;
}

std::vector<uint8_t>
igmp_frame(uint32_t src, uint32_t grp)
{
	uint8_t pkt[64];
	int n = igmp_build_v2_report(pkt, sizeof(pkt), src, grp);
	EXPECT_GT(n, 0);
	std::vector<uint8_t> b(14 + (size_t)(n > 0 ? n : 0));
	eth_header(b, grp);
	memcpy(&b[14], pkt, (size_t)(n > 0 ? n : 0));
	return b;
}

struct FaultTest : public ::testing::Test {
	struct mf_table *t = nullptr;
	struct rte_rcu_qsbr *qsv = nullptr;
	struct shim_fp *f = nullptr;
	struct shim_fp_cfg cfg = {};
	unsigned int in_use0[4] = {};
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
		qsv = shim_qsv_create(1);
		ASSERT_NE(qsv, nullptr);
		std::string name = "fft" + std::to_string(seq++);
		struct mf_table_params p = {};
		p.name = name.c_str();
		p.max_entries = 64;
		p.qsv = qsv;
		p.n_workers = 1;
		t = mf_table_create(&p);
		ASSERT_NE(t, nullptr);
		cfg.n_ports = N_PORTS;
		for (unsigned int i = 0; i < N_PORTS; i++) {
			cfg.ports[i].port = env->port[i];
			cfg.ports[i].igmp_enabled = 1;
			cfg.ports[i].igmp_addr = ip(198, 18, 0, 1);
			cfg.ports[i].igmp_prefix_len = 24;
		}
		cfg.table = t;
		cfg.qsv = qsv;
		cfg.replica_pool = env->replica_pool;
		cfg.header_pool = env->header_pool;
		cfg.igmp_pool = env->igmp_pool;
	}

	void start()
	{
		f = shim_fp_create(&cfg);
		ASSERT_NE(f, nullptr);
		shim_fp_online(f);
	}

	void route(uint32_t src, uint32_t grp, std::vector<unsigned int> oifs)
	{
		struct mf_repl_list *l = mf_repl_list_alloc(t,
				(uint16_t)oifs.size());
		ASSERT_NE(l, nullptr);
		shim_list_set(l, env->port[0], 0, (uint16_t)oifs.size());
		for (size_t i = 0; i < oifs.size(); i++)
			shim_list_set_oif(l, (unsigned int)i,
					env->port[oifs[i]], 1);
		ASSERT_EQ(mf_table_publish(t, src, grp, l), 0);
	}

	// Push n copies of b into port 0's RX, poll once per burst, flush.
	void send(const std::vector<uint8_t> &b, unsigned int n)
	{
		while (n > 0) {
			struct rte_mbuf *m[32];
			unsigned int k = n < 32 ? n : 32;

			for (unsigned int i = 0; i < k; i++) {
				m[i] = shim_mbuf_from(env->rx_pool, b.data(),
						(uint32_t)b.size(), 0);
				ASSERT_NE(m[i], nullptr);
			}
			ASSERT_EQ(shim_ring_port_rx_push(env->port[0], m, k), k);
			shim_fp_poll(f);
			shim_fp_flush(f);
			n -= k;
		}
	}

	// Take and free what port i transmitted; returns how many.
	unsigned int drain(unsigned int i)
	{
		struct rte_mbuf *m[64];
		unsigned int n, total = 0;

		while ((n = shim_ring_port_tx_pull(env->port[i], m, 64)) > 0) {
			for (unsigned int k = 0; k < n; k++)
				shim_mbuf_free(m[k]);
			total += n;
		}
		return total;
	}

	void pop_all()
	{
		uint8_t type;
		uint16_t port;
		uint32_t src, grp;
		void *ptr;

		while (shim_fp_event_pop(f, &type, &port, &src, &grp, &ptr) == 0)
			if (type == FP_EV_IGMP)
				shim_pool_put(env->igmp_pool, ptr);
	}

	uint64_t stat(const char *name, unsigned int idx = 0)
	{
		return shim_fp_stat(f, name, idx);
	}

	void TearDown() override
	{
		if (f != nullptr) {
			shim_fp_offline(f);
			pop_all();
			shim_fp_free(f);
		}
		for (unsigned int i = 0; i < N_PORTS; i++)
			drain(i);
		mf_table_free(t);
		shim_qsv_free(qsv);
		// Every mbuf and message went back to its pool: no leak on any
		// of the fault paths.
		for (int i = 0; i < 4; i++)
			EXPECT_EQ(shim_pool_in_use(pool(i)), in_use0[i])
				<< "pool " << i;
	}
};

int FaultTest::seq;

TEST_F(FaultTest, stalled_port_does_not_block_the_other_ports)
{
	start();
	route(0, G1, { 1, 2, STALLED });
	const unsigned int n = 2000;
	auto t0 = std::chrono::steady_clock::now();
	unsigned int got1 = 0, got2 = 0;
	for (unsigned int k = 0; k < n / 100; k++) {
		send(frame(S1, G1, 120), 100);
		got1 += drain(1);
		got2 += drain(2);
	}
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
		std::chrono::steady_clock::now() - t0).count();
	// Every packet reached the healthy ports...
	EXPECT_EQ(got1, n);
	EXPECT_EQ(got2, n);
	EXPECT_EQ(stat("port_tx_drop", env->port[1]), 0u);
	EXPECT_EQ(stat("port_tx_drop", env->port[2]), 0u);
	// ...while the stalled one took 3 and the rest were freed, counted on
	// that port only.
	EXPECT_EQ(stat("port_tx_drop", env->port[STALLED]), n - 3);
	EXPECT_EQ(stat("tx_drop"), n - 3);
	EXPECT_EQ(stat("forwarded"), n);
	// The worker never waits on a full ring: 2000 packets take
	// milliseconds (a generous bound for a loaded or sanitized build).
	EXPECT_LT(ms, 5000) << "worker loop slowed down by a stalled port";
	// Nothing is held on behalf of the stalled port beyond its ring.
	EXPECT_EQ(shim_pool_in_use(env->rx_pool) +
			shim_pool_in_use(env->replica_pool),
			in_use0[0] + in_use0[1] + 3);

	// The port recovers: once its ring drains, it gets packets again.
	EXPECT_EQ(drain(STALLED), 3u);
	send(frame(S1, G1, 120), 2);
	EXPECT_EQ(drain(STALLED), 2u);
	EXPECT_EQ(drain(1), 2u);
	EXPECT_EQ(drain(2), 2u);
	EXPECT_EQ(stat("port_tx_drop", env->port[STALLED]), n - 3);
}

TEST_F(FaultTest, full_event_ring_drops_records_and_counts_them)
{
	cfg.event_ring_size = 4;  // holds 3 records
	start();
	route(0, G1, { 1 });
	for (unsigned int k = 0; k < 10; k++)
		send(igmp_frame(ip(198, 18, 0, 20 + k), GI), 1);
	EXPECT_EQ(stat("igmp_seen"), 10u);
	EXPECT_EQ(stat("igmp_posted"), 3u);
	EXPECT_EQ(stat("ring_full"), 7u);
	// Dropped records gave their message back at once.
	EXPECT_EQ(shim_pool_in_use(env->igmp_pool), in_use0[3] + 3);
	// Forwarding goes on while the control lcore is behind.
	send(frame(S1, G1, 100), 50);
	EXPECT_EQ(drain(1), 50u);
	EXPECT_EQ(stat("forwarded"), 50u);
	// Once the control lcore drains the ring, records flow again.
	pop_all();
	EXPECT_EQ(shim_pool_in_use(env->igmp_pool), in_use0[3]);
	send(igmp_frame(ip(198, 18, 0, 40), GI), 1);
	send(igmp_frame(ip(198, 18, 0, 41), GI), 1);
	EXPECT_EQ(stat("igmp_posted"), 5u);
	EXPECT_EQ(stat("ring_full"), 7u);
}

TEST_F(FaultTest, igmp_message_pool_exhaustion_drops_and_recovers)
{
	start();
	// Take every message but 2.
	std::vector<void *> held;
	void *o;
	while (shim_pool_in_use(env->igmp_pool) < 63 - 2 &&
			(o = shim_pool_get(env->igmp_pool)) != nullptr)
		held.push_back(o);
	for (unsigned int k = 0; k < 6; k++)
		send(igmp_frame(ip(198, 18, 0, 20 + k), GI), 1);
	EXPECT_EQ(stat("igmp_posted"), 2u);
	EXPECT_EQ(stat("alloc_fail"), 4u);
	pop_all();
	for (void *x : held)
		shim_pool_put(env->igmp_pool, x);
	send(igmp_frame(ip(198, 18, 0, 30), GI), 1);
	EXPECT_EQ(stat("igmp_posted"), 3u);
	EXPECT_EQ(stat("alloc_fail"), 4u);
}

// Hold all but `leave` mbufs of pool mp; returns them.
std::vector<struct rte_mbuf *>
exhaust(struct rte_mempool *mp, unsigned int size, unsigned int leave)
{
	std::vector<struct rte_mbuf *> held;
	const uint8_t byte = 0;

	while (shim_pool_in_use(mp) < size - leave) {
		struct rte_mbuf *m = shim_mbuf_from(mp, &byte, 1, 0);

		if (m == nullptr)
			break;
		held.push_back(m);
	}
	return held;
}

TEST_F(FaultTest, replica_pool_exhaustion_degrades_to_drops_and_recovers)
{
	start();
	route(0, G1, { 1, 2, 3 });  // 2 copies + the original
	drain(STALLED);
	auto held = exhaust(env->replica_pool, 2047, 0);
	ASSERT_FALSE(held.empty());
	send(frame(S1, G1, 100), 100);
	EXPECT_EQ(stat("alloc_fail"), 100u);
	EXPECT_EQ(stat("forwarded"), 0u);
	EXPECT_EQ(drain(1) + drain(2) + drain(STALLED), 0u);
	// The originals were freed: the RX pool is back at its baseline.
	EXPECT_EQ(shim_pool_in_use(env->rx_pool), in_use0[0]);
	for (auto *m : held)
		shim_mbuf_free(m);
	// Recovered: every packet forwarded to every port again.
	send(frame(S1, G1, 100), 1);
	EXPECT_EQ(stat("forwarded"), 1u);
	EXPECT_EQ(drain(1), 1u);
	EXPECT_EQ(drain(2), 1u);
	EXPECT_EQ(drain(STALLED), 1u);
	EXPECT_EQ(stat("alloc_fail"), 100u);
}

TEST_F(FaultTest, header_pool_exhaustion_degrades_to_drops_and_recovers)
{
	for (unsigned int i = 0; i < N_PORTS; i++) {
		cfg.ports[i].multi_seg = 1;
		cfg.ports[i].chain_threshold = 200;
	}
	start();
	route(0, G1, { 1, 2 });
	auto held = exhaust(env->header_pool, 1023, 1);  // one header left
	send(frame(S1, G1, 600), 20);
	// Two chained replicas need two headers: none forwarded.
	EXPECT_EQ(stat("alloc_fail"), 20u);
	EXPECT_EQ(drain(1) + drain(2), 0u);
	EXPECT_EQ(shim_pool_in_use(env->rx_pool), in_use0[0]);
	for (auto *m : held)
		shim_mbuf_free(m);
	send(frame(S1, G1, 600), 20);
	EXPECT_EQ(drain(1), 20u);
	EXPECT_EQ(drain(2), 20u);
	EXPECT_EQ(stat("replicas_chained"), 40u);
	EXPECT_EQ(stat("alloc_fail"), 20u);
}

}  // namespace
