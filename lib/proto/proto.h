/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protocol modules: the table the control lcore walks to create them.
 *
 * Each protocol module (lib/proto/<name>.c) registers with the group
 * manager (lib/mgm/mgm.h) on init and deregisters on fini. Adding a
 * protocol = one file and one line in proto_table.c.
 *
 * Plain C, no EAL, no logging. Every function here runs on the control
 * lcore (the thread that owns the mgm instance), never re-entrantly.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "mgm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct igmp_router;

/**
 * Sends an IGMP packet (a complete IPv4 packet, IP header first) out of
 * port. The control lcore wraps it in an Ethernet header (multicast MAC of
 * the IP destination) and transmits it.
 * @return 0, or a negative errno (counted by the caller).
 */
typedef int (*proto_send_fn)(void *ctx, uint16_t port, const void *ip_pkt,
		uint32_t len);

/** Everything a protocol module may need at creation. */
struct proto_env {
	struct mgm *mgm;		/**< the group manager (required) */
	struct igmp_router *igmp;	/**< the IGMP router (igmp_local) */
	mf_portset_t igmp_ports;	/**< ports IGMP runs on */
	uint16_t proxy_upstream;	/**< proxy upstream, MF_PORT_ANY: none */
	mf_portset_t proxy_downstream;	/**< proxy downstream ports */
	uint32_t port_addr[MF_MAX_PORTS]; /**< port addresses (report source) */
	proto_send_fn send;		/**< packet output (igmp_proxy) */
	void *send_ctx;
	uint64_t seed;			/**< PRNG seed (igmp_proxy delays) */
	uint64_t now_ms;		/**< time of creation */
};

/** One protocol module. */
struct proto_module {
	const char *name;		/**< "igmp_local", "static", ... */
	/**
	 * Create the module from env. *state receives the instance, or NULL
	 * when env does not ask for this module (e.g. no proxy upstream):
	 * that is not an error.
	 * @return 0 or a negative errno.
	 */
	int (*init)(const struct proto_env *env, void **state);
	/** Destroy an instance made by init (NULL is a no-op). */
	void (*fini)(void *state);
};

/** The modules, in creation order (igmp_local first). */
extern const struct proto_module proto_table[];
/** Number of entries of proto_table. */
extern const unsigned int proto_table_len;

/** Instances of every module of proto_table. */
struct proto_set {
	void *state[16];		/**< indexed like proto_table */
};

/**
 * Create every module of proto_table in order. On failure, those already
 * made are destroyed again.
 * @return 0, or the first failing init's error.
 * Thread: control lcore. Cost: the inits.
 */
int
proto_set_create(struct proto_set *set, const struct proto_env *env);

/** Destroy every module, in reverse order. Thread: control lcore. */
void
proto_set_destroy(struct proto_set *set);

/**
 * The instance of the module called name (NULL: no such module, or not
 * configured). Cost: O(table).
 */
void *
proto_set_get(const struct proto_set *set, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* PROTO_H */
