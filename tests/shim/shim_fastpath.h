/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test shim for lib/fastpath: build a worker from plain parameters, read
 * its counters by name, pop records from its event ring.
 */
#ifndef SHIM_FASTPATH_H
#define SHIM_FASTPATH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mf_table;
struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;
struct rte_mbuf;
struct shim_fp;

/** One port of a test worker (polled on RX queue 0, TX queue 0). */
struct shim_fp_port {
	uint16_t port;
	uint8_t multi_seg;        /**< claim TX multi-seg (chain allowed) */
	uint8_t igmp_enabled;
	uint32_t chain_threshold; /**< 0: FP_CHAIN_THRESHOLD_DEFAULT */
	uint32_t igmp_addr;       /**< host order */
	uint8_t igmp_prefix_len;
	uint8_t igmp_require_ra;
};

struct shim_fp_cfg {
	uint16_t id;
	uint16_t n_ports;
	struct shim_fp_port ports[8];
	struct mf_table *table;
	struct rte_rcu_qsbr *qsv;  /**< may be NULL */
	unsigned int rcu_tid;
	struct rte_mempool *replica_pool;
	struct rte_mempool *header_pool;
	struct rte_mempool *igmp_pool;
	uint32_t drain_us;
	uint32_t new_source_rate, new_source_burst;
	uint32_t wrong_iif_rate, wrong_iif_burst;
	uint8_t with_inject;       /**< give the worker an inject ring */
	unsigned int event_ring_size; /**< worker->control ring; 0: 1024 */
};

/** Create the worker (and its event ring). NULL on failure. */
struct shim_fp *shim_fp_create(const struct shim_fp_cfg *c);
void shim_fp_free(struct shim_fp *f);
/** fp_worker_online / fp_worker_poll / fp_worker_flush / fp_worker_offline. */
void shim_fp_online(struct shim_fp *f);
void shim_fp_poll(struct shim_fp *f);
void shim_fp_flush(struct shim_fp *f);
void shim_fp_offline(struct shim_fp *f);
/** fp_worker_run (blocks until shim_fp_stop). */
int shim_fp_run(struct shim_fp *f);
/** fp_worker_stop. */
void shim_fp_stop(struct shim_fp *f);
/** Change a port's IGMP enable at run time (relaxed atomic store). */
void shim_fp_set_igmp(struct shim_fp *f, uint16_t port, uint32_t enabled,
		uint32_t require_ra);
/** Change a port's IGMP rate limit at run time (relaxed atomic stores). */
void shim_fp_set_igmp_rate(struct shim_fp *f, uint16_t port, uint32_t rate,
		uint32_t burst);

/**
 * A counter of struct fp_stats by field name ("rx", "forwarded", ...,
 * "port_tx", "port_tx_drop", "igmp_bad_by_err" take idx). UINT64_MAX for
 * an unknown name.
 */
uint64_t shim_fp_stat(const struct shim_fp *f, const char *name,
		unsigned int idx);
void shim_fp_stats_clear(struct shim_fp *f);

/** Pop one record. @return 0, or -ENOENT when the ring is empty. */
int shim_fp_event_pop(struct shim_fp *f, uint8_t *type, uint16_t *port,
		uint32_t *src, uint32_t *grp, void **ptr);
/**
 * Queue m on the worker's inject ring for port (sets m->port).
 * @return 0, or -ENOBUFS / -ENOTSUP (no inject ring).
 */
int shim_fp_inject(struct shim_fp *f, uint16_t port, struct rte_mbuf *m);
/** sizeof(struct fp_event). */
unsigned int shim_fp_event_size(void);

#ifdef __cplusplus
}
#endif

#endif /* SHIM_FASTPATH_H */
