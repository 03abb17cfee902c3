/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP router: the router side of RFC 3376 (with IGMPv1/v2 compatibility,
 * RFC 3376 section 7) for every port: querier election, general and
 * specific queries, per-group filter mode, group timer, source records and
 * source timers (RFC 3376 6.4.1 / 6.4.2 / 6.5 / 6.6), v1/v2 host present
 * timers, fast leave and per-port limits.
 *
 * Plain C, no EAL, no logging. The clock is injected: every call that
 * depends on time takes now_ms (milliseconds, monotonic, never decreasing
 * between calls). Addresses are IPv4 in host byte order.
 *
 * The router reports what each port wants through struct igmp_router_ops
 * (desired forwarding state as deltas, see docs/architecture.md "IGMP router
 * -> mgm") and asks for queries to be sent through the same table.
 *
 * Thread safety: one router instance belongs to one thread (the control
 * lcore). Nothing here is thread safe; callbacks are invoked synchronously
 * from inside the calls below and must not call back into the router.
 * Memory: calloc/free, bounded by the per-port limits (max_groups,
 * max_sources_per_group).
 */
#ifndef IGMP_ROUTER_H
#define IGMP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "igmp_codec.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Default IGMP rate limit per port and worker: 1000 packets/s, burst 200.
 * A general query makes every host answer within the Query Response
 * Interval (10 s): 1000/s is 10000 reports per interval, e.g. 4096
 * groups (max_groups) reported by two IGMPv2 hosts each, far more with v3
 * hosts that pack many records per report; the burst of 200 absorbs a
 * host joining many groups at once (each join is sent robustness times).
 * Beyond it a flood costs the worker one bucket check per packet and the
 * control lcore nothing.
 */
#define IGMP_RATE_LIMIT_DEFAULT 1000
#define IGMP_RATE_BURST_DEFAULT 200

/**
 * Per-port IGMP configuration. Times in milliseconds. Start from
 * igmp_port_config_defaults(); change with igmp_port_config_set().
 */
struct igmp_port_config {
	bool enabled;			/**< run IGMP on this port */
	uint8_t version;		/**< 2 or 3: highest version spoken (queries sent, reports understood) */
	uint8_t robustness;		/**< Robustness Variable, 1..7 (RFC 3376 8.1) */
	bool fast_leave;		/**< leave at once, no last member queries (one host per port) */
	bool require_router_alert;	/**< reject v2/v3 messages without Router Alert */
	uint8_t prefix_len;		/**< subnet prefix of address, 0..32 (0: no subnet check) */
	uint32_t address;		/**< port address: query source, election, subnet check */
	uint32_t query_interval_ms;	/**< Query Interval (RFC 3376 8.2) */
	uint32_t query_response_interval_ms; /**< Query Response Interval (8.3), < query interval */
	uint32_t startup_query_interval_ms; /**< Startup Query Interval (8.6) */
	uint32_t startup_query_count;	/**< Startup Query Count (8.7) */
	uint32_t last_member_query_interval_ms; /**< Last Member Query Interval (8.8) */
	uint32_t last_member_query_count; /**< Last Member Query Count (8.9) */
	uint32_t max_groups;		/**< most groups on the port; more are rejected and counted */
	uint32_t max_sources_per_group;	/**< most source records per group; more are rejected and counted */
	/**
	 * IGMP packets per second each worker admits from this port before
	 * parsing them (0: unlimited), and the bucket depth. Enforced by the
	 * fast path (lib/fastpath/fp_rate.h), not by the router.
	 */
	uint32_t igmp_rate_limit;
	uint32_t igmp_rate_burst;
	/* Derived (read-only): recomputed by igmp_port_config_set() and _validate(). */
	uint32_t other_querier_present_ms; /**< robustness * QI + QRI / 2 (8.5) */
	uint32_t group_membership_ms;	/**< GMI = robustness * QI + QRI (8.4); also Older Host Present (8.13) */
	uint32_t last_member_query_time_ms; /**< LMQT = LMQI * LMQC (8.14) */
};

/**
 * Fill c with RFC 3376 section 8 defaults: enabled, version 3, robustness 2,
 * QI 125 s, QRI 10 s, startup QI 31.25 s, startup count 2, LMQI 1 s,
 * LMQC 2, no fast leave, Router Alert not required, address 0/0,
 * max_groups 4096, max_sources_per_group 512, igmp_rate_limit
 * IGMP_RATE_LIMIT_DEFAULT, igmp_rate_burst IGMP_RATE_BURST_DEFAULT,
 * derived fields computed.
 *
 * Thread safety: any thread. Cost: O(1).
 */
void
igmp_port_config_defaults(struct igmp_port_config *c);

/**
 * Set one configuration key from strings, with range checks; derived
 * fields are recomputed. Used by the config file parser and by telemetry
 * (/mcast/igmp/config,<port>,key=value). Keys (integers in decimal):
 *   enabled                        0|1|true|false|yes|no|on|off
 *   version                        2 | 3
 *   robustness                     1 .. 7
 *   query_interval_ms              1000 .. 31744000
 *   query_response_interval_ms     100 .. 3174400 (must end below query_interval_ms: see validate)
 *   startup_query_interval_ms      100 .. 31744000
 *   startup_query_count            1 .. 10
 *   last_member_query_interval_ms  100 .. 3174400
 *   last_member_query_count        1 .. 10
 *   fast_leave                     boolean as for enabled
 *   require_router_alert           boolean as for enabled
 *   max_groups                     1 .. 65536
 *   max_sources_per_group          0 .. 4096
 *   igmp_rate_limit                0 .. 1000000 packets/s (0: unlimited)
 *   igmp_rate_burst                1 .. 65536 packets
 *   address                        dotted quad, optionally "/len" (sets prefix_len too)
 *   prefix_len                     0 .. 32
 * Cross-field rules are checked by igmp_port_config_validate(), not here.
 *
 * @param c
 *   Configuration to change; unchanged on error.
 * @param key, value
 *   NUL-terminated strings.
 * @param err, errlen
 *   Buffer for a one-line message on error (may be NULL / 0).
 * @return
 *   0, -ENOENT for an unknown key, -EINVAL for a bad or out-of-range value.
 *
 * Thread safety: any thread, on its own copy. Cost: O(strlen).
 */
int
igmp_port_config_set(struct igmp_port_config *c, const char *key, const char *value,
	char *err, size_t errlen);

/**
 * Check every range and the cross-field rules (query response interval
 * below query interval), and recompute the derived fields.
 *
 * @return
 *   0, or -EINVAL with a message in err.
 *
 * Thread safety: any thread, on its own copy. Cost: O(1).
 */
int
igmp_port_config_validate(struct igmp_port_config *c, char *err, size_t errlen);

/** Membership changes, as defined in docs/architecture.md ("IGMP router -> mgm"). */
enum igmp_member_event {
	IGMP_MEMBER_GROUP_JOIN = 1,	/**< port wants G from all but blocked sources (src 0) */
	IGMP_MEMBER_GROUP_LEAVE,	/**< reverse of GROUP_JOIN (src 0) */
	IGMP_MEMBER_SOURCE_JOIN,	/**< port wants S on G (INCLUDE-mode source with a running timer) */
	IGMP_MEMBER_SOURCE_LEAVE,	/**< reverse of SOURCE_JOIN */
	IGMP_MEMBER_SOURCE_BLOCK,	/**< EXCLUDE mode: port does not want S on G (source timer 0) */
	IGMP_MEMBER_SOURCE_UNBLOCK,	/**< reverse of SOURCE_BLOCK */
};

/** Callbacks from the router; called synchronously, on the caller's thread. */
struct igmp_router_ops {
	/**
	 * Send a query on port. q and q->srcs are valid during the call only.
	 * Build it with igmp_build_query().
	 */
	void (*send_query)(void *ctx, uint16_t port, const struct igmp_query *q);
	/**
	 * Desired forwarding state changed for (src, grp) on port (src 0 for
	 * group events). Deltas only: never the same state twice in a row, and
	 * the reverse of every reported state before it is forgotten. Within
	 * one change, additions come before removals (GROUP_JOIN first,
	 * GROUP_LEAVE last).
	 */
	void (*membership)(void *ctx, uint16_t port, uint32_t src, uint32_t grp,
		enum igmp_member_event ev);
};

struct igmp_router;

/**
 * Create a router with no ports.
 *
 * @param ops
 *   Callbacks (copied). Either may be NULL (nothing is called).
 * @param ctx
 *   Passed to every callback.
 * @return
 *   The router, or NULL with errno ENOMEM.
 *
 * Thread safety: control lcore. Cost: one allocation.
 */
struct igmp_router *
igmp_router_create(const struct igmp_router_ops *ops, void *ctx);

/**
 * Destroy a router and all its state. No callbacks are made (delete the
 * ports first if the leaves matter). r may be NULL.
 *
 * Thread safety: control lcore. Cost: O(state).
 */
void
igmp_router_destroy(struct igmp_router *r);

/**
 * Add a port. If enabled, the router starts as querier: it sends a general
 * query at once (send_query) and startup_query_count - 1 more every
 * startup_query_interval_ms. A port with address 0 queries from 0.0.0.0
 * and yields to any other querier it hears.
 *
 * @param port
 *   Port id, < MF_MAX_PORTS.
 * @param cfg
 *   Configuration (copied); must pass igmp_port_config_validate().
 * @return
 *   0, -EINVAL (bad port or config), -EEXIST (port already added).
 *
 * Thread safety: control lcore. Cost: O(1) plus the first query.
 */
int
igmp_router_port_add(struct igmp_router *r, uint16_t port, const struct igmp_port_config *cfg,
	uint64_t now_ms);

/**
 * Remove a port: emits the reverse of every state it reported (leaves,
 * unblocks), then frees its groups.
 *
 * @return
 *   0 or -ENOENT.
 *
 * Thread safety: control lcore. Cost: O(groups + sources of the port).
 */
int
igmp_router_port_del(struct igmp_router *r, uint16_t port);

/**
 * Replace a port's configuration at runtime. New timer values apply to
 * timers started from now on. Disabling flushes the port's groups (with
 * leaves) and stops queries; enabling (or changing the address) restarts
 * as querier with startup queries. Lowering max_groups or
 * max_sources_per_group does not drop existing state; it bounds growth.
 *
 * @return
 *   0, -ENOENT (no such port), -EINVAL (cfg fails validation).
 *
 * Thread safety: control lcore. Cost: O(1), or O(port state) when disabling.
 */
int
igmp_router_port_config_set(struct igmp_router *r, uint16_t port,
	const struct igmp_port_config *cfg, uint64_t now_ms);

/**
 * Copy a port's configuration out.
 *
 * @return
 *   0 or -ENOENT.
 *
 * Thread safety: control lcore. Cost: O(1).
 */
int
igmp_router_port_config_get(const struct igmp_router *r, uint16_t port,
	struct igmp_port_config *cfg);

/**
 * Process one parsed message received on port (queries: election and
 * non-querier timer updates; reports and leaves: RFC 3376 6.4 with the
 * section 7 compatibility rules). Runs due timers first. Messages on a
 * disabled or unknown port are ignored. The router does not keep m.
 *
 * @return
 *   0 when processed, -ENOENT for an unknown port, -EAGAIN when ignored
 *   (port disabled, own query, message irrelevant in the port's mode).
 *   Limits hit during processing are counted, not returned.
 *
 * Thread safety: control lcore. Cost: O(records * log(groups) +
 * sources * log(sources)), plus callbacks.
 */
int
igmp_router_input(struct igmp_router *r, uint16_t port, const struct igmp_msg *m,
	uint64_t now_ms);

/**
 * Fire every timer due at now_ms: general and startup queries, Other
 * Querier Present, older version querier present, group and source timers,
 * host present timers, last member query retransmissions.
 *
 * Thread safety: control lcore. Cost: O(1) when nothing is due
 * (now_ms < igmp_router_next_deadline()), otherwise one pass over the
 * groups, visiting the sources only of groups with a timer due.
 */
void
igmp_router_tick(struct igmp_router *r, uint64_t now_ms);

/**
 * Earliest time igmp_router_tick() may have work: a lower bound on the next
 * timer (it can be early after a timer was pushed back; a tick then does
 * nothing but recompute it).
 *
 * @return
 *   Absolute time in ms, or UINT64_MAX when no timer runs.
 *
 * Thread safety: control lcore. Cost: O(1).
 */
uint64_t
igmp_router_next_deadline(const struct igmp_router *r);

/**
 * Turn membership reporting for a port off or on (the group manager's
 * disable/enable IGMP around an interface ownership change). Off: the
 * reverse of every reported state is emitted and no more is reported; the
 * RFC state keeps running. On: every current join and block is reported
 * again. Ports start with reporting on.
 *
 * @return
 *   0 or -ENOENT.
 *
 * Thread safety: control lcore. Cost: O(port state) plus callbacks.
 */
int
igmp_router_set_reporting(struct igmp_router *r, uint16_t port, bool on);

/** Per-port counters. */
struct igmp_port_stats {
	uint64_t queries_sent;		/**< all queries sent (general + specific) */
	uint64_t general_queries_sent;
	uint64_t group_queries_sent;	/**< group-specific (Q(G)) */
	uint64_t group_source_queries_sent; /**< group-and-source-specific (Q(G,A)) */
	uint64_t queries_received;	/**< from other routers */
	uint64_t v1_queries_received;
	uint64_t v2_queries_received;
	uint64_t v3_queries_received;
	uint64_t v1_reports;
	uint64_t v2_reports;
	uint64_t v3_reports;
	uint64_t v3_records;		/**< group records processed */
	uint64_t leaves;		/**< v2 leaves */
	uint64_t ignored;		/**< messages or records ignored (compat mode, disabled) */
	uint64_t groups_over_limit;	/**< groups refused by max_groups */
	uint64_t sources_over_limit;	/**< sources refused by max_sources_per_group */
	uint64_t querier_changes;	/**< times this router became or stopped being querier */
	uint64_t groups_expired;	/**< groups deleted by timers or leaves */
};

/** Snapshot of a port for telemetry. Timers are ms left, 0 = not running. */
struct igmp_port_info {
	uint16_t port;
	bool enabled;
	bool reporting;
	bool is_querier;
	uint8_t version;		/**< configured version (2|3) */
	uint8_t oper_version;		/**< in use: lowered to 1/2 while an older querier is present */
	uint32_t querier_addr;		/**< elected querier (own address when querier) */
	uint64_t other_querier_left_ms;
	uint64_t general_query_left_ms;	/**< next general query (when querier) */
	uint32_t startup_queries_left;
	uint64_t v1_querier_left_ms;	/**< Older Version Querier Present (v1) */
	uint64_t v2_querier_left_ms;	/**< Older Version Querier Present (v2) */
	uint32_t n_groups;
	uint32_t n_sources;		/**< source records over all groups */
	struct igmp_port_stats stats;
};

/**
 * Snapshot a port's state and counters.
 *
 * @return
 *   0 or -ENOENT.
 *
 * Thread safety: control lcore. Cost: O(1).
 */
int
igmp_router_port_info(const struct igmp_router *r, uint16_t port, uint64_t now_ms,
	struct igmp_port_info *out);

/**
 * List a port's groups in increasing address order, starting at the first
 * group >= start_group (page with the last group + 1).
 *
 * @param groups, max
 *   Output array and its capacity.
 * @return
 *   Number of groups written (0 .. max), or -ENOENT for an unknown port.
 *
 * Thread safety: control lcore. Cost: O(log groups + max).
 */
int
igmp_router_groups(const struct igmp_router *r, uint16_t port, uint32_t start_group,
	uint32_t *groups, unsigned int max);

/** Filter mode of a group (RFC 3376 6.2.1). */
enum igmp_filter_mode {
	IGMP_MODE_INCLUDE = 1,
	IGMP_MODE_EXCLUDE = 2,
};

/** One source record of a group. */
struct igmp_source_info {
	uint32_t addr;
	uint64_t timer_left_ms;		/**< 0: timer stopped (EXCLUDE mode: excluded source) */
	uint8_t retransmissions;	/**< pending Q(G,S) retransmissions */
};

/** A group's state. Timers are ms left, 0 = not running. */
struct igmp_group_info {
	uint32_t group;
	uint8_t filter_mode;		/**< enum igmp_filter_mode */
	uint8_t compat_version;		/**< Group Compatibility Mode: 1, 2 or 3 (RFC 3376 7.3.2) */
	uint8_t retransmissions;	/**< pending Q(G) retransmissions */
	uint64_t group_timer_left_ms;
	uint64_t v1_host_left_ms;	/**< IGMPv1 Host Present timer */
	uint64_t v2_host_left_ms;	/**< IGMPv2 Host Present timer */
	uint32_t n_sources;		/**< all source records of the group */
};

/**
 * Snapshot one group and a page of its sources (in address order).
 *
 * @param srcs, src_start, max_srcs
 *   Output array for sources with index >= src_start, and its capacity
 *   (srcs may be NULL when max_srcs is 0).
 * @return
 *   Number of sources written, or -ENOENT (no such port or group).
 *
 * Thread safety: control lcore. Cost: O(log groups + max_srcs).
 */
int
igmp_router_group_info(const struct igmp_router *r, uint16_t port, uint32_t group,
	uint64_t now_ms, struct igmp_group_info *out, struct igmp_source_info *srcs,
	unsigned int src_start, unsigned int max_srcs);

#ifdef __cplusplus
}
#endif

#endif /* IGMP_ROUTER_H */
