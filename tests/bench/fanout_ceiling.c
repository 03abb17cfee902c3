/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fanout_ceiling: the bare multicast fan-out loop, the "ceiling" reference of
 * scripts/bench.sh (issue 8).
 *
 * Port 0 is the input; every other port is an output. On one lcore (the main
 * one: give EAL a single lcore, e.g. -l 1) it loops:
 *   RX burst from port 0 -> one bulk allocation of all the replicas of the
 *   burst -> per packet and output port either
 *     copy:  a full copy of the frame into the replica mbuf, or
 *     chain: a 14-byte Ethernet header written into a small header mbuf,
 *            chained to the input mbuf (Ethernet header stripped) whose
 *            reference count is raised once per output port
 *   -> one TX burst per output port; replicas the port refused are freed.
 * No lookup, no TTL, no checksum, no counters of its own: what it moves is
 * read from the ports' own statistics (telemetry /ethdev/stats, or the totals
 * printed at exit). It is the upper bound a forwarder that replicates the
 * same way can approach on the same ports, not a forwarder.
 *
 * Usage: fanout_ceiling [EAL args] -- copy|chain [SECONDS]
 *   SECONDS (default 0: until SIGINT/SIGTERM) stops the loop by itself, so a
 *   benchmark run cannot outlive its script.
 *
 * Honesty notes: chaining is requested as RTE_ETH_TX_OFFLOAD_MULTI_SEGS only
 * where the port offers it; net_null lacks the flag but frees any chain it is
 * given without reading it, which flatters chaining (a real NIC spends a TX
 * descriptor per segment).
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

RTE_LOG_REGISTER_DEFAULT(fanout_logtype, INFO);
#define FANOUT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, fanout_logtype, "fanout: " fmt "\n", \
		##__VA_ARGS__)

#define FANOUT_IN_PORT 0
#define FANOUT_MAX_OUT 16
#define FANOUT_BURST 32
#define FANOUT_NB_RXD 1024
#define FANOUT_NB_TXD 1024
#define FANOUT_POOL_SIZE 32767
#define FANOUT_HDR_POOL_SIZE 65535
#define FANOUT_POOL_CACHE 512
/* A header mbuf only ever holds one Ethernet header. */
#define FANOUT_HDR_DATA_ROOM (RTE_PKTMBUF_HEADROOM + RTE_CACHE_LINE_SIZE)

enum fanout_mode {
	FANOUT_COPY,
	FANOUT_CHAIN,
};

struct fanout_ctx {
	enum fanout_mode mode;
	uint16_t n_out;
	uint16_t out_ports[FANOUT_MAX_OUT];
	struct rte_ether_addr out_macs[FANOUT_MAX_OUT];
	struct rte_mempool *pkt_pool;
	struct rte_mempool *hdr_pool;
	uint64_t stop_tsc; /* 0: run until signalled */
	uint64_t alloc_failures;
};

/*
 * Set by the signal handler, read by the loop. Relaxed is enough: it carries
 * no data with it, the loop only has to see it eventually.
 */
static atomic_bool fanout_quit;

static void
fanout_on_signal(int sig __rte_unused)
{
	atomic_store_explicit(&fanout_quit, true, memory_order_relaxed);
}

static int
fanout_port_init(uint16_t port, struct rte_mempool *rx_pool, bool rx,
		uint64_t want_tx_offloads)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txconf;
	uint16_t nb_rxd = FANOUT_NB_RXD;
	uint16_t nb_txd = FANOUT_NB_TXD;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	/* Ask only for what the port can do (net_null/net_pcap: no MULTI_SEGS). */
	conf.txmode.offloads = want_tx_offloads & info.tx_offload_capa;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	/* Output ports still need an RX queue to start; it is never polled. */
	ret = rte_eth_rx_queue_setup(port, 0, nb_rxd,
			rte_eth_dev_socket_id(port), NULL, rx_pool);
	if (ret != 0)
		return ret;
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	ret = rte_eth_tx_queue_setup(port, 0, nb_txd,
			rte_eth_dev_socket_id(port), &txconf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		return ret;
	if (rx) {
		ret = rte_eth_promiscuous_enable(port);
		if (ret != 0 && ret != -ENOTSUP)
			return ret;
	}
	return 0;
}

/* Send n replicas on one port; free what the port did not take. */
static inline void
fanout_tx(uint16_t port, struct rte_mbuf **reps, uint16_t n)
{
	uint16_t sent;

	sent = rte_eth_tx_burst(port, 0, reps, n);
	if (unlikely(sent < n))
		rte_pktmbuf_free_bulk(&reps[sent], n - sent);
}

/*
 * Copy: replica (o, i) is reps[o * nb_rx + i], a full copy of pkts[i].
 * Input frames are single-segment here (pcap RX, frames under the data room).
 */
static inline void
fanout_burst_copy(struct fanout_ctx *ctx, struct rte_mbuf **pkts,
		uint16_t nb_rx, struct rte_mbuf **reps)
{
	uint16_t i, o;

	for (i = 0; i < nb_rx; i++) {
		const void *src = rte_pktmbuf_mtod(pkts[i], const void *);
		uint16_t len = rte_pktmbuf_data_len(pkts[i]);

		for (o = 0; o < ctx->n_out; o++) {
			struct rte_mbuf *r = reps[o * nb_rx + i];

			rte_memcpy(rte_pktmbuf_mtod(r, void *), src, len);
			r->data_len = len;
			r->pkt_len = len;
		}
	}
	rte_pktmbuf_free_bulk(pkts, nb_rx);
	for (o = 0; o < ctx->n_out; o++)
		fanout_tx(ctx->out_ports[o], &reps[o * nb_rx], nb_rx);
}

/*
 * Chain: replica (o, i) is a header mbuf holding a fresh Ethernet header
 * (the group's MAC as destination, port o's MAC as source) whose next is
 * pkts[i] with its own Ethernet header stripped. pkts[i] ends with one
 * reference per output port, so the last port to free it frees it.
 */
static inline void
fanout_burst_chain(struct fanout_ctx *ctx, struct rte_mbuf **pkts,
		uint16_t nb_rx, struct rte_mbuf **reps)
{
	uint16_t i, o;

	for (i = 0; i < nb_rx; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *in_eth;
		struct rte_ether_addr dst;
		uint16_t ether_type;

		in_eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		rte_ether_addr_copy(&in_eth->dst_addr, &dst);
		ether_type = in_eth->ether_type;
		rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
		/* Our reference plus n_out - 1 more: one for each replica. */
		rte_pktmbuf_refcnt_update(m, (int16_t)(ctx->n_out - 1));

		for (o = 0; o < ctx->n_out; o++) {
			struct rte_mbuf *h = reps[o * nb_rx + i];
			struct rte_ether_hdr *eth;

			eth = rte_pktmbuf_mtod(h, struct rte_ether_hdr *);
			rte_ether_addr_copy(&dst, &eth->dst_addr);
			rte_ether_addr_copy(&ctx->out_macs[o], &eth->src_addr);
			eth->ether_type = ether_type;
			h->data_len = sizeof(struct rte_ether_hdr);
			h->pkt_len = sizeof(struct rte_ether_hdr) + m->pkt_len;
			h->nb_segs = m->nb_segs + 1;
			h->next = m;
		}
	}
	for (o = 0; o < ctx->n_out; o++)
		fanout_tx(ctx->out_ports[o], &reps[o * nb_rx], nb_rx);
}

static void
fanout_loop(struct fanout_ctx *ctx)
{
	struct rte_mbuf *pkts[FANOUT_BURST];
	struct rte_mbuf *reps[FANOUT_BURST * FANOUT_MAX_OUT];
	struct rte_mempool *rep_pool;
	uint32_t spins = 0;

	rep_pool = ctx->mode == FANOUT_COPY ? ctx->pkt_pool : ctx->hdr_pool;
	for (;;) {
		uint16_t nb_rx;

		/* Poll the stop conditions once every 1024 turns only. */
		if (unlikely((++spins & 1023) == 0)) {
			if (atomic_load_explicit(&fanout_quit,
					memory_order_relaxed))
				break;
			if (ctx->stop_tsc != 0 && rte_rdtsc() >= ctx->stop_tsc)
				break;
		}
		nb_rx = rte_eth_rx_burst(FANOUT_IN_PORT, 0, pkts, FANOUT_BURST);
		if (nb_rx == 0)
			continue;
		if (unlikely(rte_pktmbuf_alloc_bulk(rep_pool, reps,
				(unsigned int)nb_rx * ctx->n_out) != 0)) {
			ctx->alloc_failures++;
			rte_pktmbuf_free_bulk(pkts, nb_rx);
			continue;
		}
		if (ctx->mode == FANOUT_COPY)
			fanout_burst_copy(ctx, pkts, nb_rx, reps);
		else
			fanout_burst_chain(ctx, pkts, nb_rx, reps);
	}
}

static void
fanout_print_totals(const struct fanout_ctx *ctx)
{
	struct rte_eth_stats st;
	uint64_t out = 0;
	uint16_t o;

	if (rte_eth_stats_get(FANOUT_IN_PORT, &st) == 0)
		printf("fanout: in port %u: %" PRIu64 " packets\n",
				FANOUT_IN_PORT, st.ipackets);
	for (o = 0; o < ctx->n_out; o++)
		if (rte_eth_stats_get(ctx->out_ports[o], &st) == 0)
			out += st.opackets;
	printf("fanout: out ports: %" PRIu64 " packets, %" PRIu64
			" allocation failures\n", out, ctx->alloc_failures);
}

static void
fanout_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [EAL args] -- copy|chain [SECONDS]\n"
			"  port 0 is the input, every other port an output\n",
			prog);
}

int
main(int argc, char **argv)
{
	struct fanout_ctx ctx;
	uint64_t tx_offloads;
	uint16_t port;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "fanout: EAL init failed: %s\n",
				rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argc -= ret;
	argv += ret;

	memset(&ctx, 0, sizeof(ctx));
	if (argc < 2 || argc > 3) {
		fanout_usage(argv[0]);
		ret = -EINVAL;
		goto out;
	}
	if (strcmp(argv[1], "copy") == 0) {
		ctx.mode = FANOUT_COPY;
	} else if (strcmp(argv[1], "chain") == 0) {
		ctx.mode = FANOUT_CHAIN;
	} else {
		fanout_usage(argv[0]);
		ret = -EINVAL;
		goto out;
	}
	if (argc == 3) {
		char *end;
		unsigned long secs = strtoul(argv[2], &end, 10);

		if (*end != '\0' || secs > 86400) {
			fanout_usage(argv[0]);
			ret = -EINVAL;
			goto out;
		}
		if (secs != 0)
			ctx.stop_tsc = rte_rdtsc() + secs * rte_get_tsc_hz();
	}
	if (rte_lcore_count() != 1)
		FANOUT_LOG(WARNING, "only the main lcore forwards; the %u others idle",
				rte_lcore_count() - 1);

	ctx.pkt_pool = rte_pktmbuf_pool_create("fanout_pkt", FANOUT_POOL_SIZE,
			FANOUT_POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			rte_socket_id());
	ctx.hdr_pool = rte_pktmbuf_pool_create("fanout_hdr",
			FANOUT_HDR_POOL_SIZE, FANOUT_POOL_CACHE, 0,
			FANOUT_HDR_DATA_ROOM, rte_socket_id());
	if (ctx.pkt_pool == NULL || ctx.hdr_pool == NULL) {
		FANOUT_LOG(ERR, "mbuf pools: %s", rte_strerror(rte_errno));
		ret = -ENOMEM;
		goto out;
	}

	tx_offloads = ctx.mode == FANOUT_CHAIN ?
			RTE_ETH_TX_OFFLOAD_MULTI_SEGS : 0;
	RTE_ETH_FOREACH_DEV(port) {
		bool is_in = port == FANOUT_IN_PORT;

		if (!is_in) {
			if (ctx.n_out == FANOUT_MAX_OUT) {
				FANOUT_LOG(ERR, "more than %d output ports",
						FANOUT_MAX_OUT);
				ret = -E2BIG;
				goto out;
			}
			ctx.out_ports[ctx.n_out] = port;
			ret = rte_eth_macaddr_get(port,
					&ctx.out_macs[ctx.n_out]);
			if (ret != 0)
				goto port_fail;
			ctx.n_out++;
		}
		ret = fanout_port_init(port, ctx.pkt_pool, is_in, tx_offloads);
		if (ret != 0)
			goto port_fail;
		continue;
port_fail:
		FANOUT_LOG(ERR, "port %u: %s", port, rte_strerror(-ret));
		goto out;
	}
	if (!rte_eth_dev_is_valid_port(FANOUT_IN_PORT) || ctx.n_out == 0) {
		FANOUT_LOG(ERR, "need port 0 (input) and at least one output port");
		ret = -ENODEV;
		goto out;
	}

	signal(SIGINT, fanout_on_signal);
	signal(SIGTERM, fanout_on_signal);
	FANOUT_LOG(INFO, "%s fan-out from port %u to %u ports on lcore %u",
			ctx.mode == FANOUT_COPY ? "copy" : "chain",
			FANOUT_IN_PORT, ctx.n_out, rte_lcore_id());
	fanout_loop(&ctx);
	fanout_print_totals(&ctx);
	ret = 0;
out:
	RTE_ETH_FOREACH_DEV(port) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_eal_cleanup();
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
