/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mcastfwd application: set-up only. main.c parses arguments, loads the
 * config, initialises EAL and hands over to app_ports.c (ports, queues,
 * pools) and app_run.c (workers, control lcore, telemetry, signals).
 * Nothing here runs on the fast path.
 */
#ifndef MF_APP_H
#define MF_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>

#include "mgm_types.h"
#include "mf_config.h"

#ifdef __cplusplus
extern "C" {
#endif

extern int mf_app_logtype;

#define APP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, mf_app_logtype, "mcastfwd: " fmt "\n", \
		##__VA_ARGS__)

/** Ring sizes (the table size is [global] max_routes). */
#define APP_EVENT_RING_SIZE 1024
#define APP_INJECT_RING_SIZE 256
#define APP_MAX_WORKERS (RTE_MAX_LCORE - 1)

/** How one port is set up. */
struct app_port {
	bool in_use;
	uint16_t n_rxq;
	uint16_t n_txq;
	/** The control lcore's TX queue, or CTL_NO_TXQ (0xffff). */
	uint16_t ctl_txq;
	/** Replicas may be chained on this port: the driver advertises TX
	 *  MULTI_SEGS, or the port's tx_multi_seg key says on (port_start()). */
	bool tx_multi_seg;
	/** The driver advertises RTE_ETH_TX_OFFLOAD_MULTI_SEGS. */
	bool tx_multi_seg_capa;
	char driver[32];
};

/** The plan: lcores, queues, ports. */
struct app_plan {
	unsigned int main_lcore;
	/** Workers; in single-lcore mode there is one, polled by main. */
	unsigned int n_workers;
	unsigned int worker_lcore[RTE_MAX_LCORE];
	bool single_lcore;
	/** Lcores given to EAL that got no work (more than TX queues allow). */
	unsigned int n_idle;
	mf_portset_t ports_avail;
	unsigned int n_ports;
	struct app_port ports[MF_MAX_PORTS];
};

/** Pools made by app_pools_create(). */
struct app_pools {
	struct rte_mempool *pkt;     /**< RX and copied replicas */
	struct rte_mempool *hdr;     /**< chain headers */
	struct rte_mempool *igmp;    /**< struct igmp_msg */
	struct rte_mempool *ctl_tx;  /**< control lcore's packets */
};

/**
 * Decide lcore roles and queue counts from rte_eth_dev_info of every port
 * the EAL brought up. Main lcore, after EAL init.
 * @return 0 or -errno (no ports, bad device info).
 */
int
app_plan_make(struct app_plan *plan);

/** Create the mempools sized to the plan and cfg. @return 0 or -ENOMEM. */
int
app_pools_create(const struct app_plan *plan, const struct mf_config *cfg,
	struct app_pools *pools);

/** Free the pools (NULL members ignored). */
void
app_pools_free(struct app_pools *pools);

/**
 * Configure, set up queues on and start every port of the plan: offloads
 * masked with the device's capabilities (MULTI_SEGS when offered, never
 * MBUF_FAST_FREE), allmulticast (or promiscuous) on.
 * @return 0 or -errno (logged).
 */
int
app_ports_start(struct app_plan *plan, const struct mf_config *cfg,
	const struct app_pools *pools);

/** Stop and close every port of the plan. */
void
app_ports_stop(const struct app_plan *plan);

/**
 * Build everything else (table, RCU, rings, workers, control, telemetry),
 * run until SIGINT/SIGTERM, tear down and print the final counters.
 * @return process exit status.
 */
int
app_run(struct app_plan *plan, const struct mf_config *cfg,
	const char *config_path, struct app_pools *pools);

#ifdef __cplusplus
}
#endif

#endif /* MF_APP_H */
