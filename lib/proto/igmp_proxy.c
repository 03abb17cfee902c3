/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmp_proxy: IGMP/MLD-based forwarding (RFC 4605). See proto_igmp_proxy.h.
 *
 * Per group the proxy keeps the merged downstream state it last told the
 * upstream router (mode and sources), a pending state-change report
 * (records and retransmissions left) and a pending query response. All
 * sending happens on the caller's thread through cfg.send_report.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto_igmp_proxy.h"

/* record kinds of a pending state change */
enum chg_kind {
	CHG_NONE = 0,
	CHG_MODE,	/* TO_IN / TO_EX with the current list */
	CHG_SOURCES,	/* ALLOW and/or BLOCK lists */
};

struct srcset {
	uint32_t *v;
	uint32_t n;
	uint32_t cap;
};

struct pgroup {
	uint32_t grp;
	uint8_t mode;		/* IGMP_REC_IS_IN / IGMP_REC_IS_EX */
	uint8_t upstream_fwd;	/* FORWARD (*,G) on the upstream port */
	struct srcset srcs;	/* sorted */
	/* pending state-change report */
	uint8_t chg;		/* enum chg_kind */
	uint8_t chg_left;	/* transmissions left */
	uint64_t chg_due;
	struct srcset allow;
	struct srcset block;
	/* pending query response */
	uint8_t resp;		/* 0 none, 1 group, 2 group-and-source */
	uint64_t resp_due;
	struct srcset qsrcs;
};

struct proto_igmp_proxy {
	struct mgm *mgm;
	struct mgm_proto *h;
	struct proto_igmp_proxy_config cfg;
	uint64_t rng;
	uint64_t now_ms;		/* last time seen (input/tick/create) */
	uint64_t v1_until;		/* older version querier present */
	uint64_t v2_until;
	uint64_t general_due;		/* v3 general response, 0 = none */
	uint8_t general_pending;
	uint8_t dying;			/* destroy runs: ignore callbacks */
	struct pgroup **groups;		/* sorted by grp */
	unsigned int n_groups;
	unsigned int cap_groups;
	struct proto_igmp_proxy_stats st;
};

/* ----------------------------------------------------------- helpers */

static uint64_t
rng_next(struct proto_igmp_proxy *p)
{
	/* xorshift64*: small, seedable, good enough for report delays */
	uint64_t x = p->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n) (0 when n is 0). */
static uint64_t
rng_below(struct proto_igmp_proxy *p, uint64_t n)
{
	return n == 0 ? 0 : rng_next(p) % n;
}

static int
ss_reserve(struct srcset *s, uint32_t n)
{
	uint32_t cap = s->cap ? s->cap : 8;
	uint32_t *v;

	if (n <= s->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	v = realloc(s->v, cap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

static int
ss_push(struct srcset *s, uint32_t a)
{
	if (ss_reserve(s, s->n + 1) < 0)
		return -ENOMEM;
	s->v[s->n++] = a;
	return 0;
}

static void
ss_free(struct srcset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
ss_copy(struct srcset *d, const struct srcset *s)
{
	if (ss_reserve(d, s->n) < 0)
		return -ENOMEM;
	if (s->n > 0)
		memcpy(d->v, s->v, s->n * sizeof(s->v[0]));
	d->n = s->n;
	return 0;
}

static int
ss_has(const struct srcset *s, uint32_t a)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] == a)
			return 1;
		if (s->v[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
ss_equal(const struct srcset *a, const struct srcset *b)
{
	return a->n == b->n &&
		(a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(a->v[0])) == 0);
}

/* d = a - b (a, b sorted; d sorted). */
static int
ss_minus(struct srcset *d, const struct srcset *a, const struct srcset *b)
{
	uint32_t i;

	d->n = 0;
	for (i = 0; i < a->n; i++)
		if (!ss_has(b, a->v[i]) && ss_push(d, a->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

/* d = d U a (both sorted). */
static int
ss_union(struct srcset *d, const struct srcset *a)
{
	struct srcset t = {0};
	uint32_t i = 0, j = 0;

	while (i < d->n || j < a->n) {
		uint32_t x;

		if (j >= a->n || (i < d->n && d->v[i] < a->v[j]))
			x = d->v[i++];
		else if (i >= d->n || a->v[j] < d->v[i])
			x = a->v[j++];
		else {
			x = d->v[i++];
			j++;
		}
		if (ss_push(&t, x) < 0) {
			ss_free(&t);
			return -ENOMEM;
		}
	}
	ss_free(d);
	*d = t;
	return 0;
}

static int
version_now(const struct proto_igmp_proxy *p, uint64_t now)
{
	if (p->v1_until > now)
		return 1;
	if (p->v2_until > now)
		return 2;
	return 3;
}

static int
joined(const struct pgroup *g)
{
	return g->mode == IGMP_REC_IS_EX || g->srcs.n > 0;
}

/* ------------------------------------------------------------ groups */

static unsigned int
group_lb(const struct proto_igmp_proxy *p, uint32_t grp)
{
	unsigned int lo = 0, hi = p->n_groups;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (p->groups[mid]->grp < grp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pgroup *
group_find(const struct proto_igmp_proxy *p, uint32_t grp)
{
	unsigned int i = group_lb(p, grp);

	return i < p->n_groups && p->groups[i]->grp == grp ?
		p->groups[i] : NULL;
}

static struct pgroup *
group_get(struct proto_igmp_proxy *p, uint32_t grp)
{
	unsigned int i = group_lb(p, grp);
	struct pgroup *g;

	if (i < p->n_groups && p->groups[i]->grp == grp)
		return p->groups[i];
	if (p->n_groups == p->cap_groups) {
		unsigned int cap = p->cap_groups ? p->cap_groups * 2 : 16;
		struct pgroup **ng = realloc(p->groups, cap * sizeof(*ng));

		if (ng == NULL)
			return NULL;
		p->groups = ng;
		p->cap_groups = cap;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->grp = grp;
	g->mode = IGMP_REC_IS_IN;
	memmove(&p->groups[i + 1], &p->groups[i],
		(p->n_groups - i) * sizeof(p->groups[0]));
	p->groups[i] = g;
	p->n_groups++;
	return g;
}

static void
group_free(struct pgroup *g)
{
	ss_free(&g->srcs);
	ss_free(&g->allow);
	ss_free(&g->block);
	ss_free(&g->qsrcs);
	free(g);
}

/* Drop g when it holds no state and nothing is pending. */
static void
group_maybe_drop(struct proto_igmp_proxy *p, struct pgroup *g)
{
	unsigned int i;

	if (joined(g) || g->chg_left > 0 || g->resp || g->upstream_fwd)
		return;
	i = group_lb(p, g->grp);
	if (i >= p->n_groups || p->groups[i] != g)
		return;
	memmove(&p->groups[i], &p->groups[i + 1],
		(p->n_groups - i - 1) * sizeof(p->groups[0]));
	p->n_groups--;
	group_free(g);
}

/*
 * Merge the downstream membership of grp (RFC 3376 3.2): a port with a
 * (*,G) JOIN is in EXCLUDE mode with its blocked sources; otherwise a port
 * is in INCLUDE mode with its joined sources.
 */
static int
merge(const struct proto_igmp_proxy *p, uint32_t grp, uint8_t *mode,
		struct srcset *out)
{
	struct mgm_membership_rec recs[32];
	struct mf_key after = { .src = UINT32_MAX, .grp = grp - 1 };
	mf_portset_t down = p->cfg.downstream;
	mf_portset_t ex_ports = 0;
	struct srcset inc = {0}, blk = {0};
	unsigned int n, i;
	int done = 0, rc = 0;

	out->n = 0;
	/* keys come in (grp, src) order: the (*,G) first, so ex_ports is
	 * known before any (S,G) is seen */
	while (!done && rc == 0) {
		n = mgm_membership_walk(p->mgm, NULL, &after, recs, 32);
		for (i = 0; i < n && rc == 0; i++) {
			const struct mgm_membership_rec *r = &recs[i];

			if (r->grp != grp) {
				done = 1;
				break;
			}
			if (r->src == 0) {
				ex_ports = r->join & down;
				continue;
			}
			if (r->join & down)
				rc = ss_push(&inc, r->src);
			/* excluded only if blocked on every EXCLUDE port */
			if (rc == 0 && ex_ports != 0 &&
					(r->block & ex_ports) == ex_ports)
				rc = ss_push(&blk, r->src);
		}
		if (n < 32)
			done = 1;
		else
			after = (struct mf_key){ recs[n - 1].src,
				recs[n - 1].grp };
	}
	if (rc == 0 && ex_ports != 0) {
		*mode = IGMP_REC_IS_EX;
		rc = ss_minus(out, &blk, &inc);
	} else if (rc == 0) {
		*mode = IGMP_REC_IS_IN;
		rc = ss_copy(out, &inc);
	}
	ss_free(&inc);
	ss_free(&blk);
	return rc;
}

/* ------------------------------------------------------------ sending */

static void
send_pkt(struct proto_igmp_proxy *p, const void *buf, int len)
{
	int rc;

	if (len <= 0) {
		p->st.send_errors++;
		return;
	}
	rc = p->cfg.send_report(p->cfg.send_ctx, p->cfg.upstream, buf,
			(uint32_t)len);
	if (rc < 0)
		p->st.send_errors++;
	else
		p->st.reports_sent++;
}

/* Send v3 records, as many per packet as fit. */
static void
send_v3(struct proto_igmp_proxy *p, struct igmp_report_rec *recs,
		unsigned int n)
{
	uint8_t buf[IGMP_PKT_MAX];
	int len;

	while (n > 0) {
		unsigned int k = n > 64 ? 64 : n;

		for (;;) {
			len = igmp_build_v3_report(buf, sizeof(buf),
					p->cfg.src_addr, recs, (uint16_t)k);
			if (len != -ENOSPC)
				break;
			if (k == 1) {
				/* one record too big: cut its source list */
				recs[0].n_src = recs[0].n_src / 2;
				continue;
			}
			k /= 2;
		}
		send_pkt(p, buf, len);
		if (len > 0) {
			p->st.v3_reports++;
			p->st.records_sent += k;
		}
		recs += k;
		n -= k;
	}
}

static void
send_v2_report(struct proto_igmp_proxy *p, uint32_t grp, int version)
{
	uint8_t buf[64];
	int len;

	if (version == 1) {
		len = igmp_build_v1_report(buf, sizeof(buf), p->cfg.src_addr,
				grp);
		send_pkt(p, buf, len);
		p->st.v1_reports++;
	} else {
		len = igmp_build_v2_report(buf, sizeof(buf), p->cfg.src_addr,
				grp);
		send_pkt(p, buf, len);
		p->st.v2_reports++;
	}
}

static void
send_v2_leave(struct proto_igmp_proxy *p, uint32_t grp)
{
	uint8_t buf[64];
	int len = igmp_build_v2_leave(buf, sizeof(buf), p->cfg.src_addr, grp);

	send_pkt(p, buf, len);
	p->st.leaves++;
}

/* Append g's pending state-change records to recs. */
static unsigned int
chg_records(const struct pgroup *g, struct igmp_report_rec *recs)
{
	unsigned int n = 0;

	if (g->chg == CHG_MODE) {
		recs[n].type = g->mode == IGMP_REC_IS_EX ? IGMP_REC_TO_EX :
			IGMP_REC_TO_IN;
		recs[n].group = g->grp;
		recs[n].n_src = (uint16_t)g->srcs.n;
		recs[n].srcs = g->srcs.v;
		n++;
		return n;
	}
	if (g->allow.n > 0) {
		recs[n].type = IGMP_REC_ALLOW;
		recs[n].group = g->grp;
		recs[n].n_src = (uint16_t)g->allow.n;
		recs[n].srcs = g->allow.v;
		n++;
	}
	if (g->block.n > 0) {
		recs[n].type = IGMP_REC_BLOCK;
		recs[n].group = g->grp;
		recs[n].n_src = (uint16_t)g->block.n;
		recs[n].srcs = g->block.v;
		n++;
	}
	return n;
}

/* Send g's pending change once now and schedule the next one. */
static void
chg_send(struct proto_igmp_proxy *p, struct pgroup *g, uint64_t now)
{
	int v = version_now(p, now);

	if (g->chg_left == 0)
		return;
	if (v == 3) {
		struct igmp_report_rec recs[2];
		unsigned int n = chg_records(g, recs);

		if (n > 0)
			send_v3(p, recs, n);
	} else if (joined(g)) {
		send_v2_report(p, g->grp, v);
	}
	g->chg_left--;
	g->chg_due = now + 1 +
		rng_below(p, p->cfg.unsolicited_report_interval_ms);
}

/* ----------------------------------------------------- state changes */

static void
upstream_forward(struct proto_igmp_proxy *p, struct pgroup *g)
{
	int want = joined(g);

	if (want && !g->upstream_fwd) {
		if (mgm_add_membership(p->mgm, p->h, p->cfg.upstream, 0, g->grp,
				MGM_FORWARD) == 0)
			g->upstream_fwd = 1;
	} else if (!want && g->upstream_fwd) {
		mgm_del_membership(p->mgm, p->h, p->cfg.upstream, 0, g->grp,
				MGM_FORWARD);
		g->upstream_fwd = 0;
	}
}

/* Recompute grp's merged state; report a change upstream. */
static void
group_update(struct proto_igmp_proxy *p, uint32_t grp)
{
	struct srcset ns = {0};
	uint8_t nmode;
	struct pgroup *g;
	uint64_t now = p->now_ms;
	int v = version_now(p, now);
	int was_joined;

	if (!mf_is_multicast(grp) || merge(p, grp, &nmode, &ns) < 0) {
		ss_free(&ns);
		return;
	}
	g = group_find(p, grp);
	if (g == NULL) {
		if (nmode == IGMP_REC_IS_IN && ns.n == 0) {
			ss_free(&ns);
			return;
		}
		g = group_get(p, grp);
		if (g == NULL) {
			ss_free(&ns);
			return;
		}
	}
	if (g->mode == nmode && ss_equal(&g->srcs, &ns)) {
		ss_free(&ns);
		group_maybe_drop(p, g);
		return;
	}
	was_joined = joined(g);
	if (g->mode != nmode || (g->chg == CHG_MODE && g->chg_left > 0)) {
		/* a filter mode change (or one still being retransmitted):
		 * TO_IN / TO_EX with the new list */
		g->chg = CHG_MODE;
		g->allow.n = 0;
		g->block.n = 0;
	} else {
		struct srcset add = {0}, del = {0};

		/* INCLUDE: allow new, block old; EXCLUDE: the reverse.
		 * Merge with what is still being retransmitted. */
		if (ss_minus(&add, &ns, &g->srcs) < 0 ||
				ss_minus(&del, &g->srcs, &ns) < 0) {
			ss_free(&add);
			ss_free(&del);
			ss_free(&ns);
			return;
		}
		if (g->chg != CHG_SOURCES || g->chg_left == 0) {
			g->allow.n = 0;
			g->block.n = 0;
		}
		g->chg = CHG_SOURCES;
		if (nmode == IGMP_REC_IS_IN) {
			ss_union(&g->allow, &add);
			ss_union(&g->block, &del);
		} else {
			ss_union(&g->allow, &del);
			ss_union(&g->block, &add);
		}
		/* a source both allowed and blocked: keep the latest */
		{
			struct srcset t = {0};

			if (nmode == IGMP_REC_IS_IN) {
				ss_minus(&t, &g->allow, &del);
				ss_free(&g->allow);
				g->allow = t;
				memset(&t, 0, sizeof(t));
				ss_minus(&t, &g->block, &add);
				ss_free(&g->block);
				g->block = t;
			} else {
				ss_minus(&t, &g->allow, &add);
				ss_free(&g->allow);
				g->allow = t;
				memset(&t, 0, sizeof(t));
				ss_minus(&t, &g->block, &del);
				ss_free(&g->block);
				g->block = t;
			}
		}
		ss_free(&add);
		ss_free(&del);
	}
	g->mode = nmode;
	ss_free(&g->srcs);
	g->srcs = ns;
	upstream_forward(p, g);

	if (v == 3) {
		g->chg_left = p->cfg.robustness;
		chg_send(p, g, now);
	} else if (!was_joined && joined(g)) {
		g->chg_left = p->cfg.robustness;
		chg_send(p, g, now);
	} else if (was_joined && !joined(g)) {
		g->chg_left = 0;
		g->resp = 0;
		if (v == 2)
			send_v2_leave(p, g->grp);
	}
	group_maybe_drop(p, g);
}

/* ---------------------------------------------------------- callbacks */

static void
cb_local(void *ctx, uint16_t port, uint32_t src, uint32_t grp,
		unsigned int flags)
{
	struct proto_igmp_proxy *p = ctx;

	(void)src;
	(void)flags;
	if (!p->dying && (p->cfg.downstream & MF_PORTSET_BIT(port)))
		group_update(p, grp);
}

static int
cb_rpf(void *ctx, uint32_t src, uint32_t grp, uint16_t *iif,
		uint32_t *upstream)
{
	(void)ctx;
	(void)src;
	(void)grp;
	(void)iif;
	(void)upstream;
	/* the arrival port is right: upstream traffic comes in upstream,
	 * downstream senders' traffic in their port */
	return 0;
}

static const struct mgm_proto_ops proxy_ops = {
	.local_join = cb_local,
	.local_leave = cb_local,
	.rpf = cb_rpf,
};

/* ---------------------------------------------------------------- API */

static void
release_ports(struct proto_igmp_proxy *p)
{
	uint16_t port;

	for (port = 0; port < MF_MAX_PORTS; port++)
		if (mgm_interface_owner(p->mgm, port) == p->h)
			mgm_release_interface(p->mgm, p->h, port);
}

struct proto_igmp_proxy *
proto_igmp_proxy_create(struct mgm *mgm,
		const struct proto_igmp_proxy_config *cfg, uint64_t now_ms)
{
	struct proto_igmp_proxy *p;
	struct mgm_proto_reg reg = {
		.proto_id = MGM_PROTO_IGMP_PROXY,
		.component_id = 0,
		.ops = &proxy_ops,
	};
	uint32_t grps[64];
	uint32_t after = 0;
	unsigned int n, i;
	uint16_t port;
	int rc;

	if (mgm == NULL || cfg == NULL || cfg->send_report == NULL ||
			cfg->upstream >= MF_MAX_PORTS ||
			(cfg->downstream & MF_PORTSET_BIT(cfg->upstream)) ||
			cfg->robustness > 7) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	p->mgm = mgm;
	p->cfg = *cfg;
	if (MF_MAX_PORTS < 64)
		p->cfg.downstream &= MF_PORTSET_BIT(MF_MAX_PORTS) - 1;
	if (p->cfg.robustness == 0)
		p->cfg.robustness = PROTO_PROXY_DEFAULT_ROBUSTNESS;
	if (p->cfg.unsolicited_report_interval_ms == 0)
		p->cfg.unsolicited_report_interval_ms =
			PROTO_PROXY_DEFAULT_URI_MS;
	if (p->cfg.older_querier_timeout_ms == 0)
		p->cfg.older_querier_timeout_ms =
			PROTO_PROXY_DEFAULT_OLDER_QUERIER_MS;
	p->rng = cfg->seed ^ 0x9e3779b97f4a7c15ull;
	if (p->rng == 0)
		p->rng = 1;
	p->now_ms = now_ms;
	reg.ctx = p;
	rc = mgm_register(mgm, &reg, &p->h);
	if (rc < 0) {
		free(p);
		errno = -rc;
		return NULL;
	}
	for (port = 0; port < MF_MAX_PORTS; port++) {
		if (port != p->cfg.upstream &&
				!(p->cfg.downstream & MF_PORTSET_BIT(port)))
			continue;
		rc = mgm_take_interface(mgm, p->h, port);
		if (rc < 0) {
			release_ports(p);
			mgm_deregister(mgm, p->h);
			free(p);
			errno = -rc;
			return NULL;
		}
	}
	/* merge what is there already (IGMP re-added it on enable) */
	do {
		n = mgm_group_enum(mgm, NULL, after, grps, 64);
		for (i = 0; i < n; i++)
			group_update(p, grps[i]);
		if (n > 0)
			after = grps[n - 1];
	} while (n == 64);
	return p;
}

void
proto_igmp_proxy_destroy(struct proto_igmp_proxy *p, uint64_t now_ms)
{
	unsigned int i, n = 0;
	struct igmp_report_rec *recs;
	int v;

	if (p == NULL)
		return;
	p->now_ms = now_ms;
	p->dying = 1;
	v = version_now(p, now_ms);
	recs = calloc(p->n_groups ? p->n_groups : 1, sizeof(*recs));
	for (i = 0; i < p->n_groups; i++) {
		struct pgroup *g = p->groups[i];

		if (!joined(g))
			continue;
		if (v == 3 && recs != NULL) {
			recs[n].type = IGMP_REC_TO_IN;
			recs[n].group = g->grp;
			n++;
		} else if (v == 2) {
			send_v2_leave(p, g->grp);
		}
	}
	if (n > 0)
		send_v3(p, recs, n);
	free(recs);
	for (i = 0; i < p->n_groups; i++) {
		struct pgroup *g = p->groups[i];

		if (g->upstream_fwd)
			mgm_del_membership(p->mgm, p->h, p->cfg.upstream, 0,
					g->grp, MGM_FORWARD);
		group_free(g);
	}
	free(p->groups);
	p->groups = NULL;
	p->n_groups = 0;
	p->cap_groups = 0;
	release_ports(p);
	mgm_deregister(p->mgm, p->h);
	free(p);
}

/* Schedule a response to a query: RFC 3376 5.2 (v3), RFC 2236 3 (v2). */
static void
on_query(struct proto_igmp_proxy *p, const struct igmp_msg *msg,
		uint64_t now)
{
	uint32_t max_resp = msg->max_resp_ms;
	uint64_t due;
	int v;
	unsigned int i;

	p->st.queries_received++;
	/* RFC 3376 8.1: hosts take the querier's robustness variable */
	if (msg->version == 3 && msg->qrv >= 1 && msg->qrv <= 7)
		p->cfg.robustness = msg->qrv;
	if (msg->version == 1)
		p->v1_until = now + p->cfg.older_querier_timeout_ms;
	else if (msg->version == 2)
		p->v2_until = now + p->cfg.older_querier_timeout_ms;
	v = version_now(p, now);
	if (max_resp == 0)
		max_resp = 10000;	/* v1: 10 s */
	due = now + rng_below(p, max_resp);

	if (msg->group == 0) {
		p->st.general_queries++;
		if (v == 3) {
			/* rule 1: an earlier general response covers it */
			if (!p->general_pending || p->general_due > due) {
				p->general_pending = 1;
				p->general_due = due;
			}
			return;
		}
		/* v1/v2: one random delay per joined group */
		for (i = 0; i < p->n_groups; i++) {
			struct pgroup *g = p->groups[i];
			uint64_t d = now + rng_below(p, max_resp);

			if (!joined(g))
				continue;
			if (!g->resp || g->resp_due > d) {
				g->resp = 1;
				g->resp_due = d;
			}
		}
		return;
	}
	p->st.group_queries++;
	{
		struct pgroup *g = group_find(p, msg->group);

		if (g == NULL || !joined(g))
			return;
		if (v == 3) {
			if (p->general_pending && p->general_due <= due)
				return;	/* rule 2 */
			if (msg->n_srcs == 0 || g->resp == 1) {
				/* rule 3/4: group-specific wins */
				g->qsrcs.n = 0;
				g->resp = 1;
			} else {
				struct srcset q = {0};

				for (i = 0; i < msg->n_srcs; i++)
					ss_push(&q, msg->srcs[i]);
				/* sources arrive in any order */
				for (i = 1; i < q.n; i++) {
					uint32_t x = q.v[i], j = i;

					while (j > 0 && q.v[j - 1] > x) {
						q.v[j] = q.v[j - 1];
						j--;
					}
					q.v[j] = x;
				}
				if (g->resp == 2)
					ss_union(&g->qsrcs, &q);
				else
					ss_copy(&g->qsrcs, &q);
				ss_free(&q);
				g->resp = 2;
			}
			if (g->resp_due == 0 || g->resp_due > due ||
					now >= g->resp_due)
				g->resp_due = due;
			return;
		}
		if (!g->resp || g->resp_due > due) {
			g->resp = 1;
			g->resp_due = due;
		}
	}
}

int
proto_igmp_proxy_input(struct proto_igmp_proxy *p,
		const struct igmp_msg *msg, uint64_t now_ms)
{
	struct pgroup *g;

	if (p == NULL || msg == NULL)
		return -EINVAL;
	if (now_ms > p->now_ms)
		p->now_ms = now_ms;
	switch (msg->kind) {
	case IGMP_MSG_QUERY:
		on_query(p, msg, now_ms);
		return 0;
	case IGMP_MSG_V1_REPORT:
	case IGMP_MSG_V2_REPORT:
		/* another host answered: in v1/v2 our response is suppressed
		 * (RFC 2236 3); v3 hosts never suppress */
		if (p->cfg.src_addr != 0 && msg->src == p->cfg.src_addr)
			break;
		p->st.reports_heard++;
		g = group_find(p, msg->group);
		if (g != NULL && g->resp && version_now(p, now_ms) < 3) {
			g->resp = 0;
			p->st.suppressed++;
		}
		return 0;
	default:
		break;
	}
	p->st.ignored++;
	return -EAGAIN;
}

/* Current-state record of g for a (group-and-source) query response. */
static int
resp_record(struct pgroup *g, struct igmp_report_rec *r, struct srcset *tmp)
{
	r->group = g->grp;
	if (g->resp != 2) {
		r->type = g->mode;
		r->n_src = (uint16_t)g->srcs.n;
		r->srcs = g->srcs.v;
		return 1;
	}
	/* RFC 3376 5.2: INCLUDE: IS_IN(A * B); EXCLUDE: IS_IN(B - A) */
	tmp->n = 0;
	if (g->mode == IGMP_REC_IS_IN) {
		uint32_t i;

		for (i = 0; i < g->qsrcs.n; i++)
			if (ss_has(&g->srcs, g->qsrcs.v[i]))
				ss_push(tmp, g->qsrcs.v[i]);
	} else {
		ss_minus(tmp, &g->qsrcs, &g->srcs);
	}
	if (tmp->n == 0)
		return 0;
	r->type = IGMP_REC_IS_IN;
	r->n_src = (uint16_t)tmp->n;
	r->srcs = tmp->v;
	return 1;
}

void
proto_igmp_proxy_tick(struct proto_igmp_proxy *p, uint64_t now_ms)
{
	struct igmp_report_rec *recs;
	struct srcset *tmps;
	unsigned int i, n = 0, nt = 0;
	int v;

	if (p == NULL)
		return;
	if (now_ms > p->now_ms)
		p->now_ms = now_ms;
	v = version_now(p, now_ms);
	/* up to 3 records a group: response + 2 change records */
	recs = calloc(3 * (size_t)p->n_groups + 1, sizeof(*recs));
	tmps = calloc((size_t)p->n_groups + 1, sizeof(*tmps));
	if (recs == NULL || tmps == NULL) {
		free(recs);
		free(tmps);
		return;
	}
	if (p->general_pending && p->general_due <= now_ms) {
		p->general_pending = 0;
		if (v == 3) {
			for (i = 0; i < p->n_groups; i++) {
				struct pgroup *g = p->groups[i];

				if (!joined(g))
					continue;
				recs[n].type = g->mode;
				recs[n].group = g->grp;
				recs[n].n_src = (uint16_t)g->srcs.n;
				recs[n].srcs = g->srcs.v;
				n++;
			}
		}
	}
	for (i = 0; i < p->n_groups; i++) {
		struct pgroup *g = p->groups[i];

		if (g->resp && g->resp_due <= now_ms) {
			if (v == 3) {
				n += (unsigned int)resp_record(g, &recs[n],
						&tmps[nt++]);
			} else if (joined(g)) {
				send_v2_report(p, g->grp, v);
			}
			g->resp = 0;
		}
		if (g->chg_left > 0 && g->chg_due <= now_ms) {
			if (v == 3) {
				n += chg_records(g, &recs[n]);
				g->chg_left--;
				g->chg_due = now_ms + 1 + rng_below(p,
					p->cfg.unsolicited_report_interval_ms);
			} else {
				chg_send(p, g, now_ms);
			}
		}
	}
	if (n > 0)
		send_v3(p, recs, n);
	for (i = 0; i < nt; i++)
		ss_free(&tmps[i]);
	free(tmps);
	free(recs);
	for (i = p->n_groups; i-- > 0;)
		group_maybe_drop(p, p->groups[i]);
}

uint64_t
proto_igmp_proxy_next_deadline(const struct proto_igmp_proxy *p)
{
	uint64_t d = UINT64_MAX;
	unsigned int i;

	if (p == NULL)
		return d;
	if (p->general_pending)
		d = p->general_due;
	for (i = 0; i < p->n_groups; i++) {
		const struct pgroup *g = p->groups[i];

		if (g->resp && g->resp_due < d)
			d = g->resp_due;
		if (g->chg_left > 0 && g->chg_due < d)
			d = g->chg_due;
	}
	return d;
}

int
proto_igmp_proxy_version(const struct proto_igmp_proxy *p, uint64_t now_ms)
{
	return p != NULL ? version_now(p, now_ms) : 3;
}

int
proto_igmp_proxy_group_get(const struct proto_igmp_proxy *p, uint32_t grp,
		struct proto_igmp_proxy_group *out, uint32_t *srcs,
		unsigned int max)
{
	const struct pgroup *g;
	unsigned int i;

	if (p == NULL || out == NULL)
		return -EINVAL;
	g = group_find(p, grp);
	if (g == NULL || !joined(g))
		return -ENOENT;
	out->grp = g->grp;
	out->mode = g->mode;
	out->n_src = g->srcs.n;
	for (i = 0; i < g->srcs.n && i < max && srcs != NULL; i++)
		srcs[i] = g->srcs.v[i];
	return 0;
}

unsigned int
proto_igmp_proxy_groups(const struct proto_igmp_proxy *p, uint32_t after_grp,
		uint32_t *grps, unsigned int max)
{
	unsigned int i, n = 0;

	if (p == NULL || grps == NULL)
		return 0;
	for (i = 0; i < p->n_groups && n < max; i++)
		if (p->groups[i]->grp > after_grp && joined(p->groups[i]))
			grps[n++] = p->groups[i]->grp;
	return n;
}

void
proto_igmp_proxy_get_stats(const struct proto_igmp_proxy *p,
		struct proto_igmp_proxy_stats *out)
{
	*out = p->st;
}

struct mgm_proto *
proto_igmp_proxy_handle(const struct proto_igmp_proxy *p)
{
	return p != NULL ? p->h : NULL;
}

int
proto_igmp_proxy_init(const struct proto_env *env, void **state)
{
	struct proto_igmp_proxy_config cfg;
	struct proto_igmp_proxy *p;

	*state = NULL;
	if (env->proxy_upstream == MF_PORT_ANY)
		return 0;	/* not configured */
	if (env->proxy_upstream >= MF_MAX_PORTS)
		return -EINVAL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.upstream = env->proxy_upstream;
	cfg.downstream = env->proxy_downstream &
		~MF_PORTSET_BIT(env->proxy_upstream);
	cfg.src_addr = env->port_addr[env->proxy_upstream];
	cfg.seed = env->seed;
	cfg.send_report = env->send;
	cfg.send_ctx = env->send_ctx;
	p = proto_igmp_proxy_create(env->mgm, &cfg, env->now_ms);
	if (p == NULL)
		return -errno;
	*state = p;
	return 0;
}

void
proto_igmp_proxy_fini(void *state)
{
	struct proto_igmp_proxy *p = state;

	if (p != NULL)
		proto_igmp_proxy_destroy(p, p->now_ms);
}
