/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsers for the parameters of the /mcast telemetry commands: the text
 * after the first comma of a request, comma-separated. Plain C, no EAL, no
 * allocation: unit-testable and fuzzable. Every function fills err with a
 * message meant for the operator ("unknown port 'x'") and returns -EINVAL
 * (or -ENOENT / -E2BIG where said); outputs are written only on success.
 *
 * Thread safety: every function is reentrant (state only in the caller's
 * arguments); the mf_config passed must not change during the call.
 * Cost: O(length of params) unless said otherwise.
 */
#ifndef MF_TM_PARAMS_H
#define MF_TM_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgm_types.h"
#include "mf_config.h"
#include "igmp_router.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most fields of one request (a route with every port as oif fits). */
#define TM_MAX_FIELDS 40
/** Longest params text (telemetry requests are at most 1024 bytes). */
#define TM_PARAMS_MAX 1024

/** Fields of a request, split at commas, trimmed of blanks. */
struct tm_fields {
	unsigned int n;
	char *f[TM_MAX_FIELDS];
	char buf[TM_PARAMS_MAX];
};

/**
 * Split params (NULL or "" give 0 fields) at commas. Blanks around fields
 * are removed.
 * @return 0; -EINVAL ("empty field N" (1-based), "parameters too long");
 *   -E2BIG ("too many parameters").
 */
int
tm_split(const char *params, struct tm_fields *out, char *err, size_t errlen);

/**
 * Check the field count: at least min, at most max.
 * @param what names of the fields in order, for "missing <name>".
 * @return 0 or -EINVAL ("missing port", "too many parameters").
 */
int
tm_count(const struct tm_fields *f, unsigned int min, unsigned int max,
	const char *const *what, char *err, size_t errlen);

/**
 * A port by id or name that is in use (bit set in in_use).
 * @return 0; -EINVAL ("unknown port 'x'").
 * Cost: O(MF_MAX_PORTS).
 */
int
tm_port(const struct mf_config *c, mf_portset_t in_use, const char *s,
	uint16_t *port, char *err, size_t errlen);

/**
 * A group: dotted quad in 224.0.0.0/4. what names it in messages
 * ("group", "start group").
 * @return 0 or -EINVAL ("group '1.2.3' is not an IPv4 address",
 *   "group 10.0.0.1 is not a multicast address").
 */
int
tm_group(const char *s, const char *what, uint32_t *grp, char *err,
	size_t errlen);

/**
 * A source: "*" (gives 0) or a unicast dotted quad.
 * @return 0 or -EINVAL ("source 'x' is not an IPv4 address or '*'",
 *   "source 239.1.1.1 is not a unicast address").
 */
int
tm_source(const char *s, uint32_t *src, char *err, size_t errlen);

/**
 * An unsigned decimal in lo..hi.
 * @return 0 or -EINVAL ("start 'x' is not a number", "start 9 is out of
 *   range 0..5").
 */
int
tm_uint(const char *s, const char *what, uint32_t lo, uint32_t hi,
	uint32_t *v, char *err, size_t errlen);

/** No parameters allowed. @return 0 or -EINVAL ("no parameters expected"). */
int
tm_parse_none(const char *params, char *err, size_t errlen);

/** "<port>". */
int
tm_parse_port(const struct mf_config *c, mf_portset_t in_use,
	const char *params, uint16_t *port, char *err, size_t errlen);

/** "<port>[,<start group>]"; *start is 0 when absent. */
int
tm_parse_port_group_start(const struct mf_config *c, mf_portset_t in_use,
	const char *params, uint16_t *port, uint32_t *start, char *err,
	size_t errlen);

/** "<port>,<group>[,<source index>]"; *src_start is 0 when absent. */
int
tm_parse_port_group(const struct mf_config *c, mf_portset_t in_use,
	const char *params, uint16_t *port, uint32_t *grp,
	uint32_t *src_start, char *err, size_t errlen);

/**
 * "" or "<start group>,<start source|*>" (MFE listing start, inclusive).
 * @param has set to whether a start was given
 */
int
tm_parse_mfe_start(const char *params, bool *has, struct mf_key *start,
	char *err, size_t errlen);

/** "<source|*>,<group>". */
int
tm_parse_sg(const char *params, struct mf_key *key, char *err,
	size_t errlen);

/** "" or "<start index>" (0..max). */
int
tm_parse_index(const char *params, uint32_t max, uint32_t *start, char *err,
	size_t errlen);

/**
 * "<source|*>,<group>,<in port>,<out port>[,<out port>...]", ports by id
 * or name and in use; the rules of mf_config_route_parse() (unicast
 * source, routable multicast group, in port not an out port, no port
 * twice).
 */
int
tm_parse_route(const struct mf_config *c, mf_portset_t in_use,
	const char *params, struct mf_config_route *r, char *err,
	size_t errlen);

/**
 * "<port>[,key=value...]": start from base, apply every key=value with
 * igmp_port_config_set() and then igmp_port_config_validate(). All or
 * nothing: *out is written only when every pair and the result are valid.
 * @param n_set number of key=value pairs (0: a "get")
 * @return 0; -EINVAL ("expected key=value, got 'x'", "unknown key 'x'",
 *   the IGMP module's range message, "key 'x' given twice").
 */
int
tm_parse_igmp_config(const struct mf_config *c, mf_portset_t in_use,
	const char *params, const struct igmp_port_config *base,
	uint16_t *port, struct igmp_port_config *out, unsigned int *n_set,
	char *err, size_t errlen);

/**
 * Only the port of an igmp/config request (the control lcore then reads
 * the port's configuration and calls tm_parse_igmp_config()).
 */
int
tm_parse_igmp_config_port(const struct mf_config *c, mf_portset_t in_use,
	const char *params, uint16_t *port, char *err, size_t errlen);

/** Format a host-order IPv4 address into buf (>= 16 bytes). @return buf */
const char *
tm_ipv4_str(uint32_t a, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* MF_TM_PARAMS_H */
