/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RCU group table: (S,G) and (*,G) keys mapped to immutable replication
 * lists.
 *
 * One writer (the control lcore) and any number of lock-free readers (the
 * worker lcores). The table is an open-addressing hash of our own: buckets
 * of one cache line, each with three slots that keep the 8-byte key beside
 * the pointer to its struct mf_repl_list, probed linearly; keys never move
 * (mf_table.c explains the probing and the store order). A list is never
 * changed once published: the writer builds a new list, publishes it (a
 * release store of the pointer, so a reader that sees the pointer sees the
 * list's contents), and retires the old one. Retired lists and the slots of
 * deleted keys are freed by mf_table_reclaim() once every reader registered
 * on the shared rte_rcu_qsbr variable has reported a quiescent state after
 * the retirement.
 *
 * Readers (workers) must:
 *   - be registered on the table's qsv and online while they look up,
 *   - report quiescence (rte_rcu_qsbr_quiescent) between bursts, at a point
 *     where they hold no list pointer.
 * A list pointer returned by mf_table_lookup_bulk() stays valid until the
 * reader's next quiescent report.
 *
 * Counters. Each list carries one counter block per worker (cache-line
 * aligned, so workers never share a line). A worker only ever writes its own
 * block, with plain load + relaxed store (one writer per counter, so no
 * atomic read-modify-write is needed); readers sum the blocks with relaxed
 * loads. When a list replaces another, the writer copies the per-route
 * counters and the per-oif counters of ports present in both lists into the
 * new list before publishing it. Increments a worker makes to the old list
 * between that copy and its next quiescent report are lost (at most one
 * burst per worker).
 *
 * Addresses are IPv4 in host byte order; src 0 means (*,G).
 */
#ifndef MF_TABLE_H
#define MF_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "mgm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mf_table;
struct rte_rcu_qsbr;

/** Magic of a live replication list (allocated, published or not). */
#define MF_REPL_LIST_MAGIC 0x4d46524cu /* "MFRL" */
/** Magic written into a list just before it is freed (use-after-free trap). */
#define MF_REPL_LIST_POISON 0xdeadbeefu

/**
 * List flag: a packet forwarded through this entry makes the worker post a
 * NEW_SOURCE record (rate-limited) so the control lcore creates the (S,G)
 * entry. Set on (*,G) entries and on iif-ANY (S,G) entries.
 */
#define MF_REPL_F_NOTIFY_NEW_SOURCE 0x0001u

/**
 * List flag set by mf_table_publish() (the caller's value is ignored):
 * every oif's ttl_threshold is 0 or 1, so every packet a worker forwards
 * (TTL >= 2) passes all of them and the worker need not compare per oif.
 */
#define MF_REPL_F_TTL_ANY 0x0002u

/** Most workers a table (and each list's counter blocks) supports. */
#define MF_TABLE_MAX_WORKERS 64

/** Most keys one mf_table_lookup_bulk() call takes. */
#define MF_TABLE_LOOKUP_MAX 64

/** Per-route counters (one block per worker inside a list; or a sum). */
struct mf_route_stats {
	uint64_t in_pkts;   /**< packets that matched and passed the iif check */
	uint64_t in_bytes;  /**< their bytes (IP total length) */
	uint64_t wrong_iif; /**< packets that arrived on another port */
	uint64_t ttl_drop;  /**< packets dropped with TTL <= 1 */
};

/** Per-outgoing-interface counters, summed over workers (in a list they
 *  are kept as arrays: mf_repl_list_out_pkts() and the two after it). */
struct mf_oif_stats {
	uint64_t out_pkts;    /**< replicas handed to the port's TX buffer */
	uint64_t ttl_too_low; /**< TTL not above the oif's threshold */
	uint64_t discards;    /**< replica not made (no mbuf) */
};

/** One outgoing interface of a replication list. */
struct mf_repl_oif {
	uint16_t port;          /**< DPDK port id, < MF_MAX_PORTS */
	/**
	 * TTL threshold: a replica leaves this port only when the packet's
	 * arriving TTL is greater than the threshold (mrouted/Linux
	 * semantics; 0 and 1 both mean "any TTL >= 2").
	 */
	uint8_t ttl_threshold;
	uint8_t reserved;
};

/**
 * An immutable replication list: what to do with a packet that matched a
 * key. Allocate with mf_repl_list_alloc(), fill iif, flags, n_oifs,
 * oifs[] and join_stamp, then mf_table_publish(). Never modify a
 * published list, except: workers add to its counter blocks, and the
 * first worker to replicate with it swaps join_stamp to 0 (atomically).
 *
 * Fields after oifs[] (the per-worker counter blocks) are reached through
 * mf_repl_list_route_stats() / mf_repl_list_out_pkts() and its siblings.
 */
struct mf_repl_list {
	uint32_t magic;        /**< MF_REPL_LIST_MAGIC; POISON once freed */
	uint16_t iif;          /**< incoming port, or MF_PORT_ANY */
	uint16_t flags;        /**< MF_REPL_F_* */
	uint16_t n_oifs;       /**< entries used in oifs[] */
	uint16_t max_oifs;     /**< entries allocated in oifs[] (read-only) */
	uint16_t n_workers;    /**< counter blocks (read-only) */
	uint16_t stats_stride; /**< bytes between counter blocks (read-only) */
	uint32_t stats_off;    /**< offset of block 0 from the list (read-only) */
	/**
	 * Join stamp: when the IGMP report that made the control lcore
	 * publish this list reached a worker (rte_rdtsc() >>
	 * FP_EVENT_TSC_SHIFT, never 0), or 0. The first worker to send a
	 * replica with the list swaps it to 0 and counts the time from the
	 * report to that replica (fp_stats join histogram).
	 */
	uint32_t join_stamp;
	struct mf_key key;     /**< set by mf_table_publish() (read-only) */
	mf_portset_t oif_mask; /**< set by mf_table_publish() from oifs[] */
	struct mf_repl_list *next_retired; /**< table-internal */
	struct mf_repl_oif oifs[]; /**< n_oifs outgoing interfaces */
};

/**
 * Worker w's per-route counter block of list l. Worker w writes it (plain
 * load, relaxed store); anyone reads it with relaxed loads.
 * Cost: one add. Any thread.
 */
static inline struct mf_route_stats *
mf_repl_list_route_stats(const struct mf_repl_list *l, unsigned int w)
{
	return (struct mf_route_stats *)(uintptr_t)((const char *)l +
		l->stats_off + (size_t)w * l->stats_stride);
}

/*
 * Worker w's oif counters of list l follow its route counters as three
 * arrays of max_oifs entries: out_pkts, ttl_too_low, discards. out_pkts
 * comes first so that the route counters and the out_pkts of up to four
 * oifs share one cache line, the only counter line a forwarded packet
 * writes; the other two are written only when a replica is not made.
 * Each entry has one writer (worker w: plain load, relaxed store); anyone
 * reads with relaxed loads. Any thread.
 */

/** Worker w's out_pkts of list l, indexed by oif index (< max_oifs). */
static inline uint64_t *
mf_repl_list_out_pkts(const struct mf_repl_list *l, unsigned int w)
{
	return (uint64_t *)(mf_repl_list_route_stats(l, w) + 1);
}

/** Worker w's ttl_too_low of list l, indexed by oif index. */
static inline uint64_t *
mf_repl_list_ttl_too_low(const struct mf_repl_list *l, unsigned int w)
{
	return mf_repl_list_out_pkts(l, w) + l->max_oifs;
}

/** Worker w's discards of list l, indexed by oif index. */
static inline uint64_t *
mf_repl_list_discards(const struct mf_repl_list *l, unsigned int w)
{
	return mf_repl_list_out_pkts(l, w) + 2 * (size_t)l->max_oifs;
}

/** Parameters of mf_table_create(). */
struct mf_table_params {
	const char *name;          /**< name, for logs */
	/**
	 * Most keys at once (8..2^28), a guarantee: the table has at least
	 * 4/3 as many slots. Keys removed but not yet reclaimed still count.
	 */
	uint32_t max_entries;
	int socket_id;             /**< NUMA socket, or SOCKET_ID_ANY */
	/**
	 * RCU variable the workers report on. NULL only when no thread ever
	 * reads concurrently with the writer (tests, single-threaded tools):
	 * then reclaim frees at once.
	 */
	struct rte_rcu_qsbr *qsv;
	uint16_t n_workers;        /**< counter blocks per list, 1..MF_TABLE_MAX_WORKERS */
};

/**
 * Create a table.
 *
 * Control lcore (or the main thread at start-up). Cost: allocates the
 * buckets (64 bytes per three slots, 4/3 slots per entry rounded up to a
 * power of two of buckets: 28 to 57 bytes per entry) and a retire queue of
 * 4 bytes per entry.
 *
 * @return the table, or NULL with rte_errno set (EINVAL bad params,
 *   ENOMEM).
 */
struct mf_table *
mf_table_create(const struct mf_table_params *p);

/**
 * Free the table, every published list and every retired list, without
 * waiting for readers. Call only when no reader can still look up (workers
 * stopped). NULL is ignored.
 */
void
mf_table_free(struct mf_table *t);

/**
 * Allocate an empty replication list with room for n_oifs outgoing
 * interfaces and zeroed counters: magic set, iif = MF_PORT_ANY, flags 0,
 * n_oifs = max_oifs = n_oifs. The caller fills iif, flags, oifs[] (and may
 * lower n_oifs), then publishes it, or frees it with mf_repl_list_free().
 *
 * Control lcore only. Cost: about 64 + 4 * n_oifs + n_workers *
 * roundup64(32 + 24 * n_oifs) bytes; lists up to 1 KB come from the
 * table's slab (a free list, or a new 256 KB rte_malloc chunk), larger ones
 * from rte_zmalloc.
 *
 * @param n_oifs 0..MF_MAX_PORTS
 * @return the list, or NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct mf_repl_list *
mf_repl_list_alloc(struct mf_table *t, uint16_t n_oifs);

/**
 * Free a list that was never published (e.g. after a failed publish).
 * Poisons it first. Control lcore only. NULL is ignored.
 */
void
mf_repl_list_free(struct mf_table *t, struct mf_repl_list *l);

/**
 * Publish list l for key (src, grp): add the key, or replace the list it
 * had. On replace, the old list's per-route counters and the per-oif
 * counters of ports in both lists are copied into l first, and the old list
 * is retired (freed by a later mf_table_reclaim()). On success the table
 * owns l and the caller must not touch it again.
 *
 * Control lcore only (the single writer). Cost: one probe, and on add the
 * overflow counts of the buckets the probe passed; no wait for readers.
 *
 * @return 0; -EINVAL (bad list: wrong magic, n_oifs > max_oifs, oif port
 *   >= MF_MAX_PORTS, iif neither a port nor MF_PORT_ANY, grp not
 *   multicast); -ENOSPC (table full: a removed key's slot counts until
 *   the mf_table_reclaim() after its grace period frees it). On error the
 *   caller still owns l.
 */
int
mf_table_publish(struct mf_table *t, uint32_t src, uint32_t grp,
		struct mf_repl_list *l);

/**
 * Remove key (src, grp). Its list and key slot are retired and freed by a
 * later mf_table_reclaim().
 *
 * Control lcore only. Cost: one probe.
 * @return 0, or -ENOENT.
 */
int
mf_table_remove(struct mf_table *t, uint32_t src, uint32_t grp);

/**
 * Reclaim: take ONE RCU token (rte_rcu_qsbr_start) for everything retired
 * since the previous call, then free the lists and key slots of every
 * earlier batch whose token every reader has passed
 * (rte_rcu_qsbr_check, non-blocking). Call once per control-loop batch.
 *
 * Control lcore only. Cost: O(batches pending + items freed); never waits.
 * @return the number of lists and key slots freed by this call.
 */
unsigned int
mf_table_reclaim(struct mf_table *t);

/**
 * Like mf_table_reclaim() but waits (rte_rcu_qsbr_synchronize) until
 * everything retired so far is freed. For shutdown and tests; the control
 * loop must not call it while workers may be stopped but still online.
 * Control lcore only.
 */
void
mf_table_reclaim_sync(struct mf_table *t);

/**
 * Bulk lookup for a burst: for each key, the list of (src, grp) if
 * present, else the list of (0, grp), else NULL. Keys with src 0 are looked
 * up once. Lock-free.
 *
 * Workers (registered and online on the table's qsv). The returned
 * pointers are valid until the caller's next quiescent report. Cost: a
 * prefetch of every key's home bucket, then one probe each (usually one
 * bucket), then the same for the (*,G) keys of the misses; it also
 * prefetches each list found (its header line, and with one worker the
 * worker's counter lines), so look the whole burst up before using it.
 *
 * @param keys n keys (host order)
 * @param n 1..MF_TABLE_LOOKUP_MAX
 * @param lists out: n list pointers (NULL: no route)
 * @return number of keys that found a list.
 */
unsigned int
mf_table_lookup_bulk(const struct mf_table *t, const struct mf_key *keys,
		unsigned int n, const struct mf_repl_list **lists);

/**
 * Exact lookup of one key (no (*,G) fallback). Control lcore (the writer),
 * or a registered online reader. Cost: one probe.
 * @return the list, or NULL.
 */
const struct mf_repl_list *
mf_table_lookup_exact(const struct mf_table *t, uint32_t src, uint32_t grp);

/** Callback of mf_table_iterate(); return non-zero to stop. */
typedef int (*mf_table_iter_cb)(const struct mf_key *key,
		const struct mf_repl_list *l, void *arg);

/**
 * Call cb for every key in the table (slot order).
 * Control lcore only (the writer; the table must not change meanwhile).
 * @return the number of entries visited.
 */
unsigned int
mf_table_iterate(const struct mf_table *t, mf_table_iter_cb cb, void *arg);

/**
 * Resumable iteration for paged listings: *iter starts at 0.
 * Control lcore only.
 * @return 0 with key and list filled, or -ENOENT at the end.
 */
int
mf_table_next(const struct mf_table *t, uint32_t *iter, struct mf_key *key,
		const struct mf_repl_list **l);

/**
 * Counter blocks per list (the n_workers given at create): worker ids must
 * be below it. Any thread. Cost: O(1).
 */
uint16_t
mf_table_n_workers(const struct mf_table *t);

/** Number of keys in the table. Control lcore. Cost: O(1). */
uint32_t
mf_table_count(const struct mf_table *t);

/** Memory the table accounts for. */
struct mf_table_mem {
	size_t hash_bytes;     /**< buckets, retire queue and table head */
	size_t lists_bytes;    /**< published lists */
	size_t retired_bytes;  /**< retired lists not yet freed */
	uint32_t lists;        /**< published lists */
	uint32_t retired;      /**< retired lists not yet freed */
	uint32_t retired_keys; /**< deleted key slots not yet freed */
	/**
	 * Heap taken by the list slab (chunks of small lists, used or free;
	 * lists_bytes and retired_bytes are the parts in use).
	 */
	size_t slab_bytes;
};

/**
 * Memory use from the table's own accounting. Control lcore. Cost: O(1).
 * @return total bytes (hash + lists + retired); out may be NULL.
 */
size_t
mf_table_memory(const struct mf_table *t, struct mf_table_mem *out);

/**
 * Sum the counters of every worker block of l: route into *route (if not
 * NULL), per-oif into oifs[0..n_oifs-1] (if not NULL). Relaxed loads.
 * Any thread that holds l safely (the writer, or a reader before its next
 * quiescent report). Cost: O(n_workers * n_oifs).
 */
void
mf_repl_list_stats_sum(const struct mf_repl_list *l,
		struct mf_route_stats *route, struct mf_oif_stats *oifs);

/**
 * Counters of the exact key (src, grp), summed over workers.
 * Control lcore only.
 * @param oifs NULL, or room for MF_MAX_PORTS entries (filled in oifs[] order)
 * @param n_oifs out (may be NULL): number of oif entries filled
 * @return 0, or -ENOENT.
 */
int
mf_table_route_stats(const struct mf_table *t, uint32_t src, uint32_t grp,
		struct mf_route_stats *route, struct mf_oif_stats *oifs,
		uint16_t *n_oifs);

/**
 * Check the table's invariants: every live key is found by a lookup from
 * its home bucket; each bucket's overflow count equals the number of live
 * keys whose probe passes it; the key count and the dead slots match the
 * accounting. For tests and debugging.
 *
 * Control lcore only. Cost: O(slots x probe length).
 * @return 0, or -EFAULT with the first broken invariant logged.
 */
int
mf_table_audit(const struct mf_table *t);

#ifdef __cplusplus
}
#endif

#endif /* MF_TABLE_H */
