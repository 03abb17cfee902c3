/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers: absolute deadlines on the injected clock, and the pass that
 * fires every due one. The router keeps a lower bound on the earliest
 * deadline so a tick with nothing due costs one comparison.
 */
#include <stdint.h>

#include "igmp_router_private.h"

void
igmp_arm(struct igmp_router *r, uint64_t deadline)
{
	if (deadline != 0 && deadline < r->next_deadline)
		r->next_deadline = deadline;
}

void
igmp_timer_set(struct igmp_router *r, uint64_t *timer, uint64_t delta_ms)
{
	uint64_t t = r->now + delta_ms;

	/* 0 means "stopped": a deadline at time 0 fires at time 1 instead. */
	*timer = t == 0 ? 1 : t;
	igmp_arm(r, *timer);
}

uint64_t
igmp_timer_left(uint64_t timer, uint64_t now)
{
	return timer == 0 || timer <= now ? 0 : timer - now;
}

static void
igmp_arm_port(struct igmp_router *r, const struct igmp_port *p)
{
	uint32_t i;

	igmp_arm(r, p->oqp_timer);
	igmp_arm(r, p->gq_timer);
	igmp_arm(r, p->v1_querier);
	igmp_arm(r, p->v2_querier);
	for (i = 0; i < p->n_groups; i++)
		if (p->groups[i]->next_due != UINT64_MAX)
			igmp_arm(r, p->groups[i]->next_due);
}

void
igmp_run_timers(struct igmp_router *r)
{
	uint16_t port;

	if (r->now < r->next_deadline)
		return;
	r->next_deadline = UINT64_MAX;
	for (port = 0; port < MF_MAX_PORTS; port++) {
		struct igmp_port *p = &r->ports[port];

		if (!p->present || !p->cfg.enabled)
			continue;
		igmp_querier_timers(r, port);
		igmp_group_timers(r, port);
	}
	/* Whatever is still running after the pass bounds the next one. */
	for (port = 0; port < MF_MAX_PORTS; port++)
		if (r->ports[port].present && r->ports[port].cfg.enabled)
			igmp_arm_port(r, &r->ports[port]);
}
