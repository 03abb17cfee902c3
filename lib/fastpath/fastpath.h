/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker fast path.
 *
 * A worker lcore polls its (port, RX queue) pairs in bursts of FP_BURST and,
 * per packet:
 *   - non-IPv4 or malformed IPv4: dropped, counted (non_ip / bad_ip);
 *   - IGMP (protocol 2): on a port with IGMP off, dropped (igmp_disabled);
 *     beyond the port's IGMP rate (a token bucket per worker and port,
 *     fp_rate.h), dropped before parsing (igmp_rate_limited); otherwise
 *     parsed with igmp_parse() into a struct igmp_msg
 *     from the igmp_msg mempool and posted to the control lcore as an
 *     FP_EV_IGMP record (lib/fastpath/fastpath_event.h); the mbuf is freed;
 *   - IPv4 to 224.0.0.0/24 (link-local) that is not IGMP: dropped, counted;
 *   - other IPv4 multicast: looked up in the group table ((S,G), then
 *     (*,G)), checked against the entry's incoming port (wrong-iif: drop,
 *     rate-limited FP_EV_WRONG_IIF record), TTL <= 1 dropped, TTL
 *     decremented with an incremental checksum update (RFC 1624) once,
 *     then replicated to every outgoing port except the incoming one whose
 *     TTL threshold the packet passes; NOTIFY entries post a rate-limited
 *     FP_EV_NEW_SOURCE record;
 *   - anything else (unicast, broadcast): dropped, counted (other_dropped).
 *
 * Replication never writes into data that replicas share. Per port, once at
 * init, a packet-length threshold is fixed: packets at least that long go
 * out as a per-port Ethernet header mbuf (header pool) chained to the
 * refcounted original payload; shorter ones (and every packet on ports
 * without TX multi-seg) as a full copy (replica pool). Every replica carries
 * the egress port's MAC as Ethernet source. When no chained replica shares
 * the original mbuf, the last replica is the original itself.
 *
 * TX is buffered per port (rte_eth_tx_buffer, FP_BURST packets) and flushed
 * when a buffer fills or drain_us (default 100 us, measured in TSC cycles)
 * has passed since the last flush. Packets the port refuses are freed and
 * counted per port (port_tx_drop).
 *
 * The loop does no malloc, takes no lock, makes no syscall and does not log.
 */
#ifndef MF_FASTPATH_H
#define MF_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>

#include "mgm_types.h"
#include "fastpath_event.h"
#include "fp_hist.h"
#include "fp_rate.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mf_table;
struct rte_ring;
struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_eth_dev_tx_buffer;

/** RX burst size and TX buffer size. */
#define FP_BURST 32
/** Most (port, queue) pairs one worker polls. */
#define FP_MAX_RXQ 64
/**
 * Default chain threshold in bytes (frame length incl. Ethernet header):
 * frames at least this long are chained rather than copied on ports with
 * TX multi-seg. Measured with tests/bench/replicate_bench (worker on
 * net_ring ports, 2.3 GHz VM): at fan-out 4 and 8 copying wins up to 512
 * bytes (by 7-25 %), the two tie around 512-768 and chaining wins from
 * 1024 (6-35 %); at fan-out 2 chaining only wins at 1500. 1024 is where
 * chaining won in every run; below it a copy also spares the NIC a second
 * descriptor per replica.
 */
#define FP_CHAIN_THRESHOLD_DEFAULT 1024
/** A chain threshold that means "always copy". */
#define FP_CHAIN_NEVER UINT32_MAX
/** Default TX drain period. */
#define FP_DRAIN_US_DEFAULT 100
/** Default NEW_SOURCE token bucket: records per second, burst. */
#define FP_NEW_SOURCE_RATE_DEFAULT 1000
#define FP_NEW_SOURCE_BURST_DEFAULT 64
/** Default WRONG_IIF token bucket: records per second, burst. */
#define FP_WRONG_IIF_RATE_DEFAULT 100
#define FP_WRONG_IIF_BURST_DEFAULT 16
/**
 * igmp_bad_by_err[] slots: index = -err - 1 for igmp_parse()'s errors
 * (IGMP_PARSE_ERR_COUNT of them, name from igmp_parse_err_name(err)); the
 * last slot counts anything beyond.
 */
#define FP_IGMP_ERR_SLOTS 20

/**
 * Per-port fast-path parameters, shared by every worker (read-only to
 * them). The app fills one per port in use (fp_port_init()) before the
 * workers start.
 *
 * Start-up fields (port_id, mac, tx_multi_seg, chain_threshold) must not
 * change while workers run.
 *
 * Run-time fields (igmp_*): the control lcore may change each at any time
 * with a plain 32-bit atomic store,
 * __atomic_store_n(&p->igmp_enabled, v, __ATOMIC_RELAXED); workers read
 * them with relaxed loads once per IGMP packet. Each field is independent
 * (a worker may see a new address with an old prefix for one packet, or a
 * new rate with an old burst).
 *
 * The IGMP rate limit applies per worker: a port whose RX queues k workers
 * poll admits up to k * igmp_rate_limit packets per second in all.
 */
struct fp_port {
	uint16_t port_id;          /**< DPDK port id */
	uint8_t tx_multi_seg;      /**< port was configured with TX MULTI_SEGS */
	uint8_t reserved;
	/**
	 * Frames (bytes incl. Ethernet header) at least this long are
	 * chained when tx_multi_seg; FP_CHAIN_NEVER: always copy.
	 */
	uint32_t chain_threshold;
	struct rte_ether_addr mac; /**< Ethernet source of replicas */
	uint16_t reserved2;
	/* Run-time (see above). */
	uint32_t igmp_enabled;     /**< 0: IGMP dropped (counted igmp_disabled) */
	uint32_t igmp_addr;        /**< port's IPv4 address, host order, 0: none */
	uint32_t igmp_prefix_len;  /**< its prefix length, 0..32 */
	uint32_t igmp_require_ra;  /**< 1: reject IGMP without Router Alert */
	/** IGMP packets per second admitted to parsing; 0: unlimited. */
	uint32_t igmp_rate_limit;
	uint32_t igmp_rate_burst;  /**< bucket depth in packets (0 taken as 1) */
};

/**
 * Fill p with defaults for port_id: MAC from rte_eth_macaddr_get(),
 * tx_multi_seg as given, chain_threshold FP_CHAIN_THRESHOLD_DEFAULT,
 * IGMP enabled, no address, prefix 0, Router Alert not required, IGMP
 * rate unlimited (the app sets the configured rate).
 * Main lcore at start-up. Cost: one ethdev call.
 * @return 0, or -EINVAL (bad port id).
 */
int
fp_port_init(struct fp_port *p, uint16_t port_id, bool tx_multi_seg);

/** One (port, RX queue) pair polled by a worker. */
struct fp_rxq {
	uint16_t port;
	uint16_t queue;
};

/** Parameters of fp_worker_init(). */
struct fp_worker_params {
	/**
	 * Worker index, 0..mf_table_n_workers(table)-1: its counter block in
	 * table lists (one writer per block).
	 */
	uint16_t id;
	uint16_t n_rxq;
	struct fp_rxq rxq[FP_MAX_RXQ];
	/** Ports in use, indexed by port id; NULL when unused. Shared. */
	struct fp_port *ports[MF_MAX_PORTS];
	/** This worker's TX queue on each port in use. */
	uint16_t txq[MF_MAX_PORTS];
	struct mf_table *table;
	/** SPSC record ring (fp_event_ring_create()); this worker produces. */
	struct rte_ring *event_ring;
	/**
	 * Optional (NULL: none) SPSC ring of mbufs other lcores (the control
	 * lcore) want sent on a port whose TX queue this worker owns: m->port
	 * is the output port. Drained every poll (up to FP_BURST); the ports
	 * that got injected packets are flushed at once.
	 */
	struct rte_ring *inject_ring;
	/** Pool for copied replicas (data room >= the largest frame; at
	 *  least RTE_PKTMBUF_HEADROOM + 64, else fp_worker_init() fails). */
	struct rte_mempool *replica_pool;
	/** Pool for chain header mbufs (data room RTE_PKTMBUF_HEADROOM + 16
	 *  is enough, and required). */
	struct rte_mempool *header_pool;
	/** Pool of struct igmp_msg (element size >= sizeof(struct igmp_msg)). */
	struct rte_mempool *igmp_msg_pool;
	/** RCU variable of the table, and this worker's thread id on it. */
	struct rte_rcu_qsbr *qsv;
	unsigned int rcu_thread_id;
	uint32_t drain_us;          /**< 0: FP_DRAIN_US_DEFAULT */
	uint32_t new_source_rate;   /**< records/s, 0: default */
	uint32_t new_source_burst;  /**< 0: default */
	uint32_t wrong_iif_rate;    /**< records/s, 0: default */
	uint32_t wrong_iif_burst;   /**< 0: default */
	int socket_id;              /**< for TX buffers */
};

/**
 * Worker counters. Inside a worker each is written only by that worker
 * (plain load + relaxed atomic store: one writer, so no atomic RMW) and read
 * by any thread with relaxed atomic loads. In fp_stats_read() output the
 * totals are consistent per counter, not across counters.
 */
struct fp_stats {
	uint64_t rx;             /**< packets received */
	uint64_t forwarded;      /**< data packets sent to >= 1 port */
	uint64_t replicas;       /**< replicas handed to TX buffers */
	uint64_t replicas_copied;
	uint64_t replicas_chained;
	uint64_t no_route;       /**< multicast data without a table entry */
	uint64_t no_oif;         /**< matched but no port to send to */
	uint64_t wrong_iif;      /**< dropped: arrived on the wrong port */
	uint64_t ttl_drop;       /**< dropped: TTL <= 1 */
	uint64_t ttl_threshold;  /**< replicas not sent: below a port threshold */
	uint64_t tx_drop;        /**< sum of port_tx_drop[] */
	uint64_t igmp_seen;      /**< IGMP packets received */
	uint64_t igmp_posted;    /**< IGMP records posted */
	uint64_t igmp_disabled;  /**< IGMP on a port with IGMP disabled */
	uint64_t igmp_bad;       /**< IGMP rejected by igmp_parse() */
	uint64_t igmp_bad_by_err[FP_IGMP_ERR_SLOTS]; /**< [-err - 1] */
	uint64_t igmp_rate_limited; /**< IGMP dropped by the port's rate limit */
	uint64_t ring_full;      /**< records dropped: event ring full */
	uint64_t new_source_posted;
	uint64_t new_source_suppressed; /**< rate limit */
	uint64_t wrong_iif_posted;
	uint64_t wrong_iif_suppressed;  /**< rate limit */
	uint64_t alloc_fail;     /**< mbuf or igmp_msg allocation failed */
	uint64_t non_ip;         /**< dropped: not IPv4 */
	uint64_t bad_ip;         /**< dropped: malformed IPv4 header */
	uint64_t other_dropped;  /**< dropped: IPv4 not multicast */
	uint64_t link_local;     /**< dropped: data to 224.0.0.0/24 */
	uint64_t injected;       /**< mbufs sent from the inject ring */
	uint64_t port_tx[MF_MAX_PORTS];      /**< handed to the port's TX buffer */
	uint64_t port_tx_drop[MF_MAX_PORTS]; /**< refused by the port, freed */
	/** igmp_rate_limited by receiving port. */
	uint64_t port_igmp_rate_limited[MF_MAX_PORTS];
};

/** Per-port TX state of one worker (internal). */
struct fp_tx_port {
	struct rte_eth_dev_tx_buffer *buf; /**< NULL: port not in use */
	uint16_t port_id;
	uint16_t txq;
	/** Copy below this frame length, chain at or above (per port, once). */
	uint32_t chain_min;
	struct rte_ether_addr mac;
	uint16_t pad;
	struct fp_worker *w;               /**< for the TX error callback */
	/**
	 * The first 16 bytes of a frame (destination MAC, source MAC,
	 * EtherType, 2 bytes of IP) with the source MAC set to mac is
	 * (w & FP_SMAC_KEEP[k]) | smac_or[k] for its two 64-bit words k:
	 * the MAC rewrite of a small copy made in registers.
	 */
	uint64_t smac_or[2];
};

/** Rate limit of one record type: a bucket, its rate and burst fixed at
 *  init (internal). */
struct fp_record_limit {
	struct fp_rate bucket;
	uint32_t rate;       /**< records per second */
	uint32_t burst;
};

/**
 * A worker. Allocate it cache-aligned (rte_zmalloc_socket(...,
 * RTE_CACHE_LINE_SIZE, ...) or fp_worker_create()) and fp_worker_init() it.
 * Fields are internal; read counters with fp_worker_stats_read().
 */
struct fp_worker {
	uint16_t id;
	uint16_t n_rxq;
	unsigned int rcu_thread_id;
	struct fp_rxq rxq[FP_MAX_RXQ];
	struct fp_port *ports[MF_MAX_PORTS];
	struct fp_tx_port tx[MF_MAX_PORTS];
	struct mf_table *table;
	struct rte_ring *event_ring;
	struct rte_ring *inject_ring;
	struct rte_mempool *replica_pool;
	struct rte_mempool *header_pool;
	/** Data room of a fresh replica mbuf: the longest frame a copy holds. */
	uint32_t replica_room;
	struct rte_mempool *igmp_msg_pool;
	struct rte_rcu_qsbr *qsv;
	uint64_t drain_tsc;
	uint64_t last_flush;
	uint64_t now;                 /**< TSC at the start of this poll */
	struct fp_record_limit new_source_tb;
	struct fp_record_limit wrong_iif_tb;
	uint64_t tsc_hz;              /**< rte_get_tsc_hz(), for the buckets */
	struct fp_rate igmp_tb[MF_MAX_PORTS]; /**< IGMP rate, per RX port */
	mf_portset_t tx_ports;        /**< ports with a TX buffer */
	/** Lowest and highest chain_min of the TX ports: a frame shorter
	 *  than the first is copied to every port, one at least as long as
	 *  the second is chained to every port. */
	uint32_t chain_min_lo;
	uint32_t chain_min_hi;
	/** Set by fp_worker_stop() (any thread), read by the worker loop. */
	uint32_t stop __rte_cache_aligned;
	struct fp_stats stats __rte_cache_aligned;
	/** Report -> first replica times of the joins this worker served
	 *  first (struct mf_repl_list join_stamp); written once per join. */
	struct fp_hist join_hist __rte_cache_aligned;
} __rte_cache_aligned;

/**
 * Initialise w from p: copy the parameters, allocate one TX buffer of
 * FP_BURST per port in use (rte_zmalloc_socket), set the TX error callback,
 * register rcu_thread_id on qsv (rte_rcu_qsbr_thread_register). Does not
 * go online.
 *
 * Main lcore, before the worker runs. Cost: MF_MAX_PORTS small allocations.
 * @return 0; -EINVAL (missing table/ring/pools, id not below the
 *   table's n_workers, n_rxq, a polled port without fp_port, a port whose
 *   fp_port.port_id differs, igmp_msg pool elements too small);
 *   -ENOMEM.
 */
int
fp_worker_init(struct fp_worker *w, const struct fp_worker_params *p);

/**
 * Allocate (cache-aligned, on p->socket_id) and fp_worker_init() a worker.
 * @return the worker, or NULL with rte_errno set.
 */
struct fp_worker *
fp_worker_create(const struct fp_worker_params *p);

/**
 * Release what fp_worker_init() allocated and unregister from RCU (the
 * worker must be offline). fp_worker_free() also frees a worker from
 * fp_worker_create(). Main lcore, after the worker stopped. NULL ignored.
 */
void
fp_worker_fini(struct fp_worker *w);
void
fp_worker_free(struct fp_worker *w);

/**
 * Lcore entry point (rte_eal_remote_launch(fp_worker_run, w, lcore)):
 * goes online on RCU, calls fp_worker_poll() until fp_worker_stop(), then
 * flushes TX and goes offline (fp_worker_offline()).
 * @return 0.
 */
int
fp_worker_run(void *arg);

/**
 * Report the calling thread online on the worker's RCU variable. Call on
 * the thread that will poll, before the first fp_worker_poll(), when not
 * using fp_worker_run() (single-lcore mode, tests).
 */
void
fp_worker_online(struct fp_worker *w);

/**
 * Flush every TX buffer and report the worker offline on RCU (so the
 * control lcore's grace periods do not wait for it). Polling thread.
 */
void
fp_worker_offline(struct fp_worker *w);

/**
 * One iteration: drain the inject ring, one RX burst from each (port,
 * queue), process as described above, flush TX buffers whose drain period
 * has passed, and report RCU quiescence. For fp_worker_run() and for the
 * single-lcore mode where the control lcore also forwards.
 *
 * The polling thread only (one thread per worker), online on RCU.
 * Cost: the packets; no malloc, lock, syscall or log.
 */
void
fp_worker_poll(struct fp_worker *w);

/** Flush every TX buffer now. Polling thread. */
void
fp_worker_flush(struct fp_worker *w);

/**
 * Ask fp_worker_run() to return after its current iteration. Any thread;
 * async-signal-safe (one release store).
 */
void
fp_worker_stop(struct fp_worker *w);

/**
 * Copy the worker's counters into out (relaxed atomic loads; tx_drop is
 * the sum of port_tx_drop). Any thread. Cost: ~100 loads.
 */
void
fp_worker_stats_read(const struct fp_worker *w, struct fp_stats *out);

/**
 * Zero the worker's counters. Only safe while the worker is not polling
 * (stopped, or from the polling thread itself); otherwise an increment in
 * flight may survive. Cost: one memset.
 */
void
fp_worker_stats_clear(struct fp_worker *w);

/**
 * The worker's histogram of report -> first replica times (fp_hist.h):
 * for each forwarding list published for an IGMP report, the time from
 * the report's arrival at a worker to the first replica this worker made
 * with the list, when it was the first to replicate with it. Read with
 * fp_hist_pct() from any thread.
 */
static inline const struct fp_hist *
fp_worker_join_hist(const struct fp_worker *w)
{
	return &w->join_hist;
}

/** Zero the join histogram. Any thread (a sample in flight may survive). */
static inline void
fp_worker_join_hist_clear(struct fp_worker *w)
{
	fp_hist_clear(&w->join_hist);
}

#ifdef __cplusplus
}
#endif

#endif /* MF_FASTPATH_H */
