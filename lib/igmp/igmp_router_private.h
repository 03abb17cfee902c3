/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/igmp: the router's data structures and the functions its
 * files share. Not part of the public API.
 *
 * Timers are absolute deadlines in ms; 0 means "not running" (RFC 3376's
 * timer value 0). In EXCLUDE mode the sources with a running timer are the
 * RFC's X ("Requested List") and those with timer 0 are Y ("Exclude List").
 */
#ifndef IGMP_ROUTER_PRIVATE_H
#define IGMP_ROUTER_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "igmp_router.h"
#include "mgm_types.h"

/* What was last reported to the membership callback for a source. */
enum igmp_reported {
	IGMP_REP_NONE = 0,
	IGMP_REP_JOIN,
	IGMP_REP_BLOCK,
};

struct igmp_src {
	uint32_t addr;
	uint64_t timer;		/* source timer deadline, 0 = stopped */
	uint8_t retrans;	/* pending Q(G,S) transmissions (RFC 3376 6.6.3.2) */
	uint8_t reported;	/* enum igmp_reported */
	uint8_t dead;		/* deleted: reported state is reversed, then freed */
	uint8_t qmark;		/* selected by a "Send Q(G,X)" action being applied */
};

struct igmp_group {
	uint32_t addr;
	uint8_t mode;		/* enum igmp_filter_mode */
	uint8_t reported;	/* GROUP_JOIN is reported */
	uint8_t retrans;	/* pending Q(G) transmissions (RFC 3376 6.6.3.1) */
	uint8_t dead;		/* deleted: reported state is reversed, then freed */
	uint64_t timer;		/* group timer (EXCLUDE mode) */
	uint64_t v1_host;	/* IGMPv1 Host Present timer */
	uint64_t v2_host;	/* IGMPv2 Host Present timer */
	uint64_t q_next;	/* next Q(G) retransmission */
	uint64_t qs_next;	/* next Q(G,S) retransmission */
	uint64_t next_due;	/* earliest of the timers above and the source timers */
	uint32_t n_src;		/* records in srcs, dead ones included */
	uint32_t n_dead;	/* records marked dead, freed by the next settle */
	uint32_t cap_src;
	struct igmp_src *srcs;	/* sorted by addr */
};

struct igmp_port {
	bool present;
	bool reporting;
	bool querier;
	struct igmp_port_config cfg;
	uint32_t querier_addr;
	uint64_t oqp_timer;	/* Other Querier Present */
	uint64_t gq_timer;	/* next general query (querier) */
	uint32_t startup_left;	/* startup queries still to send */
	uint64_t v1_querier;	/* Older Version Querier Present, v1 */
	uint64_t v2_querier;	/* Older Version Querier Present, v2 */
	uint8_t learned_qrv;	/* QRV adopted from the querier (non-querier), 0 = none */
	uint32_t learned_qi_ms;	/* QQI adopted from the querier (non-querier), 0 = none */
	uint32_t n_groups;
	uint32_t cap_groups;
	struct igmp_group **groups; /* sorted by addr */
	uint32_t n_sources;	/* live source records over all groups */
	struct igmp_port_stats stats;
};

struct igmp_router {
	struct igmp_router_ops ops;
	void *ctx;
	uint64_t now;		/* time of the call being processed */
	uint64_t next_deadline;	/* lower bound on the earliest running timer */
	struct igmp_port ports[MF_MAX_PORTS];
	uint32_t scratch[IGMP_MSG_MAX_SRCS]; /* a record's sources, sorted */
	uint32_t qbuf[IGMP_QUERY_MAX_SRCS]; /* sources of the query being sent */
};

/* igmp_timer.c */
void igmp_arm(struct igmp_router *r, uint64_t deadline);
void igmp_timer_set(struct igmp_router *r, uint64_t *timer, uint64_t delta_ms);
uint64_t igmp_timer_left(uint64_t timer, uint64_t now);
void igmp_run_timers(struct igmp_router *r);

/* igmp_querier.c */
uint32_t igmp_port_gmi(const struct igmp_port *p);
uint32_t igmp_port_lmqt(const struct igmp_port *p);
uint8_t igmp_port_oper_version(const struct igmp_port *p);
void igmp_querier_start(struct igmp_router *r, uint16_t port);
void igmp_querier_stop(struct igmp_port *p);
void igmp_querier_input(struct igmp_router *r, uint16_t port, const struct igmp_msg *m);
void igmp_querier_timers(struct igmp_router *r, uint16_t port);
void igmp_send_group_query(struct igmp_router *r, uint16_t port, struct igmp_group *g);
void igmp_send_source_queries(struct igmp_router *r, uint16_t port, struct igmp_group *g);

/* igmp_source.c */
int igmp_src_find(const struct igmp_group *g, uint32_t addr);
struct igmp_src *igmp_src_get(struct igmp_router *r, struct igmp_port *p,
	struct igmp_group *g, uint32_t addr, bool *created);
void igmp_src_kill(struct igmp_group *g, struct igmp_src *s);
void igmp_src_compact(struct igmp_port *p, struct igmp_group *g);
unsigned int igmp_srcset_sort(uint32_t *a, unsigned int n);
bool igmp_srcset_has(const uint32_t *a, unsigned int n, uint32_t addr);

/* igmp_group.c */
int igmp_group_find(const struct igmp_port *p, uint32_t addr, uint32_t *pos);
struct igmp_group *igmp_group_get(struct igmp_router *r, uint16_t port, uint32_t addr,
	bool create);
bool igmp_group_settle(struct igmp_router *r, uint16_t port, struct igmp_group *g);
void igmp_group_flush(struct igmp_router *r, uint16_t port);
void igmp_group_update_due(struct igmp_router *r, struct igmp_group *g);
void igmp_group_settle_all(struct igmp_router *r, uint16_t port);
void igmp_group_timers(struct igmp_router *r, uint16_t port);
void igmp_report_input(struct igmp_router *r, uint16_t port, const struct igmp_msg *m);

#endif /* IGMP_ROUTER_PRIVATE_H */
