/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgm: the multicast group manager.
 *
 * Modelled on the Windows RRAS Multicast Group Manager: protocols register
 * with a callback table, take ownership of interfaces (ports), add and
 * delete memberships, and hear about what other protocols do through
 * callbacks. mgm keeps the multicast forwarding entries (MFEs) and derives
 * from all of it the *forwarding view* the control lcore publishes into the
 * group table: for every (S,G) / (*,G) key, the incoming port, the outgoing
 * port set and flags, plus a list of keys that changed.
 *
 * Plain C, no EAL, no clock, no logging, no locks. Time is injected as
 * now_ms (monotonic milliseconds). Addresses are IPv4 in host byte order;
 * src == 0 means (*,G).
 *
 * Threading: an mgm instance belongs to one thread (the control lcore, or
 * a unit test). Every function here must be called from that thread only.
 *
 * Costs below count keys = (S,G) and (*,G) keys held. Keys live in one
 * sequence sorted by (grp, src), cut into blocks of at most 256: lookups
 * are O(log keys); creating or freeing a key moves at most a block's
 * pointers and updates the block index, O(256 + keys / 256) (a new (*,G)
 * among a million keys: 5 to 15 us, tests/bench/route_scale; the plain
 * sorted array it replaced took 250 us there).
 *
 * Callbacks and re-entrancy
 * -------------------------
 * Every callback runs on the caller's thread and never re-entrantly: mgm
 * never invokes a callback while another of its callbacks is running.
 * An API call first applies its state change, then queues the callbacks it
 * causes (FIFO). The outermost API call (the one not made from inside a
 * callback) delivers the queue before it returns. A callback may call any
 * mgm function (except mgm_destroy): the nested call applies its state
 * change at once and returns; the callbacks it causes are appended to the
 * queue and delivered after the current callback returns, in order, still
 * inside the outermost call. The nested call's return value reflects the
 * state change only. A queued callback aimed at a protocol that has
 * deregistered in the meantime is dropped; RPF and creation-alert events
 * for an MFE deleted in the meantime are dropped.
 *
 * Consequently the RPF and creation-alert callbacks of a new MFE are
 * delivered after the MFE exists with its first incoming port; their
 * answers are applied when they return (changing the forwarding view, which
 * is marked dirty again if it differs). All of this happens before the
 * outermost call returns, so the caller sees the settled state.
 *
 * Alert rules (MGM's)
 * -------------------
 * A membership's "receiver protocol" is the protocol that added it, except
 * for IGMP memberships on a port owned by a routing protocol: those count
 * for the owner (which also hears local join / local leave for them).
 * - (*,G) join alert: when the set of receiver protocols of (*,G) goes from
 *   empty to {A}, every registered protocol except A hears join_alert; when
 *   it goes from {A} to {A,B}, only A hears it; a third or later protocol
 *   alerts nobody. Prune alert mirrors: {A,B} -> {A} alerts A; {A} -> empty
 *   alerts every protocol except A.
 * - (S,G) join / prune alert: when (S,G) gains its first receiver protocol
 *   or loses its last, only the routing owner of the MFE's incoming port is
 *   told (the interface towards S), and only if it is not that receiver
 *   protocol itself. With no MFE yet, the join alert is delivered when the
 *   MFE is created (after RPF).
 * Only JOIN memberships count as receivers; FORWARD memberships only add
 * outgoing ports; SOURCE_BLOCK entries only take them away.
 *
 * Outgoing set of a key
 * ---------------------
 * For (S,G):  OIF = U_p [ J_p(S,G) | F_p(S,G) | ((J_p(*,G) | F_p(*,G)) & ~B_p(S,G)) ]
 *             minus the MFE's disabled ports, minus the incoming port,
 * where J_p, F_p and B_p are protocol p's JOIN, FORWARD and SOURCE_BLOCK
 * port sets (so IGMP's EXCLUDE blocks only take away IGMP's own (*,G)
 * ports, never another protocol's). For (*,G): U_p (J_p | F_p), minus the
 * incoming port when a protocol fixed one with mgm_mfe_add().
 *
 * Forwarding view
 * ---------------
 * A key is in the view when it has a membership or block entry or an MFE.
 * iif is the MFE's incoming port, or MF_PORT_ANY without an MFE; an
 * (S,G) with MF_PORT_ANY and every (*,G) carries MGM_FWD_NOTIFY_NEW_SOURCE
 * (the fast path posts a new-source record; the control lcore then calls
 * mgm_new_source()). An (S,G) MFE with an empty outgoing set stays in the
 * view (a negative entry: drop and count) until it expires.
 */
#ifndef MGM_H
#define MGM_H

#include <stdint.h>

#include "mgm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most protocols registered at once. */
#define MGM_MAX_PROTOS 8

/** Protocol ids (RRAS values where one exists). Any other id is fine too. */
#define MGM_PROTO_IGMP       2u	/**< the local-membership source */
#define MGM_PROTO_STATIC     3u
#define MGM_PROTO_IGMP_PROXY 0x100u

/** Default MFE idle timeout (ms) for MFEs made by mgm_new_source(). */
#define MGM_DEFAULT_MFE_TIMEOUT_MS 210000u
/** Default least interval between two wrong-interface callbacks of one MFE. */
#define MGM_DEFAULT_WRONGIF_INTERVAL_MS 1000u

struct mgm;
/** A registered protocol (opaque). */
struct mgm_proto;

/** Membership flavours. */
enum mgm_member_flavour {
	MGM_JOIN = 1,		/**< receivers: an oif and a membership (alerts) */
	MGM_FORWARD = 2,	/**< oif only, no alerts */
	MGM_SOURCE_BLOCK = 3,	/**< (S,G) only: take this port out of the
				 *   protocol's own (*,G) ports for S (EXCLUDE) */
};

/** flags of local_join / local_leave. */
#define MGM_LOCAL_BLOCK 0x1u	/**< the change is an EXCLUDE block of S, not
				 *   a join: local_join = block added,
				 *   local_leave = block removed */

/** Per outgoing port counters of an MFE. */
struct mgm_oif_stats {
	uint16_t port;
	uint64_t out_pkts;
	uint64_t ttl_too_low;
	uint64_t discards;
};

/** MFE counters, filled by the control lcore's mfe_stats callback. */
struct mgm_mfe_stats {
	uint64_t in_pkts;
	uint64_t in_bytes;
	uint64_t wrong_if;
	uint32_t n_oifs;
	struct mgm_oif_stats oif[MF_MAX_PORTS];
};

/**
 * Callbacks of a protocol. Any may be NULL (not interested). ctx is the
 * pointer given at registration. All run on the mgm thread, never
 * re-entrantly (see the top of this file); each may call back into mgm.
 */
struct mgm_proto_ops {
	/** IGMP added receivers ((S,G) or (*,G), or with MGM_LOCAL_BLOCK an
	 *  EXCLUDE block of S) on a port this protocol owns. */
	void (*local_join)(void *ctx, uint16_t port, uint32_t src,
			uint32_t grp, unsigned int flags);
	/** IGMP removed receivers (or a block) on a port this protocol owns. */
	void (*local_leave)(void *ctx, uint16_t port, uint32_t src,
			uint32_t grp, unsigned int flags);
	/** The router gained receivers for (src,grp) (src 0: (*,G)). */
	void (*join_alert)(void *ctx, uint32_t src, uint32_t grp);
	/** The router lost its receivers for (src,grp). */
	void (*prune_alert)(void *ctx, uint32_t src, uint32_t grp);
	/**
	 * A new MFE (src may be 0 for a protocol-made (*,G) MFE). Sent to
	 * each protocol contributing outgoing ports (with the attribution
	 * rule: IGMP's ports on a routed port count for its owner). *oifs
	 * holds this protocol's ports; clearing bits disables forwarding to
	 * those ports on this MFE (until the MFE goes).
	 */
	void (*creation_alert)(void *ctx, uint32_t src, uint32_t grp,
			uint16_t iif, mf_portset_t *oifs);
	/** An MFE went away (expiry, deletion, interface release). Sent to
	 *  the protocols contributing ports, the owner of its incoming port
	 *  and its creator. */
	void (*deletion_alert)(void *ctx, uint32_t src, uint32_t grp);
	/**
	 * RPF check of a new (S,G) MFE whose incoming port this protocol owns.
	 * *iif holds the arrival port; the protocol may change it and set
	 * *upstream (neighbour address, host order; 0 = none). Return 0 to
	 * accept, negative to make the MFE negative (no outgoing ports).
	 */
	int (*rpf)(void *ctx, uint32_t src, uint32_t grp, uint16_t *iif,
			uint32_t *upstream);
	/** Data for (src,grp) arrived on in_port instead of iif (rate-limited
	 *  per MFE); sent to the owner of in_port, else of iif. */
	void (*wrong_interface)(void *ctx, uint32_t src, uint32_t grp,
			uint16_t in_port, uint16_t iif);
	/** IGMP only: mgm removed IGMP's memberships on port (ownership is
	 *  changing); stop reporting there. */
	void (*disable_igmp)(void *ctx, uint16_t port);
	/** IGMP only: ownership of port changed; re-add your memberships. */
	void (*enable_igmp)(void *ctx, uint16_t port);
};

/** Registration of a protocol. */
struct mgm_proto_reg {
	uint32_t proto_id;	/**< MGM_PROTO_IGMP marks the IGMP component */
	uint32_t component_id;	/**< (proto_id, component_id) is unique */
	const struct mgm_proto_ops *ops;	/**< copied; may be NULL */
	void *ctx;		/**< passed to every callback */
};

/** Configuration of an mgm instance. Zeroed fields take defaults. */
struct mgm_config {
	uint32_t mfe_timeout_ms;	/**< idle timeout of mgm_new_source()
					 *   MFEs; 0 = MGM_DEFAULT_MFE_TIMEOUT_MS */
	uint32_t wrongif_interval_ms;	/**< 0 = MGM_DEFAULT_WRONGIF_INTERVAL_MS */
	/**
	 * Counters of a published entry (control lcore: table statistics).
	 * Return 0, or -ENOENT when the entry has no counters (yet). NULL:
	 * no counters, MFEs then expire timeout ms after creation. Called
	 * from mgm_tick() and mgm_mfe_get_stats(); must not call into mgm.
	 */
	int (*mfe_stats)(void *ctx, uint32_t src, uint32_t grp,
			struct mgm_mfe_stats *out);
	void *stats_ctx;
};

/** Flags of a forwarding entry. */
#define MGM_FWD_NOTIFY_NEW_SOURCE 0x1u	/**< post new-source records */
#define MGM_FWD_MFE               0x2u	/**< backed by an MFE */

/** The forwarding view of one key. */
struct mgm_fwd_entry {
	uint16_t iif;		/**< incoming port or MF_PORT_ANY */
	uint16_t pad;
	uint32_t flags;		/**< MGM_FWD_* */
	mf_portset_t oifs;	/**< outgoing ports (never contains iif) */
};

/** What mgm knows about one MFE. */
struct mgm_mfe_info {
	uint32_t src;		/**< 0 for a protocol-made (*,G) MFE */
	uint32_t grp;
	uint16_t iif;
	uint16_t pad;
	uint32_t upstream;	/**< upstream neighbour, 0 = none */
	mf_portset_t oifs;	/**< current outgoing set */
	mf_portset_t disabled;	/**< ports disabled by creation alerts */
	uint64_t created_ms;
	uint64_t last_active_ms; /**< last tick that saw in_pkts move */
	uint32_t timeout_ms;	/**< 0: never expires */
	uint32_t creator_id;	/**< proto_id of the creator, 0 = new source */
	uint64_t wrong_if_records; /**< mgm_wrong_interface() calls */
	uint64_t wrong_if_callbacks; /**< of which delivered to a protocol */
};

/** One membership key as seen by mgm_membership_walk(). */
struct mgm_membership_rec {
	uint32_t src;		/**< 0 = (*,G) */
	uint32_t grp;
	mf_portset_t join;	/**< ports with a JOIN */
	mf_portset_t forward;	/**< ports with a FORWARD */
	mf_portset_t block;	/**< ports with a SOURCE_BLOCK */
};

/**
 * Create a group manager.
 * @param cfg  configuration (copied); NULL for defaults.
 * @return the instance, or NULL (errno ENOMEM).
 * Thread: any, once. Cost: one allocation.
 */
struct mgm *
mgm_create(const struct mgm_config *cfg);

/**
 * Free a group manager and everything in it. No callbacks are made.
 * Must not be called from a callback. NULL is a no-op.
 */
void
mgm_destroy(struct mgm *m);

/**
 * Register a protocol.
 * @param reg  id, component id, callbacks, ctx.
 * @param out  receives the handle.
 * @return 0; -EINVAL (NULL args), -EEXIST (same proto_id and component_id
 *   already registered, or a second MGM_PROTO_IGMP), -ENOSPC (MGM_MAX_PROTOS).
 * Thread: mgm thread. Cost: O(MGM_MAX_PROTOS).
 */
int
mgm_register(struct mgm *m, const struct mgm_proto_reg *reg,
		struct mgm_proto **out);

/**
 * Deregister a protocol. Its memberships and the MFEs it created go (with
 * the usual callbacks to others); its queued callbacks are dropped.
 * @return 0; -EINVAL; -EBUSY while it owns interfaces (IGMP: while it runs
 *   on any interface).
 * Thread: mgm thread. Cost: O(keys).
 */
int
mgm_deregister(struct mgm *m, struct mgm_proto *h);

/** proto_id of a handle (0 for NULL). Cost: O(1). */
uint32_t
mgm_proto_id(const struct mgm_proto *h);

/**
 * Take ownership of a port. A routing protocol becomes the port's owner;
 * IGMP (MGM_PROTO_IGMP) marks that it runs on the port and may share it.
 * When a routing protocol takes a port IGMP runs on, mgm removes IGMP's
 * memberships there (callbacks to the old attribution), queues IGMP's
 * disable_igmp, changes the owner, then queues enable_igmp, on which IGMP
 * re-adds its memberships (now attributed to the new owner).
 * @return 0; -EINVAL (bad port); -EEXIST (h already has it); -EBUSY
 *   (another routing protocol owns it).
 * Thread: mgm thread. Cost: O(keys) when IGMP runs on the port, else O(1).
 */
int
mgm_take_interface(struct mgm *m, struct mgm_proto *h, uint16_t port);

/**
 * Release a port. Removes h's memberships (and blocks) on the port; a
 * routing owner's release also deletes the MFEs whose incoming port it is
 * and that it or new traffic made (they are re-created by new traffic,
 * with the next owner's RPF; other protocols' MFEs stay), and
 * runs the IGMP disable/enable sequence as mgm_take_interface() does.
 * @return 0; -EINVAL; -ENOENT (h does not have the port).
 * Thread: mgm thread. Cost: O(keys).
 */
int
mgm_release_interface(struct mgm *m, struct mgm_proto *h, uint16_t port);

/**
 * Routing owner of a port.
 * @return the owner, or NULL (no routing owner, or bad port).
 * Cost: O(1).
 */
struct mgm_proto *
mgm_interface_owner(const struct mgm *m, uint16_t port);

/** 1 when IGMP runs on port (has taken it), else 0. Cost: O(1). */
int
mgm_interface_igmp(const struct mgm *m, uint16_t port);

/**
 * Add a membership of protocol h: (src,grp) (src 0: (*,G)) on port.
 * MGM_SOURCE_BLOCK needs src != 0. Causes local join, join alerts and
 * forwarding-view changes as described at the top of this file.
 * @return 0; -EINVAL (grp not multicast, bad port, block with src 0);
 *   -EEXIST (h already has this flavour there); -ENOMEM.
 * Thread: mgm thread. Cost: O(log keys) plus O(sources of grp) for (*,G)
 *   changes, plus the callbacks.
 */
int
mgm_add_membership(struct mgm *m, struct mgm_proto *h, uint16_t port,
		uint32_t src, uint32_t grp, enum mgm_member_flavour fl);

/**
 * Delete a membership added with mgm_add_membership().
 * @return 0; -EINVAL; -ENOENT (h has no such membership).
 * Thread: mgm thread. Cost: as mgm_add_membership().
 */
int
mgm_del_membership(struct mgm *m, struct mgm_proto *h, uint16_t port,
		uint32_t src, uint32_t grp, enum mgm_member_flavour fl);

/**
 * Walk membership keys in (grp, src) order, starting after *after (NULL:
 * from the first). Pass h to see only h's memberships, NULL for all.
 * Keys without matching ports are skipped. To list one group G from its
 * (*,G): after = {src = UINT32_MAX, grp = G - 1}; stop when grp != G.
 * @return number of records written to out (< max: the walk is done).
 * Thread: mgm thread. Cost: O(log keys + records).
 */
unsigned int
mgm_membership_walk(const struct mgm *m,
		const struct mgm_proto *h, const struct mf_key *after,
		struct mgm_membership_rec *out, unsigned int max);

/**
 * Group enumeration: groups (distinct G, ascending, after after_grp; 0 for
 * the first) in which h (NULL: any protocol) has a JOIN or FORWARD.
 * @return number of groups written (< max: done).
 * Thread: mgm thread. Cost: O(log keys + keys visited).
 */
unsigned int
mgm_group_enum(const struct mgm *m, const struct mgm_proto *h,
		uint32_t after_grp, uint32_t *grps, unsigned int max);

/* ---- data-plane inputs (control lcore) ---- */

/**
 * A packet from src to grp arrived on in_port through a NOTIFY entry.
 * Creates the (S,G) MFE with iif = in_port and the configured idle
 * timeout, then (queued, in order) runs the RPF callback of in_port's
 * routing owner (which may change iif or make it negative), the (S,G)
 * join alert if it has receivers, and the creation alert of each protocol
 * contributing outgoing ports. Marks the key dirty.
 * @return 0 (created); -EEXIST (the MFE exists: nothing done); -EINVAL
 *   (src 0, grp not multicast, bad port); -ENOENT (grp has no (*,G) and
 *   (S,G) state: stale record); -ENOMEM.
 * Thread: mgm thread. Cost: O(log keys) plus callbacks.
 */
int
mgm_new_source(struct mgm *m, uint32_t src, uint32_t grp,
		uint16_t in_port, uint64_t now_ms);

/**
 * Data for (src,grp) arrived on in_port, not the MFE's iif. Counted; the
 * wrong_interface callback of in_port's owner (else iif's owner) runs at
 * most once per wrongif_interval_ms per MFE.
 * @return 1 (callback delivered or queued), 0 (counted only: rate-limited
 *   or no owner with the callback), -ENOENT (no such MFE), -EINVAL.
 * Thread: mgm thread. Cost: O(log keys).
 */
int
mgm_wrong_interface(struct mgm *m, uint32_t src, uint32_t grp,
		uint16_t in_port, uint64_t now_ms);

/**
 * Expire idle MFEs. For each MFE with a timeout, asks cfg.mfe_stats; when
 * in_pkts moved since the last tick, the MFE is active now; when it has
 * not moved for timeout_ms, the MFE is deleted (deletion alerts, dirty).
 * Call about once a second.
 * @return number of MFEs expired.
 * Thread: mgm thread. Cost: O(keys) walk plus O(MFEs) stats calls, while
 *   any MFE has a timeout; O(1) when none has (static routes only).
 */
unsigned int
mgm_tick(struct mgm *m, uint64_t now_ms);

/**
 * mgm_tick() a slice at a time: checks at most max_keys keys, resuming
 * where the previous call stopped and starting over after the last key
 * (that call stops there). Call it often with a small slice so that no
 * call holds the mgm thread long (the control lcore: 128 keys every 5 ms,
 * ~0.1 ms at most, where a whole pass over 1000 learned MFEs took ~1 ms
 * and delayed the joins arriving meanwhile). An MFE then expires within
 * one pass (keys / max_keys calls) after its timeout. Keys added or
 * removed between calls shift the cursor: a pass may check some keys
 * twice or skip some, which the next pass catches.
 * @return number of MFEs expired.
 * Thread: mgm thread. Cost: O(max_keys) stats calls; O(1) when no MFE
 *   has a timeout.
 */
unsigned int
mgm_tick_some(struct mgm *m, uint64_t now_ms, unsigned int max_keys);

/* ---- MFEs ---- */

/**
 * Create (or take over) an MFE on behalf of protocol h with a fixed
 * incoming port; src 0 makes a (*,G) MFE that fixes the (*,G) entry's iif.
 * No RPF; creation alerts as for any new MFE. timeout_ms 0: never expires.
 * @return 0 created; 1 existed (iif, timeout and creator updated);
 *   -EINVAL; -ENOMEM.
 * Thread: mgm thread. Cost: O(log keys) plus callbacks.
 */
int
mgm_mfe_add(struct mgm *m, struct mgm_proto *h, uint32_t src,
		uint32_t grp, uint16_t iif, uint32_t timeout_ms, uint64_t now_ms);

/**
 * Delete an MFE (deletion alerts; dirty).
 * @return 0; -ENOENT. Thread: mgm thread. Cost: O(log keys).
 */
int
mgm_mfe_delete(struct mgm *m, uint32_t src, uint32_t grp);

/**
 * Get one MFE.
 * @return 0 and *out filled; -ENOENT; -EINVAL.
 * Thread: mgm thread. Cost: O(log keys).
 */
int
mgm_mfe_get(const struct mgm *m, uint32_t src, uint32_t grp,
		struct mgm_mfe_info *out);

/**
 * Walk MFEs in (grp, src) order, starting after *after (NULL: first).
 * Resume with after = the last record's {src, grp}.
 * @return records written (< max: the walk is done).
 * Thread: mgm thread. Cost: O(log keys + keys visited).
 */
unsigned int
mgm_mfe_walk(const struct mgm *m, const struct mf_key *after,
		struct mgm_mfe_info *out, unsigned int max);

/**
 * Counters of an MFE, through cfg.mfe_stats.
 * @return 0; -ENOENT (no MFE); -ENOTSUP (no stats callback); or the
 *   callback's error.
 * Thread: mgm thread. Cost: one callback.
 */
int
mgm_mfe_get_stats(struct mgm *m, uint32_t src, uint32_t grp,
		struct mgm_mfe_stats *out);

/**
 * Set an MFE's incoming port (outgoing set recomputed; dirty if changed).
 * @return 0; -ENOENT; -EINVAL (bad port; MF_PORT_ANY is allowed).
 * Thread: mgm thread. Cost: O(log keys).
 */
int
mgm_mfe_set_iif(struct mgm *m, uint32_t src, uint32_t grp, uint16_t iif);

/** Set an MFE's upstream neighbour. @return 0; -ENOENT. Cost: O(log keys). */
int
mgm_mfe_set_upstream(struct mgm *m, uint32_t src, uint32_t grp,
		uint32_t upstream);

/**
 * Set an MFE's idle timeout (0: never) and restart its idle clock at now.
 * @return 0; -ENOENT. Cost: O(log keys).
 */
int
mgm_mfe_set_timeout(struct mgm *m, uint32_t src, uint32_t grp,
		uint32_t timeout_ms, uint64_t now_ms);

/** Number of MFEs. Cost: O(1). */
unsigned int
mgm_mfe_count(const struct mgm *m);

/* ---- forwarding view (control lcore -> table) ---- */

/**
 * The forwarding entry of (src,grp) (src 0: (*,G)).
 * @return 0 and *e filled; -ENOENT when the key must not be in the table.
 * Thread: mgm thread. Cost: O(log keys).
 */
int
mgm_fwd_get(struct mgm *m, uint32_t src, uint32_t grp,
		struct mgm_fwd_entry *e);

/**
 * Take up to max keys whose forwarding entry changed (added, changed or
 * removed) since they were last drained. A key changed many times between
 * drains appears once. Re-read each with mgm_fwd_get().
 * @return keys written (< max: no more dirty keys).
 * Thread: mgm thread. Cost: O(returned keys), plus a key free (memmove)
 *   for each returned key that no longer holds anything.
 */
unsigned int
mgm_fwd_drain_dirty(struct mgm *m, struct mf_key *keys,
		unsigned int max);

/** Number of dirty keys waiting. Cost: O(1). */
unsigned int
mgm_fwd_dirty_count(const struct mgm *m);

#ifdef __cplusplus
}
#endif

#endif /* MGM_H */
