/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RCU group table: rte_hash (lock-free readers) of immutable replication
 * lists, with deferred reclamation in batches, one RCU token per batch.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "mf_table.h"

RTE_LOG_REGISTER_DEFAULT(mf_table_logtype, INFO);
#define TBL_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, mf_table_logtype, "mf_table: " __VA_ARGS__)

/** Most batches awaiting their grace period; more are merged (see below). */
#define MF_TABLE_MAX_BATCHES 64

/*
 * List slab. Replication lists up to MF_SLAB_MAX_SIZE bytes (every list of
 * a one- or two-worker table with up to 8 oifs) are carved out of
 * MF_SLAB_CHUNK-byte rte_malloc chunks, one free list per size class
 * (multiples of a cache line). Each rte_malloc element carries a
 * cache-aligned header of its own (128 bytes in DPDK 22.11), as much as a
 * whole small list: at a million routes the slab saves that per route, and
 * packs the lists that one worker touches densely in memory (fewer cache
 * and TLB misses). Chunks go back to the heap in mf_table_free() only; a
 * freed list goes to its class's free list for the next allocation.
 */
#define MF_SLAB_CLASSES 16
#define MF_SLAB_MAX_SIZE (MF_SLAB_CLASSES * RTE_CACHE_LINE_SIZE)
#define MF_SLAB_CHUNK (256u * 1024u)

/** Head of a slab chunk; objects follow from the next cache line. */
struct mf_slab_chunk {
	struct mf_slab_chunk *next;
};

/** Everything retired between two mf_table_reclaim() calls. */
struct mf_batch {
	uint64_t token;                /**< rte_rcu_qsbr_start() at close */
	struct mf_repl_list *lists;    /**< chained through next_retired */
	uint32_t keys_end;             /**< key FIFO index one past the batch */
	uint32_t n_lists;
};

struct mf_table {
	struct rte_hash *h;
	struct rte_rcu_qsbr *qsv;
	uint16_t n_workers;
	uint32_t max_entries;
	int socket_id;
	/* Retired, not yet in a batch. */
	struct mf_repl_list *pend_lists;
	uint32_t pend_n_lists;
	/* Deleted key positions, FIFO (monotonic indices mod key_cap). */
	int32_t *keys;
	uint32_t key_cap;
	uint32_t keys_head;   /**< next to free */
	uint32_t keys_tail;   /**< next free slot */
	/* Closed batches, FIFO in token order. */
	struct mf_batch batches[MF_TABLE_MAX_BATCHES];
	uint32_t b_head;
	uint32_t b_count;
	/* Accounting. */
	uint32_t count;
	uint32_t n_lists;
	uint32_t n_retired;
	size_t lists_bytes;
	size_t retired_bytes;
	size_t hash_bytes;
	/* List slab: free lists per class (linked through next_retired). */
	struct mf_repl_list *slab_free[MF_SLAB_CLASSES + 1];
	struct mf_slab_chunk *slab_chunks;
	size_t slab_bytes;
};

/* Slab class of a list of size bytes (a multiple of a cache line), or 0
 * when it is too large for the slab. */
static unsigned int
slab_class(size_t size)
{
	return size <= MF_SLAB_MAX_SIZE ? size / RTE_CACHE_LINE_SIZE : 0;
}

/* A zeroed object of class c (size c cache lines), or NULL. */
static void *
slab_alloc(struct mf_table *t, unsigned int c)
{
	size_t size = (size_t)c * RTE_CACHE_LINE_SIZE;
	struct mf_repl_list *l = t->slab_free[c];

	if (l == NULL) {
		struct mf_slab_chunk *ch;
		char *o, *end;

		ch = rte_malloc_socket("mf_repl_slab", MF_SLAB_CHUNK,
				RTE_CACHE_LINE_SIZE, t->socket_id);
		if (ch == NULL)
			return NULL;
		ch->next = t->slab_chunks;
		t->slab_chunks = ch;
		t->slab_bytes += MF_SLAB_CHUNK;
		o = (char *)ch + RTE_CACHE_LINE_SIZE;
		end = (char *)ch + MF_SLAB_CHUNK;
		/* Thread the chunk's objects, lowest address first out. */
		for (; o + 2 * size <= end; o += size)
			((struct mf_repl_list *)o)->next_retired =
				(struct mf_repl_list *)(o + size);
		((struct mf_repl_list *)o)->next_retired = NULL;
		l = (struct mf_repl_list *)((char *)ch + RTE_CACHE_LINE_SIZE);
	}
	t->slab_free[c] = l->next_retired;
	memset(l, 0, size);
	return l;
}

/*
 * Key compare for the hash: rte_hash has inline compares for 16, 32, ...
 * byte keys but calls memcmp() for our 8-byte key; one 64-bit compare does
 * it. Returns 0 when equal, as memcmp.
 */
static int
key_cmp_eq(const void *a, const void *b, size_t len)
{
	uint64_t x, y;

	RTE_SET_USED(len);
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x != y;
}

struct mf_table *
mf_table_create(const struct mf_table_params *p)
{
	struct rte_hash_parameters hp;
	struct mf_table *t;

	if (p == NULL || p->name == NULL || p->max_entries < 8 ||
			p->n_workers == 0 ||
			p->n_workers > MF_TABLE_MAX_WORKERS) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("mf_table", sizeof(*t), RTE_CACHE_LINE_SIZE,
			p->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->qsv = p->qsv;
	t->n_workers = p->n_workers;
	t->max_entries = p->max_entries;
	t->socket_id = p->socket_id;
	/* A key slot is retired at most once before it is freed. */
	t->key_cap = p->max_entries + 1;
	t->keys = rte_malloc_socket("mf_table_keys",
			sizeof(t->keys[0]) * t->key_cap, 0, p->socket_id);
	if (t->keys == NULL) {
		rte_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}

	memset(&hp, 0, sizeof(hp));
	hp.name = p->name;
	hp.entries = p->max_entries;
	hp.key_len = sizeof(struct mf_key);
	hp.hash_func = rte_hash_crc;
	hp.hash_func_init_val = 0;
	hp.socket_id = p->socket_id;
	/*
	 * Lock-free readers, single writer. LF implies NO_FREE_ON_DEL: a
	 * deleted key's slot is ours to free after the grace period. The
	 * extendable bucket table makes max_entries a guarantee rather than
	 * a cuckoo-displacement best effort.
	 */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
		RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL) {
		int err = rte_errno;

		TBL_LOG(ERR, "rte_hash_create(%s, %u) failed: %s\n", p->name,
				p->max_entries, rte_strerror(err));

		rte_free(t->keys);
		rte_free(t);
		rte_errno = err != 0 ? err : ENOMEM;
		return NULL;
	}
	RTE_BUILD_BUG_ON(sizeof(struct mf_key) != sizeof(uint64_t));
	rte_hash_set_cmp_func(t->h, key_cmp_eq);
	/*
	 * Estimate: buckets (8 entries of 4+4+8 bytes, 128 B per bucket,
	 * entries rounded up to a power of two) + key store (key + data
	 * pointer per slot) + free-slot ring.
	 */
	t->hash_bytes = (size_t)rte_align32pow2(p->max_entries) / 8 * 128 +
		(size_t)(p->max_entries + 1) * (sizeof(struct mf_key) + 8) +
		(size_t)rte_align32pow2(p->max_entries + 1) * 8 +
		sizeof(*t) + sizeof(t->keys[0]) * t->key_cap;
	return t;
}

/* Bytes allocated for l: its head, then n_workers counter blocks. */
static size_t
list_size(const struct mf_repl_list *l)
{
	return l->stats_off + (size_t)l->stats_stride * l->n_workers;
}

static void
list_free(struct mf_table *t, struct mf_repl_list *l)
{
	unsigned int c = slab_class(list_size(l));

	/*
	 * Poison before the free: a reader that still held this list (a
	 * grace-period bug) sees the magic change.
	 */
	l->magic = MF_REPL_LIST_POISON;
	l->n_oifs = 0;
	l->iif = MF_PORT_ANY;
	if (c == 0) {
		rte_free(l);
		return;
	}
	l->next_retired = t->slab_free[c];
	t->slab_free[c] = l;
}

static void
free_chain(struct mf_table *t, struct mf_repl_list *l)
{
	struct mf_repl_list *next;

	for (; l != NULL; l = next) {
		next = l->next_retired;
		list_free(t, l);
	}
}

void
mf_table_free(struct mf_table *t)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	uint32_t i;

	if (t == NULL)
		return;
	while (rte_hash_iterate(t->h, &key, &data, &it) >= 0)
		list_free(t, data);
	free_chain(t, t->pend_lists);
	for (i = 0; i < t->b_count; i++)
		free_chain(t, t->batches[(t->b_head + i) %
				MF_TABLE_MAX_BATCHES].lists);
	while (t->slab_chunks != NULL) {
		struct mf_slab_chunk *next = t->slab_chunks->next;

		rte_free(t->slab_chunks);
		t->slab_chunks = next;
	}
	rte_hash_free(t->h);
	rte_free(t->keys);
	rte_free(t);
}

struct mf_repl_list *
mf_repl_list_alloc(struct mf_table *t, uint16_t n_oifs)
{
	struct mf_repl_list *l;
	size_t head, block, size;

	if (t == NULL || n_oifs > MF_MAX_PORTS) {
		rte_errno = EINVAL;
		return NULL;
	}
	head = RTE_ALIGN_CEIL(sizeof(*l) + n_oifs * sizeof(l->oifs[0]),
			RTE_CACHE_LINE_SIZE);
	block = RTE_ALIGN_CEIL(sizeof(struct mf_route_stats) +
			n_oifs * sizeof(struct mf_oif_stats),
			RTE_CACHE_LINE_SIZE);
	size = head + block * t->n_workers;
	if (slab_class(size) != 0)
		l = slab_alloc(t, slab_class(size));
	else
		l = rte_zmalloc_socket("mf_repl_list", size,
				RTE_CACHE_LINE_SIZE, t->socket_id);
	if (l == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	l->magic = MF_REPL_LIST_MAGIC;
	l->iif = MF_PORT_ANY;
	l->n_oifs = n_oifs;
	l->max_oifs = n_oifs;
	l->n_workers = t->n_workers;
	l->stats_stride = (uint16_t)block;
	l->stats_off = (uint32_t)head;
	return l;
}

void
mf_repl_list_free(struct mf_table *t, struct mf_repl_list *l)
{
	if (t != NULL && l != NULL)
		list_free(t, l);
}

static int
list_check(const struct mf_table *t, struct mf_repl_list *l)
{
	mf_portset_t mask = 0;
	uint16_t i;

	if (l->magic != MF_REPL_LIST_MAGIC || l->n_oifs > l->max_oifs ||
			l->n_workers != t->n_workers)
		return -EINVAL;
	if (l->iif != MF_PORT_ANY && l->iif >= MF_MAX_PORTS)
		return -EINVAL;
	for (i = 0; i < l->n_oifs; i++) {
		if (l->oifs[i].port >= MF_MAX_PORTS)
			return -EINVAL;
		mask |= MF_PORTSET_BIT(l->oifs[i].port);
	}
	l->oif_mask = mask;
	return 0;
}

/* Copy counters of old into l (not yet visible to readers). */
static void
carry_stats(struct mf_repl_list *l, const struct mf_repl_list *old)
{
	unsigned int w, i, j;
	uint16_t n = RTE_MIN(l->n_workers, old->n_workers);

	for (w = 0; w < n; w++) {
		const struct mf_route_stats *ors =
			mf_repl_list_route_stats(old, w);
		struct mf_route_stats *rs = mf_repl_list_route_stats(l, w);

		/*
		 * Relaxed loads: workers may still be incrementing old (single
		 * writer each); we only need untorn values.
		 */
		rs->in_pkts = __atomic_load_n(&ors->in_pkts, __ATOMIC_RELAXED);
		rs->in_bytes = __atomic_load_n(&ors->in_bytes,
				__ATOMIC_RELAXED);
		rs->wrong_iif = __atomic_load_n(&ors->wrong_iif,
				__ATOMIC_RELAXED);
		rs->ttl_drop = __atomic_load_n(&ors->ttl_drop,
				__ATOMIC_RELAXED);
		for (i = 0; i < l->n_oifs; i++) {
			if ((old->oif_mask &
					MF_PORTSET_BIT(l->oifs[i].port)) == 0)
				continue;
			for (j = 0; j < old->n_oifs; j++) {
				if (old->oifs[j].port != l->oifs[i].port)
					continue;
				/* Relaxed: as above. */
				mf_repl_list_out_pkts(l, w)[i] =
					__atomic_load_n(&mf_repl_list_out_pkts(
						old, w)[j], __ATOMIC_RELAXED);
				mf_repl_list_ttl_too_low(l, w)[i] =
					__atomic_load_n(&mf_repl_list_ttl_too_low(
						old, w)[j], __ATOMIC_RELAXED);
				mf_repl_list_discards(l, w)[i] =
					__atomic_load_n(&mf_repl_list_discards(
						old, w)[j], __ATOMIC_RELAXED);
				break;
			}
		}
	}
}

static void
retire_list(struct mf_table *t, struct mf_repl_list *old)
{
	old->next_retired = t->pend_lists;
	t->pend_lists = old;
	t->pend_n_lists++;
	t->n_lists--;
	t->n_retired++;
	t->lists_bytes -= list_size(old);
	t->retired_bytes += list_size(old);
}

int
mf_table_publish(struct mf_table *t, uint32_t src, uint32_t grp,
		struct mf_repl_list *l)
{
	struct mf_key key = { .src = src, .grp = grp };
	void *old = NULL;
	int ret;

	if (t == NULL || l == NULL || !mf_is_multicast(grp))
		return -EINVAL;
	ret = list_check(t, l);
	if (ret < 0)
		return ret;
	l->key = key;
	l->next_retired = NULL;
	if (rte_hash_lookup_data(t->h, &key, &old) < 0)
		old = NULL;
	if (old != NULL)
		carry_stats(l, old);
	/*
	 * rte_hash in LF mode stores the data pointer with a release store
	 * (replace) or publishes the new entry with release semantics (add):
	 * a reader that loads l sees every field written above.
	 */
	ret = rte_hash_add_key_data(t->h, &key, l);
	if (ret < 0)
		return ret == -ENOSPC ? -ENOSPC : ret;
	t->n_lists++;
	t->lists_bytes += list_size(l);
	if (old != NULL)
		retire_list(t, old);
	else
		t->count++;
	return 0;
}

int
mf_table_remove(struct mf_table *t, uint32_t src, uint32_t grp)
{
	struct mf_key key = { .src = src, .grp = grp };
	void *old = NULL;
	int32_t pos;

	if (t == NULL)
		return -EINVAL;
	if (rte_hash_lookup_data(t->h, &key, &old) < 0)
		return -ENOENT;
	pos = rte_hash_del_key(t->h, &key);
	if (pos < 0)
		return -ENOENT;
	retire_list(t, old);
	t->keys[t->keys_tail % t->key_cap] = pos;
	t->keys_tail++;
	t->count--;
	return 0;
}

/* Free the lists and key slots of batch b. */
static unsigned int
batch_free(struct mf_table *t, struct mf_repl_list *lists, uint32_t keys_end)
{
	struct mf_repl_list *l, *next;
	unsigned int n = 0;

	for (l = lists; l != NULL; l = next) {
		next = l->next_retired;
		t->n_retired--;
		t->retired_bytes -= list_size(l);
		list_free(t, l);
		n++;
	}
	while (t->keys_head != keys_end) {
		rte_hash_free_key_with_position(t->h,
				t->keys[t->keys_head % t->key_cap]);
		t->keys_head++;
		n++;
	}
	return n;
}

unsigned int
mf_table_reclaim(struct mf_table *t)
{
	unsigned int n = 0;

	if (t == NULL)
		return 0;
	if (t->qsv == NULL) {
		/* No concurrent readers: free everything now. */
		n = batch_free(t, t->pend_lists, t->keys_tail);
		t->pend_lists = NULL;
		t->pend_n_lists = 0;
		return n;
	}
	/* Close the pending items into a batch with one token. */
	if (t->pend_lists != NULL || t->keys_tail != (t->b_count > 0 ?
			t->batches[(t->b_head + t->b_count - 1) %
				MF_TABLE_MAX_BATCHES].keys_end :
			t->keys_head)) {
		uint64_t token = rte_rcu_qsbr_start(t->qsv);
		struct mf_batch *b;

		if (t->b_count == MF_TABLE_MAX_BATCHES) {
			/*
			 * Too many batches in flight: merge into the newest
			 * one and give it the newer token (a later token
			 * covers everything retired before it).
			 */
			struct mf_repl_list *tail;

			b = &t->batches[(t->b_head + t->b_count - 1) %
				MF_TABLE_MAX_BATCHES];
			for (tail = t->pend_lists; tail != NULL &&
					tail->next_retired != NULL;
					tail = tail->next_retired)
				;
			if (tail != NULL) {
				tail->next_retired = b->lists;
				b->lists = t->pend_lists;
			}
		} else {
			b = &t->batches[(t->b_head + t->b_count) %
				MF_TABLE_MAX_BATCHES];
			t->b_count++;
			b->lists = t->pend_lists;
			b->n_lists = 0;
		}
		b->token = token;
		b->keys_end = t->keys_tail;
		b->n_lists += t->pend_n_lists;
		t->pend_lists = NULL;
		t->pend_n_lists = 0;
	}
	/* Free every batch whose grace period is over, oldest first. */
	while (t->b_count > 0) {
		struct mf_batch *b = &t->batches[t->b_head];

		if (rte_rcu_qsbr_check(t->qsv, b->token, false) != 1)
			break;
		n += batch_free(t, b->lists, b->keys_end);
		b->lists = NULL;
		t->b_head = (t->b_head + 1) % MF_TABLE_MAX_BATCHES;
		t->b_count--;
	}
	return n;
}

void
mf_table_reclaim_sync(struct mf_table *t)
{
	if (t == NULL)
		return;
	mf_table_reclaim(t);
	if (t->qsv != NULL && t->b_count > 0) {
		/* The newest batch's token covers all older ones. */
		uint64_t token = t->batches[(t->b_head + t->b_count - 1) %
			MF_TABLE_MAX_BATCHES].token;

		while (rte_rcu_qsbr_check(t->qsv, token, true) != 1)
			;
		mf_table_reclaim(t);
	}
}

/*
 * Start loading what the worker reads and writes in l for every packet of
 * the burst, so that the misses of a burst's lists overlap instead of
 * coming one after the other as the worker reaches each packet (at a
 * million routes the lists are not in cache). The header line always; with
 * one worker also the line after it: for up to 4 oifs that is the start of
 * the worker's counter block, route counters and out_pkts, the only
 * counters a forwarded packet writes (for more oifs it holds the rest of
 * the oifs, and the counters are missed later). Not the cold counters
 * after them: another line per packet in flight slows a burst down more
 * than it saves (scripts/bench/scale.sh). With more workers the block's
 * place depends on the worker id, which the lookup does not know, and a
 * line another worker writes is better left alone.
 */
static inline void
list_prefetch(const struct mf_table *t, const void *l)
{
	rte_prefetch0(l);
	if (t->n_workers == 1)
		rte_prefetch0((const char *)l + RTE_CACHE_LINE_SIZE);
}

unsigned int
mf_table_lookup_bulk(const struct mf_table *t, const struct mf_key *keys,
		unsigned int n, const struct mf_repl_list **lists)
{
	const void *kp[MF_TABLE_LOOKUP_MAX];
	struct mf_key star[MF_TABLE_LOOKUP_MAX];
	const void *sp[MF_TABLE_LOOKUP_MAX];
	void *data[MF_TABLE_LOOKUP_MAX];
	uint16_t idx[MF_TABLE_LOOKUP_MAX];
	uint64_t hits = 0;
	unsigned int i, m = 0, found;

	if (n == 0)
		return 0;
	if (n > MF_TABLE_LOOKUP_MAX)
		n = MF_TABLE_LOOKUP_MAX;
	for (i = 0; i < n; i++)
		kp[i] = &keys[i];
	found = (unsigned int)rte_hash_lookup_bulk_data(t->h, kp, n, &hits,
			data);
	for (i = 0; i < n; i++) {
		if (hits & (1ULL << i)) {
			lists[i] = data[i];
			list_prefetch(t, data[i]);
			continue;
		}
		lists[i] = NULL;
		if (keys[i].src == 0)
			continue;
		star[m].src = 0;
		star[m].grp = keys[i].grp;
		sp[m] = &star[m];
		idx[m] = (uint16_t)i;
		m++;
	}
	if (m == 0)
		return found;
	hits = 0;
	found += (unsigned int)rte_hash_lookup_bulk_data(t->h, sp, m, &hits,
			data);
	for (i = 0; i < m; i++)
		if (hits & (1ULL << i)) {
			lists[idx[i]] = data[i];
			list_prefetch(t, data[i]);
		}
	return found;
}

const struct mf_repl_list *
mf_table_lookup_exact(const struct mf_table *t, uint32_t src, uint32_t grp)
{
	struct mf_key key = { .src = src, .grp = grp };
	void *data;

	if (rte_hash_lookup_data(t->h, &key, &data) < 0)
		return NULL;
	return data;
}

unsigned int
mf_table_iterate(const struct mf_table *t, mf_table_iter_cb cb, void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	unsigned int n = 0;

	while (rte_hash_iterate(t->h, &key, &data, &it) >= 0) {
		n++;
		if (cb(key, data, arg) != 0)
			break;
	}
	return n;
}

int
mf_table_next(const struct mf_table *t, uint32_t *iter, struct mf_key *key,
		const struct mf_repl_list **l)
{
	const void *k;
	void *data;

	if (rte_hash_iterate(t->h, &k, &data, iter) < 0)
		return -ENOENT;
	memcpy(key, k, sizeof(*key));
	*l = data;
	return 0;
}

uint16_t
mf_table_n_workers(const struct mf_table *t)
{
	return t->n_workers;
}

uint32_t
mf_table_count(const struct mf_table *t)
{
	return t->count;
}

size_t
mf_table_memory(const struct mf_table *t, struct mf_table_mem *out)
{
	if (out != NULL) {
		out->hash_bytes = t->hash_bytes;
		out->lists_bytes = t->lists_bytes;
		out->retired_bytes = t->retired_bytes;
		out->lists = t->n_lists;
		out->retired = t->n_retired;
		out->retired_keys = t->keys_tail - t->keys_head;
		out->slab_bytes = t->slab_bytes;
	}
	return t->hash_bytes + t->lists_bytes + t->retired_bytes;
}

void
mf_repl_list_stats_sum(const struct mf_repl_list *l,
		struct mf_route_stats *route, struct mf_oif_stats *oifs)
{
	unsigned int w, i;

	if (route != NULL)
		memset(route, 0, sizeof(*route));
	if (oifs != NULL)
		memset(oifs, 0, sizeof(*oifs) * l->n_oifs);
	for (w = 0; w < l->n_workers; w++) {
		const struct mf_route_stats *rs =
			mf_repl_list_route_stats(l, w);

		/* Relaxed loads: each counter has one writer; untorn is enough. */
		if (route != NULL) {
			route->in_pkts += __atomic_load_n(&rs->in_pkts,
					__ATOMIC_RELAXED);
			route->in_bytes += __atomic_load_n(&rs->in_bytes,
					__ATOMIC_RELAXED);
			route->wrong_iif += __atomic_load_n(&rs->wrong_iif,
					__ATOMIC_RELAXED);
			route->ttl_drop += __atomic_load_n(&rs->ttl_drop,
					__ATOMIC_RELAXED);
		}
		if (oifs == NULL)
			continue;
		for (i = 0; i < l->n_oifs; i++) {
			oifs[i].out_pkts += __atomic_load_n(
				&mf_repl_list_out_pkts(l, w)[i],
				__ATOMIC_RELAXED);
			oifs[i].ttl_too_low += __atomic_load_n(
				&mf_repl_list_ttl_too_low(l, w)[i],
				__ATOMIC_RELAXED);
			oifs[i].discards += __atomic_load_n(
				&mf_repl_list_discards(l, w)[i],
				__ATOMIC_RELAXED);
		}
	}
}

int
mf_table_route_stats(const struct mf_table *t, uint32_t src, uint32_t grp,
		struct mf_route_stats *route, struct mf_oif_stats *oifs,
		uint16_t *n_oifs)
{
	const struct mf_repl_list *l = mf_table_lookup_exact(t, src, grp);

	if (l == NULL)
		return -ENOENT;
	mf_repl_list_stats_sum(l, route, oifs);
	if (n_oifs != NULL)
		*n_oifs = l->n_oifs;
	return 0;
}
