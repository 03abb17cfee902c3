/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test shim: plain C functions over EAL, mempools, mbufs, RCU and net_ring
 * ports, so Google Test code (C++) never includes DPDK's inline functions.
 * Test threads only; none of this is for production code.
 */
#ifndef SHIM_EAL_H
#define SHIM_EAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mempool;
struct rte_mbuf;
struct rte_rcu_qsbr;

/**
 * rte_eal_init with "--no-huge -m 512 --no-pci --file-prefix=<prefix>
 * --log-level=lib.eal:error" plus extra arguments. Once per process.
 * @return 0 or -errno.
 */
int shim_eal_init(const char *prefix, const char *const *extra, int n_extra);

/** rte_malloc heap bytes in use, summed over sockets. */
size_t shim_heap_used(void);

/** rte_pktmbuf_pool_create(name, n, cache 0, priv 0, data_room, socket 0). */
struct rte_mempool *shim_pktmbuf_pool(const char *name, unsigned int n,
		uint16_t data_room);
/** rte_mempool_create of n plain elements of elt_size (no cache). */
struct rte_mempool *shim_pool(const char *name, unsigned int n,
		unsigned int elt_size);
/** Objects taken from the pool (rte_mempool_in_use_count). */
unsigned int shim_pool_in_use(const struct rte_mempool *mp);
void shim_pool_free(struct rte_mempool *mp);
/** rte_mempool_put(mp, obj). */
void shim_pool_put(struct rte_mempool *mp, void *obj);
/** rte_mempool_get(mp, &obj): an object, or NULL when the pool is empty. */
void *shim_pool_get(struct rte_mempool *mp);

/**
 * A new mbuf holding len bytes; seg_len > 0 splits them into chained
 * segments of at most seg_len bytes. NULL on failure.
 */
struct rte_mbuf *shim_mbuf_from(struct rte_mempool *mp, const void *bytes,
		uint32_t len, uint32_t seg_len);
/** Copy the packet (all segments) into buf; @return pkt_len. */
uint32_t shim_mbuf_read(const struct rte_mbuf *m, void *buf, uint32_t max);
uint16_t shim_mbuf_refcnt(const struct rte_mbuf *m);
uint16_t shim_mbuf_nb_segs(const struct rte_mbuf *m);
uint16_t shim_mbuf_data_len(const struct rte_mbuf *m);
uint32_t shim_mbuf_pkt_len(const struct rte_mbuf *m);
struct rte_mbuf *shim_mbuf_next(const struct rte_mbuf *m);
const struct rte_mempool *shim_mbuf_pool(const struct rte_mbuf *m);
/** rte_pktmbuf_free. */
void shim_mbuf_free(struct rte_mbuf *m);

/** rte_rcu_qsbr for max_threads, zeroed and initialised; NULL on failure. */
struct rte_rcu_qsbr *shim_qsv_create(unsigned int max_threads);
void shim_qsv_free(struct rte_rcu_qsbr *q);
int shim_qsv_register(struct rte_rcu_qsbr *q, unsigned int tid);
int shim_qsv_unregister(struct rte_rcu_qsbr *q, unsigned int tid);
void shim_qsv_online(struct rte_rcu_qsbr *q, unsigned int tid);
void shim_qsv_offline(struct rte_rcu_qsbr *q, unsigned int tid);
void shim_qsv_quiescent(struct rte_rcu_qsbr *q, unsigned int tid);

/** 32-bit flag shared between test threads (atomic, seq_cst). */
void shim_flag_set(uint32_t *f, uint32_t v);
uint32_t shim_flag_get(const uint32_t *f);

/**
 * Create a net_ring ethdev (rte_eth_from_rings) over two rings the test
 * controls (TX ring of tx_ring_size, a power of two, holding one less),
 * configure one RX and one TX queue (TX MULTI_SEGS when the port
 * offers it) and start it.
 * @return 0 with *port set, or -errno.
 */
int shim_ring_port_create(const char *name, struct rte_mempool *mp,
		unsigned int tx_ring_size, uint16_t *port);
/** Queue mbufs for the port's RX. @return how many were queued. */
unsigned int shim_ring_port_rx_push(uint16_t port, struct rte_mbuf **m,
		unsigned int n);
/** Take what the port transmitted. @return how many. */
unsigned int shim_ring_port_tx_pull(uint16_t port, struct rte_mbuf **m,
		unsigned int max);
/** The port's MAC. @return 0 or -errno. */
int shim_port_mac(uint16_t port, uint8_t mac[6]);
/** 1 when the port offers RTE_ETH_TX_OFFLOAD_MULTI_SEGS. */
int shim_port_multi_seg(uint16_t port);

/** 1 when the IPv4 header at ip (with options) has a valid checksum. */
int shim_ipv4_cksum_ok(const void *ip);
/** The IPv4 header checksum for ip (checksum field treated as 0), network order. */
uint16_t shim_ipv4_cksum(const void *ip);

#ifdef __cplusplus
}
#endif

#endif /* SHIM_EAL_H */
