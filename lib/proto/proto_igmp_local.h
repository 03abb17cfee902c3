/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmp_local: binds the IGMP router (lib/igmp) to the group manager as its
 * local-membership source (mgm protocol MGM_PROTO_IGMP).
 *
 * The router's membership op maps onto proto_igmp_local_membership():
 *   GROUP_JOIN/LEAVE     -> (*,G) JOIN added / deleted on the port
 *   SOURCE_JOIN/LEAVE    -> (S,G) JOIN added / deleted
 *   SOURCE_BLOCK/UNBLOCK -> (S,G) SOURCE_BLOCK added / deleted
 * mgm's disable_igmp / enable_igmp callbacks (around an interface
 * ownership change) call igmp_router_set_reporting(port, false / true):
 * the router then re-reports every join and block, which re-adds them.
 *
 * Re-entrancy: a router membership event runs mgm's callbacks before it
 * returns to the router, and the router must not be called from its own
 * callbacks. So no protocol may take or release an interface IGMP runs on
 * from an mgm callback caused by an IGMP membership change (that would
 * deliver disable/enable_igmp, i.e. igmp_router_set_reporting(), inside
 * the router). Ownership changes belong to configuration paths.
 *
 * Plain C; control lcore only.
 */
#ifndef PROTO_IGMP_LOCAL_H
#define PROTO_IGMP_LOCAL_H

#include <stdint.h>

#include "igmp_router.h"
#include "proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct proto_igmp_local;

/** Counters. */
struct proto_igmp_local_stats {
	uint64_t events;	/**< membership events received */
	uint64_t errors;	/**< events mgm refused (other than below) */
	uint64_t stale;		/**< deletes mgm did not know (-ENOENT), as
				 *   after a disable: expected, harmless */
	uint64_t disables;	/**< disable_igmp callbacks */
	uint64_t enables;	/**< enable_igmp callbacks */
};

/**
 * Register IGMP with mgm and take the ports in igmp_ports.
 * @param mgm     group manager
 * @param router  IGMP router (for set_reporting); may be NULL in tests
 * @return the instance, or NULL (errno: ENOMEM, EEXIST when IGMP is
 *   already registered, EINVAL).
 * Thread: control lcore. Cost: O(ports).
 */
struct proto_igmp_local *
proto_igmp_local_create(struct mgm *mgm,
		struct igmp_router *router, mf_portset_t igmp_ports);

/**
 * Release the ports (IGMP's memberships go), deregister, free. NULL is a
 * no-op. Thread: control lcore. Cost: O(memberships).
 */
void
proto_igmp_local_destroy(struct proto_igmp_local *l);

/**
 * The IGMP router's membership op. ctx is the struct proto_igmp_local *.
 * Its type matches struct igmp_router_ops.membership, so it can be
 * plugged in directly (with the instance as the router's ctx) or called
 * from the control lcore's own membership op.
 * Thread: control lcore. Cost: one mgm call.
 */
void
proto_igmp_local_membership(void *ctx, uint16_t port, uint32_t src,
		uint32_t grp, enum igmp_member_event ev);

/**
 * Start running IGMP on a port (mgm_take_interface).
 * @return 0; -EINVAL; -EEXIST (already). Thread: control lcore. Cost: O(1).
 */
int
proto_igmp_local_port_add(struct proto_igmp_local *l, uint16_t port);

/**
 * Stop running IGMP on a port (its memberships there go).
 * @return 0; -EINVAL; -ENOENT (not running there).
 * Thread: control lcore. Cost: O(memberships).
 */
int
proto_igmp_local_port_del(struct proto_igmp_local *l, uint16_t port);

/** The mgm handle (for tests and telemetry). Cost: O(1). */
struct mgm_proto *
proto_igmp_local_handle(const struct proto_igmp_local *l);

/** Copy the counters. Thread: control lcore. Cost: O(1). */
void
proto_igmp_local_get_stats(const struct proto_igmp_local *l,
		struct proto_igmp_local_stats *out);

/**
 * proto_table entry functions (env->mgm, env->igmp, env->igmp_ports):
 * init returns 0 or -errno. Thread: control lcore.
 */
int
proto_igmp_local_init(const struct proto_env *env, void **state);
void
proto_igmp_local_fini(void *state);

#ifdef __cplusplus
}
#endif

#endif /* PROTO_IGMP_LOCAL_H */
