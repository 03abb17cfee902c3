/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lcore roles, queue counts, mempools and port start-up.
 *
 * Lcore roles: the main lcore is the control lcore. Every other lcore is a
 * worker with one TX queue on every port, so a port must offer at least as
 * many TX queues as there are workers: the number of workers is capped by
 * the smallest max_tx_queues of all ports (extra lcores stay idle, logged).
 * The control lcore gets a TX queue of its own on a port when the port has
 * one more to give; otherwise (pcap: one TX queue) it hands its packets to
 * worker 0 through that worker's inject ring (an SPSC ring worker 0 drains
 * into its own TX queue), so no TX queue is ever shared between threads.
 * With a single lcore, the control lcore also polls the only worker, and
 * sends on the worker's TX queue 0 itself: same thread, no sharing.
 *
 * RX queues: min(workers, max_rx_queues) per port, with RSS when more than
 * one; (port, queue) pairs are dealt round-robin over the workers across
 * all ports, so single-queue ports spread over the workers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "app.h"
#include "control.h"
#include "fastpath.h"
#include "igmp_codec.h"

#define POOL_CACHE 256

int
app_plan_make(struct app_plan *plan)
{
	struct rte_eth_dev_info info;
	unsigned int lcore, n_lcores = 0;
	uint16_t pid, min_tx = UINT16_MAX;
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->main_lcore = rte_get_main_lcore();
	RTE_ETH_FOREACH_DEV(pid) {
		if (pid >= MF_MAX_PORTS) {
			APP_LOG(ERR, "port %u: mcastfwd handles ports 0..%u only",
				pid, MF_MAX_PORTS - 1);
			return -E2BIG;
		}
		rc = rte_eth_dev_info_get(pid, &info);
		if (rc != 0) {
			APP_LOG(ERR, "port %u: cannot get device info: %s", pid,
				rte_strerror(-rc));
			return rc;
		}
		if (info.max_rx_queues == 0 || info.max_tx_queues == 0) {
			APP_LOG(ERR, "port %u (%s): no RX or TX queue", pid,
				info.driver_name);
			return -ENOTSUP;
		}
		plan->ports_avail |= MF_PORTSET_BIT(pid);
		plan->n_ports++;
		plan->ports[pid].in_use = true;
		snprintf(plan->ports[pid].driver, sizeof(plan->ports[pid].driver),
			"%s", info.driver_name);
		plan->ports[pid].tx_multi_seg_capa = (info.tx_offload_capa &
			RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
		plan->ports[pid].tx_multi_seg =
			plan->ports[pid].tx_multi_seg_capa;
		min_tx = RTE_MIN(min_tx, info.max_tx_queues);
	}
	if (plan->n_ports == 0) {
		APP_LOG(ERR, "no ports: give the EAL a NIC or a --vdev");
		return -ENODEV;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n_lcores < min_tx && n_lcores < APP_MAX_WORKERS)
			plan->worker_lcore[plan->n_workers++] = lcore;
		else
			plan->n_idle++;
		n_lcores++;
	}
	if (plan->n_idle > 0)
		APP_LOG(WARNING, "%u lcores stay idle: a port offers only %u TX queues (one per worker)",
			plan->n_idle, min_tx);
	if (plan->n_workers == 0) {
		plan->single_lcore = true;
		plan->n_workers = 1;
		plan->worker_lcore[0] = plan->main_lcore;
	}
	RTE_ETH_FOREACH_DEV(pid) {
		struct app_port *ap = &plan->ports[pid];

		rc = rte_eth_dev_info_get(pid, &info);
		if (rc != 0)
			return rc;
		ap->n_rxq = (uint16_t)RTE_MIN(plan->n_workers,
			(unsigned int)info.max_rx_queues);
		if (info.flow_type_rss_offloads == 0)
			ap->n_rxq = 1;
		if (plan->single_lcore) {
			ap->n_txq = 1;
			ap->ctl_txq = 0; /* the worker's queue, same thread */
		} else if (info.max_tx_queues > plan->n_workers) {
			ap->n_txq = (uint16_t)(plan->n_workers + 1);
			ap->ctl_txq = (uint16_t)plan->n_workers;
		} else {
			ap->n_txq = (uint16_t)plan->n_workers;
			ap->ctl_txq = CTL_NO_TXQ; /* via worker 0's inject ring */
		}
	}
	return 0;
}

static unsigned int
pool_size(unsigned int n)
{
	unsigned int s = 1024;

	/* 2^k - 1 is the optimal mempool size (ring of 2^k). */
	while (s - 1 < n)
		s <<= 1;
	return s - 1;
}

/* Descriptors of the AF_XDP fill ring (the PMD's fixed default). */
#define APP_AF_XDP_FILL_DESC 2048

/* Ports on which we turned promiscuous mode on; turned off at stop. */
static mf_portset_t app_promisc_ports;

static unsigned int
app_rx_parked(const struct app_port *ap, const struct mf_config *cfg)
{
	if (strcmp(ap->driver, "net_af_xdp") == 0)
		return RTE_MAX((unsigned int)cfg->rx_desc,
			(unsigned int)APP_AF_XDP_FILL_DESC);
	return cfg->rx_desc;
}

int
app_pools_create(const struct app_plan *plan, const struct mf_config *cfg,
	struct app_pools *pools)
{
	unsigned int n_pkt = 0, n_hdr = 0, n_lcores, p;
	int socket = (int)rte_socket_id();

	memset(pools, 0, sizeof(*pools));
	n_lcores = plan->single_lcore ? 1 : plan->n_workers + 1;
	for (p = 0; p < MF_MAX_PORTS; p++) {
		const struct app_port *ap = &plan->ports[p];

		if (!ap->in_use)
			continue;
		/*
		 * Mbufs parked in RX rings and in TX rings. net_af_xdp fills
		 * its fill ring with APP_AF_XDP_FILL_DESC mbufs per RX queue
		 * whatever rx_desc says.
		 */
		n_pkt += ap->n_rxq * app_rx_parked(ap, cfg) +
			ap->n_txq * cfg->tx_desc;
		n_hdr += ap->n_txq * cfg->tx_desc;
	}
	/* In flight per worker: an RX burst fanned out to every port's TX
	 * buffer, plus per-lcore caches. */
	n_pkt += plan->n_workers * FP_BURST * (plan->n_ports + 2) +
		n_lcores * POOL_CACHE * 3 / 2;
	/* Frames a pcap port with infinite_rx holds (config). */
	n_pkt += cfg->extra_mbufs;
	n_hdr += plan->n_workers * FP_BURST * (plan->n_ports + 1) +
		n_lcores * POOL_CACHE * 3 / 2;
	pools->pkt = rte_pktmbuf_pool_create("mf_pkt", pool_size(n_pkt),
		POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	pools->hdr = rte_pktmbuf_pool_create("mf_hdr", pool_size(n_hdr),
		POOL_CACHE, 0, RTE_PKTMBUF_HEADROOM + 64, socket);
	/* Each worker's event ring can hold APP_EVENT_RING_SIZE messages. */
	pools->igmp = rte_mempool_create("mf_igmp_msg",
		pool_size(plan->n_workers * APP_EVENT_RING_SIZE + 256),
		sizeof(struct igmp_msg), 64, 0, NULL, NULL, NULL, NULL, socket,
		0);
	pools->ctl_tx = rte_pktmbuf_pool_create("mf_ctl_tx", 1023, 32, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (pools->pkt == NULL || pools->hdr == NULL || pools->igmp == NULL ||
			pools->ctl_tx == NULL) {
		APP_LOG(ERR, "cannot create mempools (%u packet mbufs): %s",
			pool_size(n_pkt), rte_strerror(rte_errno));
		app_pools_free(pools);
		return -ENOMEM;
	}
	APP_LOG(INFO, "mempools: %u packet mbufs, %u header mbufs, %u IGMP messages",
		pools->pkt->size, pools->hdr->size, pools->igmp->size);
	return 0;
}

void
app_pools_free(struct app_pools *pools)
{
	rte_mempool_free(pools->pkt);
	rte_mempool_free(pools->hdr);
	rte_mempool_free(pools->igmp);
	rte_mempool_free(pools->ctl_tx);
	memset(pools, 0, sizeof(*pools));
}

static int
port_start(uint16_t pid, struct app_port *ap, const struct mf_config *cfg,
	const struct app_pools *pools)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_eth_txconf txconf;
	uint16_t nb_rxd = cfg->rx_desc, nb_txd = cfg->tx_desc, q;
	int socket = rte_eth_dev_socket_id(pid);
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0)
		return rc;
	memset(&conf, 0, sizeof(conf));
	if (ap->n_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP &
			info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rx_adv_conf.rss_conf.rss_hf =
				info.flow_type_rss_offloads;
	}
	/*
	 * Chaining replicas needs MULTI_SEGS: asked for where the driver
	 * offers it; tx_multi_seg = on chains without asking (the driver
	 * would refuse a flag it does not offer), off never chains.
	 * MBUF_FAST_FREE is never asked: replicas come from several pools
	 * and share refcounted payloads.
	 */
	switch (cfg->ports[pid].tx_multi_seg) {
	case MF_MSEG_ON:
		ap->tx_multi_seg = true;
		if (!ap->tx_multi_seg_capa)
			APP_LOG(WARNING, "port %u (%s): tx_multi_seg = on although the driver does not advertise TX MULTI_SEGS: chained replicas rely on it sending chains",
				pid, ap->driver);
		break;
	case MF_MSEG_OFF:
		ap->tx_multi_seg = false;
		break;
	default:
		ap->tx_multi_seg = ap->tx_multi_seg_capa;
		break;
	}
	if (ap->tx_multi_seg && ap->tx_multi_seg_capa)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	rc = rte_eth_dev_configure(pid, ap->n_rxq, ap->n_txq, &conf);
	if (rc != 0) {
		APP_LOG(ERR, "port %u: configure (%u rx, %u tx queues): %s", pid,
			ap->n_rxq, ap->n_txq, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (rc != 0)
		return rc;
	for (q = 0; q < ap->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nb_rxd, (unsigned int)socket,
			NULL, pools->pkt);
		if (rc != 0) {
			APP_LOG(ERR, "port %u: rx queue %u: %s", pid, q,
				rte_strerror(-rc));
			return rc;
		}
	}
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (q = 0; q < ap->n_txq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, nb_txd, (unsigned int)socket,
			&txconf);
		if (rc != 0) {
			APP_LOG(ERR, "port %u: tx queue %u: %s", pid, q,
				rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(pid);
	if (rc != 0) {
		APP_LOG(ERR, "port %u: start: %s", pid, rte_strerror(-rc));
		return rc;
	}
	/*
	 * Multicast must reach us: all-multicast, else promiscuous. Remember
	 * when we turned promiscuous on, to turn it off again at stop: a
	 * kernel-owned interface (af_xdp, af_packet) must be left as found.
	 */
	if (rte_eth_allmulticast_enable(pid) != 0) {
		if (rte_eth_promiscuous_get(pid) == 1)
			;	/* already on: not ours to turn off */
		else if (rte_eth_promiscuous_enable(pid) == 0)
			app_promisc_ports |= MF_PORTSET_BIT(pid);
		else
			APP_LOG(WARNING, "port %u: neither all-multicast nor promiscuous mode could be set",
				pid);
	}
	APP_LOG(INFO, "port %u (%s%s%s): %u rx / %u tx queues, %u/%u descriptors, tx multi-seg %s, control tx queue %s",
		pid, ap->driver, cfg->ports[pid].name[0] ? ", " : "",
		cfg->ports[pid].name, ap->n_rxq, ap->n_txq, nb_rxd, nb_txd,
		!ap->tx_multi_seg ? "no" :
		ap->tx_multi_seg_capa ? "yes" : "yes (tx_multi_seg = on)",
		ap->ctl_txq == CTL_NO_TXQ ? "none (worker 0 injects)" :
		ap->ctl_txq == 0 && ap->n_txq == 1 ? "0 (shared, same thread)" :
		"own");
	return 0;
}

int
app_ports_start(struct app_plan *plan, const struct mf_config *cfg,
	const struct app_pools *pools)
{
	uint16_t pid;
	int rc;

	for (pid = 0; pid < MF_MAX_PORTS; pid++) {
		if (!plan->ports[pid].in_use)
			continue;
		rc = port_start(pid, &plan->ports[pid], cfg, pools);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
app_ports_stop(const struct app_plan *plan)
{
	uint16_t pid;

	for (pid = 0; pid < MF_MAX_PORTS; pid++) {
		if (!plan->ports[pid].in_use)
			continue;
		if (app_promisc_ports & MF_PORTSET_BIT(pid)) {
			rte_eth_promiscuous_disable(pid);
			app_promisc_ports &= ~MF_PORTSET_BIT(pid);
		}
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
}
