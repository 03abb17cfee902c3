/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /mcast/... telemetry commands (DPDK telemetry socket,
 * /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2).
 *
 * Read:   /mcast/info  /mcast/stats  /mcast/ports  /mcast/port,<port>
 *         /mcast/igmp/groups,<port>[,<start group>]
 *         /mcast/igmp/group,<port>,<group>[,<source index>]
 *         /mcast/mfe[,<start group>,<start source|*>]
 *         /mcast/mfe/stats,<source|*>,<group>
 *         /mcast/routes[,<start index>]  /mcast/protocols  /mcast/mempools
 * Change: /mcast/route/add,<source|*>,<group>,<in port>,<out port>[,...]
 *         /mcast/route/del,<source|*>,<group>
 *         /mcast/igmp/config,<port>[,key=value...]   (get, or set)
 *         /mcast/stats/clear
 *
 * Ports are given by id or configured name everywhere. A bad request gets
 * {"error": "<message>"} and changes nothing; a change applies whole or
 * not at all. Listings are paged so a reply stays far below telemetry's
 * 16 KB cap; a paged reply carries "more": 1 and "next" (the parameters
 * that resume it), or "more": 0.
 *
 * Threads: telemetry callbacks run on telemetry's own pthreads. Worker and
 * control counters are read there with relaxed atomic loads; everything
 * else (configuration, IGMP state, MFEs, static routes, table counters) is
 * read and changed by a function run on the control lcore through
 * ctl_call(), bounded by MF_TM_TIMEOUT_MS, while the callback waits; its
 * reply is built there into the callback's rte_tel_data (which only the
 * waiting callback owns).
 */
#ifndef MF_TELEMETRY_H
#define MF_TELEMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "mgm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ctl;

/** Bound on a callback's wait for the control lcore. */
#define MF_TM_TIMEOUT_MS 2000
/** Most workers described by /mcast/info and /mcast/stats. */
#define MF_TM_MAX_WORKERS 128

/** Start-up facts the app hands over for /mcast/info and /mcast/port. */
struct mf_tm_info {
	unsigned int main_lcore;
	unsigned int n_workers;
	unsigned int worker_lcore[MF_TM_MAX_WORKERS];
	bool single_lcore;
	struct {
		bool in_use;
		bool tx_multi_seg;
		uint16_t n_rxq;
		uint16_t n_txq;
		uint16_t ctl_txq;   /**< CTL_NO_TXQ: via worker 0's inject ring */
		char driver[32];
	} ports[MF_MAX_PORTS];
};

/**
 * Register the /mcast commands (first call only; telemetry cannot
 * unregister) and start answering them for control state c.
 *
 * Main lcore, after ctl_create() and before the control loop runs.
 * @return 0; -EALREADY (already answering); -errno from
 *   rte_telemetry_register_cmd().
 */
int
mf_telemetry_init(struct ctl *c, const struct mf_tm_info *info);

/**
 * Stop answering: later requests get {"error": "mcastfwd is stopping"};
 * waits (bounded, MF_TM_TIMEOUT_MS + 1 s) for callbacks in flight, so c
 * can be freed afterwards. Main lcore, after ctl_run() returned.
 */
void
mf_telemetry_fini(void);

#ifdef __cplusplus
}
#endif

#endif /* MF_TELEMETRY_H */
