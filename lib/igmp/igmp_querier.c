/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Querier: election (RFC 3376 6.6.2: lowest address wins), Other Querier
 * Present timer, startup and general queries, Older Version Querier
 * Present (section 7.3.1), non-querier timer updates from specific queries
 * (6.6.1), and sending group-specific and group-and-source-specific
 * queries with their retransmissions (6.6.3).
 */
#include <string.h>

#include "igmp_router_private.h"

/* Robustness and Query Interval in use: the querier's when we are not it (RFC 3376 4.1.6, 4.1.7). */
static uint32_t
igmp_port_rv(const struct igmp_port *p)
{
	return !p->querier && p->learned_qrv != 0 ? p->learned_qrv : p->cfg.robustness;
}

static uint32_t
igmp_port_qi(const struct igmp_port *p)
{
	return !p->querier && p->learned_qi_ms != 0 ? p->learned_qi_ms : p->cfg.query_interval_ms;
}

/* Group Membership Interval (8.4); also Older Host Present Interval (8.13). */
uint32_t
igmp_port_gmi(const struct igmp_port *p)
{
	return igmp_port_rv(p) * igmp_port_qi(p) + p->cfg.query_response_interval_ms;
}

/* Last Member Query Time (8.14). */
uint32_t
igmp_port_lmqt(const struct igmp_port *p)
{
	return p->cfg.last_member_query_interval_ms * p->cfg.last_member_query_count;
}

/* Version spoken on the port: configured, lowered while an older querier is present. */
uint8_t
igmp_port_oper_version(const struct igmp_port *p)
{
	if (p->v1_querier != 0)
		return 1;
	if (p->v2_querier != 0 && p->cfg.version > 2)
		return 2;
	return p->cfg.version;
}

static void
igmp_send(struct igmp_router *r, uint16_t port, const struct igmp_query *q)
{
	struct igmp_port *p = &r->ports[port];

	p->stats.queries_sent++;
	if (q->group == 0)
		p->stats.general_queries_sent++;
	else if (q->n_src == 0)
		p->stats.group_queries_sent++;
	else
		p->stats.group_source_queries_sent++;
	if (r->ops.send_query != NULL)
		r->ops.send_query(r->ctx, port, q);
}

static void
igmp_query_init(const struct igmp_port *p, struct igmp_query *q, uint32_t group)
{
	memset(q, 0, sizeof(*q));
	q->version = igmp_port_oper_version(p);
	q->src = p->cfg.address;
	q->group = group;
	q->qrv = p->cfg.robustness;
	q->qqi_s = p->cfg.query_interval_ms / 1000;
	q->max_resp_ms = group == 0 ? p->cfg.query_response_interval_ms :
		p->cfg.last_member_query_interval_ms;
}

static void
igmp_send_general_query(struct igmp_router *r, uint16_t port)
{
	struct igmp_query q;

	igmp_query_init(&r->ports[port], &q, 0);
	igmp_send(r, port, &q);
}

/* Become querier: first general query now, then the startup ones (6.6.2, 8.6, 8.7). */
void
igmp_querier_start(struct igmp_router *r, uint16_t port)
{
	struct igmp_port *p = &r->ports[port];

	p->querier = true;
	p->querier_addr = p->cfg.address;
	p->oqp_timer = 0;
	p->learned_qrv = 0;
	p->learned_qi_ms = 0;
	igmp_send_general_query(r, port);
	p->startup_left = p->cfg.startup_query_count - 1;
	igmp_timer_set(r, &p->gq_timer, p->startup_left > 0 ?
		p->cfg.startup_query_interval_ms : p->cfg.query_interval_ms);
}

void
igmp_querier_stop(struct igmp_port *p)
{
	p->querier = false;
	p->oqp_timer = 0;
	p->gq_timer = 0;
	p->startup_left = 0;
	p->v1_querier = 0;
	p->v2_querier = 0;
}

void
igmp_querier_timers(struct igmp_router *r, uint16_t port)
{
	struct igmp_port *p = &r->ports[port];

	if (p->v1_querier != 0 && p->v1_querier <= r->now)
		p->v1_querier = 0;
	if (p->v2_querier != 0 && p->v2_querier <= r->now)
		p->v2_querier = 0;
	if (p->oqp_timer != 0 && p->oqp_timer <= r->now) {
		/* The other querier went quiet: take over (6.6.2). */
		p->oqp_timer = 0;
		p->querier = true;
		p->querier_addr = p->cfg.address;
		p->learned_qrv = 0;
		p->learned_qi_ms = 0;
		p->stats.querier_changes++;
		igmp_send_general_query(r, port);
		igmp_timer_set(r, &p->gq_timer, p->cfg.query_interval_ms);
	}
	if (p->querier && p->gq_timer != 0 && p->gq_timer <= r->now) {
		igmp_send_general_query(r, port);
		if (p->startup_left > 0)
			p->startup_left--;
		igmp_timer_set(r, &p->gq_timer, p->startup_left > 0 ?
			p->cfg.startup_query_interval_ms : p->cfg.query_interval_ms);
	}
}

/* A query from another router (6.6.1, 6.6.2, 7.3.1). */
void
igmp_querier_input(struct igmp_router *r, uint16_t port, const struct igmp_msg *m)
{
	struct igmp_port *p = &r->ports[port];
	uint32_t lmqt = igmp_port_lmqt(p);
	struct igmp_group *g;
	uint32_t i;

	p->stats.queries_received++;
	if (m->version == 1)
		p->stats.v1_queries_received++;
	else if (m->version == 2)
		p->stats.v2_queries_received++;
	else
		p->stats.v3_queries_received++;

	/* Older Version Querier Present: speak the lowest version on the link. */
	if (m->version == 1)
		igmp_timer_set(r, &p->v1_querier, igmp_port_gmi(p));
	else if (m->version == 2 && p->cfg.version > 2)
		igmp_timer_set(r, &p->v2_querier, igmp_port_gmi(p));

	/* Election: lowest address wins; an unnumbered port never wins. */
	if (m->src != 0 && (p->cfg.address == 0 || m->src < p->cfg.address)) {
		if (p->querier)
			p->stats.querier_changes++;
		p->querier = false;
		p->querier_addr = m->src;
		p->gq_timer = 0;
		p->startup_left = 0;
		if (m->version == 3) {
			/* Adopt the querier's QRV and QQI (4.1.6, 4.1.7). */
			if (m->qrv != 0)
				p->learned_qrv = m->qrv;
			if (m->qqi_s != 0)
				p->learned_qi_ms = m->qqi_s * 1000;
		}
		igmp_timer_set(r, &p->oqp_timer, igmp_port_rv(p) * igmp_port_qi(p) +
			p->cfg.query_response_interval_ms / 2);
	}

	/*
	 * A non-querier lowers its timers on specific queries without the
	 * S flag (6.6.1): Q(G): group timer to LMQT; Q(G,A): (A) timers to LMQT.
	 */
	if (p->querier || m->s_flag || m->group == 0)
		return;
	g = igmp_group_get(r, port, m->group, false);
	if (g == NULL)
		return;
	if (m->n_srcs == 0) {
		if (g->mode == IGMP_MODE_EXCLUDE && igmp_timer_left(g->timer, r->now) > lmqt)
			igmp_timer_set(r, &g->timer, lmqt);
	}
	for (i = 0; i < m->n_srcs; i++) {
		int k = igmp_src_find(g, m->srcs[i]);

		if (k >= 0 && igmp_timer_left(g->srcs[k].timer, r->now) > lmqt)
			igmp_timer_set(r, &g->srcs[k].timer, lmqt);
	}
	igmp_group_update_due(r, g);
}

/*
 * Send Q(G) once if retransmissions are pending (6.6.3.1): S flag set when
 * the group timer is above LMQT (a report refreshed it meanwhile).
 */
void
igmp_send_group_query(struct igmp_router *r, uint16_t port, struct igmp_group *g)
{
	struct igmp_port *p = &r->ports[port];
	struct igmp_query q;

	if (g->retrans == 0) {
		g->q_next = 0;
		return;
	}
	igmp_query_init(p, &q, g->addr);
	if (q.version == 1) {
		/* IGMPv1 has no group-specific query. */
		g->retrans = 0;
		g->q_next = 0;
		return;
	}
	q.s_flag = igmp_timer_left(g->timer, r->now) > igmp_port_lmqt(p);
	igmp_send(r, port, &q);
	g->retrans--;
	if (g->retrans > 0)
		igmp_timer_set(r, &g->q_next, p->cfg.last_member_query_interval_ms);
	else
		g->q_next = 0;
}

/* Send up to two queries (S set / S clear) for the sources selected by want. */
static void
igmp_send_source_batch(struct igmp_router *r, uint16_t port, struct igmp_group *g, bool s_flag)
{
	struct igmp_port *p = &r->ports[port];
	uint32_t lmqt = igmp_port_lmqt(p);
	struct igmp_query q;
	uint32_t i;
	uint16_t n = 0;

	igmp_query_init(p, &q, g->addr);
	q.s_flag = s_flag;
	q.srcs = r->qbuf;
	for (i = 0; i < g->n_src; i++) {
		struct igmp_src *s = &g->srcs[i];

		if (s->dead || s->retrans == 0 ||
		    (igmp_timer_left(s->timer, r->now) > lmqt) != s_flag)
			continue;
		r->qbuf[n++] = s->addr;
		s->retrans--;
		if (n == IGMP_QUERY_MAX_SRCS) {
			q.n_src = n;
			igmp_send(r, port, &q);
			n = 0;
		}
	}
	if (n > 0) {
		q.n_src = n;
		igmp_send(r, port, &q);
	}
}

/*
 * Send Q(G,A) for every source with pending retransmissions (6.6.3.2): one
 * query with the S flag for sources whose timer is above LMQT, one without
 * for the others; an empty one is not sent. Reschedules while any remain.
 */
void
igmp_send_source_queries(struct igmp_router *r, uint16_t port, struct igmp_group *g)
{
	struct igmp_port *p = &r->ports[port];
	bool more = false;
	uint32_t i;

	if (igmp_port_oper_version(p) < 3) {
		/* No source-specific queries before IGMPv3. */
		for (i = 0; i < g->n_src; i++)
			g->srcs[i].retrans = 0;
		g->qs_next = 0;
		return;
	}
	igmp_send_source_batch(r, port, g, true);
	igmp_send_source_batch(r, port, g, false);
	for (i = 0; i < g->n_src; i++)
		more |= !g->srcs[i].dead && g->srcs[i].retrans > 0;
	if (more)
		igmp_timer_set(r, &g->qs_next, p->cfg.last_member_query_interval_ms);
	else
		g->qs_next = 0;
}
