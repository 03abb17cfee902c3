/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test shim for lib/table: list filling (the flexible oifs[] array) and a
 * reader loop that behaves like a worker (lookups, counter writes, RCU
 * quiescence) while checking every list it sees for use-after-free.
 */
#ifndef SHIM_TABLE_H
#define SHIM_TABLE_H

#include <stdint.h>

#include "mf_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Set iif, flags and n_oifs of l. */
void shim_list_set(struct mf_repl_list *l, uint16_t iif, uint16_t flags,
		uint16_t n_oifs);
/** Set oif i of l. */
void shim_list_set_oif(struct mf_repl_list *l, unsigned int i, uint16_t port,
		uint8_t ttl_threshold);
uint16_t shim_list_oif_port(const struct mf_repl_list *l, unsigned int i);
uint8_t shim_list_oif_ttl(const struct mf_repl_list *l, unsigned int i);
/** Read l's magic with a volatile load (l may be freed memory). */
uint32_t shim_list_magic(const struct mf_repl_list *l);

/** What shim_table_reader() saw. */
struct shim_reader_result {
	uint64_t loops;     /**< bursts looked up */
	uint64_t hits;      /**< lists seen */
	uint64_t misses;    /**< keys that found no list */
	uint64_t bad_magic; /**< lists whose magic was not MF_REPL_LIST_MAGIC */
	uint64_t bad_key;   /**< lists for another key */
	uint64_t bad_oifs;  /**< oifs[] not the pattern the writer used */
	uint32_t started;   /**< set (shim_flag_set) once online */
};

/**
 * Worker-like reader: registers tid on qsv, goes online, and until *stop
 * is non-zero looks up keys[0..n) in bursts, checks each list (magic, key
 * is the key or its (*,G), oifs[k].port == (oifs[0].port + k) % 32 and
 * ttl_threshold == oifs[0].ttl_threshold), increments its counters in
 * block tid, then reports quiescence. Goes offline and unregisters.
 */
void shim_table_reader(const struct mf_table *t, struct rte_rcu_qsbr *qsv,
		unsigned int tid, const struct mf_key *keys, unsigned int n,
		const uint32_t *stop, struct shim_reader_result *res);

/** Bump worker w's counters of l (as a worker would); for stats tests. */
void shim_list_count(const struct mf_repl_list *l, unsigned int w,
		unsigned int oif, uint64_t pkts, uint64_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* SHIM_TABLE_H */
