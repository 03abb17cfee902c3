/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /mcast telemetry commands. See mf_telemetry.h for the threading rules:
 * counters are read here with relaxed atomic loads; everything else runs
 * as a function on the control lcore (ctl_call) that parses the request
 * with tm_params and fills the reply.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "control.h"
#include "fastpath.h"
#include "igmp_codec.h"
#include "igmp_router.h"
#include "mf_config.h"
#include "mf_table.h"
#include "mf_telemetry.h"
#include "mgm.h"
#include "proto_igmp_proxy.h"
#include "proto_static.h"
#include "tm_params.h"

#ifndef MF_VERSION
#define MF_VERSION "unknown"
#endif

RTE_LOG_REGISTER_DEFAULT(mf_tm_logtype, INFO);

/* Page sizes: each keeps a reply below the 16 KB cap even with every
 * port in a list and 20-digit counters (worst-case entry sizes: route
 * ~340 B, MFE ~460 B, group ~160 B, source ~80 B, worker ~330 B). */
#define PAGE_ROUTES 32
#define PAGE_MFES 24
#define PAGE_GROUPS 64
#define PAGE_SOURCES 100
/* /mcast/stats lists at most this many workers one by one (totals always
 * cover all of them). */
#define STATS_MAX_WORKERS 32

#define ERR_MAX 192

static struct {
	struct ctl *ctl;
	struct mf_tm_info info;
	mf_portset_t in_use;
	/* Worker pointers, taken on the main (control) lcore at init: they
	 * do not change while the commands are answered. */
	const struct fp_worker *workers[MF_TM_MAX_WORKERS];
	unsigned int n_workers;
	uint64_t start_tsc;
	/* 1 while requests are answered; seq_cst with inflight (below). */
	uint32_t active;
	/* callbacks between tm_enter() and tm_leave() */
	uint32_t inflight;
	bool registered;
	/* /mcast/stats/clear baselines, per worker: written on the control
	 * lcore, read by telemetry threads, per counter relaxed atomics. */
	struct fp_stats base[MF_TM_MAX_WORKERS];
} tm;

/* A request handed to the control lcore. */
struct tm_req {
	const char *params;
	struct rte_tel_data *d;
	char err[ERR_MAX];
};

/* ---- helpers ---- */

/*
 * Telemetry strings are copied into JSON as they are: keep user text that
 * we echo in messages printable and free of quotes and backslashes.
 */
static void
sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ||
				*s == '"' || *s == '\\')
			*s = '?';
}

/*
 * Copy s into buf (RTE_TEL_MAX_STRING_LEN bytes), cut to telemetry's
 * string limit on purpose, and make it safe inside a JSON string.
 */
static void
tel_string(char buf[RTE_TEL_MAX_STRING_LEN], const char *s)
{
	size_t n = strnlen(s, RTE_TEL_MAX_STRING_LEN - 1);

	memcpy(buf, s, n);
	buf[n] = '\0';
	sanitize(buf);
}

static int
reply_error(struct rte_tel_data *d, const char *msg)
{
	char buf[RTE_TEL_MAX_STRING_LEN];

	tel_string(buf, msg);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", buf);
	return 0;
}

static bool
tm_enter(void)
{
	/* seq_cst pair with tm_fini(): either fini sees our inflight count,
	 * or we see active == 0 (Dekker: store then load on both sides). */
	__atomic_add_fetch(&tm.inflight, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&tm.active, __ATOMIC_SEQ_CST) != 0)
		return true;
	__atomic_sub_fetch(&tm.inflight, 1, __ATOMIC_SEQ_CST);
	return false;
}

static void
tm_leave(void)
{
	/* release: everything this callback did happens before fini's
	 * observation of inflight == 0. */
	__atomic_sub_fetch(&tm.inflight, 1, __ATOMIC_RELEASE);
}

/* Run fn on the control lcore with the request; build error replies. */
static int
tm_do(const char *params, struct rte_tel_data *d, ctl_fn_t fn)
{
	struct tm_req r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.params = params;
	r.d = d;
	if (!tm_enter())
		return reply_error(d, "mcastfwd is stopping");
	rc = ctl_call(tm.ctl, fn, &r, MF_TM_TIMEOUT_MS);
	tm_leave();
	if (r.err[0] != '\0')
		return reply_error(d, r.err);
	if (rc == -ETIMEDOUT)
		return reply_error(d, "control lcore did not answer in time; nothing was done");
	if (rc == -ENOSPC)
		return reply_error(d, "control lcore busy (command ring full); nothing was done");
	if (rc < 0) {
		snprintf(r.err, sizeof(r.err), "failed: %s", strerror(-rc));
		return reply_error(d, r.err);
	}
	return 0;
}

static const char *
ip_str(uint32_t a, char *buf)
{
	return tm_ipv4_str(a, buf, 16);
}

static const char *
src_str(uint32_t a, char *buf)
{
	if (a == 0) {
		strcpy(buf, "*");
		return buf;
	}
	return tm_ipv4_str(a, buf, 16);
}

static void
add_str(struct rte_tel_data *d, const char *k, const char *v)
{
	char buf[RTE_TEL_MAX_STRING_LEN];

	tel_string(buf, v);
	rte_tel_data_add_dict_string(d, k, buf);
}

static void
add_ip(struct rte_tel_data *d, const char *k, uint32_t a)
{
	char b[16];

	rte_tel_data_add_dict_string(d, k, ip_str(a, b));
}

/* An array of port ids from a set (freed by telemetry with its parent). */
static struct rte_tel_data *
portset_array(mf_portset_t s)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	unsigned int p;

	if (a == NULL)
		return NULL;
	rte_tel_data_start_array(a, RTE_TEL_INT_VAL);
	for (p = 0; p < MF_MAX_PORTS; p++)
		if (s & MF_PORTSET_BIT(p))
			rte_tel_data_add_array_int(a, (int)p);
	return a;
}

static void
add_portset(struct rte_tel_data *d, const char *k, mf_portset_t s)
{
	struct rte_tel_data *a = portset_array(s);

	if (a != NULL && rte_tel_data_add_dict_container(d, k, a, 0) != 0)
		rte_tel_data_free(a);
}

static struct rte_tel_data *
new_dict(void)
{
	struct rte_tel_data *x = rte_tel_data_alloc();

	if (x != NULL)
		rte_tel_data_start_dict(x);
	return x;
}

static void
add_dict(struct rte_tel_data *d, const char *k, struct rte_tel_data *x)
{
	if (x != NULL && rte_tel_data_add_dict_container(d, k, x, 0) != 0)
		rte_tel_data_free(x);
}

/* A latency summary as a dict: samples and p50/p90/p99/max in us. */
static void
add_latency(struct rte_tel_data *d, const char *k,
		const struct fp_hist_pct *lat)
{
	struct rte_tel_data *x = new_dict();

	if (x == NULL)
		return;
	rte_tel_data_add_dict_u64(x, "samples", lat->samples);
	rte_tel_data_add_dict_u64(x, "p50_us", lat->p50_us);
	rte_tel_data_add_dict_u64(x, "p90_us", lat->p90_us);
	rte_tel_data_add_dict_u64(x, "p99_us", lat->p99_us);
	rte_tel_data_add_dict_u64(x, "max_us", lat->max_us);
	add_dict(d, k, x);
}

static uint64_t
uptime_ms(void)
{
	return (rte_get_timer_cycles() - tm.start_tsc) * 1000 /
		rte_get_timer_hz();
}

/* ---- counters: read on the telemetry thread ---- */

#define FP_NCOUNTERS (sizeof(struct fp_stats) / sizeof(uint64_t))

/* Worker w's counters minus its /mcast/stats/clear baseline. */
static void
worker_stats(unsigned int w, struct fp_stats *out)
{
	const struct fp_worker *fw = w < tm.n_workers ? tm.workers[w] : NULL;
	uint64_t *o = (uint64_t *)out;
	const uint64_t *b = (const uint64_t *)&tm.base[w];
	uint64_t base;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (fw == NULL)
		return;
	fp_worker_stats_read(fw, out);
	for (i = 0; i < FP_NCOUNTERS; i++) {
		/* relaxed: each baseline counter is independent */
		base = __atomic_load_n(&b[i], __ATOMIC_RELAXED);
		o[i] = o[i] >= base ? o[i] - base : 0;
	}
}

static void
stats_to_dict(struct rte_tel_data *x, const struct fp_stats *s)
{
#define U(f) rte_tel_data_add_dict_u64(x, #f, s->f)
	U(rx); U(forwarded); U(replicas); U(replicas_copied);
	U(replicas_chained); U(no_route); U(no_oif); U(wrong_iif);
	U(ttl_drop); U(ttl_threshold); U(tx_drop); U(igmp_seen);
	U(igmp_posted); U(igmp_disabled); U(igmp_bad); U(igmp_rate_limited);
	U(ring_full);
	U(new_source_posted); U(new_source_suppressed); U(wrong_iif_posted);
	U(wrong_iif_suppressed); U(alloc_fail); U(non_ip); U(bad_ip);
	U(other_dropped); U(link_local); U(injected);
#undef U
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct fp_stats s, tot;
	struct ctl_stats cs;
	struct fp_hist_pct lat;
	struct rte_tel_data *x, *workers, *ports, *bad;
	uint64_t *t = (uint64_t *)&tot;
	const uint64_t *v = (const uint64_t *)&s;
	char err[ERR_MAX], key[16];
	unsigned int w, p, i, n;

	RTE_SET_USED(cmd);
	if (tm_parse_none(params, err, sizeof(err)) != 0)
		return reply_error(d, err);
	if (!tm_enter())
		return reply_error(d, "mcastfwd is stopping");
	memset(&tot, 0, sizeof(tot));
	rte_tel_data_start_dict(d);
	workers = new_dict();
	n = tm.n_workers;
	for (w = 0; w < n; w++) {
		worker_stats(w, &s);
		for (i = 0; i < FP_NCOUNTERS; i++)
			t[i] += v[i];
		if (w >= STATS_MAX_WORKERS)
			continue;
		x = new_dict();
		if (x == NULL || workers == NULL) {
			rte_tel_data_free(x);
			continue;
		}
		rte_tel_data_add_dict_int(x, "lcore", (int)tm.info.worker_lcore[w]);
		rte_tel_data_add_dict_u64(x, "rx", s.rx);
		rte_tel_data_add_dict_u64(x, "forwarded", s.forwarded);
		rte_tel_data_add_dict_u64(x, "replicas", s.replicas);
		rte_tel_data_add_dict_u64(x, "no_route", s.no_route);
		rte_tel_data_add_dict_u64(x, "wrong_iif", s.wrong_iif);
		rte_tel_data_add_dict_u64(x, "ttl_drop", s.ttl_drop);
		rte_tel_data_add_dict_u64(x, "tx_drop", s.tx_drop);
		rte_tel_data_add_dict_u64(x, "igmp_seen", s.igmp_seen);
		rte_tel_data_add_dict_u64(x, "ring_full", s.ring_full);
		rte_tel_data_add_dict_u64(x, "alloc_fail", s.alloc_fail);
		snprintf(key, sizeof(key), "%u", w);
		add_dict(workers, key, x);
	}
	x = new_dict();
	if (x != NULL) {
		stats_to_dict(x, &tot);
		add_dict(d, "total", x);
	}
	bad = new_dict();
	if (bad != NULL) {
		for (i = 0; i < FP_IGMP_ERR_SLOTS; i++) {
			if (tot.igmp_bad_by_err[i] == 0)
				continue;
			rte_tel_data_add_dict_u64(bad,
				i == FP_IGMP_ERR_SLOTS - 1 ? "other" :
				igmp_parse_err_name(-(int)i - 1),
				tot.igmp_bad_by_err[i]);
		}
		add_dict(d, "igmp_bad", bad);
	}
	ports = new_dict();
	for (p = 0; ports != NULL && p < MF_MAX_PORTS; p++) {
		if (!(tm.in_use & MF_PORTSET_BIT(p)))
			continue;
		x = new_dict();
		if (x == NULL)
			continue;
		rte_tel_data_add_dict_u64(x, "tx", tot.port_tx[p]);
		rte_tel_data_add_dict_u64(x, "tx_drop", tot.port_tx_drop[p]);
		rte_tel_data_add_dict_u64(x, "igmp_rate_limited",
			tot.port_igmp_rate_limited[p]);
		snprintf(key, sizeof(key), "%u", p);
		add_dict(ports, key, x);
	}
	add_dict(d, "ports", ports);
	add_dict(d, "workers", workers);
	rte_tel_data_add_dict_int(d, "workers_listed",
		(int)RTE_MIN(n, (unsigned int)STATS_MAX_WORKERS));
	ctl_stats_read(tm.ctl, &cs);
	x = new_dict();
	if (x != NULL) {
#define C(f) rte_tel_data_add_dict_u64(x, #f, cs.f)
		C(loops); C(records); C(igmp_msgs); C(new_sources);
		C(wrong_iif); C(publishes); C(removes); C(publish_errors);
		C(batches); C(queries_sent); C(reports_sent); C(tx_errors);
		C(commands); C(reloads); C(reload_errors);
		C(join_latency_us_max);
#undef C
		add_dict(d, "control", x);
	}
	/* IGMP report at a worker -> forwarding change published. */
	ctl_join_latency(tm.ctl, &lat);
	add_latency(d, "join_latency", &lat);
	/* IGMP report at a worker -> first replica sent with the change. */
	ctl_first_replica_latency(tm.ctl, &lat);
	add_latency(d, "join_to_first_replica", &lat);
	/* Control loop turn start -> next turn start, idle included. */
	ctl_turn_gap(tm.ctl, &lat);
	add_latency(d, "control_turn_gap", &lat);
	tm_leave();
	return 0;
}

/* rte_mempool_walk() callback: one dict per pool into arg. */
static void
mempool_to_dict(struct rte_mempool *mp, void *arg)
{
	struct rte_tel_data *d = arg, *x;

	x = new_dict();
	if (x == NULL)
		return;
	rte_tel_data_add_dict_u64(x, "size", mp->size);
	rte_tel_data_add_dict_u64(x, "in_use", rte_mempool_in_use_count(mp));
	rte_tel_data_add_dict_u64(x, "avail", rte_mempool_avail_count(mp));
	rte_tel_data_add_dict_u64(x, "elt_size", mp->elt_size);
	add_dict(d, mp->name, x);
}

/*
 * Every mempool with its in-use count (what leak checks compare). Runs on
 * the telemetry thread: rte_mempool_walk() holds the mempool list's read
 * lock; the counts include per-lcore caches, so they are exact once
 * traffic stops and approximate while it flows.
 */
static int
cmd_mempools(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char err[ERR_MAX];

	RTE_SET_USED(cmd);
	if (tm_parse_none(params, err, sizeof(err)) != 0)
		return reply_error(d, err);
	if (!tm_enter())
		return reply_error(d, "mcastfwd is stopping");
	rte_tel_data_start_dict(d);
	rte_mempool_walk(mempool_to_dict, d);
	tm_leave();
	return 0;
}

static int
fn_stats_clear(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	struct fp_stats s;
	const uint64_t *v = (const uint64_t *)&s;
	uint64_t *b;
	unsigned int w, i, n;

	if (tm_parse_none(r->params, r->err, sizeof(r->err)) != 0)
		return -EINVAL;
	ctl_stats_clear(c);
	n = tm.n_workers;
	for (w = 0; w < n; w++) {
		fp_worker_stats_read(tm.workers[w], &s);
		b = (uint64_t *)&tm.base[w];
		for (i = 0; i < FP_NCOUNTERS; i++)
			/* relaxed: readers take each counter on its own */
			__atomic_store_n(&b[i], v[i], __ATOMIC_RELAXED);
	}
	rte_tel_data_start_dict(r->d);
	rte_tel_data_add_dict_int(r->d, "cleared", 1);
	return 0;
}

/* ---- /mcast/info ---- */

static int
fn_info(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	const struct mf_config *cfg = ctl_config(c);
	struct rte_tel_data *d = r->d, *lc, *ports, *x;
	struct rte_ether_addr mac;
	char key[16], buf[64];
	unsigned int w, p;

	if (tm_parse_none(r->params, r->err, sizeof(r->err)) != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	add_str(d, "version", MF_VERSION);
	add_str(d, "dpdk", rte_version());
	rte_tel_data_add_dict_int(d, "pid", (int)getpid());
	rte_tel_data_add_dict_u64(d, "uptime_s", uptime_ms() / 1000);
	add_str(d, "config", cfg->source[0] != '\0' ? cfg->source : "(defaults)");
	rte_tel_data_add_dict_int(d, "main_lcore", (int)tm.info.main_lcore);
	rte_tel_data_add_dict_int(d, "single_lcore", tm.info.single_lcore);
	rte_tel_data_add_dict_int(d, "n_workers", (int)tm.info.n_workers);
	lc = new_dict();
	if (lc != NULL) {
		snprintf(key, sizeof(key), "%u", tm.info.main_lcore);
		rte_tel_data_add_dict_string(lc, key, tm.info.single_lcore ?
			"control+worker 0" : "control");
		for (w = 0; !tm.info.single_lcore && w < tm.info.n_workers &&
				w < MF_TM_MAX_WORKERS; w++) {
			snprintf(key, sizeof(key), "%u", tm.info.worker_lcore[w]);
			snprintf(buf, sizeof(buf), "worker %u", w);
			rte_tel_data_add_dict_string(lc, key, buf);
		}
		add_dict(d, "lcores", lc);
	}
	ports = new_dict();
	for (p = 0; ports != NULL && p < MF_MAX_PORTS; p++) {
		if (!tm.info.ports[p].in_use)
			continue;
		x = new_dict();
		if (x == NULL)
			continue;
		add_str(x, "name", cfg->ports[p].name);
		add_str(x, "driver", tm.info.ports[p].driver);
		if (rte_eth_macaddr_get((uint16_t)p, &mac) == 0) {
			rte_ether_format_addr(buf, sizeof(buf), &mac);
			add_str(x, "mac", buf);
		}
		rte_tel_data_add_dict_int(x, "rx_queues", tm.info.ports[p].n_rxq);
		rte_tel_data_add_dict_int(x, "tx_queues", tm.info.ports[p].n_txq);
		snprintf(key, sizeof(key), "%u", p);
		add_dict(ports, key, x);
	}
	add_dict(d, "ports", ports);
	rte_tel_data_add_dict_u64(d, "static_routes",
		proto_static_count(ctl_static(c)));
	rte_tel_data_add_dict_u64(d, "mfes", mgm_mfe_count(ctl_mgm(c)));
	rte_tel_data_add_dict_u64(d, "table_entries",
		mf_table_count(ctl_table(c)));
	rte_tel_data_add_dict_int(d, "igmp_proxy", ctl_proxy(c) != NULL);
	return 0;
}

/* ---- ports ---- */

static const char *
ctl_txq_mode(unsigned int p)
{
	if (tm.info.ports[p].ctl_txq == CTL_NO_TXQ)
		return "inject via worker 0";
	if (tm.info.single_lcore)
		return "shared (single lcore)";
	return "own";
}

/* Name, address, threshold, counters; with igmp, the IGMP summary too
 * (/mcast/port has a full "igmp" dict instead). */
static void
port_summary(struct ctl *c, unsigned int p, struct rte_tel_data *x,
	bool igmp)
{
	const struct mf_config_port *pc = &ctl_config(c)->ports[p];
	struct igmp_port_info ii;
	struct rte_eth_stats es;
	char buf[32], a[16];

	add_str(x, "name", pc->name);
	add_str(x, "driver", tm.info.ports[p].driver);
	if (pc->addr != 0) {
		snprintf(buf, sizeof(buf), "%s/%u", ip_str(pc->addr, a),
			pc->prefix_len);
		add_str(x, "address", buf);
	} else {
		add_str(x, "address", "");
	}
	rte_tel_data_add_dict_int(x, "ttl_threshold", pc->ttl_threshold);
	if (igmp && igmp_router_port_info(ctl_igmp(c), (uint16_t)p,
			ctl_now_ms(), &ii) == 0) {
		rte_tel_data_add_dict_int(x, "igmp", ii.enabled);
		rte_tel_data_add_dict_int(x, "querier", ii.is_querier);
		rte_tel_data_add_dict_u64(x, "groups", ii.n_groups);
	} else if (igmp) {
		rte_tel_data_add_dict_int(x, "igmp", 0);
	}
	if (rte_eth_stats_get((uint16_t)p, &es) == 0) {
		rte_tel_data_add_dict_u64(x, "rx_packets", es.ipackets);
		rte_tel_data_add_dict_u64(x, "tx_packets", es.opackets);
	}
}

static int
fn_ports(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	struct rte_tel_data *x;
	char key[16];
	unsigned int p;

	if (tm_parse_none(r->params, r->err, sizeof(r->err)) != 0)
		return -EINVAL;
	rte_tel_data_start_dict(r->d);
	for (p = 0; p < MF_MAX_PORTS; p++) {
		if (!(tm.in_use & MF_PORTSET_BIT(p)))
			continue;
		x = new_dict();
		if (x == NULL)
			continue;
		port_summary(c, p, x, true);
		snprintf(key, sizeof(key), "%u", p);
		add_dict(r->d, key, x);
	}
	return 0;
}

static void
igmp_config_to_dict(struct rte_tel_data *x, const struct igmp_port_config *g)
{
	char buf[32], a[16];

	rte_tel_data_add_dict_int(x, "enabled", g->enabled);
	rte_tel_data_add_dict_int(x, "version", g->version);
	rte_tel_data_add_dict_int(x, "robustness", g->robustness);
	rte_tel_data_add_dict_u64(x, "query_interval_ms", g->query_interval_ms);
	rte_tel_data_add_dict_u64(x, "query_response_interval_ms",
		g->query_response_interval_ms);
	rte_tel_data_add_dict_u64(x, "startup_query_interval_ms",
		g->startup_query_interval_ms);
	rte_tel_data_add_dict_u64(x, "startup_query_count",
		g->startup_query_count);
	rte_tel_data_add_dict_u64(x, "last_member_query_interval_ms",
		g->last_member_query_interval_ms);
	rte_tel_data_add_dict_u64(x, "last_member_query_count",
		g->last_member_query_count);
	rte_tel_data_add_dict_int(x, "fast_leave", g->fast_leave);
	rte_tel_data_add_dict_int(x, "require_router_alert",
		g->require_router_alert);
	rte_tel_data_add_dict_u64(x, "max_groups", g->max_groups);
	rte_tel_data_add_dict_u64(x, "max_sources_per_group",
		g->max_sources_per_group);
	rte_tel_data_add_dict_u64(x, "igmp_rate_limit", g->igmp_rate_limit);
	rte_tel_data_add_dict_u64(x, "igmp_rate_burst", g->igmp_rate_burst);
	snprintf(buf, sizeof(buf), "%s/%u", ip_str(g->address, a),
		g->prefix_len);
	add_str(x, "address", buf);
	rte_tel_data_add_dict_u64(x, "other_querier_present_ms",
		g->other_querier_present_ms);
	rte_tel_data_add_dict_u64(x, "group_membership_ms",
		g->group_membership_ms);
	rte_tel_data_add_dict_u64(x, "last_member_query_time_ms",
		g->last_member_query_time_ms);
}

static int
fn_port(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	const struct mf_config *cfg = ctl_config(c);
	struct rte_tel_data *d = r->d, *x;
	struct igmp_port_info ii;
	struct igmp_port_config gc;
	struct rte_eth_stats es;
	struct rte_ether_addr mac;
	struct fp_stats s;
	const struct fp_port *fpp;
	uint64_t tx = 0, tx_drop = 0;
	unsigned int w;
	uint16_t p;
	char buf[32];

	if (tm_parse_port(cfg, tm.in_use, r->params, &p, r->err,
			sizeof(r->err)) != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "port", p);
	port_summary(c, p, d, false);
	if (rte_eth_macaddr_get(p, &mac) == 0) {
		rte_ether_format_addr(buf, sizeof(buf), &mac);
		add_str(d, "mac", buf);
	}
	fpp = ctl_port(c, p);
	if (fpp != NULL) {
		rte_tel_data_add_dict_int(d, "tx_multi_seg", fpp->tx_multi_seg);
		if (fpp->chain_threshold == FP_CHAIN_NEVER || !fpp->tx_multi_seg)
			add_str(d, "chain_threshold", "never");
		else
			rte_tel_data_add_dict_u64(d, "chain_threshold",
				fpp->chain_threshold);
	}
	rte_tel_data_add_dict_int(d, "rx_queues", tm.info.ports[p].n_rxq);
	rte_tel_data_add_dict_int(d, "tx_queues", tm.info.ports[p].n_txq);
	add_str(d, "control_tx", ctl_txq_mode(p));
	for (w = 0; w < tm.n_workers; w++) {
		worker_stats(w, &s);
		tx += s.port_tx[p];
		tx_drop += s.port_tx_drop[p];
	}
	rte_tel_data_add_dict_u64(d, "replicas_tx", tx);
	rte_tel_data_add_dict_u64(d, "replicas_tx_drop", tx_drop);
	x = new_dict();
	if (x != NULL && rte_eth_stats_get(p, &es) == 0) {
		rte_tel_data_add_dict_u64(x, "ipackets", es.ipackets);
		rte_tel_data_add_dict_u64(x, "opackets", es.opackets);
		rte_tel_data_add_dict_u64(x, "ibytes", es.ibytes);
		rte_tel_data_add_dict_u64(x, "obytes", es.obytes);
		rte_tel_data_add_dict_u64(x, "imissed", es.imissed);
		rte_tel_data_add_dict_u64(x, "ierrors", es.ierrors);
		rte_tel_data_add_dict_u64(x, "oerrors", es.oerrors);
		rte_tel_data_add_dict_u64(x, "rx_nombuf", es.rx_nombuf);
	}
	add_dict(d, "eth", x);
	x = new_dict();
	if (x != NULL && igmp_router_port_info(ctl_igmp(c), p, ctl_now_ms(),
			&ii) == 0) {
		rte_tel_data_add_dict_int(x, "enabled", ii.enabled);
		rte_tel_data_add_dict_int(x, "reporting", ii.reporting);
		rte_tel_data_add_dict_int(x, "is_querier", ii.is_querier);
		add_ip(x, "querier", ii.querier_addr);
		rte_tel_data_add_dict_int(x, "version", ii.version);
		rte_tel_data_add_dict_int(x, "oper_version", ii.oper_version);
		rte_tel_data_add_dict_u64(x, "other_querier_left_ms",
			ii.other_querier_left_ms);
		rte_tel_data_add_dict_u64(x, "general_query_left_ms",
			ii.general_query_left_ms);
		rte_tel_data_add_dict_u64(x, "startup_queries_left",
			ii.startup_queries_left);
		rte_tel_data_add_dict_u64(x, "v1_querier_left_ms",
			ii.v1_querier_left_ms);
		rte_tel_data_add_dict_u64(x, "v2_querier_left_ms",
			ii.v2_querier_left_ms);
		rte_tel_data_add_dict_u64(x, "groups", ii.n_groups);
		rte_tel_data_add_dict_u64(x, "sources", ii.n_sources);
#define S(f) rte_tel_data_add_dict_u64(x, #f, ii.stats.f)
		S(queries_sent); S(general_queries_sent); S(group_queries_sent);
		S(group_source_queries_sent); S(queries_received);
		S(v1_queries_received); S(v2_queries_received);
		S(v3_queries_received); S(v1_reports); S(v2_reports);
		S(v3_reports); S(v3_records); S(leaves); S(ignored);
		S(groups_over_limit); S(sources_over_limit);
		S(querier_changes); S(groups_expired);
#undef S
		if (igmp_router_port_config_get(ctl_igmp(c), p, &gc) == 0) {
			struct rte_tel_data *y = new_dict();

			if (y != NULL) {
				igmp_config_to_dict(y, &gc);
				add_dict(x, "config", y);
			}
		}
	} else if (x != NULL) {
		rte_tel_data_add_dict_int(x, "enabled", 0);
	}
	add_dict(d, "igmp", x);
	return 0;
}

/* ---- IGMP ---- */

static const char *
mode_str(uint8_t m)
{
	return m == IGMP_MODE_EXCLUDE ? "exclude" :
		m == IGMP_MODE_INCLUDE ? "include" : "?";
}

static int
fn_igmp_groups(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	const struct mf_config *cfg = ctl_config(c);
	uint32_t grps[PAGE_GROUPS + 1], start;
	struct igmp_group_info gi;
	struct rte_tel_data *list, *x;
	uint64_t now = ctl_now_ms();
	char key[16], buf[48], a[16];
	uint16_t p;
	int n, i;

	if (tm_parse_port_group_start(cfg, tm.in_use, r->params, &p, &start,
			r->err, sizeof(r->err)) != 0)
		return -EINVAL;
	n = igmp_router_groups(ctl_igmp(c), p, start, grps, PAGE_GROUPS + 1);
	if (n < 0) {
		snprintf(r->err, sizeof(r->err), "IGMP is not running on port %s",
			mf_config_port_label(cfg, p, buf, sizeof(buf)));
		return -ENOENT;
	}
	rte_tel_data_start_dict(r->d);
	rte_tel_data_add_dict_int(r->d, "port", p);
	list = new_dict();
	for (i = 0; list != NULL && i < n && i < PAGE_GROUPS; i++) {
		x = new_dict();
		if (x == NULL)
			continue;
		add_ip(x, "group", grps[i]);
		if (igmp_router_group_info(ctl_igmp(c), p, grps[i], now, &gi,
				NULL, 0, 0) >= 0) {
			add_str(x, "mode", mode_str(gi.filter_mode));
			rte_tel_data_add_dict_int(x, "compat_version",
				gi.compat_version);
			rte_tel_data_add_dict_u64(x, "group_timer_ms",
				gi.group_timer_left_ms);
			rte_tel_data_add_dict_u64(x, "sources", gi.n_sources);
		}
		snprintf(key, sizeof(key), "%d", i);
		add_dict(list, key, x);
	}
	add_dict(r->d, "groups", list);
	rte_tel_data_add_dict_int(r->d, "count", RTE_MIN(n, PAGE_GROUPS));
	rte_tel_data_add_dict_int(r->d, "more", n > PAGE_GROUPS);
	if (n > PAGE_GROUPS) {
		snprintf(buf, sizeof(buf), "%u,%s", p,
			ip_str(grps[PAGE_GROUPS], a));
		add_str(r->d, "next", buf);
	}
	return 0;
}

static int
fn_igmp_group(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	const struct mf_config *cfg = ctl_config(c);
	struct igmp_source_info srcs[PAGE_SOURCES];
	struct igmp_group_info gi;
	struct rte_tel_data *d = r->d, *list, *x;
	uint32_t grp, start;
	char key[16], buf[64], a[16], lbl[16];
	uint16_t p;
	int n, i;

	if (tm_parse_port_group(cfg, tm.in_use, r->params, &p, &grp, &start,
			r->err, sizeof(r->err)) != 0)
		return -EINVAL;
	n = igmp_router_group_info(ctl_igmp(c), p, grp, ctl_now_ms(), &gi, srcs,
		start, PAGE_SOURCES);
	if (n < 0) {
		snprintf(r->err, sizeof(r->err), "no group %s on port %s",
			ip_str(grp, a), mf_config_port_label(cfg, p, lbl,
			sizeof(lbl)));
		return -ENOENT;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "port", p);
	add_ip(d, "group", gi.group);
	add_str(d, "mode", mode_str(gi.filter_mode));
	rte_tel_data_add_dict_int(d, "compat_version", gi.compat_version);
	rte_tel_data_add_dict_u64(d, "group_timer_ms", gi.group_timer_left_ms);
	rte_tel_data_add_dict_u64(d, "v1_host_present_ms", gi.v1_host_left_ms);
	rte_tel_data_add_dict_u64(d, "v2_host_present_ms", gi.v2_host_left_ms);
	rte_tel_data_add_dict_int(d, "retransmissions", gi.retransmissions);
	rte_tel_data_add_dict_u64(d, "n_sources", gi.n_sources);
	list = new_dict();
	for (i = 0; list != NULL && i < n; i++) {
		x = new_dict();
		if (x == NULL)
			continue;
		add_ip(x, "source", srcs[i].addr);
		rte_tel_data_add_dict_u64(x, "timer_ms", srcs[i].timer_left_ms);
		rte_tel_data_add_dict_int(x, "retransmissions",
			srcs[i].retransmissions);
		snprintf(key, sizeof(key), "%u", start + (unsigned int)i);
		add_dict(list, key, x);
	}
	add_dict(d, "sources", list);
	i = (uint64_t)start + (uint64_t)n < gi.n_sources;
	rte_tel_data_add_dict_int(d, "more", i);
	if (i) {
		snprintf(buf, sizeof(buf), "%u,%s,%u", p, ip_str(grp, a),
			start + (unsigned int)n);
		add_str(d, "next", buf);
	}
	return 0;
}

static int
fn_igmp_config(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	const struct mf_config *cfg = ctl_config(c);
	struct igmp_port_config cur, nw;
	struct fp_port *fpp;
	struct rte_tel_data *x;
	unsigned int n_set = 0;
	char lbl[16];
	uint16_t p;
	int rc;

	if (tm_parse_igmp_config_port(cfg, tm.in_use, r->params, &p, r->err,
			sizeof(r->err)) != 0)
		return -EINVAL;
	if (igmp_router_port_config_get(ctl_igmp(c), p, &cur) != 0) {
		snprintf(r->err, sizeof(r->err), "IGMP is not running on port %s",
			mf_config_port_label(cfg, p, lbl, sizeof(lbl)));
		return -ENOENT;
	}
	if (tm_parse_igmp_config(cfg, tm.in_use, r->params, &cur, &p, &nw,
			&n_set, r->err, sizeof(r->err)) != 0)
		return -EINVAL;
	if (n_set > 0) {
		rc = igmp_router_port_config_set(ctl_igmp(c), p, &nw,
			ctl_now_ms());
		if (rc != 0) {
			snprintf(r->err, sizeof(r->err),
				"IGMP router refused the configuration: %s",
				strerror(-rc));
			return rc;
		}
		fpp = ctl_port(c, p);
		if (fpp != NULL) {
			/* Workers read each field with a relaxed load once per
			 * IGMP packet; fields are independent (fastpath.h). */
			__atomic_store_n(&fpp->igmp_enabled, nw.enabled,
				__ATOMIC_RELAXED);
			__atomic_store_n(&fpp->igmp_addr, nw.address,
				__ATOMIC_RELAXED);
			__atomic_store_n(&fpp->igmp_prefix_len, nw.prefix_len,
				__ATOMIC_RELAXED);
			__atomic_store_n(&fpp->igmp_require_ra,
				nw.require_router_alert, __ATOMIC_RELAXED);
			__atomic_store_n(&fpp->igmp_rate_limit,
				nw.igmp_rate_limit, __ATOMIC_RELAXED);
			__atomic_store_n(&fpp->igmp_rate_burst,
				nw.igmp_rate_burst, __ATOMIC_RELAXED);
		}
		cur = nw;
	}
	rte_tel_data_start_dict(r->d);
	rte_tel_data_add_dict_int(r->d, "port", p);
	rte_tel_data_add_dict_int(r->d, "changed", (int)n_set);
	x = new_dict();
	if (x != NULL) {
		igmp_config_to_dict(x, &cur);
		add_dict(r->d, "config", x);
	}
	return 0;
}

/* ---- MFEs ---- */

static const char *
proto_name(uint32_t id)
{
	switch (id) {
	case 0:
		return "new_source";
	case MGM_PROTO_IGMP:
		return "igmp";
	case MGM_PROTO_STATIC:
		return "static";
	case MGM_PROTO_IGMP_PROXY:
		return "igmp_proxy";
	default:
		return "other";
	}
}

static void
mfe_to_dict(struct ctl *c, const struct mgm_mfe_info *mi,
	struct rte_tel_data *x, bool per_oif)
{
	struct mgm_mfe_stats ms;
	struct rte_tel_data *oifs, *y;
	uint64_t now = ctl_now_ms(), idle;
	char b[16], key[16];
	uint32_t i;

	add_ip(x, "group", mi->grp);
	add_str(x, "source", src_str(mi->src, b));
	rte_tel_data_add_dict_int(x, "iif", mi->iif == MF_PORT_ANY ? -1 :
		(int)mi->iif);
	add_portset(x, "oifs", mi->oifs);
	if (mi->disabled != 0)
		add_portset(x, "disabled", mi->disabled);
	add_ip(x, "upstream", mi->upstream);
	add_str(x, "creator", proto_name(mi->creator_id));
	rte_tel_data_add_dict_u64(x, "uptime_s",
		now > mi->created_ms ? (now - mi->created_ms) / 1000 : 0);
	if (mi->timeout_ms == 0) {
		rte_tel_data_add_dict_int(x, "expires_s", -1);
	} else {
		idle = now > mi->last_active_ms ? now - mi->last_active_ms : 0;
		rte_tel_data_add_dict_u64(x, "expires_s", idle >= mi->timeout_ms ?
			0 : (mi->timeout_ms - idle) / 1000);
	}
	rte_tel_data_add_dict_u64(x, "wrong_if_records", mi->wrong_if_records);
	if (mgm_mfe_get_stats(ctl_mgm(c), mi->src, mi->grp, &ms) != 0)
		return;
	rte_tel_data_add_dict_u64(x, "in_pkts", ms.in_pkts);
	rte_tel_data_add_dict_u64(x, "in_bytes", ms.in_bytes);
	rte_tel_data_add_dict_u64(x, "wrong_if", ms.wrong_if);
	if (!per_oif)
		return;
	oifs = new_dict();
	for (i = 0; oifs != NULL && i < ms.n_oifs && i < MF_MAX_PORTS; i++) {
		y = new_dict();
		if (y == NULL)
			continue;
		rte_tel_data_add_dict_u64(y, "out_pkts", ms.oif[i].out_pkts);
		rte_tel_data_add_dict_u64(y, "ttl_too_low", ms.oif[i].ttl_too_low);
		rte_tel_data_add_dict_u64(y, "discards", ms.oif[i].discards);
		snprintf(key, sizeof(key), "%u", ms.oif[i].port);
		add_dict(oifs, key, y);
	}
	add_dict(x, "oif_stats", oifs);
}

static int
fn_mfe(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	struct mgm_mfe_info mi[PAGE_MFES + 1];
	struct mf_key start, after;
	struct rte_tel_data *list, *x;
	unsigned int n, i;
	bool has;
	char key[16], buf[48], a[16], b[16];

	if (tm_parse_mfe_start(r->params, &has, &start, r->err,
			sizeof(r->err)) != 0)
		return -EINVAL;
	if (has) {
		/* Inclusive start: walk from the key just before it in
		 * (group, source) order. */
		after = start;
		if (after.src > 0) {
			after.src--;
		} else {
			after.grp--;
			after.src = UINT32_MAX;
		}
	}
	n = mgm_mfe_walk(ctl_mgm(c), has ? &after : NULL, mi, PAGE_MFES + 1);
	rte_tel_data_start_dict(r->d);
	list = new_dict();
	for (i = 0; list != NULL && i < n && i < PAGE_MFES; i++) {
		x = new_dict();
		if (x == NULL)
			continue;
		mfe_to_dict(c, &mi[i], x, false);
		snprintf(key, sizeof(key), "%u", i);
		add_dict(list, key, x);
	}
	add_dict(r->d, "mfes", list);
	rte_tel_data_add_dict_int(r->d, "count", (int)RTE_MIN(n,
		(unsigned int)PAGE_MFES));
	rte_tel_data_add_dict_u64(r->d, "total", mgm_mfe_count(ctl_mgm(c)));
	rte_tel_data_add_dict_int(r->d, "more", n > PAGE_MFES);
	if (n > PAGE_MFES) {
		snprintf(buf, sizeof(buf), "%s,%s", ip_str(mi[PAGE_MFES].grp, a),
			src_str(mi[PAGE_MFES].src, b));
		add_str(r->d, "next", buf);
	}
	return 0;
}

static int
fn_mfe_stats(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	struct mgm_mfe_info mi;
	struct mf_key k;
	char a[16], b[16];

	if (tm_parse_sg(r->params, &k, r->err, sizeof(r->err)) != 0)
		return -EINVAL;
	if (mgm_mfe_get(ctl_mgm(c), k.src, k.grp, &mi) != 0) {
		snprintf(r->err, sizeof(r->err), "no MFE (%s, %s)",
			src_str(k.src, b), ip_str(k.grp, a));
		return -ENOENT;
	}
	rte_tel_data_start_dict(r->d);
	mfe_to_dict(c, &mi, r->d, true);
	return 0;
}

/* ---- static routes ---- */

static void
route_to_dict(struct ctl *c, const struct proto_static_route *rt,
	struct rte_tel_data *x, bool counters)
{
	struct mf_route_stats rs;
	char b[16];

	add_str(x, "source", src_str(rt->src, b));
	add_ip(x, "group", rt->grp);
	rte_tel_data_add_dict_int(x, "in", rt->in_port);
	add_portset(x, "out", rt->oifs);
	if (!counters)
		return;
	if (mf_table_route_stats(ctl_table(c), rt->src, rt->grp, &rs, NULL,
			NULL) == 0) {
		rte_tel_data_add_dict_int(x, "installed", 1);
		rte_tel_data_add_dict_u64(x, "in_pkts", rs.in_pkts);
		rte_tel_data_add_dict_u64(x, "in_bytes", rs.in_bytes);
		rte_tel_data_add_dict_u64(x, "wrong_iif", rs.wrong_iif);
		rte_tel_data_add_dict_u64(x, "ttl_drop", rs.ttl_drop);
	} else {
		rte_tel_data_add_dict_int(x, "installed", 0);
	}
}

static int
fn_routes(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	struct proto_static_route rt[PAGE_ROUTES + 1];
	struct proto_static *ps = ctl_static(c);
	struct rte_tel_data *list, *x;
	unsigned int n, i, total;
	uint32_t start;
	char key[16], buf[16];

	total = ps != NULL ? proto_static_count(ps) : 0;
	if (tm_parse_index(r->params, total, &start, r->err,
			sizeof(r->err)) != 0)
		return -EINVAL;
	n = ps != NULL ? proto_static_list(ps, start, rt, PAGE_ROUTES + 1) : 0;
	rte_tel_data_start_dict(r->d);
	list = new_dict();
	for (i = 0; list != NULL && i < n && i < PAGE_ROUTES; i++) {
		x = new_dict();
		if (x == NULL)
			continue;
		route_to_dict(c, &rt[i], x, true);
		snprintf(key, sizeof(key), "%u", start + i);
		add_dict(list, key, x);
	}
	add_dict(r->d, "routes", list);
	rte_tel_data_add_dict_int(r->d, "count", (int)RTE_MIN(n,
		(unsigned int)PAGE_ROUTES));
	rte_tel_data_add_dict_u64(r->d, "total", total);
	rte_tel_data_add_dict_int(r->d, "more", n > PAGE_ROUTES);
	if (n > PAGE_ROUTES) {
		snprintf(buf, sizeof(buf), "%u", start + PAGE_ROUTES);
		add_str(r->d, "next", buf);
	}
	return 0;
}

static int
fn_route_add(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	struct proto_static *ps = ctl_static(c);
	struct mf_config_route cr;
	struct proto_static_route rt;
	struct rte_tel_data *x;
	char msg[ERR_MAX];
	int rc;

	if (tm_parse_route(ctl_config(c), tm.in_use, r->params, &cr, r->err,
			sizeof(r->err)) != 0)
		return -EINVAL;
	if (ps == NULL) {
		snprintf(r->err, sizeof(r->err), "static routes are not available");
		return -ENOTSUP;
	}
	memset(&rt, 0, sizeof(rt));
	rt.src = cr.src;
	rt.grp = cr.grp;
	rt.in_port = cr.in_port;
	rt.oifs = cr.oifs;
	msg[0] = '\0';
	rc = proto_static_add(ps, &rt, ctl_now_ms(), msg, sizeof(msg));
	if (rc != 0) {
		char a[16], b[16];

		if (rc == -EEXIST)
			snprintf(r->err, sizeof(r->err),
				"route (%s, %s) exists; delete it first",
				src_str(rt.src, b), ip_str(rt.grp, a));
		else
			snprintf(r->err, sizeof(r->err), "%s", msg[0] != '\0' ?
				msg : strerror(-rc));
		return rc;
	}
	rte_tel_data_start_dict(r->d);
	x = new_dict();
	if (x != NULL) {
		/* published at the end of this control-loop turn */
		route_to_dict(c, &rt, x, false);
		add_dict(r->d, "added", x);
	}
	rte_tel_data_add_dict_u64(r->d, "routes", proto_static_count(ps));
	return 0;
}

static int
fn_route_del(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	struct proto_static *ps = ctl_static(c);
	struct mf_key k;
	char msg[ERR_MAX], a[16], b[16];
	int rc;

	if (tm_parse_sg(r->params, &k, r->err, sizeof(r->err)) != 0)
		return -EINVAL;
	if (ps == NULL) {
		snprintf(r->err, sizeof(r->err), "static routes are not available");
		return -ENOTSUP;
	}
	msg[0] = '\0';
	rc = proto_static_del(ps, k.src, k.grp, msg, sizeof(msg));
	if (rc != 0) {
		if (rc == -ENOENT)
			snprintf(r->err, sizeof(r->err), "no route (%s, %s)",
				src_str(k.src, b), ip_str(k.grp, a));
		else
			snprintf(r->err, sizeof(r->err), "%s", msg[0] != '\0' ?
				msg : strerror(-rc));
		return rc;
	}
	rte_tel_data_start_dict(r->d);
	add_str(r->d, "deleted_source", src_str(k.src, b));
	add_str(r->d, "deleted_group", ip_str(k.grp, a));
	rte_tel_data_add_dict_u64(r->d, "routes", proto_static_count(ps));
	return 0;
}

/* ---- protocols ---- */

static mf_portset_t
owned_by(struct mgm *m, const struct mgm_proto *h)
{
	mf_portset_t s = 0;
	unsigned int p;

	for (p = 0; h != NULL && p < MF_MAX_PORTS; p++)
		if (mgm_interface_owner(m, (uint16_t)p) == h)
			s |= MF_PORTSET_BIT(p);
	return s;
}

static int
fn_protocols(struct ctl *c, void *arg)
{
	struct tm_req *r = arg;
	struct mgm *m = ctl_mgm(c);
	struct proto_static *ps = ctl_static(c);
	struct proto_igmp_proxy *px = ctl_proxy(c);
	struct proto_igmp_proxy_stats pst;
	struct rte_tel_data *x;
	mf_portset_t igmp_ports = 0;
	unsigned int p;

	if (tm_parse_none(r->params, r->err, sizeof(r->err)) != 0)
		return -EINVAL;
	for (p = 0; p < MF_MAX_PORTS; p++)
		if (mgm_interface_igmp(m, (uint16_t)p))
			igmp_ports |= MF_PORTSET_BIT(p);
	rte_tel_data_start_dict(r->d);
	x = new_dict();
	if (x != NULL) {
		rte_tel_data_add_dict_u64(x, "id", MGM_PROTO_IGMP);
		add_str(x, "role", "local membership (IGMP router)");
		add_portset(x, "ports", igmp_ports);
		add_dict(r->d, "igmp", x);
	}
	x = ps != NULL ? new_dict() : NULL;
	if (x != NULL) {
		rte_tel_data_add_dict_u64(x, "id",
			mgm_proto_id(proto_static_handle(ps)));
		add_str(x, "role", "static routes");
		add_portset(x, "ports", owned_by(m, proto_static_handle(ps)));
		rte_tel_data_add_dict_u64(x, "routes", proto_static_count(ps));
		add_dict(r->d, "static", x);
	}
	x = px != NULL ? new_dict() : NULL;
	if (x != NULL) {
		rte_tel_data_add_dict_u64(x, "id",
			mgm_proto_id(proto_igmp_proxy_handle(px)));
		add_str(x, "role", "IGMP proxy (RFC 4605)");
		add_portset(x, "ports", owned_by(m, proto_igmp_proxy_handle(px)));
		rte_tel_data_add_dict_int(x, "upstream",
			ctl_config(c)->proxy_upstream);
		rte_tel_data_add_dict_int(x, "upstream_version",
			proto_igmp_proxy_version(px, ctl_now_ms()));
		proto_igmp_proxy_get_stats(px, &pst);
		rte_tel_data_add_dict_u64(x, "reports_sent", pst.reports_sent);
		rte_tel_data_add_dict_u64(x, "queries_received",
			pst.queries_received);
		add_dict(r->d, "igmp_proxy", x);
	}
	return 0;
}

/* ---- registration ---- */

#define CB(name, fn) \
static int \
name(const char *cmd, const char *params, struct rte_tel_data *d) \
{ \
	RTE_SET_USED(cmd); \
	return tm_do(params, d, fn); \
}

CB(cmd_info, fn_info)
CB(cmd_stats_clear, fn_stats_clear)
CB(cmd_ports, fn_ports)
CB(cmd_port, fn_port)
CB(cmd_igmp_groups, fn_igmp_groups)
CB(cmd_igmp_group, fn_igmp_group)
CB(cmd_igmp_config, fn_igmp_config)
CB(cmd_mfe, fn_mfe)
CB(cmd_mfe_stats, fn_mfe_stats)
CB(cmd_routes, fn_routes)
CB(cmd_route_add, fn_route_add)
CB(cmd_route_del, fn_route_del)
CB(cmd_protocols, fn_protocols)

static const struct {
	const char *name;
	telemetry_cb fn;
	const char *help;
} commands[] = {
	{ "/mcast/info", cmd_info,
	  "Version, uptime, lcores and roles, ports. No parameters." },
	{ "/mcast/stats", cmd_stats,
	  "Forwarding counters: totals, per worker, per port, control. No parameters." },
	{ "/mcast/stats/clear", cmd_stats_clear,
	  "Zero worker and control counters. No parameters." },
	{ "/mcast/ports", cmd_ports, "Summary of every port. No parameters." },
	{ "/mcast/mempools", cmd_mempools,
	  "Every mempool: size, in_use, avail, elt_size. No parameters." },
	{ "/mcast/port", cmd_port,
	  "Settings, IGMP querier state and counters. Params: <port>" },
	{ "/mcast/igmp/groups", cmd_igmp_groups,
	  "IGMP groups of a port, paged. Params: <port>[,<start group>]" },
	{ "/mcast/igmp/group", cmd_igmp_group,
	  "One IGMP group: mode, sources, timers. Params: <port>,<group>[,<source index>]" },
	{ "/mcast/igmp/config", cmd_igmp_config,
	  "Get or set IGMP settings. Params: <port>[,key=value...]" },
	{ "/mcast/mfe", cmd_mfe,
	  "MFEs by group then source, paged. Params: [<start group>,<start source|*>]" },
	{ "/mcast/mfe/stats", cmd_mfe_stats,
	  "Counters of one MFE. Params: <source|*>,<group>" },
	{ "/mcast/routes", cmd_routes,
	  "Static routes with counters, paged. Params: [<start index>]" },
	{ "/mcast/route/add", cmd_route_add,
	  "Add a static route. Params: <source|*>,<group>,<in port>,<out port>[,<out port>...]" },
	{ "/mcast/route/del", cmd_route_del,
	  "Delete a static route. Params: <source|*>,<group>" },
	{ "/mcast/protocols", cmd_protocols,
	  "Registered protocols and the ports each runs on. No parameters." },
};

int
mf_telemetry_init(struct ctl *c, const struct mf_tm_info *info)
{
	unsigned int i, p;
	int rc;

	if (__atomic_load_n(&tm.active, __ATOMIC_SEQ_CST) != 0)
		return -EALREADY;
	tm.ctl = c;
	tm.info = *info;
	tm.in_use = 0;
	for (p = 0; p < MF_MAX_PORTS; p++)
		if (info->ports[p].in_use)
			tm.in_use |= MF_PORTSET_BIT(p);
	tm.n_workers = RTE_MIN(ctl_n_workers(c), (unsigned int)MF_TM_MAX_WORKERS);
	for (i = 0; i < tm.n_workers; i++)
		tm.workers[i] = ctl_worker(c, i);
	tm.start_tsc = rte_get_timer_cycles();
	memset(tm.base, 0, sizeof(tm.base));
	if (!tm.registered) {
		for (i = 0; i < RTE_DIM(commands); i++) {
			rc = rte_telemetry_register_cmd(commands[i].name,
				commands[i].fn, commands[i].help);
			if (rc != 0) {
				rte_log(RTE_LOG_ERR, mf_tm_logtype,
					"mcastfwd: cannot register %s: %d\n",
					commands[i].name, rc);
				return rc;
			}
		}
		tm.registered = true;
	}
	/* seq_cst: publishes tm.* above to callbacks that see active. */
	__atomic_store_n(&tm.active, 1, __ATOMIC_SEQ_CST);
	rte_log(RTE_LOG_INFO, mf_tm_logtype,
		"mcastfwd: %u telemetry commands under /mcast\n",
		(unsigned int)RTE_DIM(commands));
	return 0;
}

void
mf_telemetry_fini(void)
{
	unsigned int waited_ms = 0;

	/* seq_cst: pairs with tm_enter() (see there). */
	__atomic_store_n(&tm.active, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&tm.inflight, __ATOMIC_ACQUIRE) != 0 &&
			waited_ms < MF_TM_TIMEOUT_MS + 1000) {
		rte_delay_us_sleep(1000);
		waited_ms++;
	}
	if (waited_ms >= MF_TM_TIMEOUT_MS + 1000)
		rte_log(RTE_LOG_WARNING, mf_tm_logtype,
			"mcastfwd: telemetry callbacks still running at exit\n");
}
