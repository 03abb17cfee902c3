/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore: see control.h for what one turn of the loop does.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "control.h"
#include "fp_hist.h"
#include "fastpath.h"
#include "fastpath_event.h"
#include "igmp_codec.h"
#include "igmp_router.h"
#include "mf_config.h"
#include "mf_table.h"
#include "mgm.h"
#include "proto.h"
#include "proto_igmp_local.h"
#include "proto_igmp_proxy.h"
#include "proto_static.h"

RTE_LOG_REGISTER_DEFAULT(ctl_logtype, INFO);
#define CTL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ctl_logtype, "control: " fmt "\n", ##__VA_ARGS__)

/* Records taken from one worker ring per turn: bounds one turn's work. */
#define CTL_EVENT_BURST 64
/* Dirty keys published per drain call. */
#define CTL_DIRTY_BATCH 256
/* Commands run per turn. */
#define CTL_CMD_BURST 8
/* Size of the telemetry command ring (telemetry has at most 10 clients). */
#define CTL_CMD_RING_SIZE 64
/* Reports per turn whose latency is sampled (the rest are not sampled). */
#define CTL_LAT_PENDING 256
/*
 * MFE idle expiry (mgm_tick_some()): CTL_MGM_TICK_KEYS keys every
 * CTL_MGM_TICK_MS, so that no control turn spends more than ~0.1 ms on
 * it (25,600 keys a second: a pass over 1M keys takes 40 s, well inside
 * the 210 s default idle timeout).
 */
#define CTL_MGM_TICK_MS 5
#define CTL_MGM_TICK_KEYS 128

/* States of a posted command (struct ctl_cmd.state). */
enum {
	CTL_CMD_PENDING = 0,	/* in the ring, not started */
	CTL_CMD_RUNNING,	/* the control lcore runs fn */
	CTL_CMD_DONE,		/* ret is valid; the caller frees */
	CTL_CMD_ABANDONED,	/* caller gave up before it ran; control frees */
};

struct ctl_cmd {
	ctl_fn_t fn;
	void *arg;
	int ret;
	uint32_t state;
};

struct ctl {
	struct ctl_params p;
	struct mf_config *cfg;		/* our copy */
	char config_path[MF_CONFIG_PATH_MAX];
	mf_portset_t ports_in_use;

	struct mgm *mgm;
	struct igmp_router *igmp;
	struct proto_set protos;
	bool protos_made;
	struct proto_igmp_local *igmp_local;
	struct proto_static *stat;
	struct proto_igmp_proxy *proxy;
	uint16_t proxy_upstream;

	struct rte_ring *cmd_ring;	/* MP (telemetry threads) / SC */
	pthread_t thread;		/* the thread running ctl_run */
	uint32_t running;		/* ctl_run is looping on thread */
	uint32_t accepting;		/* ctl_call may post (create..run end) */

	uint32_t stop;			/* ctl_stop() */
	uint32_t reload;		/* ctl_request_reload() */

	uint64_t tsc_per_ms;
	uint64_t next_mgm_tick;
	uint64_t igmp_deadline_cache;

	struct ctl_stats stats;		/* written by the control lcore only */
	/*
	 * Join latency: this turn's reports that changed forwarding, each
	 * with its rx TSC (>> FP_EVENT_TSC_SHIFT) and the keys it made dirty
	 * (positions [dirty_from, dirty_to) of mgm's dirty queue, which
	 * publishing drains in order); the histogram of report -> published.
	 */
	struct {
		uint32_t rx_tsc;
		uint32_t dirty_from;
		uint32_t dirty_to;
	} lat_pending[CTL_LAT_PENDING];
	unsigned int n_lat_pending;
	struct fp_hist lat_hist;
	/* Start of one loop turn to the start of the next (idle included). */
	struct fp_hist gap_hist;
	struct mf_key dirty[CTL_DIRTY_BATCH];
};

/* Counters: one writer (the control lcore), readers anywhere. */
#define CTL_INC(c, field, n) \
	__atomic_store_n(&(c)->stats.field, (c)->stats.field + (n), \
			__ATOMIC_RELAXED)

static uint64_t ctl_tsc_per_ms;

uint64_t
ctl_now_ms(void)
{
	if (ctl_tsc_per_ms == 0)
		ctl_tsc_per_ms = rte_get_timer_hz() / 1000;
	return rte_get_timer_cycles() / ctl_tsc_per_ms;
}

/* ---- sending IGMP packets ---- */

/*
 * Wrap an IPv4 packet in an Ethernet header (multicast MAC of the IP
 * destination, the port's own MAC as source) and send it: on the control
 * lcore's TX queue of the port, or through worker 0's inject ring.
 */
static int
ctl_send_ip(struct ctl *c, uint16_t port, const void *ip_pkt, uint32_t len)
{
	const struct rte_ipv4_hdr *ip = ip_pkt;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;
	uint32_t dst;
	char *data;

	if (port >= MF_MAX_PORTS || c->p.ports[port] == NULL ||
			len < sizeof(*ip))
		return -EINVAL;
	m = rte_pktmbuf_alloc(c->p.tx_pool);
	if (m == NULL)
		return -ENOMEM;
	data = rte_pktmbuf_append(m, sizeof(*eth) + len);
	if (data == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	eth = (struct rte_ether_hdr *)data;
	dst = rte_be_to_cpu_32(ip->dst_addr);
	/* RFC 1112 6.4: 01:00:5e + the low 23 bits of the group. */
	eth->dst_addr.addr_bytes[0] = 0x01;
	eth->dst_addr.addr_bytes[1] = 0x00;
	eth->dst_addr.addr_bytes[2] = 0x5e;
	eth->dst_addr.addr_bytes[3] = (dst >> 16) & 0x7f;
	eth->dst_addr.addr_bytes[4] = (dst >> 8) & 0xff;
	eth->dst_addr.addr_bytes[5] = dst & 0xff;
	rte_ether_addr_copy(&c->p.ports[port]->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memcpy(data + sizeof(*eth), ip_pkt, len);
	m->port = port;

	if (c->p.txq[port] != CTL_NO_TXQ) {
		if (rte_eth_tx_burst(port, c->p.txq[port], &m, 1) == 1)
			return 0;
	} else if (c->p.n_workers > 0 && c->p.workers[0]->inject_ring != NULL) {
		if (rte_ring_sp_enqueue(c->p.workers[0]->inject_ring, m) == 0)
			return 0;
	}
	rte_pktmbuf_free(m);
	return -EAGAIN;
}

static void
ctl_send_query(void *ctx, uint16_t port, const struct igmp_query *q)
{
	struct ctl *c = ctx;
	uint8_t buf[IGMP_PKT_MAX];
	int len;

	len = igmp_build_query(buf, sizeof(buf), q);
	if (len < 0 || ctl_send_ip(c, port, buf, (uint32_t)len) < 0) {
		CTL_INC(c, tx_errors, 1);
		return;
	}
	CTL_INC(c, queries_sent, 1);
}

static int
ctl_send_report(void *ctx, uint16_t port, const void *ip_pkt, uint32_t len)
{
	struct ctl *c = ctx;
	int ret;

	ret = ctl_send_ip(c, port, ip_pkt, len);
	if (ret < 0)
		CTL_INC(c, tx_errors, 1);
	else
		CTL_INC(c, reports_sent, 1);
	return ret;
}

static void
ctl_membership(void *ctx, uint16_t port, uint32_t src, uint32_t grp,
		enum igmp_member_event ev)
{
	struct ctl *c = ctx;

	if (c->igmp_local != NULL)
		proto_igmp_local_membership(c->igmp_local, port, src, grp, ev);
}

/* mgm's view of an MFE's counters: the table's, summed over workers. */
static int
ctl_mfe_stats(void *ctx, uint32_t src, uint32_t grp, struct mgm_mfe_stats *out)
{
	struct ctl *c = ctx;
	struct mf_oif_stats oifs[MF_MAX_PORTS];
	const struct mf_repl_list *l;
	struct mf_route_stats route;
	uint16_t n = 0, i;
	int ret;

	ret = mf_table_route_stats(c->p.table, src, grp, &route, oifs, &n);
	if (ret < 0)
		return ret;
	l = mf_table_lookup_exact(c->p.table, src, grp);
	memset(out, 0, sizeof(*out));
	out->in_pkts = route.in_pkts;
	out->in_bytes = route.in_bytes;
	out->wrong_if = route.wrong_iif;
	out->n_oifs = n;
	for (i = 0; i < n && i < MF_MAX_PORTS; i++) {
		out->oif[i].port = l != NULL ? l->oifs[i].port : 0;
		out->oif[i].out_pkts = oifs[i].out_pkts;
		out->oif[i].ttl_too_low = oifs[i].ttl_too_low;
		out->oif[i].discards = oifs[i].discards;
	}
	return 0;
}

/* ---- publishing the forwarding view ---- */

static int
ctl_publish_key(struct ctl *c, const struct mf_key *k, uint32_t join_stamp)
{
	struct mgm_fwd_entry e;
	struct mf_repl_list *l;
	mf_portset_t oifs;
	uint16_t n = 0;
	unsigned int p;
	int ret;

	ret = mgm_fwd_get(c->mgm, k->src, k->grp, &e);
	if (ret == -ENOENT) {
		if (mf_table_remove(c->p.table, k->src, k->grp) == 0)
			CTL_INC(c, removes, 1);
		return 0;
	}
	if (ret < 0)
		return ret;
	/* Only ports this process runs; never the incoming port. */
	oifs = e.oifs & c->ports_in_use;
	if (e.iif < MF_MAX_PORTS)
		oifs &= ~MF_PORTSET_BIT(e.iif);
	l = mf_repl_list_alloc(c->p.table, (uint16_t)__builtin_popcountll(oifs));
	if (l == NULL)
		return -ENOMEM;
	l->iif = e.iif;
	l->flags = (e.flags & MGM_FWD_NOTIFY_NEW_SOURCE) ?
		MF_REPL_F_NOTIFY_NEW_SOURCE : 0;
	for (p = 0; p < MF_MAX_PORTS; p++) {
		if (!(oifs & MF_PORTSET_BIT(p)))
			continue;
		l->oifs[n].port = (uint16_t)p;
		l->oifs[n].ttl_threshold = c->cfg->ports[p].ttl_threshold;
		n++;
	}
	l->n_oifs = n;
	l->join_stamp = n > 0 ? join_stamp : 0;
	ret = mf_table_publish(c->p.table, k->src, k->grp, l);
	if (ret < 0) {
		mf_repl_list_free(c->p.table, l);
		return ret;
	}
	CTL_INC(c, publishes, 1);
	return 0;
}

static uint32_t ctl_join_stamp(const struct ctl *c, uint32_t pos);

/* Publish every dirty key; one reclaim (one RCU token) for the batch. */
static unsigned int
ctl_publish_dirty(struct ctl *c)
{
	unsigned int n, i, total = 0;

	do {
		n = mgm_fwd_drain_dirty(c->mgm, c->dirty, CTL_DIRTY_BATCH);
		for (i = 0; i < n; i++) {
			uint32_t stamp = c->n_lat_pending > 0 ?
				ctl_join_stamp(c, total + i) : 0;

			if (ctl_publish_key(c, &c->dirty[i], stamp) < 0) {
				CTL_INC(c, publish_errors, 1);
				CTL_LOG(WARNING, "cannot publish (%u.%u.%u.%u, %u.%u.%u.%u)",
					c->dirty[i].src >> 24, (c->dirty[i].src >> 16) & 0xff,
					(c->dirty[i].src >> 8) & 0xff, c->dirty[i].src & 0xff,
					c->dirty[i].grp >> 24, (c->dirty[i].grp >> 16) & 0xff,
					(c->dirty[i].grp >> 8) & 0xff, c->dirty[i].grp & 0xff);
			}
		}
		total += n;
	} while (n == CTL_DIRTY_BATCH);
	if (total > 0)
		CTL_INC(c, batches, 1);
	mf_table_reclaim(c->p.table);
	return total;
}

/* ---- join latency ---- */

/*
 * The reports of this turn that changed forwarding are published now: add
 * (now - their worker's rx time) to the histogram. rx_tsc is the worker's
 * rte_rdtsc() >> FP_EVENT_TSC_SHIFT; the wrap-around difference is exact
 * for anything under a few minutes.
 */
static void
ctl_record_latency(struct ctl *c)
{
	uint32_t now_k = (uint32_t)(rte_rdtsc() >> FP_EVENT_TSC_SHIFT);
	uint64_t hz = rte_get_tsc_hz();
	unsigned int i;

	for (i = 0; i < c->n_lat_pending; i++) {
		uint64_t cycles = (uint64_t)(uint32_t)(now_k -
				c->lat_pending[i].rx_tsc) << FP_EVENT_TSC_SHIFT;

		fp_hist_add_cycles(&c->lat_hist, cycles, hz);
	}
	c->n_lat_pending = 0;
}

/*
 * Join stamp of the pos-th key drained this turn: the rx time of the
 * report that made it dirty (never 0), or 0 when no report of this turn
 * did.
 */
static uint32_t
ctl_join_stamp(const struct ctl *c, uint32_t pos)
{
	unsigned int i;

	for (i = 0; i < c->n_lat_pending; i++)
		if (pos >= c->lat_pending[i].dirty_from &&
				pos < c->lat_pending[i].dirty_to)
			return c->lat_pending[i].rx_tsc != 0 ?
				c->lat_pending[i].rx_tsc : 1;
	return 0;
}

void
ctl_join_latency(const struct ctl *c, struct fp_hist_pct *out)
{
	const struct fp_hist *h = &c->lat_hist;

	fp_hist_pct(&h, 1, out);
}

void
ctl_turn_gap(const struct ctl *c, struct fp_hist_pct *out)
{
	const struct fp_hist *h = &c->gap_hist;

	fp_hist_pct(&h, 1, out);
}

void
ctl_first_replica_latency(const struct ctl *c, struct fp_hist_pct *out)
{
	const struct fp_hist *h[RTE_MAX_LCORE];
	unsigned int i, n = RTE_MIN(c->p.n_workers, (unsigned int)RTE_MAX_LCORE);

	for (i = 0; i < n; i++)
		h[i] = fp_worker_join_hist(c->p.workers[i]);
	fp_hist_pct(h, n, out);
}

/* ---- worker records ---- */

static void
ctl_handle_event(struct ctl *c, const struct fp_event *ev, uint64_t now)
{
	switch (ev->type) {
	case FP_EV_IGMP: {
		struct igmp_msg *msg = ev->ptr;

		if (msg == NULL)
			break;
		unsigned int dirty = mgm_fwd_dirty_count(c->mgm);

		if (c->proxy != NULL && ev->port == c->proxy_upstream)
			proto_igmp_proxy_input(c->proxy, msg, now);
		else
			igmp_router_input(c->igmp, ev->port, msg, now);
		/* A report that changed forwarding: time it to publication. */
		if (mgm_fwd_dirty_count(c->mgm) != dirty &&
				c->n_lat_pending < CTL_LAT_PENDING) {
			unsigned int k = c->n_lat_pending++;

			c->lat_pending[k].rx_tsc = ev->rx_tsc;
			c->lat_pending[k].dirty_from = dirty;
			c->lat_pending[k].dirty_to =
				mgm_fwd_dirty_count(c->mgm);
		}
		rte_mempool_put(c->p.igmp_msg_pool, msg);
		CTL_INC(c, igmp_msgs, 1);
		break;
	}
	case FP_EV_NEW_SOURCE:
		mgm_new_source(c->mgm, ev->src, ev->grp, ev->port, now);
		CTL_INC(c, new_sources, 1);
		break;
	case FP_EV_WRONG_IIF:
		mgm_wrong_interface(c->mgm, ev->src, ev->grp, ev->port, now);
		CTL_INC(c, wrong_iif, 1);
		break;
	default:
		break;
	}
}

static unsigned int
ctl_drain_events(struct ctl *c, uint64_t now)
{
	struct fp_event evs[CTL_EVENT_BURST];
	unsigned int w, n, i, total = 0;

	for (w = 0; w < c->p.n_workers; w++) {
		struct rte_ring *r = c->p.workers[w]->event_ring;

		n = rte_ring_sc_dequeue_burst_elem(r, evs, sizeof(evs[0]),
				CTL_EVENT_BURST, NULL);
		for (i = 0; i < n; i++)
			ctl_handle_event(c, &evs[i], now);
		total += n;
	}
	if (total > 0)
		CTL_INC(c, records, total);
	return total;
}

/* ---- commands from telemetry threads ---- */

static void
ctl_run_commands(struct ctl *c)
{
	void *objs[CTL_CMD_BURST];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(c->cmd_ring, objs, CTL_CMD_BURST, NULL);
	for (i = 0; i < n; i++) {
		struct ctl_cmd *cmd = objs[i];
		uint32_t expected = CTL_CMD_PENDING;

		/*
		 * Claim the command; acquire pairs with the caller's release
		 * when it posted it (fn/arg visible), and decides the race
		 * with a caller that times out at the same moment.
		 */
		if (!__atomic_compare_exchange_n(&cmd->state, &expected,
				CTL_CMD_RUNNING, false, __ATOMIC_ACQUIRE,
				__ATOMIC_ACQUIRE)) {
			free(cmd);	/* abandoned: the caller is gone */
			continue;
		}
		cmd->ret = cmd->fn(c, cmd->arg);
		CTL_INC(c, commands, 1);
		/* Release: ret (and fn's effects) before DONE is seen. */
		__atomic_store_n(&cmd->state, CTL_CMD_DONE, __ATOMIC_RELEASE);
	}
}

int
ctl_call(struct ctl *c, ctl_fn_t fn, void *arg, unsigned int timeout_ms)
{
	struct ctl_cmd *cmd;
	uint32_t expected;
	struct timespec ts;
	uint64_t waited_us = 0;
	int ret;

	if (c == NULL || fn == NULL)
		return -EINVAL;
	if (__atomic_load_n(&c->running, __ATOMIC_ACQUIRE) &&
			pthread_equal(pthread_self(), c->thread))
		return fn(c, arg);
	if (!__atomic_load_n(&c->accepting, __ATOMIC_ACQUIRE))
		return -EAGAIN;	/* the loop has ended */
	cmd = calloc(1, sizeof(*cmd));
	if (cmd == NULL)
		return -ENOMEM;
	cmd->fn = fn;
	cmd->arg = arg;
	__atomic_store_n(&cmd->state, CTL_CMD_PENDING, __ATOMIC_RELEASE);
	if (rte_ring_mp_enqueue(c->cmd_ring, cmd) != 0) {
		free(cmd);
		return -ENOSPC;
	}
	ts.tv_sec = 0;
	ts.tv_nsec = 100 * 1000;	/* 100 us between looks */
	for (;;) {
		uint32_t st = __atomic_load_n(&cmd->state, __ATOMIC_ACQUIRE);

		if (st == CTL_CMD_DONE)
			break;
		if (st == CTL_CMD_PENDING && waited_us >= (uint64_t)timeout_ms * 1000) {
			expected = CTL_CMD_PENDING;
			if (__atomic_compare_exchange_n(&cmd->state, &expected,
					CTL_CMD_ABANDONED, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return -ETIMEDOUT;	/* control frees it */
			continue;	/* it started: wait for it */
		}
		nanosleep(&ts, NULL);
		waited_us += 100;
	}
	ret = cmd->ret;
	free(cmd);
	return ret;
}

/* ---- static routes from the config ---- */

static int
ctl_apply_routes(struct ctl *c, const struct mf_config *cfg, uint64_t now,
		unsigned int *changed, char *err, size_t errlen)
{
	struct mf_config_route *bulk = NULL;
	struct proto_static_route *routes;
	uint32_t n_bulk = 0;
	unsigned int i, n;
	int ret;

	/* [routes] first, then the bulk routes_file (for large sets). */
	ret = mf_config_routes_file_read(cfg, c->ports_in_use, &bulk, &n_bulk,
			err, errlen);
	if (ret < 0)
		return ret;
	n = cfg->n_routes + n_bulk;
	routes = calloc((size_t)n + 1, sizeof(*routes));
	if (routes == NULL) {
		free(bulk);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct mf_config_route *r = i < cfg->n_routes ?
			&cfg->routes[i] : &bulk[i - cfg->n_routes];

		routes[i].src = r->src;
		routes[i].grp = r->grp;
		routes[i].in_port = r->in_port;
		routes[i].oifs = r->oifs;
	}
	free(bulk);
	ret = proto_static_replace(c->stat, routes, n, now, changed, err,
			errlen);
	free(routes);
	return ret;
}

int
ctl_reload(struct ctl *c, char *err, size_t errlen)
{
	struct mf_config *cfg;
	unsigned int changed = 0;
	char msg[512];
	int ret;

	if (c->config_path[0] == '\0') {
		snprintf(err, errlen, "no config file to reload (started without --config)");
		return -ENOENT;
	}
	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL)
		return -ENOMEM;
	ret = mf_config_load(c->config_path, cfg, err, errlen);
	if (ret == 0)
		ret = mf_config_check_ports(cfg, c->ports_in_use, err, errlen);
	if (ret == 0) {
		ret = ctl_apply_routes(c, cfg, ctl_now_ms(), &changed, msg,
				sizeof(msg));
		if (ret < 0)
			snprintf(err, errlen, "%s: %s", c->config_path, msg);
	}
	if (ret == 0) {
		/* Only the routes are reloaded; keep the rest as started. */
		c->cfg->n_routes = cfg->n_routes;
		memcpy(c->cfg->routes, cfg->routes,
			cfg->n_routes * sizeof(cfg->routes[0]));
		memcpy(c->cfg->routes_file, cfg->routes_file,
			sizeof(cfg->routes_file));
		CTL_LOG(NOTICE, "reloaded %s: %u routes, %u changed",
			c->config_path, proto_static_count(c->stat), changed);
		CTL_INC(c, reloads, 1);
	} else {
		CTL_INC(c, reload_errors, 1);
	}
	free(cfg);
	return ret;
}

/* ---- life cycle ---- */

static void
ctl_apply_port_params(struct ctl *c)
{
	unsigned int p;

	for (p = 0; p < MF_MAX_PORTS; p++) {
		struct fp_port *fp = c->p.ports[p];
		const struct mf_config_port *cp = &c->cfg->ports[p];
		uint32_t igmp_on;

		if (fp == NULL)
			continue;
		/* The proxy's upstream port must hear queries: IGMP stays on. */
		igmp_on = cp->igmp.enabled || p == c->proxy_upstream;
		/* Relaxed stores: each field stands alone (fastpath.h). */
		__atomic_store_n(&fp->igmp_enabled, igmp_on, __ATOMIC_RELAXED);
		__atomic_store_n(&fp->igmp_addr, cp->addr, __ATOMIC_RELAXED);
		__atomic_store_n(&fp->igmp_prefix_len, cp->prefix_len,
				__ATOMIC_RELAXED);
		__atomic_store_n(&fp->igmp_require_ra,
				cp->igmp.require_router_alert, __ATOMIC_RELAXED);
		__atomic_store_n(&fp->igmp_rate_limit,
				cp->igmp.igmp_rate_limit, __ATOMIC_RELAXED);
		__atomic_store_n(&fp->igmp_rate_burst,
				cp->igmp.igmp_rate_burst, __ATOMIC_RELAXED);
	}
}

struct ctl *
ctl_create(const struct ctl_params *p)
{
	static const struct igmp_router_ops igmp_ops = {
		.send_query = ctl_send_query,
		.membership = ctl_membership,
	};
	struct mgm_config mcfg;
	struct proto_env env;
	char name[RTE_RING_NAMESIZE];
	char err[512];
	struct ctl *c;
	uint64_t now;
	unsigned int q;
	int ret;

	if (p == NULL || p->cfg == NULL || p->table == NULL ||
			p->igmp_msg_pool == NULL || p->tx_pool == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	c->p = *p;
	c->cfg = malloc(sizeof(*c->cfg));
	if (c->cfg == NULL)
		goto nomem;
	memcpy(c->cfg, p->cfg, sizeof(*c->cfg));
	if (p->config_path != NULL)
		snprintf(c->config_path, sizeof(c->config_path), "%s",
			p->config_path);
	for (q = 0; q < MF_MAX_PORTS; q++)
		if (p->ports[q] != NULL)
			c->ports_in_use |= MF_PORTSET_BIT(q);
	c->proxy_upstream = c->cfg->proxy_upstream;
	now = ctl_now_ms();

	snprintf(name, sizeof(name), "ctl_cmd");
	c->cmd_ring = rte_ring_create(name, CTL_CMD_RING_SIZE, SOCKET_ID_ANY,
			RING_F_SC_DEQ);
	if (c->cmd_ring == NULL)
		goto fail_errno;

	memset(&mcfg, 0, sizeof(mcfg));
	mcfg.mfe_timeout_ms = c->cfg->mfe_timeout_s * 1000u;
	mcfg.mfe_stats = ctl_mfe_stats;
	mcfg.stats_ctx = c;
	c->mgm = mgm_create(&mcfg);
	if (c->mgm == NULL)
		goto nomem;
	c->igmp = igmp_router_create(&igmp_ops, c);
	if (c->igmp == NULL)
		goto nomem;

	memset(&env, 0, sizeof(env));
	env.mgm = c->mgm;
	env.igmp = c->igmp;
	env.proxy_upstream = c->proxy_upstream;
	for (q = 0; q < MF_MAX_PORTS; q++) {
		if (!(c->ports_in_use & MF_PORTSET_BIT(q)))
			continue;
		env.port_addr[q] = c->cfg->ports[q].addr;
		if (!c->cfg->ports[q].igmp.enabled || q == c->proxy_upstream)
			continue;
		env.igmp_ports |= MF_PORTSET_BIT(q);
	}
	if (c->proxy_upstream != MF_PORT_ANY)
		env.proxy_downstream = env.igmp_ports;
	env.send = ctl_send_report;
	env.send_ctx = c;
	env.seed = rte_get_timer_cycles();
	env.now_ms = now;
	ret = proto_set_create(&c->protos, &env);
	if (ret < 0) {
		CTL_LOG(ERR, "protocol modules: %s", strerror(-ret));
		rte_errno = -ret;
		goto fail;
	}
	c->protos_made = true;
	c->igmp_local = proto_set_get(&c->protos, "igmp_local");
	c->stat = proto_set_get(&c->protos, "static");
	c->proxy = proto_set_get(&c->protos, "igmp_proxy");
	if (c->stat == NULL) {
		CTL_LOG(ERR, "the static protocol module is missing");
		rte_errno = ENOENT;
		goto fail;
	}
	ctl_apply_port_params(c);

	/* IGMP routers last: their joins flow into igmp_local at once. */
	for (q = 0; q < MF_MAX_PORTS; q++) {
		struct igmp_port_config icfg;

		if (!(env.igmp_ports & MF_PORTSET_BIT(q)))
			continue;
		icfg = c->cfg->ports[q].igmp;
		icfg.address = c->cfg->ports[q].addr;
		icfg.prefix_len = c->cfg->ports[q].prefix_len;
		ret = igmp_router_port_add(c->igmp, (uint16_t)q, &icfg, now);
		if (ret < 0) {
			CTL_LOG(ERR, "IGMP on port %u: %s", q, strerror(-ret));
			rte_errno = -ret;
			goto fail;
		}
	}
	ret = ctl_apply_routes(c, c->cfg, now, NULL, err, sizeof(err));
	if (ret < 0) {
		CTL_LOG(ERR, "static routes: %s", err);
		rte_errno = -ret;
		goto fail;
	}
	ctl_publish_dirty(c);
	c->next_mgm_tick = now + CTL_MGM_TICK_MS;
	/* Commands posted before ctl_run starts wait in the ring for it. */
	__atomic_store_n(&c->accepting, 1, __ATOMIC_RELEASE);
	CTL_LOG(INFO, "%u ports, %u workers, %u static routes, IGMP on 0x%" PRIx64
		"%s", (unsigned int)__builtin_popcountll(c->ports_in_use),
		c->p.n_workers, proto_static_count(c->stat),
		(uint64_t)env.igmp_ports,
		c->proxy != NULL ? ", IGMP proxy" : "");
	return c;

nomem:
	rte_errno = ENOMEM;
	goto fail;
fail_errno:
	/* rte_errno already set by the failing call */
fail:
	ret = rte_errno;
	ctl_free(c);
	rte_errno = ret;
	return NULL;
}

void
ctl_free(struct ctl *c)
{
	if (c == NULL)
		return;
	if (c->protos_made)
		proto_set_destroy(&c->protos);
	if (c->igmp != NULL)
		igmp_router_destroy(c->igmp);
	if (c->mgm != NULL)
		mgm_destroy(c->mgm);
	if (c->cmd_ring != NULL) {
		void *obj;

		while (rte_ring_dequeue(c->cmd_ring, &obj) == 0)
			free(obj);
		rte_ring_free(c->cmd_ring);
	}
	free(c->cfg);
	free(c);
}

void
ctl_poll(struct ctl *c)
{
	uint64_t now, deadline;

	now = ctl_now_ms();
	ctl_run_commands(c);
	if (__atomic_exchange_n(&c->reload, 0, __ATOMIC_ACQ_REL)) {
		char err[512];

		if (ctl_reload(c, err, sizeof(err)) < 0)
			CTL_LOG(ERR, "reload rejected, old routes kept: %s", err);
	}
	ctl_drain_events(c, now);

	deadline = igmp_router_next_deadline(c->igmp);
	if (deadline <= now)
		igmp_router_tick(c->igmp, now);
	if (c->proxy != NULL &&
			proto_igmp_proxy_next_deadline(c->proxy) <= now)
		proto_igmp_proxy_tick(c->proxy, now);
	if (now >= c->next_mgm_tick) {
		mgm_tick_some(c->mgm, now, CTL_MGM_TICK_KEYS);
		c->next_mgm_tick = now + CTL_MGM_TICK_MS;
	}

	ctl_publish_dirty(c);
	if (c->n_lat_pending > 0)
		ctl_record_latency(c);
	if (c->p.poll_worker && c->p.n_workers > 0)
		fp_worker_poll(c->p.workers[0]);
	CTL_INC(c, loops, 1);
}

/* struct sched_attr of sched_setattr(2) (glibc 2.36 has no wrapper). */
struct ctl_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

/*
 * Ask the kernel for a short scheduler slice for this (the control)
 * thread: with EEVDF (Linux 6.12+) a SCHED_OTHER thread's sched_runtime is
 * its slice, and a thread with a shorter slice than the one running
 * preempts it on wake-up instead of waiting out that thread's slice (1.4 ms
 * by default on two CPUs), which was the tail of the join latency on a
 * shared core. Nice and policy stay as they are (a thread the operator
 * moved to a real-time policy is left alone). Best effort: it only
 * changes timing; older kernels ignore the request, which is logged.
 */
static void
ctl_sched_setup(const struct ctl *c)
{
	struct ctl_sched_attr a;
	uint64_t want = (uint64_t)c->cfg->control_slice_us * 1000;

	if (c->cfg->control_slice_us == 0)
		return;
	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) != 0) {
		CTL_LOG(INFO, "control lcore: sched_getattr: %s; slice left "
			"to the kernel", strerror(errno));
		return;
	}
	if (a.sched_policy != SCHED_OTHER) {
		CTL_LOG(INFO, "control lcore: scheduling policy %u set from "
			"outside, slice left as it is", a.sched_policy);
		return;
	}
	a.size = sizeof(a);
	a.sched_flags = 0;
	a.sched_runtime = want;
	if (syscall(SYS_sched_setattr, 0, &a, 0) != 0) {
		CTL_LOG(INFO, "control lcore: cannot set a %u us slice: %s",
			c->cfg->control_slice_us, strerror(errno));
		return;
	}
	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0 &&
			a.sched_runtime == want)
		CTL_LOG(INFO, "control lcore: %u us scheduler slice",
			c->cfg->control_slice_us);
	else
		CTL_LOG(INFO, "control lcore: the kernel does not take a "
			"slice request (Linux 6.12+ does); default slice");
}

int
ctl_run(struct ctl *c)
{
	uint64_t hz = rte_get_tsc_hz(), prev = 0, t;

	c->thread = pthread_self();
	/*
	 * The idle sleep is short: without this the kernel's default 50 us
	 * timer slack would stretch every sleep, and with it the time a join
	 * waits to be seen. Best effort: it only changes timing.
	 */
	if (!c->p.poll_worker && c->cfg->control_idle_us > 0) {
		(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
		ctl_sched_setup(c);
	}
	__atomic_store_n(&c->running, 1, __ATOMIC_RELEASE);
	if (c->p.poll_worker && c->p.n_workers > 0)
		fp_worker_online(c->p.workers[0]);
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		/*
		 * Turn to turn, when the control lcore idles between turns. In
		 * single-lcore mode a turn is also a worker poll: its length
		 * says nothing of the lcore being kept off its CPU, and it
		 * would cost the fast path a division per poll.
		 */
		if (!c->p.poll_worker) {
			t = rte_rdtsc();
			if (prev != 0)
				fp_hist_add_cycles(&c->gap_hist, t - prev, hz);
			prev = t;
		}
		ctl_poll(c);
		/*
		 * When other lcores forward, the control lcore idles a little
		 * between turns (control_idle_us, default 20): joins are still
		 * seen within tens of microseconds, and a control lcore that
		 * shares its core does not starve what shares it. 0 busy-polls.
		 */
		if (!c->p.poll_worker && c->cfg->control_idle_us > 0)
			rte_delay_us_sleep(c->cfg->control_idle_us);
	}
	/* Refuse new commands, then answer those still queued. */
	__atomic_store_n(&c->accepting, 0, __ATOMIC_RELEASE);
	ctl_run_commands(c);
	__atomic_store_n(&c->running, 0, __ATOMIC_RELEASE);
	if (c->p.poll_worker && c->p.n_workers > 0)
		fp_worker_offline(c->p.workers[0]);
	return 0;
}

void
ctl_stop(struct ctl *c)
{
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
}

bool
ctl_stopping(const struct ctl *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) != 0;
}

void
ctl_request_reload(struct ctl *c)
{
	__atomic_store_n(&c->reload, 1, __ATOMIC_RELEASE);
}

struct mgm *ctl_mgm(struct ctl *c) { return c->mgm; }
struct igmp_router *ctl_igmp(struct ctl *c) { return c->igmp; }
struct proto_static *ctl_static(struct ctl *c) { return c->stat; }
struct proto_igmp_proxy *ctl_proxy(struct ctl *c) { return c->proxy; }
struct mf_table *ctl_table(struct ctl *c) { return c->p.table; }
const struct mf_config *ctl_config(struct ctl *c) { return c->cfg; }

struct fp_port *
ctl_port(struct ctl *c, uint16_t p)
{
	return p < MF_MAX_PORTS ? c->p.ports[p] : NULL;
}

unsigned int
ctl_n_workers(const struct ctl *c)
{
	return c->p.n_workers;
}

const struct fp_worker *
ctl_worker(const struct ctl *c, unsigned int i)
{
	return i < c->p.n_workers ? c->p.workers[i] : NULL;
}

void
ctl_stats_read(const struct ctl *c, struct ctl_stats *out)
{
	const uint64_t *src = (const uint64_t *)&c->stats;
	uint64_t *dst = (uint64_t *)out;
	size_t i;

	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	out->join_latency_us_max = __atomic_load_n(&c->lat_hist.max_us,
			__ATOMIC_RELAXED);
}

void
ctl_stats_clear(struct ctl *c)
{
	uint64_t *dst = (uint64_t *)&c->stats;
	size_t i;

	for (i = 0; i < sizeof(c->stats) / sizeof(uint64_t); i++)
		__atomic_store_n(&dst[i], 0, __ATOMIC_RELAXED);
	fp_hist_clear(&c->lat_hist);
	fp_hist_clear(&c->gap_hist);
	for (i = 0; i < c->p.n_workers; i++)
		fp_worker_join_hist_clear(c->p.workers[i]);
}
