/* SPDX-License-Identifier: BSD-3-Clause */
/* Test shim for lib/fastpath. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "fastpath.h"
#include "fastpath_event.h"
#include "shim_fastpath.h"

struct shim_fp {
	struct fp_worker *w;
	struct rte_ring *ev;
	struct rte_ring *inject;
	struct fp_port ports[MF_MAX_PORTS];
};

struct shim_fp *
shim_fp_create(const struct shim_fp_cfg *c)
{
	static unsigned int seq;
	struct fp_worker_params p;
	struct shim_fp *f;
	char name[32];
	unsigned int i;

	f = rte_zmalloc("shim_fp", sizeof(*f), RTE_CACHE_LINE_SIZE);
	if (f == NULL)
		return NULL;
	snprintf(name, sizeof(name), "shim_fp_ev%u", seq++);
	f->ev = fp_event_ring_create(name, c->event_ring_size != 0 ?
			c->event_ring_size : 1024, 0);
	if (f->ev == NULL)
		goto fail;
	if (c->with_inject) {
		snprintf(name, sizeof(name), "shim_fp_inj%u", seq++);
		f->inject = rte_ring_create(name, 256, 0,
				RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (f->inject == NULL)
			goto fail;
	}
	memset(&p, 0, sizeof(p));
	p.id = c->id;
	for (i = 0; i < c->n_ports; i++) {
		const struct shim_fp_port *sp = &c->ports[i];
		struct fp_port *fp = &f->ports[sp->port];

		if (fp_port_init(fp, sp->port, sp->multi_seg != 0) != 0)
			goto fail;
		if (sp->chain_threshold != 0)
			fp->chain_threshold = sp->chain_threshold;
		fp->igmp_enabled = sp->igmp_enabled;
		fp->igmp_addr = sp->igmp_addr;
		fp->igmp_prefix_len = sp->igmp_prefix_len;
		fp->igmp_require_ra = sp->igmp_require_ra;
		p.ports[sp->port] = fp;
		p.txq[sp->port] = 0;
		p.rxq[p.n_rxq].port = sp->port;
		p.rxq[p.n_rxq].queue = 0;
		p.n_rxq++;
	}
	p.table = c->table;
	p.event_ring = f->ev;
	p.inject_ring = f->inject;
	p.replica_pool = c->replica_pool;
	p.header_pool = c->header_pool;
	p.igmp_msg_pool = c->igmp_pool;
	p.qsv = c->qsv;
	p.rcu_thread_id = c->rcu_tid;
	p.drain_us = c->drain_us;
	p.new_source_rate = c->new_source_rate;
	p.new_source_burst = c->new_source_burst;
	p.wrong_iif_rate = c->wrong_iif_rate;
	p.wrong_iif_burst = c->wrong_iif_burst;
	p.socket_id = 0;
	f->w = fp_worker_create(&p);
	if (f->w == NULL)
		goto fail;
	return f;
fail:
	rte_ring_free(f->ev);
	rte_ring_free(f->inject);
	rte_free(f);
	return NULL;
}

void
shim_fp_free(struct shim_fp *f)
{
	if (f == NULL)
		return;
	fp_worker_free(f->w);
	rte_ring_free(f->ev);
	rte_ring_free(f->inject);
	rte_free(f);
}

void
shim_fp_online(struct shim_fp *f)
{
	fp_worker_online(f->w);
}

void
shim_fp_poll(struct shim_fp *f)
{
	fp_worker_poll(f->w);
}

void
shim_fp_flush(struct shim_fp *f)
{
	fp_worker_flush(f->w);
}

void
shim_fp_offline(struct shim_fp *f)
{
	fp_worker_offline(f->w);
}

int
shim_fp_run(struct shim_fp *f)
{
	return fp_worker_run(f->w);
}

void
shim_fp_stop(struct shim_fp *f)
{
	fp_worker_stop(f->w);
}

void
shim_fp_set_igmp(struct shim_fp *f, uint16_t port, uint32_t enabled,
		uint32_t require_ra)
{
	/* Relaxed 32-bit stores: the documented run-time update. */
	__atomic_store_n(&f->ports[port].igmp_enabled, enabled,
			__ATOMIC_RELAXED);
	__atomic_store_n(&f->ports[port].igmp_require_ra, require_ra,
			__ATOMIC_RELAXED);
}

void
shim_fp_set_igmp_rate(struct shim_fp *f, uint16_t port, uint32_t rate,
		uint32_t burst)
{
	/* Relaxed 32-bit stores: the documented run-time update. */
	__atomic_store_n(&f->ports[port].igmp_rate_limit, rate,
			__ATOMIC_RELAXED);
	__atomic_store_n(&f->ports[port].igmp_rate_burst, burst,
			__ATOMIC_RELAXED);
}

#define F(n) { #n, offsetof(struct fp_stats, n), 1 }
#define A(n, c) { #n, offsetof(struct fp_stats, n), c }
static const struct {
	const char *name;
	size_t off;
	unsigned int n;
} fields[] = {
	F(rx), F(forwarded), F(replicas), F(replicas_copied),
	F(replicas_chained), F(no_route), F(no_oif), F(wrong_iif),
	F(ttl_drop), F(ttl_threshold), F(tx_drop), F(igmp_seen),
	F(igmp_posted), F(igmp_disabled), F(igmp_bad),
	A(igmp_bad_by_err, FP_IGMP_ERR_SLOTS), F(ring_full),
	F(new_source_posted), F(new_source_suppressed), F(wrong_iif_posted),
	F(wrong_iif_suppressed), F(alloc_fail), F(non_ip), F(bad_ip),
	F(other_dropped), F(link_local), F(injected),
	A(port_tx, MF_MAX_PORTS), A(port_tx_drop, MF_MAX_PORTS),
	F(igmp_rate_limited), A(port_igmp_rate_limited, MF_MAX_PORTS),
};

uint64_t
shim_fp_stat(const struct shim_fp *f, const char *name, unsigned int idx)
{
	struct fp_stats st;
	unsigned int i;

	fp_worker_stats_read(f->w, &st);
	for (i = 0; i < RTE_DIM(fields); i++) {
		if (strcmp(fields[i].name, name) != 0)
			continue;
		if (idx >= fields[i].n)
			return UINT64_MAX;
		return ((const uint64_t *)((const char *)&st +
				fields[i].off))[idx];
	}
	return UINT64_MAX;
}

void
shim_fp_stats_clear(struct shim_fp *f)
{
	fp_worker_stats_clear(f->w);
}

int
shim_fp_event_pop(struct shim_fp *f, uint8_t *type, uint16_t *port,
		uint32_t *src, uint32_t *grp, void **ptr)
{
	struct fp_event ev;

	if (rte_ring_dequeue_elem(f->ev, &ev, sizeof(ev)) != 0)
		return -ENOENT;
	*type = ev.type;
	*port = ev.port;
	*src = ev.src;
	*grp = ev.grp;
	*ptr = ev.ptr;
	return 0;
}

int
shim_fp_inject(struct shim_fp *f, uint16_t port, struct rte_mbuf *m)
{
	if (f->inject == NULL)
		return -ENOTSUP;
	m->port = port;
	return rte_ring_sp_enqueue(f->inject, m);
}

unsigned int
shim_fp_event_size(void)
{
	return sizeof(struct fp_event);
}
