/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Group state: RFC 3376 tables 6.4.1 (current-state records) and 6.4.2
 * (filter-mode and source-list changes), one function per row family, the
 * timer expiries of 6.5, the compatibility rules of 7.3.2, fast leave and
 * the per-port group limit; and turning the state into membership deltas.
 *
 * Notation as in the RFC: the group is INCLUDE (A) or EXCLUDE (X,Y), X the
 * sources with a running timer, Y those with timer 0; the record carries
 * the source list B (or A for EXCLUDE rows). GMI: Group Membership
 * Interval, LMQT: Last Member Query Time, GT: group timer.
 */
#include <stdlib.h>
#include <string.h>

#include "igmp_router_private.h"

/* Index of addr in p->groups, or -1 with *pos the insertion point. */
int
igmp_group_find(const struct igmp_port *p, uint32_t addr, uint32_t *pos)
{
	uint32_t lo = 0, hi = p->n_groups;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p->groups[mid]->addr < addr)
			lo = mid + 1;
		else if (p->groups[mid]->addr > addr)
			hi = mid;
		else {
			if (pos != NULL)
				*pos = mid;
			return (int)mid;
		}
	}
	if (pos != NULL)
		*pos = lo;
	return -1;
}

/* The group, created as INCLUDE ({}) when asked and under max_groups (counted when over). */
struct igmp_group *
igmp_group_get(struct igmp_router *r, uint16_t port, uint32_t addr, bool create)
{
	struct igmp_port *p = &r->ports[port];
	struct igmp_group *g;
	uint32_t pos;
	int i = igmp_group_find(p, addr, &pos);

	if (i >= 0)
		return p->groups[i];
	if (!create)
		return NULL;
	if (p->n_groups >= p->cfg.max_groups) {
		p->stats.groups_over_limit++;
		return NULL;
	}
	if (p->n_groups == p->cap_groups) {
		uint32_t cap = p->cap_groups == 0 ? 16 : p->cap_groups * 2;
		struct igmp_group **n = realloc(p->groups, cap * sizeof(*n));

		if (n == NULL) {
			p->stats.groups_over_limit++;
			return NULL;
		}
		p->groups = n;
		p->cap_groups = cap;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		p->stats.groups_over_limit++;
		return NULL;
	}
	g->addr = addr;
	g->mode = IGMP_MODE_INCLUDE;
	g->next_due = UINT64_MAX;
	memmove(&p->groups[pos + 1], &p->groups[pos], (p->n_groups - pos) * sizeof(p->groups[0]));
	p->groups[pos] = g;
	p->n_groups++;
	return g;
}

static void
igmp_emit(struct igmp_router *r, uint16_t port, uint32_t src, uint32_t grp,
	enum igmp_member_event ev)
{
	if (r->ops.membership != NULL)
		r->ops.membership(r->ctx, port, src, grp, ev);
}

/* What a source should be reported as (docs/architecture.md "IGMP router -> mgm"). */
static uint8_t
igmp_src_desired(const struct igmp_port *p, const struct igmp_group *g, const struct igmp_src *s)
{
	if (!p->reporting || g->dead || s->dead)
		return IGMP_REP_NONE;
	if (g->mode == IGMP_MODE_INCLUDE)
		return s->timer != 0 ? IGMP_REP_JOIN : IGMP_REP_NONE;
	return s->timer != 0 ? IGMP_REP_NONE : IGMP_REP_BLOCK;
}

/*
 * Bring the reported state of g in line with its RFC state (deltas only:
 * joins first, leave last), free dead sources, and delete the group when
 * it is dead or INCLUDE ({}). Returns true when g was freed.
 */
bool
igmp_group_settle(struct igmp_router *r, uint16_t port, struct igmp_group *g)
{
	struct igmp_port *p = &r->ports[port];
	bool want_group = p->reporting && !g->dead && g->mode == IGMP_MODE_EXCLUDE;
	uint32_t i, live = 0, pos;

	if (want_group && !g->reported) {
		igmp_emit(r, port, 0, g->addr, IGMP_MEMBER_GROUP_JOIN);
		g->reported = 1;
	}
	for (i = 0; i < g->n_src; i++) {
		struct igmp_src *s = &g->srcs[i];
		uint8_t want = igmp_src_desired(p, g, s);

		if (s->dead)
			p->n_sources--;	/* freed below, with the group or by compaction */
		live += !s->dead;
		if (want == s->reported)
			continue;
		if (s->reported == IGMP_REP_JOIN)
			igmp_emit(r, port, s->addr, g->addr, IGMP_MEMBER_SOURCE_LEAVE);
		else if (s->reported == IGMP_REP_BLOCK)
			igmp_emit(r, port, s->addr, g->addr, IGMP_MEMBER_SOURCE_UNBLOCK);
		if (want == IGMP_REP_JOIN)
			igmp_emit(r, port, s->addr, g->addr, IGMP_MEMBER_SOURCE_JOIN);
		else if (want == IGMP_REP_BLOCK)
			igmp_emit(r, port, s->addr, g->addr, IGMP_MEMBER_SOURCE_BLOCK);
		s->reported = want;
	}
	if (!want_group && g->reported) {
		igmp_emit(r, port, 0, g->addr, IGMP_MEMBER_GROUP_LEAVE);
		g->reported = 0;
	}
	if (!g->dead && !(g->mode == IGMP_MODE_INCLUDE && live == 0)) {
		igmp_src_compact(p, g);
		igmp_group_update_due(r, g);
		return false;
	}
	/* Deleted: every source goes with it. */
	g->dead = 1;
	p->n_sources -= live;
	if (igmp_group_find(p, g->addr, &pos) >= 0) {
		memmove(&p->groups[pos], &p->groups[pos + 1],
			(p->n_groups - pos - 1) * sizeof(p->groups[0]));
		p->n_groups--;
	}
	p->stats.groups_expired++;
	free(g->srcs);
	free(g);
	return true;
}

static void
igmp_min_due(uint64_t *due, uint64_t t)
{
	if (t != 0 && t < *due)
		*due = t;
}

/* Recompute g->next_due (earliest running timer of the group) and arm it. */
void
igmp_group_update_due(struct igmp_router *r, struct igmp_group *g)
{
	uint64_t due = UINT64_MAX;
	uint32_t i;

	igmp_min_due(&due, g->timer);
	igmp_min_due(&due, g->v1_host);
	igmp_min_due(&due, g->v2_host);
	igmp_min_due(&due, g->q_next);
	igmp_min_due(&due, g->qs_next);
	for (i = 0; i < g->n_src; i++)
		if (!g->srcs[i].dead)
			igmp_min_due(&due, g->srcs[i].timer);
	g->next_due = due;
	igmp_arm(r, due == UINT64_MAX ? 0 : due);
}

/* Delete every group of the port, reversing what was reported. */
void
igmp_group_flush(struct igmp_router *r, uint16_t port)
{
	struct igmp_port *p = &r->ports[port];

	while (p->n_groups > 0) {
		struct igmp_group *g = p->groups[p->n_groups - 1];

		g->dead = 1;
		igmp_group_settle(r, port, g);
	}
	free(p->groups);
	p->groups = NULL;
	p->cap_groups = 0;
	p->n_sources = 0;
}

void
igmp_group_settle_all(struct igmp_router *r, uint16_t port)
{
	struct igmp_port *p = &r->ports[port];
	uint32_t i = 0;

	while (i < p->n_groups)
		if (!igmp_group_settle(r, port, p->groups[i]))
			i++;
}

/* Source timer expiry (6.5): INCLUDE: delete the source; EXCLUDE: it joins Y. */
static void
igmp_src_expire(struct igmp_group *g, struct igmp_src *s)
{
	s->timer = 0;
	s->retrans = 0;
	if (g->mode == IGMP_MODE_INCLUDE)
		igmp_src_kill(g, s);
}

/* Group timer expiry (6.5): EXCLUDE (X,Y) becomes INCLUDE (X); Y is deleted. */
static void
igmp_group_expire(struct igmp_group *g)
{
	uint32_t i;

	g->timer = 0;
	g->retrans = 0;
	g->q_next = 0;
	if (g->mode != IGMP_MODE_EXCLUDE)
		return;
	g->mode = IGMP_MODE_INCLUDE;
	for (i = 0; i < g->n_src; i++)
		if (g->srcs[i].timer == 0)
			igmp_src_kill(g, &g->srcs[i]);
}

void
igmp_group_timers(struct igmp_router *r, uint16_t port)
{
	struct igmp_port *p = &r->ports[port];
	uint32_t i = 0, k;

	while (i < p->n_groups) {
		struct igmp_group *g = p->groups[i];

		if (g->next_due > r->now) {
			i++;
			continue;
		}
		if (g->v1_host != 0 && g->v1_host <= r->now)
			g->v1_host = 0;
		if (g->v2_host != 0 && g->v2_host <= r->now)
			g->v2_host = 0;
		for (k = 0; k < g->n_src; k++) {
			struct igmp_src *s = &g->srcs[k];

			if (!s->dead && s->timer != 0 && s->timer <= r->now)
				igmp_src_expire(g, s);
		}
		if (g->timer != 0 && g->timer <= r->now)
			igmp_group_expire(g);
		if (g->q_next != 0 && g->q_next <= r->now)
			igmp_send_group_query(r, port, g);
		if (g->qs_next != 0 && g->qs_next <= r->now)
			igmp_send_source_queries(r, port, g);
		if (!igmp_group_settle(r, port, g))
			i++;
	}
}

/* Select a source for the "Send Q(G,X)" being applied: only running timers count. */
static void
igmp_mark_query(struct igmp_src *s)
{
	if (!s->dead && s->timer != 0)
		s->qmark = 1;
}

/*
 * "Send Q(G,X)" for the marked sources (6.6.3.2), or with fast leave their
 * immediate expiry.
 */
static void
igmp_do_source_queries(struct igmp_router *r, uint16_t port, struct igmp_group *g)
{
	struct igmp_port *p = &r->ports[port];
	uint32_t lmqt = igmp_port_lmqt(p);
	bool any = false;
	uint32_t i;

	for (i = 0; i < g->n_src; i++) {
		struct igmp_src *s = &g->srcs[i];

		if (!s->qmark)
			continue;
		s->qmark = 0;
		if (p->cfg.fast_leave) {
			igmp_src_expire(g, s);
			continue;
		}
		/* Only the querier queries; the others wait for its queries (6.6.1). */
		if (!p->querier)
			continue;
		/* Sources with timer > LMQT: LMQC transmissions, timer lowered to LMQT. */
		if (igmp_timer_left(s->timer, r->now) > lmqt) {
			s->retrans = (uint8_t)p->cfg.last_member_query_count;
			igmp_timer_set(r, &s->timer, lmqt);
			any = true;
		}
	}
	if (any)
		igmp_send_source_queries(r, port, g);
}

/* "Send Q(G)" (6.6.3.1): GT lowered to LMQT, LMQC transmissions; fast leave: GT expires now. */
static void
igmp_do_group_query(struct igmp_router *r, uint16_t port, struct igmp_group *g)
{
	struct igmp_port *p = &r->ports[port];
	uint32_t lmqt = igmp_port_lmqt(p);

	if (p->cfg.fast_leave) {
		igmp_group_expire(g);
		return;
	}
	if (!p->querier)
		return;
	if (igmp_timer_left(g->timer, r->now) > lmqt)
		igmp_timer_set(r, &g->timer, lmqt);
	g->retrans = (uint8_t)p->cfg.last_member_query_count;
	igmp_send_group_query(r, port, g);
}

/* Delete the sources not in B (used for Delete (A-B), Delete (X-A), Delete (Y-A)). */
static void
igmp_delete_not_in(struct igmp_group *g, const uint32_t *b, unsigned int nb)
{
	uint32_t i;

	for (i = 0; i < g->n_src; i++)
		if (!igmp_srcset_has(b, nb, g->srcs[i].addr))
			igmp_src_kill(g, &g->srcs[i]);
}

/*
 * INCLUDE (A) IS_IN (B) -> INCLUDE (A+B); (B)=GMI
 * INCLUDE (A) ALLOW (B) -> INCLUDE (A+B); (B)=GMI
 * EXCLUDE (X,Y) IS_IN (A) -> EXCLUDE (X+A,Y-A); (A)=GMI
 * EXCLUDE (X,Y) ALLOW (A) -> EXCLUDE (X+A,Y-A); (A)=GMI
 * and the first half of the TO_IN rows.
 */
static void
igmp_allow(struct igmp_router *r, uint16_t port, struct igmp_group *g,
	const uint32_t *b, unsigned int nb)
{
	struct igmp_port *p = &r->ports[port];
	uint32_t gmi = igmp_port_gmi(p);
	unsigned int i;
	bool created;

	for (i = 0; i < nb; i++) {
		struct igmp_src *s = igmp_src_get(r, p, g, b[i], &created);

		if (s != NULL)
			igmp_timer_set(r, &s->timer, gmi);
	}
}

/*
 * INCLUDE (A) TO_IN (B) -> INCLUDE (A+B); (B)=GMI, Send Q(G,A-B)
 * EXCLUDE (X,Y) TO_IN (A) -> EXCLUDE (X+A,Y-A); (A)=GMI, Send Q(G,X-A), Send Q(G)
 */
static void
igmp_toin(struct igmp_router *r, uint16_t port, struct igmp_group *g,
	const uint32_t *b, unsigned int nb)
{
	uint32_t i;

	/* A-B (INCLUDE) or X-A (EXCLUDE): running timers not in the record, before (B)=GMI. */
	for (i = 0; i < g->n_src; i++)
		if (!igmp_srcset_has(b, nb, g->srcs[i].addr))
			igmp_mark_query(&g->srcs[i]);
	igmp_allow(r, port, g, b, nb);
	igmp_do_source_queries(r, port, g);
	if (g->mode == IGMP_MODE_EXCLUDE)
		igmp_do_group_query(r, port, g);
}

/*
 * INCLUDE (A) BLOCK (B) -> INCLUDE (A); Send Q(G,A*B)
 * EXCLUDE (X,Y) BLOCK (A) -> EXCLUDE (X+(A-Y),Y); (A-X-Y)=GT, Send Q(G,A-Y)
 */
static void
igmp_block(struct igmp_router *r, uint16_t port, struct igmp_group *g,
	const uint32_t *b, unsigned int nb)
{
	struct igmp_port *p = &r->ports[port];
	unsigned int i;
	bool created;
	int k;

	for (i = 0; i < nb; i++) {
		if (g->mode == IGMP_MODE_INCLUDE) {
			k = igmp_src_find(g, b[i]);
			if (k >= 0)
				igmp_mark_query(&g->srcs[k]);	/* A*B */
			continue;
		}
		struct igmp_src *s = igmp_src_get(r, p, g, b[i], &created);

		if (s == NULL)
			continue;
		if (created) {
			/* A-X-Y = GT */
			s->timer = g->timer;
			igmp_arm(r, s->timer);
		}
		igmp_mark_query(s);	/* A-Y: timer running (Y has timer 0) */
	}
	igmp_do_source_queries(r, port, g);
}

/*
 * INCLUDE (A) IS_EX (B) -> EXCLUDE (A*B,B-A); (B-A)=0, Delete (A-B), GT=GMI
 * INCLUDE (A) TO_EX (B) -> EXCLUDE (A*B,B-A); (B-A)=0, Delete (A-B), Send Q(G,A*B), GT=GMI
 * EXCLUDE (X,Y) IS_EX (A) -> EXCLUDE (A-Y,Y*A); (A-X-Y)=GMI, Delete (X-A), Delete (Y-A), GT=GMI
 * EXCLUDE (X,Y) TO_EX (A) -> EXCLUDE (A-Y,Y*A); (A-X-Y)=GT, Delete (X-A), Delete (Y-A),
 *                            Send Q(G,A-Y), GT=GMI
 */
static void
igmp_isex_toex(struct igmp_router *r, uint16_t port, struct igmp_group *g,
	const uint32_t *b, unsigned int nb, bool to_ex)
{
	struct igmp_port *p = &r->ports[port];
	bool was_include = g->mode == IGMP_MODE_INCLUDE;
	uint32_t gmi = igmp_port_gmi(p);
	unsigned int i;
	bool created;

	/* Delete (A-B), or Delete (X-A) and Delete (Y-A): first, so limits count the survivors. */
	igmp_delete_not_in(g, b, nb);
	for (i = 0; i < nb; i++) {
		struct igmp_src *s = igmp_src_get(r, p, g, b[i], &created);

		if (s == NULL)
			continue;
		if (created) {
			if (was_include) {
				s->timer = 0;		/* (B-A)=0 */
			} else if (to_ex) {
				s->timer = g->timer;	/* (A-X-Y)=GT */
				igmp_arm(r, s->timer);
			} else {
				igmp_timer_set(r, &s->timer, gmi); /* (A-X-Y)=GMI */
			}
		}
		/* Send Q(G,A*B) or Send Q(G,A-Y): the record's sources with a running timer. */
		if (to_ex)
			igmp_mark_query(s);
	}
	g->mode = IGMP_MODE_EXCLUDE;
	igmp_timer_set(r, &g->timer, gmi);
	if (to_ex)
		igmp_do_source_queries(r, port, g);
}

/* Apply one (already compatibility-translated) record to group grp. */
static void
igmp_apply_record(struct igmp_router *r, uint16_t port, uint8_t type, uint32_t grp,
	uint32_t *b, unsigned int nb)
{
	struct igmp_group *g;
	bool creates;

	nb = igmp_srcset_sort(b, nb);
	/* Only these can make state out of INCLUDE ({}); the others leave it alone. */
	creates = type == IGMP_REC_IS_EX || type == IGMP_REC_TO_EX ||
		((type == IGMP_REC_IS_IN || type == IGMP_REC_ALLOW || type == IGMP_REC_TO_IN) &&
		 nb > 0);
	g = igmp_group_get(r, port, grp, false);
	if (g == NULL) {
		if (!creates)
			return;
		g = igmp_group_get(r, port, grp, true);
		if (g == NULL)
			return;	/* over max_groups: counted */
	}
	switch (type) {
	case IGMP_REC_IS_IN:
	case IGMP_REC_ALLOW:
		igmp_allow(r, port, g, b, nb);
		break;
	case IGMP_REC_TO_IN:
		igmp_toin(r, port, g, b, nb);
		break;
	case IGMP_REC_BLOCK:
		igmp_block(r, port, g, b, nb);
		break;
	case IGMP_REC_IS_EX:
		igmp_isex_toex(r, port, g, b, nb, false);
		break;
	case IGMP_REC_TO_EX:
		igmp_isex_toex(r, port, g, b, nb, true);
		break;
	default:
		break;
	}
	igmp_group_settle(r, port, g);
}

/* Group Compatibility Mode (7.3.2), capped by the version the port speaks. */
static uint8_t
igmp_group_compat(const struct igmp_port *p, const struct igmp_group *g)
{
	uint8_t v = igmp_port_oper_version(p);

	if (g != NULL && g->v1_host != 0)
		return 1;
	if (g != NULL && g->v2_host != 0 && v > 2)
		return 2;
	return v;
}

/*
 * Translate and apply a v3 record (7.3.2): in v1/v2 compatibility BLOCK is
 * ignored and TO_EX (A) is TO_EX ({}); on a port that speaks v2 or less,
 * source lists mean nothing: IS_EX/TO_EX (A) -> IS_EX/TO_EX ({}),
 * IS_IN/ALLOW/TO_IN (A != {}) -> IS_EX ({}), TO_IN ({}) is a leave (ignored
 * in v1 mode), IS_IN ({}) / ALLOW ({}) are nothing.
 */
static void
igmp_v3_record(struct igmp_router *r, uint16_t port, const struct igmp_msg *m,
	const struct igmp_group_rec *rec)
{
	struct igmp_port *p = &r->ports[port];
	struct igmp_group *g = igmp_group_get(r, port, rec->group, false);
	uint8_t compat = igmp_group_compat(p, g);
	uint8_t port_v = igmp_port_oper_version(p);
	uint8_t type = rec->type;
	unsigned int nb = rec->n_src;

	p->stats.v3_records++;
	if (compat < 3) {
		if (type == IGMP_REC_BLOCK)
			goto ignore;
		if (type == IGMP_REC_TO_EX)
			nb = 0;
	}
	if (port_v < 3) {
		if (type == IGMP_REC_IS_EX || type == IGMP_REC_TO_EX) {
			nb = 0;
		} else if (nb > 0) {
			type = IGMP_REC_IS_EX;
			nb = 0;
		} else if (type == IGMP_REC_TO_IN) {
			if (compat == 1)
				goto ignore;
		} else {
			goto ignore;
		}
	}
	memcpy(r->scratch, &m->srcs[rec->first_src], nb * sizeof(r->scratch[0]));
	igmp_apply_record(r, port, type, rec->group, r->scratch, nb);
	return;
ignore:
	p->stats.ignored++;
}

void
igmp_report_input(struct igmp_router *r, uint16_t port, const struct igmp_msg *m)
{
	struct igmp_port *p = &r->ports[port];
	uint32_t ohpi = igmp_port_gmi(p);
	struct igmp_group *g;
	uint16_t i;

	switch (m->kind) {
	case IGMP_MSG_V1_REPORT:
	case IGMP_MSG_V2_REPORT:
		/* v1/v2 report = IS_EX ({}), and the host present timer (7.3.2). */
		if (m->kind == IGMP_MSG_V1_REPORT)
			p->stats.v1_reports++;
		else
			p->stats.v2_reports++;
		igmp_apply_record(r, port, IGMP_REC_IS_EX, m->group, r->scratch, 0);
		g = igmp_group_get(r, port, m->group, false);
		if (g != NULL) {
			igmp_timer_set(r, m->kind == IGMP_MSG_V1_REPORT ? &g->v1_host : &g->v2_host,
				ohpi);
			igmp_group_update_due(r, g);
		}
		break;
	case IGMP_MSG_V2_LEAVE:
		/* v2 leave = TO_IN ({}), ignored in v1 mode (7.3.2). */
		p->stats.leaves++;
		g = igmp_group_get(r, port, m->group, false);
		if (igmp_group_compat(p, g) == 1) {
			p->stats.ignored++;
			break;
		}
		igmp_apply_record(r, port, IGMP_REC_TO_IN, m->group, r->scratch, 0);
		break;
	case IGMP_MSG_V3_REPORT:
		p->stats.v3_reports++;
		for (i = 0; i < m->n_recs && i < IGMP_MSG_MAX_RECS; i++) {
			const struct igmp_group_rec *rec = &m->recs[i];

			if ((uint32_t)rec->first_src + rec->n_src > m->n_srcs ||
			    !mf_is_multicast(rec->group)) {
				p->stats.ignored++;
				continue;
			}
			igmp_v3_record(r, port, m, rec);
		}
		break;
	default:
		p->stats.ignored++;
		break;
	}
}
