/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP packet builders: queries (router) and reports/leaves (IGMP proxy),
 * each written as a complete IPv4 packet with both checksums.
 */
#include <errno.h>
#include <string.h>

#include "igmp_codec.h"
#include "igmp_wire.h"
#include "mgm_types.h"

/*
 * Write the IPv4 header (TTL 1, protocol IGMP, DF, TOS 0xc0 as Linux uses
 * for IGMP, optional Router Alert) for igmp_len bytes of payload, and
 * return the header length.
 */
static uint32_t
igmp_put_ip_hdr(uint8_t *p, uint32_t src, uint32_t dst, uint32_t igmp_len, int router_alert)
{
	uint32_t ihl = router_alert ? IGMP_IP_RA_HDR_LEN : IGMP_IP_HDR_LEN;

	p[0] = (uint8_t)(0x40 | (ihl / 4));
	p[1] = 0xc0;
	igmp_put16(p + 2, ihl + igmp_len);
	igmp_put16(p + 4, 0);		/* identification: DF set, never fragmented */
	igmp_put16(p + 6, 0x4000);	/* DF */
	p[8] = 1;			/* TTL */
	p[9] = IGMP_IPPROTO;
	igmp_put16(p + 10, 0);
	igmp_put32(p + 12, src);
	igmp_put32(p + 16, dst);
	if (router_alert) {
		p[20] = IGMP_IPOPT_RA;
		p[21] = IGMP_IPOPT_RA_LEN;
		p[22] = 0;
		p[23] = 0;		/* value 0: "router shall examine packet" */
	}
	igmp_put16(p + 10, igmp_cksum(p, ihl));
	return ihl;
}

/* Fill in the IGMP checksum of the message at p (checksum field zeroed). */
static void
igmp_put_igmp_cksum(uint8_t *p, uint32_t igmp_len)
{
	igmp_put16(p + 2, 0);
	igmp_put16(p + 2, igmp_cksum(p, igmp_len));
}

int
igmp_build_query(void *buf, uint32_t buflen, const struct igmp_query *q)
{
	uint8_t *p = buf;
	uint32_t igmp_len, ihl, dst, code, i;

	if (q == NULL || q->version < 1 || q->version > 3)
		return -EINVAL;
	if (q->group != 0 && !mf_is_multicast(q->group))
		return -EINVAL;
	if (q->n_src > 0 && (q->version != 3 || q->srcs == NULL || q->group == 0))
		return -EINVAL;
	if (q->n_src > IGMP_QUERY_MAX_SRCS || (q->version == 1 && q->group != 0))
		return -EINVAL;
	igmp_len = q->version == 3 ? IGMP_V3_QUERY_HDR_LEN + 4u * q->n_src : IGMP_HDR_LEN;
	if (buf == NULL || buflen < IGMP_IP_RA_HDR_LEN + igmp_len)
		return -ENOSPC;

	dst = q->group == 0 ? IGMP_ALL_SYSTEMS : q->group;
	ihl = igmp_put_ip_hdr(p, q->src, dst, igmp_len, 1);
	p += ihl;
	memset(p, 0, igmp_len);
	p[0] = IGMP_TYPE_QUERY;
	code = q->max_resp_ms / 100;
	if (q->version == 1)
		p[1] = 0;
	else if (q->version == 2)
		p[1] = code > 255 ? 255 : (code == 0 ? 1 : (uint8_t)code);
	else
		p[1] = igmp_code_encode(code == 0 ? 1 : code);
	igmp_put32(p + 4, q->group);
	if (q->version == 3) {
		p[8] = (uint8_t)((q->s_flag ? 0x08 : 0) | (q->qrv <= 7 ? q->qrv : 0));
		p[9] = igmp_code_encode(q->qqi_s);
		igmp_put16(p + 10, q->n_src);
		for (i = 0; i < q->n_src; i++)
			igmp_put32(p + IGMP_V3_QUERY_HDR_LEN + i * 4, q->srcs[i]);
	}
	igmp_put_igmp_cksum(p, igmp_len);
	return (int)(ihl + igmp_len);
}

int
igmp_build_v3_report(void *buf, uint32_t buflen, uint32_t src,
	const struct igmp_report_rec *recs, uint16_t n_recs)
{
	uint8_t *p = buf;
	uint32_t igmp_len = IGMP_V3_REPORT_HDR_LEN;
	uint32_t off, i, s, ihl;

	if (n_recs > 0 && recs == NULL)
		return -EINVAL;
	for (i = 0; i < n_recs; i++) {
		if (recs[i].type < IGMP_REC_IS_IN || recs[i].type > IGMP_REC_BLOCK ||
		    !mf_is_multicast(recs[i].group) ||
		    (recs[i].n_src > 0 && recs[i].srcs == NULL))
			return -EINVAL;
		igmp_len += IGMP_V3_GREC_HDR_LEN + 4u * recs[i].n_src;
	}
	if (buf == NULL || igmp_len > 0xffff - IGMP_IP_RA_HDR_LEN ||
	    buflen < IGMP_IP_RA_HDR_LEN + igmp_len)
		return -ENOSPC;

	ihl = igmp_put_ip_hdr(p, src, IGMP_V3_ROUTERS, igmp_len, 1);
	p += ihl;
	memset(p, 0, IGMP_V3_REPORT_HDR_LEN);
	p[0] = IGMP_TYPE_V3_REPORT;
	igmp_put16(p + 6, n_recs);
	off = IGMP_V3_REPORT_HDR_LEN;
	for (i = 0; i < n_recs; i++) {
		p[off] = recs[i].type;
		p[off + 1] = 0;		/* no aux data */
		igmp_put16(p + off + 2, recs[i].n_src);
		igmp_put32(p + off + 4, recs[i].group);
		off += IGMP_V3_GREC_HDR_LEN;
		for (s = 0; s < recs[i].n_src; s++, off += 4)
			igmp_put32(p + off, recs[i].srcs[s]);
	}
	igmp_put_igmp_cksum(p, igmp_len);
	return (int)(ihl + igmp_len);
}

/* v1/v2 report or leave: one 8-byte message. */
static int
igmp_build_simple(void *buf, uint32_t buflen, uint32_t src, uint32_t dst, uint8_t type,
	uint32_t group, int router_alert)
{
	uint8_t *p = buf;
	uint32_t ihl = router_alert ? IGMP_IP_RA_HDR_LEN : IGMP_IP_HDR_LEN;

	if (!mf_is_multicast(group))
		return -EINVAL;
	if (buf == NULL || buflen < ihl + IGMP_HDR_LEN)
		return -ENOSPC;
	ihl = igmp_put_ip_hdr(p, src, dst, IGMP_HDR_LEN, router_alert);
	p += ihl;
	memset(p, 0, IGMP_HDR_LEN);
	p[0] = type;
	igmp_put32(p + 4, group);
	igmp_put_igmp_cksum(p, IGMP_HDR_LEN);
	return (int)(ihl + IGMP_HDR_LEN);
}

int
igmp_build_v2_report(void *buf, uint32_t buflen, uint32_t src, uint32_t group)
{
	return igmp_build_simple(buf, buflen, src, group, IGMP_TYPE_V2_REPORT, group, 1);
}

int
igmp_build_v2_leave(void *buf, uint32_t buflen, uint32_t src, uint32_t group)
{
	return igmp_build_simple(buf, buflen, src, IGMP_ALL_ROUTERS, IGMP_TYPE_V2_LEAVE,
		group, 1);
}

int
igmp_build_v1_report(void *buf, uint32_t buflen, uint32_t src, uint32_t group)
{
	return igmp_build_simple(buf, buflen, src, group, IGMP_TYPE_V1_REPORT, group, 0);
}
