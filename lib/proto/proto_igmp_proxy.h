/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmp_proxy: IGMP/MLD-based forwarding (RFC 4605) as an mgm protocol
 * (MGM_PROTO_IGMP_PROXY).
 *
 * One upstream port, the others downstream. The proxy owns all of them in
 * mgm; IGMP keeps running on the downstream ports and its memberships
 * there reach the proxy as local join / local leave. The proxy merges the
 * downstream membership per group (RFC 3376 3.2 merging: any EXCLUDE port
 * makes it EXCLUDE with the intersection of the blocked sources minus the
 * joined ones; otherwise INCLUDE with the union of joined sources) and
 * acts as a host on the upstream port:
 *  - answers upstream queries: general queries with current-state records
 *    of every group, group(-and-source)-specific ones for that group, each
 *    after a random delay in [0, Max Resp Time) (injected clock, seedable
 *    PRNG); a pending general response covers later queries;
 *  - sends unsolicited state-change reports when the merged state of a
 *    group changes: once at once and robustness - 1 more times at random
 *    intervals in (0, unsolicited report interval];
 *  - takes the robustness variable of upstream v3 queries (QRV, RFC 3376
 *    8.1) as its retransmission count;
 *  - speaks IGMPv3 by default, IGMPv2 (reports and leaves) while an
 *    IGMPv2 querier was heard upstream, IGMPv1 while a v1 querier was
 *    (RFC 3376 7.2.1, Older Version Querier Present timeout).
 * Forwarding: for every group with downstream members the proxy adds a
 * FORWARD (*,G) membership on the upstream port, so traffic from
 * downstream senders goes upstream (RFC 4605 4.2) and traffic arriving
 * upstream goes to the joined downstream ports (IGMP's memberships);
 * MFEs made for new sources keep the arrival port as incoming port (the
 * RPF callback accepts it). Traffic from downstream senders to groups with
 * no downstream member is not forwarded upstream (no (*,*) entry).
 *
 * The control lcore hands IGMP messages received on the upstream port to
 * proto_igmp_proxy_input() instead of the IGMP router, and calls
 * proto_igmp_proxy_tick() when proto_igmp_proxy_next_deadline() is due.
 *
 * Plain C; control lcore only.
 */
#ifndef PROTO_IGMP_PROXY_H
#define PROTO_IGMP_PROXY_H

#include <stdint.h>

#include "igmp_codec.h"
#include "proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct proto_igmp_proxy;

/** Defaults (RFC 3376 section 8). */
#define PROTO_PROXY_DEFAULT_ROBUSTNESS 2
#define PROTO_PROXY_DEFAULT_URI_MS 1000		/* v3 Unsolicited Report Interval */
#define PROTO_PROXY_DEFAULT_OLDER_QUERIER_MS 400000 /* RV * QI + QRI */

/** Proxy configuration. Zero fields take the defaults. */
struct proto_igmp_proxy_config {
	uint16_t upstream;		/**< upstream port */
	mf_portset_t downstream;	/**< downstream ports (not upstream) */
	uint32_t src_addr;		/**< IP source of reports (upstream
					 *   port address; 0 allowed) */
	uint8_t robustness;		/**< 1..7, default 2 */
	uint32_t unsolicited_report_interval_ms; /**< default 1000 */
	uint32_t older_querier_timeout_ms; /**< default 400000 */
	uint64_t seed;			/**< PRNG seed (0 is fine) */
	proto_send_fn send_report;	/**< packet output (required) */
	void *send_ctx;
};

/** Counters. */
struct proto_igmp_proxy_stats {
	uint64_t reports_sent;		/**< packets sent (any version) */
	uint64_t v3_reports;
	uint64_t v2_reports;
	uint64_t v1_reports;
	uint64_t leaves;		/**< IGMPv2 leaves sent */
	uint64_t records_sent;		/**< v3 group records sent */
	uint64_t queries_received;
	uint64_t general_queries;
	uint64_t group_queries;		/**< group and group-and-source */
	uint64_t reports_heard;		/**< other hosts' v1/v2 reports */
	uint64_t suppressed;		/**< v1/v2 responses not sent (heard) */
	uint64_t send_errors;
	uint64_t ignored;		/**< messages ignored */
};

/** Merged downstream state of one group. */
struct proto_igmp_proxy_group {
	uint32_t grp;
	uint8_t mode;			/**< IGMP_REC_IS_IN or IGMP_REC_IS_EX */
	uint32_t n_src;
};

/**
 * Create the proxy: register with mgm, take the upstream and downstream
 * ports (IGMP's memberships there are re-added and reach the proxy), and
 * merge the current downstream membership (sending unsolicited reports
 * for it).
 * @return the instance or NULL (errno: EINVAL bad config, EEXIST already
 *   registered, EBUSY a port is owned by another protocol, ENOMEM).
 * Thread: control lcore. Cost: O(ports + memberships).
 */
struct proto_igmp_proxy *
proto_igmp_proxy_create(struct mgm *mgm,
		const struct proto_igmp_proxy_config *cfg, uint64_t now_ms);

/**
 * Leave every group upstream (one state-change report / v2 leave each, no
 * retransmissions), release the ports, deregister, free. NULL: no-op.
 */
void
proto_igmp_proxy_destroy(struct proto_igmp_proxy *p,
		uint64_t now_ms);

/**
 * An IGMP message received on the upstream port (parsed by the worker).
 * Queries schedule responses and track the querier version; v1/v2 reports
 * of other hosts suppress our pending v1/v2 response for that group.
 * @return 0; -EAGAIN (ignored: not relevant to a host).
 * Thread: control lcore. Cost: O(groups) for a general query.
 */
int
proto_igmp_proxy_input(struct proto_igmp_proxy *p,
		const struct igmp_msg *msg, uint64_t now_ms);

/**
 * Send what is due at now_ms (query responses, report retransmissions),
 * expire the older-querier timers.
 * Thread: control lcore. Cost: O(groups) when something is due.
 */
void
proto_igmp_proxy_tick(struct proto_igmp_proxy *p, uint64_t now_ms);

/**
 * Earliest time tick has work (UINT64_MAX: none).
 * Thread: control lcore. Cost: O(groups).
 */
uint64_t
proto_igmp_proxy_next_deadline(const struct proto_igmp_proxy *p);

/** IGMP version spoken upstream at now_ms: 1, 2 or 3. Cost: O(1). */
int
proto_igmp_proxy_version(const struct proto_igmp_proxy *p,
		uint64_t now_ms);

/**
 * Merged state of grp: mode and up to max sources (ascending; srcs may
 * be NULL).
 * @return 0; -EINVAL; -ENOENT (no downstream member).
 * Thread: control lcore. Cost: O(log groups + max).
 */
int
proto_igmp_proxy_group_get(const struct proto_igmp_proxy *p,
		uint32_t grp, struct proto_igmp_proxy_group *out,
		uint32_t *srcs, unsigned int max);

/**
 * Groups with downstream members, ascending, after after_grp (0: first).
 * @return number written (< max: done).
 * Thread: control lcore. Cost: O(groups).
 */
unsigned int
proto_igmp_proxy_groups(const struct proto_igmp_proxy *p,
		uint32_t after_grp, uint32_t *grps, unsigned int max);

/** Copy the counters. Thread: control lcore. Cost: O(1). */
void
proto_igmp_proxy_get_stats(const struct proto_igmp_proxy *p,
		struct proto_igmp_proxy_stats *out);

/** The mgm handle. Cost: O(1). */
struct mgm_proto *
proto_igmp_proxy_handle(const struct proto_igmp_proxy *p);

/**
 * proto_table entry functions. init makes a proxy only when
 * env->proxy_upstream != MF_PORT_ANY (else *state = NULL, return 0), with
 * env->proxy_downstream, env->port_addr[upstream] as report source,
 * env->send, env->seed; returns 0 or -errno. fini leaves the groups
 * upstream and destroys it. Thread: control lcore.
 */
int
proto_igmp_proxy_init(const struct proto_env *env, void **state);
void
proto_igmp_proxy_fini(void *state);

#ifdef __cplusplus
}
#endif

#endif /* PROTO_IGMP_PROXY_H */
