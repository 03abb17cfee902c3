/* SPDX-License-Identifier: BSD-3-Clause */
/* Test shim for lib/table. */
#include <rte_common.h>
#include <rte_rcu_qsbr.h>

#include "shim_table.h"

void
shim_list_set(struct mf_repl_list *l, uint16_t iif, uint16_t flags,
		uint16_t n_oifs)
{
	l->iif = iif;
	l->flags = flags;
	l->n_oifs = n_oifs;
}

void
shim_list_set_oif(struct mf_repl_list *l, unsigned int i, uint16_t port,
		uint8_t ttl_threshold)
{
	l->oifs[i].port = port;
	l->oifs[i].ttl_threshold = ttl_threshold;
}

uint16_t
shim_list_oif_port(const struct mf_repl_list *l, unsigned int i)
{
	return l->oifs[i].port;
}

uint8_t
shim_list_oif_ttl(const struct mf_repl_list *l, unsigned int i)
{
	return l->oifs[i].ttl_threshold;
}

uint32_t
shim_list_magic(const struct mf_repl_list *l)
{
	return *(const volatile uint32_t *)&l->magic;
}

static int
list_ok(const struct mf_repl_list *l, const struct mf_key *k,
		struct shim_reader_result *res)
{
	unsigned int i, n;

	if (shim_list_magic(l) != MF_REPL_LIST_MAGIC) {
		res->bad_magic++;
		return 0;
	}
	if (l->key.grp != k->grp ||
			(l->key.src != k->src && l->key.src != 0)) {
		res->bad_key++;
		return 0;
	}
	n = l->n_oifs;
	if (n > l->max_oifs) {
		res->bad_oifs++;
		return 0;
	}
	for (i = 1; i < n; i++)
		if (l->oifs[i].port != (l->oifs[0].port + i) % MF_MAX_PORTS ||
				l->oifs[i].ttl_threshold !=
				l->oifs[0].ttl_threshold) {
			res->bad_oifs++;
			return 0;
		}
	return 1;
}

void
shim_table_reader(const struct mf_table *t, struct rte_rcu_qsbr *qsv,
		unsigned int tid, const struct mf_key *keys, unsigned int n,
		const uint32_t *stop, struct shim_reader_result *res)
{
	const struct mf_repl_list *lists[MF_TABLE_LOOKUP_MAX];
	unsigned int off = 0;

	rte_rcu_qsbr_thread_register(qsv, tid);
	rte_rcu_qsbr_thread_online(qsv, tid);
	/* seq_cst: test handshake, the writer waits for it. */
	__atomic_store_n(&res->started, 1, __ATOMIC_SEQ_CST);
	/* Relaxed: the stop flag only ends the loop; nothing is handed over. */
	while (__atomic_load_n(stop, __ATOMIC_RELAXED) == 0) {
		unsigned int b = RTE_MIN(n - off, 32u), i;

		mf_table_lookup_bulk(t, keys + off, b, lists);
		for (i = 0; i < b; i++) {
			const struct mf_repl_list *l = lists[i];
			struct mf_route_stats *rs;

			if (l == NULL) {
				res->misses++;
				continue;
			}
			res->hits++;
			if (!list_ok(l, &keys[off + i], res))
				continue;
			/* As a worker: its own block, single writer. */
			rs = mf_repl_list_route_stats(l, tid);
			__atomic_store_n(&rs->in_pkts, rs->in_pkts + 1,
					__ATOMIC_RELAXED);
		}
		res->loops++;
		off = off + b >= n ? 0 : off + b;
		rte_rcu_qsbr_quiescent(qsv, tid);
	}
	rte_rcu_qsbr_thread_offline(qsv, tid);
	rte_rcu_qsbr_thread_unregister(qsv, tid);
}

void
shim_list_count(const struct mf_repl_list *l, unsigned int w,
		unsigned int oif, uint64_t pkts, uint64_t bytes)
{
	struct mf_route_stats *rs = mf_repl_list_route_stats(l, w);
	uint64_t *out = &mf_repl_list_out_pkts(l, w)[oif];

	/* Relaxed: single writer, as in the fast path. */
	__atomic_store_n(&rs->in_pkts, rs->in_pkts + pkts, __ATOMIC_RELAXED);
	__atomic_store_n(&rs->in_bytes, rs->in_bytes + bytes,
			__ATOMIC_RELAXED);
	__atomic_store_n(out, *out + pkts, __ATOMIC_RELAXED);
}
