/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RCU group table: an open-addressing hash of immutable replication lists
 * (one writer, lock-free readers), with deferred reclamation in batches,
 * one RCU token per batch.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_random.h>
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

/*
 * Buckets. The table is an array of 2^k buckets of one cache line each.
 * A bucket holds three slots, each an 8-byte key beside its list pointer, so
 * a lookup that finds its key in its home bucket misses one line. (rte_hash,
 * which this replaces, read a bucket of signatures, then a key slot
 * elsewhere, and prefetched a second bucket too: up to three misses before
 * the list.)
 *
 * Collisions: linear probing over buckets. A bucket's overflow counts the
 * keys whose probe went through it: home bucket at or before it, stored
 * after it. A lookup that does not find its key in a bucket goes on to the
 * next only while that count is not zero. Keys never move, so a reader
 * cannot miss a key that stays in the table while it looks.
 *
 * A slot's key is MF_SLOT_FREE (list NULL), a live key, or MF_SLOT_DEAD:
 * removed, its list retired, waiting for the grace period after which
 * mf_table_reclaim() frees it. Neither special value has a multicast group,
 * so no lookup key equals one (the workers look up multicast groups only).
 *
 * Writer order (single writer, the control lcore):
 *   add:     the path's overflow counts, then the list pointer, then the key
 *            with a release store;
 *   replace: the list pointer with a release store;
 *   remove:  the key to MF_SLOT_DEAD, then the path's overflow counts; the
 *            list pointer stays until the grace period is over, so a reader
 *            that matched the key just before still gets a list that is
 *            valid until its next quiescent report.
 * Readers load keys and list pointers with acquire loads (plain loads on
 * x86).
 */
#define MF_BUCKET_SLOTS 3
#define MF_SLOT_FREE 0ull
#define MF_SLOT_DEAD UINT64_MAX

struct mf_bucket {
	uint64_t key[MF_BUCKET_SLOTS];
	uint32_t overflow;     /**< keys whose probe passed this bucket */
	uint32_t reserved;
	struct mf_repl_list *list[MF_BUCKET_SLOTS];
	uint64_t pad;
} __rte_cache_aligned;

/* Most keys per slot the table is sized for (3/4), so probes stay short. */
#define MF_TABLE_LOAD_NUM 3
#define MF_TABLE_LOAD_DEN 4

/** Largest max_entries accepted (2^28 keys: 2^27 buckets, 8 GiB). */
#define MF_TABLE_MAX_ENTRIES (1u << 28)

/** Everything retired between two mf_table_reclaim() calls. */
struct mf_batch {
	uint64_t token;                /**< rte_rcu_qsbr_start() at close */
	struct mf_repl_list *lists;    /**< chained through next_retired */
	uint32_t keys_end;             /**< key FIFO index one past the batch */
	uint32_t n_lists;
};

struct mf_table {
	struct mf_bucket *buckets;
	uint32_t bucket_mask;  /**< buckets - 1 (a power of two) */
	uint32_t seed;         /**< hash seed, random per table */
	struct rte_rcu_qsbr *qsv;
	uint16_t n_workers;
	uint32_t max_entries;
	int socket_id;
	/* Retired, not yet in a batch. */
	struct mf_repl_list *pend_lists;
	uint32_t pend_n_lists;
	/* Dead slot indices, FIFO (monotonic indices mod key_cap). */
	uint32_t *keys;
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

/* The 64-bit key of (src, grp): the group in the high half. */
static inline uint64_t
key_u64(uint32_t src, uint32_t grp)
{
	return (uint64_t)grp << 32 | src;
}

static inline struct mf_key
key_of(uint64_t k)
{
	struct mf_key key = { .src = (uint32_t)k, .grp = (uint32_t)(k >> 32) };

	return key;
}

/* Home bucket of key k. */
static inline uint32_t
key_home(const struct mf_table *t, uint64_t k)
{
	return rte_hash_crc_8byte(k, t->seed) & t->bucket_mask;
}

/* Key and list pointer of slot s (bucket * MF_BUCKET_SLOTS + i). */
static inline uint64_t *
slot_key(const struct mf_table *t, uint32_t s)
{
	return &t->buckets[s / MF_BUCKET_SLOTS].key[s % MF_BUCKET_SLOTS];
}

static inline struct mf_repl_list **
slot_list(const struct mf_table *t, uint32_t s)
{
	return &t->buckets[s / MF_BUCKET_SLOTS].list[s % MF_BUCKET_SLOTS];
}

/*
 * Probe for key k from bucket b (its home bucket): 1 with *bucket and
 * *slot where k is, or 0. Lock-free (acquire loads), so the workers and
 * the writer share it. Bounded by the number of buckets.
 */
static inline int
probe(const struct mf_table *t, uint64_t k, uint32_t b, uint32_t *bucket,
		unsigned int *slot)
{
	uint32_t n;
	unsigned int i;

	for (n = 0; n <= t->bucket_mask; n++) {
		const struct mf_bucket *bk = &t->buckets[b];

		for (i = 0; i < MF_BUCKET_SLOTS; i++)
			if (__atomic_load_n(&bk->key[i], __ATOMIC_ACQUIRE) ==
					k) {
				*bucket = b;
				*slot = i;
				return 1;
			}
		if (__atomic_load_n(&bk->overflow, __ATOMIC_RELAXED) == 0)
			return 0;
		b = (b + 1) & t->bucket_mask;
	}
	return 0;
}

/* The list of key k, or NULL, probing from its home bucket h. */
static inline struct mf_repl_list *
bucket_find(const struct mf_table *t, uint64_t k, uint32_t h)
{
	uint32_t b;
	unsigned int i;

	if (probe(t, k, h, &b, &i) == 0)
		return NULL;
	return __atomic_load_n(&t->buckets[b].list[i], __ATOMIC_ACQUIRE);
}

/* Writer: slot index of live key k, or -1; *home gets its home bucket. */
static int64_t
slot_find(const struct mf_table *t, uint64_t k, uint32_t *home)
{
	uint32_t b;
	unsigned int i;

	*home = key_home(t, k);
	if (probe(t, k, *home, &b, &i) == 0)
		return -1;
	return (int64_t)b * MF_BUCKET_SLOTS + i;
}

/* Slots removed whose grace period is not over yet. */
static inline uint32_t
dead_slots(const struct mf_table *t)
{
	return t->keys_tail - t->keys_head;
}

/* Writer: add delta to the overflow of the buckets from home up to b. */
static void
path_adjust(struct mf_table *t, uint32_t home, uint32_t b, int delta)
{
	for (; home != b; home = (home + 1) & t->bucket_mask) {
		struct mf_bucket *bk = &t->buckets[home];

		/* Relaxed: ordered by the key store that follows or precedes. */
		__atomic_store_n(&bk->overflow,
				(uint32_t)((int64_t)bk->overflow + delta),
				__ATOMIC_RELAXED);
	}
}

/*
 * Writer: store new key k (home bucket home) with list l in the first free
 * slot from its home bucket on.
 */
static int
slot_add(struct mf_table *t, uint64_t k, uint32_t home, struct mf_repl_list *l)
{
	uint32_t b = home;
	uint32_t n;
	unsigned int i;

	for (n = 0; n <= t->bucket_mask; n++) {
		struct mf_bucket *bk = &t->buckets[b];

		for (i = 0; i < MF_BUCKET_SLOTS; i++) {
			if (bk->key[i] != MF_SLOT_FREE)
				continue;
			/*
			 * The path first, then the list: a reader that sees
			 * the key (release store) can reach it and gets l
			 * with everything written into it.
			 */
			path_adjust(t, home, b, 1);
			__atomic_store_n(&bk->list[i], l, __ATOMIC_RELAXED);
			__atomic_store_n(&bk->key[i], k, __ATOMIC_RELEASE);
			return 0;
		}
		b = (b + 1) & t->bucket_mask;
	}
	return -ENOSPC;
}

/* Writer: free dead slot s after its grace period. */
static void
slot_free(struct mf_table *t, uint32_t s)
{
	/* No reader can still hold what the slot had; any order will do. */
	__atomic_store_n(slot_list(t, s), NULL, __ATOMIC_RELAXED);
	__atomic_store_n(slot_key(t, s), MF_SLOT_FREE, __ATOMIC_RELAXED);
}

/* Buckets for max_entries keys: 4/3 as many slots, a power of two. */
static uint32_t
bucket_count(uint32_t max_entries)
{
	uint64_t slots = ((uint64_t)max_entries * MF_TABLE_LOAD_DEN +
			MF_TABLE_LOAD_NUM - 1) / MF_TABLE_LOAD_NUM;
	uint64_t n = (slots + MF_BUCKET_SLOTS - 1) / MF_BUCKET_SLOTS;

	return rte_align32pow2((uint32_t)RTE_MAX(n, 2u));
}

struct mf_table *
mf_table_create(const struct mf_table_params *p)
{
	struct mf_table *t;
	uint32_t n_buckets;

	if (p == NULL || p->name == NULL || p->max_entries < 8 ||
			p->max_entries > MF_TABLE_MAX_ENTRIES ||
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

	n_buckets = bucket_count(p->max_entries);
	t->buckets = rte_zmalloc_socket("mf_table_buckets",
			sizeof(t->buckets[0]) * n_buckets, RTE_CACHE_LINE_SIZE,
			p->socket_id);
	if (t->buckets == NULL) {
		TBL_LOG(ERR, "%s: no memory for %u buckets (%u entries)\n",
				p->name, n_buckets, p->max_entries);
		rte_free(t->keys);
		rte_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	t->bucket_mask = n_buckets - 1;
	/* A per-table seed: keys chosen to collide under one seed do not
	 * collide under another. */
	t->seed = (uint32_t)rte_rand();
	RTE_BUILD_BUG_ON(sizeof(struct mf_bucket) != RTE_CACHE_LINE_SIZE);
	t->hash_bytes = sizeof(t->buckets[0]) * n_buckets + sizeof(*t) +
		sizeof(t->keys[0]) * t->key_cap;
	TBL_LOG(INFO, "%s: %u entries, %u buckets of %u slots (%zu KB)\n",
			p->name, p->max_entries, n_buckets, MF_BUCKET_SLOTS,
			t->hash_bytes >> 10);
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
	const struct mf_repl_list *l;
	struct mf_key key;
	uint32_t i, it = 0;

	if (t == NULL)
		return;
	/* Live slots own their lists; dead slots' lists are retired. */
	while (mf_table_next(t, &it, &key, &l) == 0)
		list_free(t, (struct mf_repl_list *)(uintptr_t)l);
	free_chain(t, t->pend_lists);
	for (i = 0; i < t->b_count; i++)
		free_chain(t, t->batches[(t->b_head + i) %
				MF_TABLE_MAX_BATCHES].lists);
	while (t->slab_chunks != NULL) {
		struct mf_slab_chunk *next = t->slab_chunks->next;

		rte_free(t->slab_chunks);
		t->slab_chunks = next;
	}
	rte_free(t->buckets);
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
	uint16_t flags = l->flags | MF_REPL_F_TTL_ANY;
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
		if (l->oifs[i].ttl_threshold > 1)
			flags &= ~MF_REPL_F_TTL_ANY;
	}
	l->oif_mask = mask;
	l->flags = flags;
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
	uint64_t k = key_u64(src, grp);
	struct mf_repl_list *old;
	uint32_t home;
	int64_t s;
	int ret;

	if (t == NULL || l == NULL || !mf_is_multicast(grp))
		return -EINVAL;
	ret = list_check(t, l);
	if (ret < 0)
		return ret;
	l->key = key;
	l->next_retired = NULL;
	s = slot_find(t, k, &home);
	if (s < 0) {
		/* Dead slots count until their grace period is over. */
		if (t->count + dead_slots(t) >= t->max_entries)
			return -ENOSPC;
		ret = slot_add(t, k, home, l);
		if (ret < 0)
			return ret;
		t->count++;
		t->n_lists++;
		t->lists_bytes += list_size(l);
		return 0;
	}
	old = *slot_list(t, (uint32_t)s);
	carry_stats(l, old);
	/* Release: a reader that loads l sees every field written above. */
	__atomic_store_n(slot_list(t, (uint32_t)s), l, __ATOMIC_RELEASE);
	t->n_lists++;
	t->lists_bytes += list_size(l);
	retire_list(t, old);
	return 0;
}

int
mf_table_remove(struct mf_table *t, uint32_t src, uint32_t grp)
{
	uint64_t k = key_u64(src, grp);
	uint32_t home;
	int64_t s;

	if (t == NULL)
		return -EINVAL;
	if (!mf_is_multicast(grp))
		return -ENOENT;
	s = slot_find(t, k, &home);
	if (s < 0)
		return -ENOENT;
	/*
	 * The key first, then the path: until the key is dead a reader must
	 * still reach it. The list pointer stays for readers that matched
	 * the key just before; the list is retired with the slot.
	 */
	__atomic_store_n(slot_key(t, (uint32_t)s), MF_SLOT_DEAD,
			__ATOMIC_RELEASE);
	path_adjust(t, home, (uint32_t)(s / MF_BUCKET_SLOTS), -1);
	retire_list(t, *slot_list(t, (uint32_t)s));
	t->keys[t->keys_tail % t->key_cap] = (uint32_t)s;
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
		slot_free(t, t->keys[t->keys_head % t->key_cap]);
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
 * Prefetch a line the caller is about to write: PREFETCHW asks for it in
 * the exclusive state, so the write does not need a second request for
 * ownership. (rte_prefetch0_write() is experimental in DPDK 22.11, and
 * with the -march DPDK builds for, GCC turns it into a plain prefetch.)
 * CPUs without PREFETCHW execute it as a no-op.
 */
static inline void
prefetch_w(const void *p)
{
#if defined(RTE_ARCH_X86)
	asm volatile("prefetchw %0" : : "m" (*(const volatile char *)p));
#else
	rte_prefetch0(p);
#endif
}

/*
 * Start loading what the worker reads and writes in l for every packet of
 * the burst, so that the misses of a burst's lists overlap instead of
 * coming one after the other as the worker reaches each packet (at a
 * million routes the lists are not in cache). The header line always; with
 * one worker also the line after it, for writing: for up to 4 oifs that is
 * the start of the worker's counter block, route counters and out_pkts, the
 * only counters a forwarded packet writes (for more oifs it holds the rest of
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
		prefetch_w((const char *)l + RTE_CACHE_LINE_SIZE);
}

unsigned int
mf_table_lookup_bulk(const struct mf_table *t, const struct mf_key *keys,
		unsigned int n, const struct mf_repl_list **lists)
{
	uint32_t home[MF_TABLE_LOOKUP_MAX];
	uint64_t star[MF_TABLE_LOOKUP_MAX];
	uint16_t idx[MF_TABLE_LOOKUP_MAX];
	unsigned int i, m = 0, found = 0;

	if (n > MF_TABLE_LOOKUP_MAX)
		n = MF_TABLE_LOOKUP_MAX;
	/*
	 * Two passes, so that the bucket misses of the burst overlap: start
	 * loading every home bucket, then probe them and start loading the
	 * lists found.
	 */
	for (i = 0; i < n; i++) {
		home[i] = key_home(t, key_u64(keys[i].src, keys[i].grp));
		rte_prefetch0(&t->buckets[home[i]]);
	}
	for (i = 0; i < n; i++) {
		struct mf_repl_list *l = bucket_find(t,
				key_u64(keys[i].src, keys[i].grp), home[i]);

		lists[i] = l;
		if (l != NULL) {
			list_prefetch(t, l);
			found++;
			continue;
		}
		if (keys[i].src == 0)
			continue;
		/* No (S,G): the (*,G) of the same group, in a second pass. */
		star[m] = key_u64(0, keys[i].grp);
		home[m] = key_home(t, star[m]);
		rte_prefetch0(&t->buckets[home[m]]);
		idx[m] = (uint16_t)i;
		m++;
	}
	for (i = 0; i < m; i++) {
		struct mf_repl_list *l = bucket_find(t, star[i], home[i]);

		if (l == NULL)
			continue;
		lists[idx[i]] = l;
		list_prefetch(t, l);
		found++;
	}
	return found;
}

const struct mf_repl_list *
mf_table_lookup_exact(const struct mf_table *t, uint32_t src, uint32_t grp)
{
	uint64_t k = key_u64(src, grp);

	if (!mf_is_multicast(grp))
		return NULL;
	return bucket_find(t, k, key_home(t, k));
}

int
mf_table_next(const struct mf_table *t, uint32_t *iter, struct mf_key *key,
		const struct mf_repl_list **l)
{
	uint32_t n_slots = (t->bucket_mask + 1) * MF_BUCKET_SLOTS;
	uint32_t s;

	for (s = *iter; s < n_slots; s++) {
		uint64_t k = *slot_key(t, s);

		if (k == MF_SLOT_FREE || k == MF_SLOT_DEAD)
			continue;
		*key = key_of(k);
		*l = *slot_list(t, s);
		*iter = s + 1;
		return 0;
	}
	*iter = n_slots;
	return -ENOENT;
}

unsigned int
mf_table_iterate(const struct mf_table *t, mf_table_iter_cb cb, void *arg)
{
	const struct mf_repl_list *l;
	struct mf_key key;
	uint32_t it = 0;
	unsigned int n = 0;

	while (mf_table_next(t, &it, &key, &l) == 0) {
		n++;
		if (cb(&key, l, arg) != 0)
			break;
	}
	return n;
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
		out->retired_keys = dead_slots(t);
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

int
mf_table_audit(const struct mf_table *t)
{
	uint32_t n_buckets = t->bucket_mask + 1;
	uint32_t *want;
	uint32_t live = 0, dead = 0, b, h;
	unsigned int i;
	int ret = 0;

	want = rte_zmalloc("mf_table_audit", sizeof(*want) * n_buckets, 0);
	if (want == NULL)
		return -ENOMEM;
	for (b = 0; b < n_buckets && ret == 0; b++) {
		for (i = 0; i < MF_BUCKET_SLOTS; i++) {
			uint64_t k = t->buckets[b].key[i];

			if (k == MF_SLOT_FREE)
				continue;
			if (k == MF_SLOT_DEAD) {
				dead++;
				continue;
			}
			live++;
			if (bucket_find(t, k, key_home(t, k)) !=
					t->buckets[b].list[i]) {
				TBL_LOG(ERR, "audit: key %#" PRIx64
						" in bucket %u not found\n",
						k, b);
				ret = -EFAULT;
				break;
			}
			for (h = key_home(t, k); h != b;
					h = (h + 1) & t->bucket_mask)
				want[h]++;
		}
	}
	for (b = 0; b < n_buckets && ret == 0; b++)
		if (want[b] != t->buckets[b].overflow) {
			TBL_LOG(ERR, "audit: bucket %u overflow %u, want %u\n",
					b, t->buckets[b].overflow, want[b]);
			ret = -EFAULT;
		}
	if (ret == 0 && (live != t->count || dead != dead_slots(t))) {
		TBL_LOG(ERR, "audit: %u live keys (count %u), %u dead (%u)\n",
				live, t->count, dead, dead_slots(t));
		ret = -EFAULT;
	}
	rte_free(want);
	return ret;
}
