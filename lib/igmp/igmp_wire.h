/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/igmp: wire layout constants and byte helpers shared by
 * the parser and the builders. Not part of the public API.
 */
#ifndef IGMP_WIRE_H
#define IGMP_WIRE_H

#include <stdint.h>

#define IGMP_IPPROTO 2
#define IGMP_IP_HDR_LEN 20		/* IPv4 header without options */
#define IGMP_IP_RA_HDR_LEN 24		/* with the 4-byte Router Alert option */
#define IGMP_HDR_LEN 8			/* v1/v2 message, and the start of every type */
#define IGMP_V3_QUERY_HDR_LEN 12	/* v3 query before its sources */
#define IGMP_V3_REPORT_HDR_LEN 8	/* v3 report before its records */
#define IGMP_V3_GREC_HDR_LEN 8		/* v3 group record before its sources */

#define IGMP_IPOPT_EOL 0
#define IGMP_IPOPT_NOP 1
#define IGMP_IPOPT_RA 148		/* copied flag | class 0 | number 20 (RFC 2113) */
#define IGMP_IPOPT_RA_LEN 4

static inline uint32_t
igmp_get16(const uint8_t *p)
{
	return ((uint32_t)p[0] << 8) | p[1];
}

static inline uint32_t
igmp_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		((uint32_t)p[2] << 8) | p[3];
}

static inline void
igmp_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
igmp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Internet checksum (RFC 1071) of len bytes: the value to store in a zeroed
 * checksum field, or 0 when verifying data that contains a correct checksum.
 */
static inline uint16_t
igmp_cksum(const uint8_t *p, uint32_t len)
{
	uint32_t sum = 0;
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += igmp_get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#endif /* IGMP_WIRE_H */
