/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore.
 *
 * One control lcore (the EAL main lcore) owns every piece of mutable
 * control state: the IGMP router, the group manager and its protocol
 * modules, and the group table (it is the table's only writer). Each turn of
 * its loop it:
 *
 *   1. runs commands posted by telemetry threads (ctl_call),
 *   2. drains each worker's record ring (IGMP messages, new sources,
 *      wrong-interface hits) into the IGMP router and the group manager,
 *   3. fires due timers (IGMP, MFE expiry) with now_ms from the TSC,
 *   4. publishes every forwarding entry the group manager marked dirty into
 *      the table, then calls mf_table_reclaim() once: a whole batch of
 *      changes costs one RCU grace period,
 *   5. in single-lcore mode, also runs one worker iteration (fp_worker_poll).
 *
 * IGMP queries and proxy reports are built here and sent on the control
 * lcore's own TX queue of the port, or handed to the worker that owns the
 * port's only TX queue through that worker's inject ring.
 */
#ifndef MF_CONTROL_H
#define MF_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "fp_hist.h"
#include "mgm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ctl;
struct mf_config;
struct mf_table;
struct fp_port;
struct fp_worker;
struct rte_mempool;
struct rte_rcu_qsbr;
struct mgm;
struct igmp_router;
struct proto_static;
struct proto_igmp_proxy;

/** Means "this port has no TX queue of the control lcore's own". */
#define CTL_NO_TXQ 0xffff

/** What the app hands to the control lcore at start-up. */
struct ctl_params {
	/** Configuration in force; the control lcore keeps its own copy. */
	const struct mf_config *cfg;
	/** Path the config was read from (NULL: defaults), for SIGHUP reload. */
	const char *config_path;
	/** Ports, indexed by port id; ports[p] is NULL when p is not in use. */
	struct fp_port *ports[MF_MAX_PORTS];
	/** Workers, for their record rings, inject rings and counters. */
	struct fp_worker **workers;
	unsigned int n_workers;
	/** The group table (the control lcore is its only writer). */
	struct mf_table *table;
	/** RCU variable shared with the workers. */
	struct rte_rcu_qsbr *qsv;
	/** Pool that workers take struct igmp_msg from; returned here. */
	struct rte_mempool *igmp_msg_pool;
	/** Pool for packets the control lcore sends (queries, reports). */
	struct rte_mempool *tx_pool;
	/** Control lcore's TX queue per port, or CTL_NO_TXQ. */
	uint16_t txq[MF_MAX_PORTS];
	/** Single-lcore mode: the control loop also polls workers[0]. */
	bool poll_worker;
};

/**
 * Create the control state: IGMP router on every port with IGMP enabled,
 * the group manager, every protocol module in lib/proto's table, the static
 * routes of the config; publishes the initial table.
 *
 * Call from the main lcore before launching workers.
 * @return the control state, or NULL with rte_errno set.
 */
struct ctl *
ctl_create(const struct ctl_params *p);

/** Free the control state. Call after ctl_run() returned. */
void
ctl_free(struct ctl *c);

/**
 * Run the control loop on the calling (main) lcore until ctl_stop().
 * @return 0.
 */
int
ctl_run(struct ctl *c);

/**
 * Run one turn of the control loop (steps 1-5 above). For tests, and for
 * ctl_run().
 */
void
ctl_poll(struct ctl *c);

/**
 * Ask the control loop to stop. Async-signal-safe (one atomic store); any
 * thread.
 */
void
ctl_stop(struct ctl *c);

/** True once ctl_stop() was called. Any thread. */
bool
ctl_stopping(const struct ctl *c);

/**
 * Ask the control loop to reload static routes from the config file at its
 * next turn (SIGHUP). Async-signal-safe; any thread. A file that does not
 * load is rejected whole and logged; the routes in force stay.
 */
void
ctl_request_reload(struct ctl *c);

/**
 * Reload static routes now. Control lcore only.
 * @param err buffer for a "FILE:LINE: message" error
 * @return 0, or -errno with err filled (nothing changed).
 */
int
ctl_reload(struct ctl *c, char *err, size_t errlen);

/** Function run on the control lcore by ctl_call(). */
typedef int (*ctl_fn_t)(struct ctl *c, void *arg);

/**
 * Run fn(c, arg) on the control lcore and wait for its return value.
 *
 * For telemetry threads (any non-EAL pthread, several at once): it posts the
 * call to the control lcore's command ring and waits, bounded by timeout_ms.
 * If the call has not started when the time is up it is withdrawn and never
 * runs (so arg may live on the caller's stack); if it has started, ctl_call
 * waits for it to finish. Called from the control lcore itself, it runs fn
 * directly.
 *
 * Commands posted between ctl_create() and ctl_run() wait for the loop.
 *
 * @return fn's return value; -ETIMEDOUT (fn did not run); -ENOSPC (command
 *   ring full, fn did not run); -EAGAIN (the loop has ended); -ENOMEM.
 */
int
ctl_call(struct ctl *c, ctl_fn_t fn, void *arg, unsigned int timeout_ms);

/** Milliseconds on the control lcore's monotonic clock (TSC based). */
uint64_t
ctl_now_ms(void);

/* Accessors for functions run through ctl_call (control lcore only). */
struct mgm *ctl_mgm(struct ctl *c);
struct igmp_router *ctl_igmp(struct ctl *c);
struct proto_static *ctl_static(struct ctl *c);
/** The IGMP proxy, or NULL when none is configured. */
struct proto_igmp_proxy *ctl_proxy(struct ctl *c);
struct mf_table *ctl_table(struct ctl *c);
/** The configuration in force (ports, IGMP settings, routes). */
const struct mf_config *ctl_config(struct ctl *c);
/** Port p's fast-path parameters, or NULL. */
struct fp_port *ctl_port(struct ctl *c, uint16_t p);
unsigned int ctl_n_workers(const struct ctl *c);
const struct fp_worker *ctl_worker(const struct ctl *c, unsigned int i);

/** Control lcore counters. Read with relaxed atomic loads from any thread. */
struct ctl_stats {
	uint64_t loops;
	uint64_t records;          /**< worker records drained */
	uint64_t igmp_msgs;        /**< IGMP messages given to router/proxy */
	uint64_t new_sources;      /**< new-source records handled */
	uint64_t wrong_iif;        /**< wrong-interface records handled */
	uint64_t publishes;        /**< table entries published */
	uint64_t removes;          /**< table entries removed */
	uint64_t publish_errors;   /**< table full / no memory */
	uint64_t batches;          /**< loop turns that published anything */
	uint64_t queries_sent;
	uint64_t reports_sent;     /**< IGMP proxy reports */
	uint64_t tx_errors;        /**< control packets not sent */
	uint64_t commands;         /**< ctl_call commands run */
	uint64_t reloads;
	uint64_t reload_errors;
	/** Report received -> entry published, the longest: ctl_stats_read()
	 *  takes it from the ctl_join_latency() histogram. */
	uint64_t join_latency_us_max;
};

/**
 * Time from an IGMP report's arrival at a worker (the poll that received
 * it) to the publication of the forwarding change it caused, for every
 * report that changed forwarding since the last clear. Percentiles from an
 * fp_hist.h histogram (FP_HIST_BUCKET_US buckets up to 4 ms, max exact).
 * Any thread (relaxed reads; approximate while the control lcore records).
 */
void
ctl_join_latency(const struct ctl *c, struct fp_hist_pct *out);

/**
 * Time from an IGMP report's arrival at a worker to the first replica
 * sent with the forwarding entry it caused (the list the control lcore
 * published carries the report's time; the first worker to replicate
 * with it records the difference): what a joining host waits, the wait
 * for the group's next packet included. One sample per list published for
 * a report (a report that changes a (*,G) and its (S,G)s stamps each);
 * a list first used more than a second after its report (no traffic was
 * flowing) is not a sample. All workers' histograms merged. Any thread.
 */
void
ctl_first_replica_latency(const struct ctl *c, struct fp_hist_pct *out);

/**
 * Time from the start of one control loop turn to the start of the next,
 * the idle sleep (control_idle_us) included, for every turn since the last
 * clear: how long anything the workers hand over may wait to be seen. A
 * p99 or max far above control_idle_us plus a turn's work means the
 * control lcore was kept off its CPU (a shared core, the kernel, another
 * process) or a turn ran long. Only when the control lcore has worker
 * lcores of its own (in single-lcore mode a turn is also the worker's
 * poll: no samples). Any thread (relaxed reads).
 */
void
ctl_turn_gap(const struct ctl *c, struct fp_hist_pct *out);

/** Copy the control counters. Any thread. */
void
ctl_stats_read(const struct ctl *c, struct ctl_stats *out);

/** Zero the control counters and the join latency histogram. Control
 *  lcore (through ctl_call). */
void
ctl_stats_clear(struct ctl *c);

#ifdef __cplusplus
}
#endif

#endif /* MF_CONTROL_H */
