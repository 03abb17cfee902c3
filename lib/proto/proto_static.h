/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * static: static multicast routes, owned by the mgm protocol
 * MGM_PROTO_STATIC like any protocol's state.
 *
 * A route (S or *, G, incoming port, outgoing ports) becomes FORWARD
 * memberships of (S,G) / (*,G) on its outgoing ports and an MFE with the
 * fixed incoming port that never expires. A (*,G) route fixes the (*,G)
 * entry's incoming port. The static protocol does not take interface
 * ownership: its routes work on any port, alongside IGMP and other
 * protocols.
 *
 * Routes come from the config file, from telemetry and from a SIGHUP
 * reload; proto_static_replace() installs a whole new set changing only
 * the routes that differ. Errors are -errno with a one-line message in the
 * caller's buffer.
 *
 * Plain C; control lcore only.
 */
#ifndef PROTO_STATIC_H
#define PROTO_STATIC_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct proto_static;

/** One static route. Addresses host order. */
struct proto_static_route {
	uint32_t src;		/**< 0 for (*,G) */
	uint32_t grp;		/**< multicast, not 224.0.0.0/24 */
	uint16_t in_port;	/**< < MF_MAX_PORTS */
	mf_portset_t oifs;	/**< non-empty, without in_port */
};

/**
 * Register the static protocol with mgm.
 * @return the instance or NULL (errno EEXIST, ENOMEM, EINVAL).
 * Thread: control lcore.
 */
struct proto_static *
proto_static_create(struct mgm *mgm);

/**
 * Remove every route (forwarding state goes with it), deregister, free.
 * NULL is a no-op. Thread: control lcore. Cost: O(routes) mgm calls.
 */
void
proto_static_destroy(struct proto_static *s);

/**
 * Check a route without installing it.
 * @return 0 or -EINVAL with err filled.
 * Thread: any. Cost: O(1).
 */
int
proto_static_check(const struct proto_static_route *r, char *err,
		size_t errlen);

/**
 * Add a route.
 * @return 0; -EINVAL (bad route); -EEXIST (a route with this (S,G)
 *   exists); -ENOMEM. err gets a message on error (may be NULL).
 * Thread: control lcore. Cost: O(log routes + ports) mgm calls.
 */
int
proto_static_add(struct proto_static *s,
		const struct proto_static_route *r, uint64_t now_ms,
		char *err, size_t errlen);

/**
 * Delete the route of (src, grp) (its FORWARD memberships and its MFE).
 * @return 0; -EINVAL (s NULL); -ENOENT (no such route), err filled.
 * Thread: control lcore. Cost: O(routes) memmove plus mgm calls.
 */
int
proto_static_del(struct proto_static *s, uint32_t src, uint32_t grp,
		char *err, size_t errlen);

/**
 * Replace the whole set of routes by routes[0..n). Routes that are the
 * same in both sets are left alone (no forwarding change); changed ones
 * are updated in place (only the ports that differ), new ones added,
 * missing ones deleted. The set is checked first: on -EINVAL (a bad
 * route, or two routes with the same (S,G); err names the index) nothing
 * changes.
 * @param changed  if not NULL, receives the number of routes added,
 *   updated or deleted.
 * @return 0; -EINVAL; -ENOMEM (the set may be half applied).
 * Thread: control lcore. Cost: O((n + routes) log) plus mgm calls for the
 *   differences.
 */
int
proto_static_replace(struct proto_static *s,
		const struct proto_static_route *routes, unsigned int n,
		uint64_t now_ms, unsigned int *changed, char *err,
		size_t errlen);

/** Number of routes. Thread: control lcore. Cost: O(1). */
unsigned int
proto_static_count(const struct proto_static *s);

/**
 * Copy routes in (grp, src) order, from index start (for paging).
 * @return routes written (< max: done).
 * Thread: control lcore. Cost: O(max).
 */
unsigned int
proto_static_list(const struct proto_static *s,
		unsigned int start, struct proto_static_route *out,
		unsigned int max);

/** The mgm handle (NULL for NULL). Thread: control lcore. Cost: O(1). */
struct mgm_proto *
proto_static_handle(const struct proto_static *s);

/**
 * proto_table entry functions: init creates the instance from env->mgm
 * (0 or -errno), fini destroys it. Thread: control lcore.
 */
int
proto_static_init(const struct proto_env *env, void **state);
void
proto_static_fini(void *state);

#ifdef __cplusplus
}
#endif

#endif /* PROTO_STATIC_H */
