/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP router: instance and ports, message dispatch, reporting on/off,
 * and the telemetry snapshots. The RFC logic lives in igmp_querier.c
 * (queries, election), igmp_group.c (group and source state) and
 * igmp_timer.c (timers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "igmp_router_private.h"

struct igmp_router *
igmp_router_create(const struct igmp_router_ops *ops, void *ctx)
{
	struct igmp_router *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (ops != NULL)
		r->ops = *ops;
	r->ctx = ctx;
	r->next_deadline = UINT64_MAX;
	return r;
}

/* Free a port's groups without callbacks. */
static void
igmp_port_free(struct igmp_port *p)
{
	uint32_t i;

	for (i = 0; i < p->n_groups; i++) {
		free(p->groups[i]->srcs);
		free(p->groups[i]);
	}
	free(p->groups);
	memset(p, 0, sizeof(*p));
}

void
igmp_router_destroy(struct igmp_router *r)
{
	uint16_t port;

	if (r == NULL)
		return;
	for (port = 0; port < MF_MAX_PORTS; port++)
		if (r->ports[port].present)
			igmp_port_free(&r->ports[port]);
	free(r);
}

static struct igmp_port *
igmp_port_lookup(const struct igmp_router *r, uint16_t port)
{
	if (r == NULL || port >= MF_MAX_PORTS || !r->ports[port].present)
		return NULL;
	return (struct igmp_port *)(uintptr_t)&r->ports[port];
}

/* Set the clock for this call; never let it run backwards. */
static void
igmp_set_now(struct igmp_router *r, uint64_t now_ms)
{
	if (now_ms > r->now)
		r->now = now_ms;
}

int
igmp_router_port_add(struct igmp_router *r, uint16_t port, const struct igmp_port_config *cfg,
	uint64_t now_ms)
{
	struct igmp_port_config c;
	struct igmp_port *p;

	if (r == NULL || cfg == NULL || port >= MF_MAX_PORTS)
		return -EINVAL;
	c = *cfg;
	if (igmp_port_config_validate(&c, NULL, 0) < 0)
		return -EINVAL;
	p = &r->ports[port];
	if (p->present)
		return -EEXIST;
	igmp_set_now(r, now_ms);
	memset(p, 0, sizeof(*p));
	p->present = true;
	p->reporting = true;
	p->cfg = c;
	if (c.enabled)
		igmp_querier_start(r, port);
	return 0;
}

int
igmp_router_port_del(struct igmp_router *r, uint16_t port)
{
	struct igmp_port *p = igmp_port_lookup(r, port);

	if (p == NULL)
		return -ENOENT;
	igmp_group_flush(r, port);
	igmp_port_free(p);
	return 0;
}

int
igmp_router_port_config_set(struct igmp_router *r, uint16_t port,
	const struct igmp_port_config *cfg, uint64_t now_ms)
{
	struct igmp_port *p = igmp_port_lookup(r, port);
	struct igmp_port_config c;
	bool was_enabled;
	uint32_t old_addr;

	if (p == NULL)
		return -ENOENT;
	if (cfg == NULL)
		return -EINVAL;
	c = *cfg;
	if (igmp_port_config_validate(&c, NULL, 0) < 0)
		return -EINVAL;
	igmp_set_now(r, now_ms);
	igmp_run_timers(r);
	was_enabled = p->cfg.enabled;
	old_addr = p->cfg.address;
	p->cfg = c;
	if (was_enabled && !c.enabled) {
		igmp_group_flush(r, port);
		igmp_querier_stop(p);
	} else if (c.enabled && (!was_enabled || old_addr != c.address)) {
		igmp_querier_stop(p);
		igmp_querier_start(r, port);
	}
	return 0;
}

int
igmp_router_port_config_get(const struct igmp_router *r, uint16_t port,
	struct igmp_port_config *cfg)
{
	const struct igmp_port *p = igmp_port_lookup(r, port);

	if (p == NULL || cfg == NULL)
		return -ENOENT;
	*cfg = p->cfg;
	return 0;
}

int
igmp_router_input(struct igmp_router *r, uint16_t port, const struct igmp_msg *m,
	uint64_t now_ms)
{
	struct igmp_port *p = igmp_port_lookup(r, port);

	if (p == NULL)
		return -ENOENT;
	if (m == NULL)
		return -EINVAL;
	igmp_set_now(r, now_ms);
	igmp_run_timers(r);
	if (!p->cfg.enabled) {
		p->stats.ignored++;
		return -EAGAIN;
	}
	if (m->kind == IGMP_MSG_QUERY) {
		/* Our own query looped back says nothing. */
		if (m->src == p->cfg.address && p->cfg.address != 0)
			return -EAGAIN;
		igmp_querier_input(r, port, m);
		return 0;
	}
	if (m->kind < IGMP_MSG_V1_REPORT || m->kind > IGMP_MSG_V3_REPORT) {
		p->stats.ignored++;
		return -EAGAIN;
	}
	igmp_report_input(r, port, m);
	return 0;
}

void
igmp_router_tick(struct igmp_router *r, uint64_t now_ms)
{
	if (r == NULL)
		return;
	igmp_set_now(r, now_ms);
	igmp_run_timers(r);
}

uint64_t
igmp_router_next_deadline(const struct igmp_router *r)
{
	return r == NULL ? UINT64_MAX : r->next_deadline;
}

int
igmp_router_set_reporting(struct igmp_router *r, uint16_t port, bool on)
{
	struct igmp_port *p = igmp_port_lookup(r, port);

	if (p == NULL)
		return -ENOENT;
	if (p->reporting == on)
		return 0;
	p->reporting = on;
	igmp_group_settle_all(r, port);
	return 0;
}

int
igmp_router_port_info(const struct igmp_router *r, uint16_t port, uint64_t now_ms,
	struct igmp_port_info *out)
{
	const struct igmp_port *p = igmp_port_lookup(r, port);

	if (p == NULL || out == NULL)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->port = port;
	out->enabled = p->cfg.enabled;
	out->reporting = p->reporting;
	out->is_querier = p->cfg.enabled && p->querier;
	out->version = p->cfg.version;
	out->oper_version = igmp_port_oper_version(p);
	out->querier_addr = p->cfg.enabled ? p->querier_addr : 0;
	out->other_querier_left_ms = igmp_timer_left(p->oqp_timer, now_ms);
	out->general_query_left_ms = igmp_timer_left(p->gq_timer, now_ms);
	out->startup_queries_left = p->startup_left;
	out->v1_querier_left_ms = igmp_timer_left(p->v1_querier, now_ms);
	out->v2_querier_left_ms = igmp_timer_left(p->v2_querier, now_ms);
	out->n_groups = p->n_groups;
	out->n_sources = p->n_sources;
	out->stats = p->stats;
	return 0;
}

int
igmp_router_groups(const struct igmp_router *r, uint16_t port, uint32_t start_group,
	uint32_t *groups, unsigned int max)
{
	const struct igmp_port *p = igmp_port_lookup(r, port);
	uint32_t pos;
	unsigned int n = 0;

	if (p == NULL)
		return -ENOENT;
	if (groups == NULL)
		return 0;
	igmp_group_find(p, start_group, &pos);
	while (n < max && pos < p->n_groups)
		groups[n++] = p->groups[pos++]->addr;
	return (int)n;
}

int
igmp_router_group_info(const struct igmp_router *r, uint16_t port, uint32_t group,
	uint64_t now_ms, struct igmp_group_info *out, struct igmp_source_info *srcs,
	unsigned int src_start, unsigned int max_srcs)
{
	const struct igmp_port *p = igmp_port_lookup(r, port);
	const struct igmp_group *g;
	unsigned int n = 0;
	uint32_t i;
	int k;

	if (p == NULL || out == NULL)
		return -ENOENT;
	k = igmp_group_find(p, group, NULL);
	if (k < 0)
		return -ENOENT;
	g = p->groups[k];
	memset(out, 0, sizeof(*out));
	out->group = g->addr;
	out->filter_mode = g->mode;
	out->compat_version = g->v1_host != 0 ? 1 :
		(g->v2_host != 0 && p->cfg.version > 2) ? 2 : p->cfg.version;
	out->retransmissions = g->retrans;
	out->group_timer_left_ms = igmp_timer_left(g->timer, now_ms);
	out->v1_host_left_ms = igmp_timer_left(g->v1_host, now_ms);
	out->v2_host_left_ms = igmp_timer_left(g->v2_host, now_ms);
	out->n_sources = g->n_src;
	for (i = src_start; i < g->n_src && n < max_srcs && srcs != NULL; i++, n++) {
		srcs[n].addr = g->srcs[i].addr;
		srcs[n].timer_left_ms = igmp_timer_left(g->srcs[i].timer, now_ms);
		srcs[n].retransmissions = g->srcs[i].retrans;
	}
	return (int)n;
}
