/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types shared by every mcastfwd module: port numbers, port sets and the
 * (S,G) key. Plain C, no EAL; safe to include from C++.
 *
 * Addresses are IPv4 in host byte order. A source of 0 means (*,G).
 */
#ifndef MGM_TYPES_H
#define MGM_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most ports mcastfwd handles (RTE_MAX_ETHPORTS in Debian's DPDK build). */
#define MF_MAX_PORTS 32

/** "No fixed incoming port": a (*,G) or (S,G) entry that accepts any port. */
#define MF_PORT_ANY 0xffff

/** A set of ports: bit p set means port p is in the set. */
typedef uint64_t mf_portset_t;

#define MF_PORTSET_BIT(p) ((mf_portset_t)1 << (p))

/** A forwarding key. src == 0 for (*,G). Host byte order. */
struct mf_key {
	uint32_t src;
	uint32_t grp;
};

/** True when addr (host order) is in 224.0.0.0/4. */
static inline int
mf_is_multicast(uint32_t addr)
{
	return (addr & 0xf0000000u) == 0xe0000000u;
}

/** True when addr (host order) is in 224.0.0.0/24 (link-local, never routed). */
static inline int
mf_is_link_local_multicast(uint32_t addr)
{
	return (addr & 0xffffff00u) == 0xe0000000u;
}

#ifdef __cplusplus
}
#endif

#endif /* MGM_TYPES_H */
