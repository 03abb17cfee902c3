/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker -> control records.
 *
 * Each worker owns one single-producer/single-consumer rte_ring of
 * fixed-size 24-byte elements (rte_ring_enqueue_elem / _dequeue_burst_elem
 * with esize = sizeof(struct fp_event)). The worker is the only producer,
 * the control lcore the only consumer. A full ring drops the record (and,
 * for IGMP, returns the message to its pool) and counts ring_full; a worker
 * never blocks.
 */
#ifndef MF_FASTPATH_EVENT_H
#define MF_FASTPATH_EVENT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_ring;

/** Record types. */
enum fp_event_type {
	/**
	 * A parsed, validated IGMP message arrived on port. ptr is a
	 * struct igmp_msg * taken from the worker's igmp_msg mempool; the
	 * consumer returns it with rte_mempool_put(). src and grp: the IP
	 * source and destination of the packet (host order).
	 */
	FP_EV_IGMP = 1,
	/**
	 * Data for (src, grp) arrived on port and was forwarded through an
	 * entry flagged MF_REPL_F_NOTIFY_NEW_SOURCE ((*,G), or an iif-ANY
	 * (S,G)). The control lcore may create the (S,G) entry with port as
	 * incoming port. Rate-limited per worker. ptr is NULL.
	 */
	FP_EV_NEW_SOURCE = 2,
	/**
	 * Data for (src, grp) arrived on port, which is not the incoming port
	 * of the entry it matched; the packet was dropped. Rate-limited per
	 * worker. ptr is NULL.
	 */
	FP_EV_WRONG_IIF = 3,
};

/** fp_event.rx_tsc is the TSC >> this (1024 cycles, ~0.5 us at 2 GHz). */
#define FP_EVENT_TSC_SHIFT 10

/** One record: 24 bytes, naturally aligned. */
struct fp_event {
	uint8_t type;  /**< enum fp_event_type */
	uint8_t pad;
	uint16_t port; /**< DPDK port the packet arrived on */
	uint32_t src;  /**< IPv4 source, host order */
	uint32_t grp;  /**< IPv4 destination / group, host order */
	/**
	 * TSC of the poll that received the packet, shifted right by
	 * FP_EVENT_TSC_SHIFT (wraps; differences of a few seconds are exact
	 * enough): lets the control lcore measure report-to-forwarding time.
	 */
	uint32_t rx_tsc;
	void *ptr;     /**< FP_EV_IGMP: struct igmp_msg *; else NULL */
};

/**
 * Create an SPSC record ring for one worker: rte_ring_create_elem(name,
 * sizeof(struct fp_event), count, socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ).
 *
 * Main lcore at start-up. Cost: one memzone.
 * @param count ring size, a power of two (e.g. 1024)
 * @return the ring, or NULL with rte_errno set.
 */
struct rte_ring *
fp_event_ring_create(const char *name, unsigned int count, int socket_id);

#ifdef __cplusplus
}
#endif

#endif /* MF_FASTPATH_EVENT_H */
