/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Source records of a group (RFC 3376 6.2.3): a sorted array per group,
 * bounded by max_sources_per_group; and the sorted source sets built from
 * a report's record for the RFC's set operations (A*B, A-B, ...).
 */
#include <stdlib.h>
#include <string.h>

#include "igmp_router_private.h"

/* Index of addr in g->srcs, or -(insertion point) - 1. */
static int
igmp_src_search(const struct igmp_group *g, uint32_t addr)
{
	uint32_t lo = 0, hi = g->n_src;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->srcs[mid].addr < addr)
			lo = mid + 1;
		else if (g->srcs[mid].addr > addr)
			hi = mid;
		else
			return (int)mid;
	}
	return -(int)lo - 1;
}

int
igmp_src_find(const struct igmp_group *g, uint32_t addr)
{
	int i = igmp_src_search(g, addr);

	return i >= 0 && !g->srcs[i].dead ? i : -1;
}

/*
 * The record for addr, created (timer 0) when absent. NULL when the group
 * is at max_sources_per_group (counted) or memory runs out. The pointer is
 * valid until the next igmp_src_get() or igmp_src_compact() on g.
 */
struct igmp_src *
igmp_src_get(struct igmp_router *r, struct igmp_port *p, struct igmp_group *g,
	uint32_t addr, bool *created)
{
	int i = igmp_src_search(g, addr);
	struct igmp_src *s;
	uint32_t pos;

	(void)r;
	*created = false;
	if (i >= 0) {
		s = &g->srcs[i];
		if (s->dead) {
			/* Revived before it was freed: a fresh record again. */
			s->dead = 0;
			g->n_dead--;
			s->timer = 0;
			s->retrans = 0;
			s->qmark = 0;
			*created = true;
		}
		return s;
	}
	if (g->n_src - g->n_dead >= p->cfg.max_sources_per_group) {
		p->stats.sources_over_limit++;
		return NULL;
	}
	if (g->n_src == g->cap_src) {
		uint32_t cap = g->cap_src == 0 ? 4 : g->cap_src * 2;
		struct igmp_src *n = realloc(g->srcs, cap * sizeof(*n));

		if (n == NULL) {
			p->stats.sources_over_limit++;
			return NULL;
		}
		g->srcs = n;
		g->cap_src = cap;
	}
	pos = (uint32_t)(-i - 1);
	memmove(&g->srcs[pos + 1], &g->srcs[pos], (g->n_src - pos) * sizeof(g->srcs[0]));
	g->n_src++;
	s = &g->srcs[pos];
	memset(s, 0, sizeof(*s));
	s->addr = addr;
	p->n_sources++;
	*created = true;
	return s;
}

/* Mark a record deleted; the next igmp_group_settle() reverses its reported state and frees it. */
void
igmp_src_kill(struct igmp_group *g, struct igmp_src *s)
{
	if (s->dead)
		return;
	s->dead = 1;
	s->timer = 0;
	s->retrans = 0;
	s->qmark = 0;
	g->n_dead++;
}

/* Free the records marked dead (their reported state is already reversed). */
void
igmp_src_compact(struct igmp_port *p, struct igmp_group *g)
{
	uint32_t i, j = 0;

	for (i = 0; i < g->n_src; i++) {
		if (g->srcs[i].dead)
			continue;
		if (i != j)
			g->srcs[j] = g->srcs[i];
		j++;
	}
	(void)p;
	g->n_src = j;
	g->n_dead = 0;
	if (g->n_src == 0 && g->cap_src > 16) {
		free(g->srcs);
		g->srcs = NULL;
		g->cap_src = 0;
	}
}

static int
igmp_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort a source list and drop duplicates; returns the new length. */
unsigned int
igmp_srcset_sort(uint32_t *a, unsigned int n)
{
	unsigned int i, j = 0;

	if (n == 0)
		return 0;
	qsort(a, n, sizeof(a[0]), igmp_u32_cmp);
	for (i = 1; i < n; i++)
		if (a[i] != a[j])
			a[++j] = a[i];
	return j + 1;
}

bool
igmp_srcset_has(const uint32_t *a, unsigned int n, uint32_t addr)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (a[mid] < addr)
			lo = mid + 1;
		else if (a[mid] > addr)
			hi = mid;
		else
			return true;
	}
	return false;
}
