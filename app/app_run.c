/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Build the run-time objects (RCU, group table, rings, workers, control
 * lcore, telemetry), launch the workers, run the control loop on the main
 * lcore until SIGINT/SIGTERM, then tear down in order: control loop
 * returns -> telemetry stops answering -> workers stop, flush TX and go
 * offline -> final counters printed -> (main.c) ports stopped and closed.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pdump.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "app.h"
#include "control.h"
#include "fastpath.h"
#include "mf_table.h"
#include "mf_telemetry.h"

/* Set by signal handlers before the control state exists. */
static volatile sig_atomic_t early_stop;
/* The control state, for the signal handlers (published before the
 * handlers can see it: set before sigaction installs them). */
static struct ctl *volatile sig_ctl;

static void
on_stop_signal(int sig)
{
	struct ctl *c = sig_ctl;

	RTE_SET_USED(sig);
	early_stop = 1;
	if (c != NULL)
		ctl_stop(c); /* one atomic store: async-signal-safe */
}

static void
on_hup(int sig)
{
	struct ctl *c = sig_ctl;

	RTE_SET_USED(sig);
	if (c != NULL)
		ctl_request_reload(c); /* async-signal-safe */
}

static void
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
}

static uint32_t
chain_threshold(const struct mf_config_port *pc)
{
	if (pc->chain_threshold == MF_CONFIG_CHAIN_DEFAULT)
		return FP_CHAIN_THRESHOLD_DEFAULT;
	if (pc->chain_threshold == MF_CONFIG_CHAIN_NEVER)
		return FP_CHAIN_NEVER;
	return pc->chain_threshold;
}

static void
print_final_counters(const struct app_plan *plan, struct fp_worker **workers,
	struct ctl *ctl)
{
	struct fp_stats s, tot;
	struct ctl_stats cs;
	struct rte_eth_stats es;
	unsigned int w, p;

	memset(&tot, 0, sizeof(tot));
	printf("mcastfwd: final counters\n");
	for (w = 0; w < plan->n_workers; w++) {
		if (workers[w] == NULL)
			continue;
		fp_worker_stats_read(workers[w], &s);
		printf("  worker %u (lcore %u): rx %" PRIu64 " forwarded %" PRIu64
			" replicas %" PRIu64 " no_route %" PRIu64 " wrong_iif %" PRIu64
			" ttl_drop %" PRIu64 " tx_drop %" PRIu64 " igmp_seen %" PRIu64 "\n",
			w, plan->worker_lcore[w], s.rx, s.forwarded, s.replicas,
			s.no_route, s.wrong_iif, s.ttl_drop, s.tx_drop,
			s.igmp_seen);
		tot.rx += s.rx;
		tot.forwarded += s.forwarded;
		tot.replicas += s.replicas;
		tot.no_route += s.no_route;
		tot.wrong_iif += s.wrong_iif;
		tot.ttl_drop += s.ttl_drop;
		tot.tx_drop += s.tx_drop;
		tot.igmp_seen += s.igmp_seen;
	}
	printf("  total: rx %" PRIu64 " forwarded %" PRIu64 " replicas %" PRIu64
		" no_route %" PRIu64 " wrong_iif %" PRIu64 " ttl_drop %" PRIu64
		" tx_drop %" PRIu64 " igmp_seen %" PRIu64 "\n",
		tot.rx, tot.forwarded, tot.replicas, tot.no_route, tot.wrong_iif,
		tot.ttl_drop, tot.tx_drop, tot.igmp_seen);
	if (ctl != NULL) {
		ctl_stats_read(ctl, &cs);
		printf("  control: loops %" PRIu64 " records %" PRIu64
			" igmp_msgs %" PRIu64 " publishes %" PRIu64 " removes %" PRIu64
			" queries_sent %" PRIu64 " commands %" PRIu64 " reloads %" PRIu64
			"\n", cs.loops, cs.records, cs.igmp_msgs, cs.publishes,
			cs.removes, cs.queries_sent, cs.commands, cs.reloads);
	}
	for (p = 0; p < MF_MAX_PORTS; p++) {
		if (!plan->ports[p].in_use || rte_eth_stats_get(p, &es) != 0)
			continue;
		printf("  port %u: ipackets %" PRIu64 " opackets %" PRIu64
			" imissed %" PRIu64 " ierrors %" PRIu64 " oerrors %" PRIu64
			" rx_nombuf %" PRIu64 "\n", p, es.ipackets, es.opackets,
			es.imissed, es.ierrors, es.oerrors, es.rx_nombuf);
	}
	fflush(stdout);
}

static void
tm_info_fill(struct mf_tm_info *ti, const struct app_plan *plan)
{
	unsigned int w, p;

	memset(ti, 0, sizeof(*ti));
	ti->main_lcore = plan->main_lcore;
	ti->n_workers = plan->n_workers;
	ti->single_lcore = plan->single_lcore;
	for (w = 0; w < plan->n_workers && w < MF_TM_MAX_WORKERS; w++)
		ti->worker_lcore[w] = plan->worker_lcore[w];
	for (p = 0; p < MF_MAX_PORTS; p++) {
		const struct app_port *ap = &plan->ports[p];

		ti->ports[p].in_use = ap->in_use;
		ti->ports[p].n_rxq = ap->n_rxq;
		ti->ports[p].n_txq = ap->n_txq;
		ti->ports[p].ctl_txq = ap->ctl_txq;
		ti->ports[p].tx_multi_seg = ap->tx_multi_seg;
		snprintf(ti->ports[p].driver, sizeof(ti->ports[p].driver), "%s",
			ap->driver);
	}
}

int
app_run(struct app_plan *plan, const struct mf_config *cfg,
	const char *config_path, struct app_pools *pools)
{
	static struct fp_port ports[MF_MAX_PORTS];
	static struct fp_worker_params wp;
	static struct mf_tm_info ti;
	struct fp_worker *workers[RTE_MAX_LCORE];
	struct rte_ring *ev_rings[RTE_MAX_LCORE];
	struct rte_ring *inj_rings[RTE_MAX_LCORE];
	struct ctl_params cp;
	struct mf_table_params tp;
	struct mf_table *table = NULL;
	struct rte_rcu_qsbr *qsv = NULL;
	struct ctl *ctl = NULL;
	unsigned int w, p, k = 0, q;
	char name[RTE_RING_NAMESIZE];
	size_t sz;
	int socket = (int)rte_socket_id();
	int status = 1, rc;
	bool tm_up = false;

	memset(workers, 0, sizeof(workers));
	memset(ev_rings, 0, sizeof(ev_rings));
	memset(inj_rings, 0, sizeof(inj_rings));
	signals_install();

	/* RCU: one thread id per worker. */
	sz = rte_rcu_qsbr_get_memsize(plan->n_workers);
	qsv = rte_zmalloc_socket("mf_qsv", sz, RTE_CACHE_LINE_SIZE, socket);
	if (qsv == NULL || rte_rcu_qsbr_init(qsv, plan->n_workers) != 0) {
		APP_LOG(ERR, "cannot create the RCU variable");
		goto out;
	}
	memset(&tp, 0, sizeof(tp));
	tp.name = "mf_groups";
	tp.max_entries = cfg->max_routes;
	tp.socket_id = socket;
	tp.qsv = qsv;
	tp.n_workers = (uint16_t)plan->n_workers;
	table = mf_table_create(&tp);
	if (table == NULL) {
		APP_LOG(ERR, "cannot create the group table: %s",
			rte_strerror(rte_errno));
		goto out;
	}

	for (p = 0; p < MF_MAX_PORTS; p++) {
		const struct mf_config_port *pc = &cfg->ports[p];

		if (!plan->ports[p].in_use)
			continue;
		if (fp_port_init(&ports[p], (uint16_t)p,
				plan->ports[p].tx_multi_seg) != 0) {
			APP_LOG(ERR, "port %u: fast-path init failed", p);
			goto out;
		}
		ports[p].chain_threshold = chain_threshold(pc);
		ports[p].igmp_enabled = pc->igmp.enabled;
		ports[p].igmp_addr = pc->addr;
		ports[p].igmp_prefix_len = pc->prefix_len;
		ports[p].igmp_require_ra = pc->igmp.require_router_alert;
		ports[p].igmp_rate_limit = pc->igmp.igmp_rate_limit;
		ports[p].igmp_rate_burst = pc->igmp.igmp_rate_burst;
	}

	for (w = 0; w < plan->n_workers; w++) {
		snprintf(name, sizeof(name), "mf_ev_%u", w);
		ev_rings[w] = fp_event_ring_create(name, APP_EVENT_RING_SIZE,
			socket);
		snprintf(name, sizeof(name), "mf_inj_%u", w);
		inj_rings[w] = rte_ring_create(name, APP_INJECT_RING_SIZE, socket,
			RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (ev_rings[w] == NULL || inj_rings[w] == NULL) {
			APP_LOG(ERR, "cannot create worker %u rings: %s", w,
				rte_strerror(rte_errno));
			goto out;
		}
		memset(&wp, 0, sizeof(wp));
		wp.id = (uint16_t)w;
		for (p = 0; p < MF_MAX_PORTS; p++) {
			if (!plan->ports[p].in_use)
				continue;
			wp.ports[p] = &ports[p];
			wp.txq[p] = (uint16_t)w;
		}
		wp.table = table;
		wp.event_ring = ev_rings[w];
		wp.inject_ring = inj_rings[w];
		wp.replica_pool = pools->pkt;
		wp.header_pool = pools->hdr;
		wp.igmp_msg_pool = pools->igmp;
		wp.qsv = qsv;
		wp.rcu_thread_id = w;
		wp.drain_us = cfg->tx_flush_us;
		wp.socket_id = socket;
		/* Deal (port, rx queue) pairs round-robin over the workers. */
		k = 0;
		for (p = 0; p < MF_MAX_PORTS; p++) {
			for (q = 0; plan->ports[p].in_use &&
					q < plan->ports[p].n_rxq; q++, k++) {
				if (k % plan->n_workers != w)
					continue;
				if (wp.n_rxq == FP_MAX_RXQ) {
					APP_LOG(ERR, "worker %u: more than %u rx queues",
						w, FP_MAX_RXQ);
					goto out;
				}
				wp.rxq[wp.n_rxq].port = (uint16_t)p;
				wp.rxq[wp.n_rxq].queue = (uint16_t)q;
				wp.n_rxq++;
			}
		}
		workers[w] = fp_worker_create(&wp);
		if (workers[w] == NULL) {
			APP_LOG(ERR, "cannot create worker %u: %s", w,
				rte_strerror(rte_errno));
			goto out;
		}
		APP_LOG(INFO, "worker %u on lcore %u polls %u rx queue%s", w,
			plan->worker_lcore[w], wp.n_rxq, wp.n_rxq == 1 ? "" : "s");
	}

	memset(&cp, 0, sizeof(cp));
	cp.cfg = cfg;
	cp.config_path = config_path;
	for (p = 0; p < MF_MAX_PORTS; p++) {
		cp.ports[p] = plan->ports[p].in_use ? &ports[p] : NULL;
		cp.txq[p] = plan->ports[p].in_use ? plan->ports[p].ctl_txq :
			CTL_NO_TXQ;
	}
	cp.workers = workers;
	cp.n_workers = plan->n_workers;
	cp.table = table;
	cp.qsv = qsv;
	cp.igmp_msg_pool = pools->igmp;
	cp.tx_pool = pools->ctl_tx;
	cp.poll_worker = plan->single_lcore;
	ctl = ctl_create(&cp);
	if (ctl == NULL) {
		APP_LOG(ERR, "cannot create the control state: %s",
			rte_strerror(rte_errno));
		goto out;
	}
	sig_ctl = ctl;
	if (early_stop)
		ctl_stop(ctl);

	if (cfg->telemetry) {
		tm_info_fill(&ti, plan);
		rc = mf_telemetry_init(ctl, &ti);
		if (rc != 0)
			APP_LOG(WARNING, "telemetry commands not registered: %s",
				rte_strerror(-rc));
		else
			tm_up = true;
	}
	/* Packet capture with dpdk-pdump; harmless when nobody captures. */
	rc = rte_pdump_init();
	if (rc != 0)
		APP_LOG(WARNING, "pdump init failed (dpdk-pdump will not work): %s",
			rte_strerror(rte_errno));

	/* Single-lcore mode: ctl_run() puts worker 0 online and polls it. */
	if (!plan->single_lcore) {
		for (w = 0; w < plan->n_workers; w++) {
			/* More workers than RX queues (ports without RSS):
			 * an idle worker is not launched; offline on RCU, it
			 * never holds up a grace period. */
			if (workers[w]->n_rxq == 0) {
				APP_LOG(NOTICE, "worker %u has no rx queue: lcore %u stays idle",
					w, plan->worker_lcore[w]);
				continue;
			}
			rc = rte_eal_remote_launch(fp_worker_run, workers[w],
				plan->worker_lcore[w]);
			if (rc != 0) {
				APP_LOG(ERR, "cannot launch worker %u on lcore %u",
					w, plan->worker_lcore[w]);
				ctl_stop(ctl);
			}
		}
	}
	APP_LOG(NOTICE, "running: %u ports, %u worker%s, %u static routes%s",
		plan->n_ports, plan->n_workers, plan->n_workers == 1 ? "" : "s",
		cfg->n_routes, config_path != NULL ? "" : " (no config: defaults)");
	printf("mcastfwd: ready\n");
	fflush(stdout);

	ctl_run(ctl);

	APP_LOG(NOTICE, "stopping");
	if (tm_up)
		mf_telemetry_fini();
	if (!plan->single_lcore) {
		for (w = 0; w < plan->n_workers; w++)
			fp_worker_stop(workers[w]);
		rte_eal_mp_wait_lcore();
	}
	rte_pdump_uninit();
	print_final_counters(plan, workers, ctl);
	status = 0;
out:
	{
		sigset_t set;

		/* No handler may run while the control state goes away. */
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	sig_ctl = NULL;
	if (ctl != NULL)
		ctl_free(ctl);
	for (w = 0; w < plan->n_workers; w++) {
		fp_worker_free(workers[w]);
		rte_ring_free(ev_rings[w]);
		rte_ring_free(inj_rings[w]);
	}
	if (table != NULL)
		mf_table_free(table);
	rte_free(qsv);
	return status;
}
