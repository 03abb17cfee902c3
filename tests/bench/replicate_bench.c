/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * replicate_bench: where does chaining a per-port header mbuf to the
 * refcounted payload start to beat a full copy?
 *
 * Runs the real worker (fp_worker_poll) on net_ring ports: one input port,
 * `fanout` output ports, a (*,G) route to all of them. Each round it makes
 * a burst of FP_BURST frames of the given size (alloc + memcpy of a
 * template, the same in both modes), lets the worker replicate them, and
 * frees what the output rings received (as a NIC's TX completion would).
 * The output ports are declared either without TX multi-seg (every
 * replica a copy) or with chain threshold 0 (every replica chained). It
 * prints ns per input packet and per replica for both methods and the
 * smallest size at which chaining wins.
 *
 * Not a test: build with meson, run by hand:
 *   replicate_bench --no-huge -m 512 --no-pci -- [rounds] [fanout]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "fastpath.h"
#include "igmp_codec.h"
#include "mf_table.h"

#define MAX_OUT 8
#define GRP 0xe8010101u /* 232.1.1.1 */
#define SRC 0xc6120001u /* 198.18.0.1 */

static const uint32_t sizes[] = { 64, 128, 256, 512, 768, 1024, 1500 };

struct bench {
	struct rte_mempool *rx_pool, *rep_pool, *hdr_pool, *igmp_pool;
	struct rte_ring *rx_ring, *in_tx_ring, *tx_ring[MAX_OUT];
	uint16_t in_port, out_port[MAX_OUT];
	unsigned int fanout;
	struct mf_table *table;
	struct rte_ring *ev;
	struct fp_port ports[MF_MAX_PORTS];
};

static int
ring_port(const char *name, struct rte_ring **rx, struct rte_ring **tx,
		struct rte_mempool *mp, uint16_t *port)
{
	struct rte_eth_conf conf;
	char rn[RTE_RING_NAMESIZE];
	int id;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	*rx = rte_ring_create(rn, 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	*tx = rte_ring_create(rn, 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (*rx == NULL || *tx == NULL)
		return -1;
	id = rte_eth_from_rings(name, rx, 1, tx, 1, 0);
	if (id < 0)
		return -1;
	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (rte_eth_dev_configure(id, 1, 1, &conf) != 0 ||
			rte_eth_rx_queue_setup(id, 0, 4096, 0, NULL, mp) != 0 ||
			rte_eth_tx_queue_setup(id, 0, 4096, 0, NULL) != 0 ||
			rte_eth_dev_start(id) != 0)
		return -1;
	*port = (uint16_t)id;
	return 0;
}

static void
make_frame(uint8_t *b, uint32_t len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint32_t i;

	memset(b, 0, len);
	eth->dst_addr.addr_bytes[0] = 0x01;
	eth->dst_addr.addr_bytes[2] = 0x5e;
	eth->dst_addr.addr_bytes[3] = 0x01;
	eth->dst_addr.addr_bytes[4] = 0x01;
	eth->dst_addr.addr_bytes[5] = 0x01;
	eth->src_addr.addr_bytes[0] = 0x02;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - 14));
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = rte_cpu_to_be_32(SRC);
	ip->dst_addr = rte_cpu_to_be_32(GRP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	for (i = 34; i < len; i++)
		b[i] = (uint8_t)i;
}

/* One measurement: ns per input packet. */
static double
run(struct bench *b, int chain, uint32_t len, unsigned int rounds)
{
	struct fp_worker_params p;
	struct fp_worker *w;
	struct rte_mbuf *pkts[FP_BURST], *out[256];
	static uint8_t tmpl[2048];
	uint64_t t0, t1, replicas = 0;
	unsigned int r, i, k;

	memset(&p, 0, sizeof(p));
	for (i = 0; i < b->fanout; i++) {
		struct fp_port *fp = &b->ports[b->out_port[i]];

		fp->tx_multi_seg = chain ? 1 : 0;
		fp->chain_threshold = chain ? 0 : FP_CHAIN_NEVER;
		p.ports[b->out_port[i]] = fp;
	}
	p.ports[b->in_port] = &b->ports[b->in_port];
	p.n_rxq = 1;
	p.rxq[0].port = b->in_port;
	p.table = b->table;
	p.event_ring = b->ev;
	p.replica_pool = b->rep_pool;
	p.header_pool = b->hdr_pool;
	p.igmp_msg_pool = b->igmp_pool;
	w = fp_worker_create(&p);
	if (w == NULL) {
		fprintf(stderr, "fp_worker_create failed\n");
		exit(1);
	}
	make_frame(tmpl, len);

	t0 = rte_rdtsc_precise();
	for (r = 0; r < rounds; r++) {
		if (rte_pktmbuf_alloc_bulk(b->rx_pool, pkts, FP_BURST) != 0) {
			fprintf(stderr, "rx pool empty\n");
			exit(1);
		}
		for (i = 0; i < FP_BURST; i++) {
			memcpy(rte_pktmbuf_append(pkts[i], (uint16_t)len),
					tmpl, len);
		}
		rte_ring_enqueue_burst(b->rx_ring, (void **)pkts, FP_BURST,
				NULL);
		fp_worker_poll(w);
		fp_worker_flush(w);
		for (k = 0; k < b->fanout; k++) {
			unsigned int n;

			while ((n = rte_ring_dequeue_burst(b->tx_ring[k],
					(void **)out, RTE_DIM(out),
					NULL)) > 0) {
				replicas += n;
				rte_pktmbuf_free_bulk(out, n);
			}
		}
	}
	t1 = rte_rdtsc_precise();
	fp_worker_free(w);
	if (replicas != (uint64_t)rounds * FP_BURST * b->fanout) {
		fprintf(stderr, "expected %u replicas per packet, got %" PRIu64
				"\n", b->fanout, replicas);
		exit(1);
	}
	return (double)(t1 - t0) * 1e9 / (double)rte_get_tsc_hz() /
		((double)rounds * FP_BURST);
}

int
main(int argc, char **argv)
{
	struct mf_table_params tp;
	struct mf_repl_list *l;
	struct bench b;
	unsigned int rounds = 4000, reps = 9, i, s, rep;
	uint32_t crossover = 0;
	char name[32];
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	memset(&b, 0, sizeof(b));
	b.fanout = 4;
	if (argc > 1)
		rounds = (unsigned int)atoi(argv[1]);
	if (argc > 2)
		b.fanout = (unsigned int)atoi(argv[2]);
	if (rounds == 0 || b.fanout == 0 || b.fanout > MAX_OUT) {
		fprintf(stderr, "usage: replicate_bench [EAL] -- [rounds] "
				"[fanout 1..%d]\n", MAX_OUT);
		return 1;
	}
	b.rx_pool = rte_pktmbuf_pool_create("rb_rx", 8191, 256, 0,
			2048 + RTE_PKTMBUF_HEADROOM, 0);
	b.rep_pool = rte_pktmbuf_pool_create("rb_rep", 8191, 256, 0,
			2048 + RTE_PKTMBUF_HEADROOM, 0);
	b.hdr_pool = rte_pktmbuf_pool_create("rb_hdr", 8191, 256, 0,
			64 + RTE_PKTMBUF_HEADROOM, 0);
	b.igmp_pool = rte_mempool_create("rb_igmp", 63,
			sizeof(struct igmp_msg), 0, 0, NULL, NULL, NULL, NULL,
			0, 0);
	b.ev = fp_event_ring_create("rb_ev", 1024, 0);
	if (b.rx_pool == NULL || b.rep_pool == NULL || b.hdr_pool == NULL ||
			b.igmp_pool == NULL || b.ev == NULL) {
		fprintf(stderr, "pools: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (ring_port("rb_in", &b.rx_ring, &b.in_tx_ring, b.rx_pool,
			&b.in_port) != 0) {
		fprintf(stderr, "input port failed\n");
		return 1;
	}
	fp_port_init(&b.ports[b.in_port], b.in_port, false);
	for (i = 0; i < b.fanout; i++) {
		struct rte_ring *rx;

		snprintf(name, sizeof(name), "rb_out%u", i);
		if (ring_port(name, &rx, &b.tx_ring[i], b.rx_pool,
				&b.out_port[i]) != 0) {
			fprintf(stderr, "output port failed\n");
			return 1;
		}
		fp_port_init(&b.ports[b.out_port[i]], b.out_port[i], true);
	}
	memset(&tp, 0, sizeof(tp));
	tp.name = "rb_table";
	tp.max_entries = 64;
	tp.n_workers = 1;
	b.table = mf_table_create(&tp);
	l = mf_repl_list_alloc(b.table, (uint16_t)b.fanout);
	if (b.table == NULL || l == NULL) {
		fprintf(stderr, "table failed\n");
		return 1;
	}
	for (i = 0; i < b.fanout; i++) {
		l->oifs[i].port = b.out_port[i];
		l->oifs[i].ttl_threshold = 1;
	}
	if (mf_table_publish(b.table, 0, GRP, l) != 0) {
		fprintf(stderr, "publish failed\n");
		return 1;
	}

	printf("replicate_bench: fan-out %u, %u rounds of %u packets, "
			"best of %u, TSC %" PRIu64 " Hz\n",
			b.fanout, rounds, FP_BURST, reps, rte_get_tsc_hz());
	printf("%6s %12s %12s %12s %12s %8s\n", "bytes", "copy ns/pkt",
			"chain ns/pkt", "copy ns/rep", "chain ns/rep",
			"winner");
	for (s = 0; s < RTE_DIM(sizes); s++) {
		double copy = 1e18, chain = 1e18;

		/* Warm up, then the best of reps short runs of each, interleaved
		 * (the minimum filters out preemption on a shared machine). */
		run(&b, 0, sizes[s], rounds / 10 + 1);
		run(&b, 1, sizes[s], rounds / 10 + 1);
		for (rep = 0; rep < reps; rep++) {
			double c = run(&b, 0, sizes[s], rounds);
			double h = run(&b, 1, sizes[s], rounds);

			copy = c < copy ? c : copy;
			chain = h < chain ? h : chain;
		}
		printf("%6u %12.1f %12.1f %12.1f %12.1f %8s\n", sizes[s], copy,
				chain, copy / b.fanout, chain / b.fanout,
				chain < copy ? "chain" : "copy");
		if (chain < copy && crossover == 0)
			crossover = sizes[s];
		if (chain >= copy)
			crossover = 0;
	}
	if (crossover != 0)
		printf("chaining wins from %u bytes (FP_CHAIN_THRESHOLD_DEFAULT "
				"is %u)\n", crossover,
				FP_CHAIN_THRESHOLD_DEFAULT);
	else
		printf("chaining never won consistently at these sizes\n");
	mf_table_free(b.table);
	rte_eal_cleanup();
	return 0;
}
