/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP parser and validator (RFC 1112, RFC 2236, RFC 3376), and the
 * Max Resp Code / QQIC codec. Reads the packet byte by byte, so it needs no
 * alignment and no byte-order helpers.
 */
#include <errno.h>
#include <string.h>

#include "igmp_codec.h"
#include "igmp_wire.h"
#include "mgm_types.h"

static const char *const igmp_parse_err_names[IGMP_PARSE_ERR_COUNT] = {
	[-IGMP_PARSE_ERR_TOO_SHORT - 1] = "too_short",
	[-IGMP_PARSE_ERR_IP_HDR_LEN - 1] = "ip_hdr_len",
	[-IGMP_PARSE_ERR_IP_CHECKSUM - 1] = "ip_checksum",
	[-IGMP_PARSE_ERR_TOTAL_LEN - 1] = "total_len",
	[-IGMP_PARSE_ERR_NOT_IGMP - 1] = "not_igmp",
	[-IGMP_PARSE_ERR_FRAGMENT - 1] = "fragment",
	[-IGMP_PARSE_ERR_TTL - 1] = "ttl",
	[-IGMP_PARSE_ERR_IP_OPTION - 1] = "ip_option",
	[-IGMP_PARSE_ERR_NO_ROUTER_ALERT - 1] = "no_router_alert",
	[-IGMP_PARSE_ERR_IGMP_CHECKSUM - 1] = "igmp_checksum",
	[-IGMP_PARSE_ERR_UNKNOWN_TYPE - 1] = "unknown_type",
	[-IGMP_PARSE_ERR_IGMP_LEN - 1] = "igmp_len",
	[-IGMP_PARSE_ERR_GROUP_NOT_MULTICAST - 1] = "group_not_multicast",
	[-IGMP_PARSE_ERR_LINK_LOCAL_GROUP - 1] = "link_local_group",
	[-IGMP_PARSE_ERR_RECORD_LEN - 1] = "record_len",
	[-IGMP_PARSE_ERR_OVERSIZE - 1] = "oversize",
	[-IGMP_PARSE_ERR_DESTINATION - 1] = "destination",
	[-IGMP_PARSE_ERR_SOURCE_SUBNET - 1] = "source_subnet",
};

const char *
igmp_parse_err_name(int err)
{
	if (err == 0)
		return "ok";
	if (err < 0 && err >= -IGMP_PARSE_ERR_COUNT)
		return igmp_parse_err_names[-err - 1];
	return "unknown";
}

uint8_t
igmp_code_encode(uint32_t value)
{
	uint32_t exp;

	if (value < 128)
		return (uint8_t)value;
	if (value >= 31744)	/* (0x0f | 0x10) << (7 + 3) */
		return 0xff;
	/* Smallest exponent whose mantissa (with the implicit 0x10) fits 5 bits. */
	for (exp = 0; exp < 7; exp++)
		if ((value >> (exp + 3)) < 0x20)
			break;
	return (uint8_t)(0x80 | (exp << 4) | ((value >> (exp + 3)) & 0x0f));
}

uint32_t
igmp_code_decode(uint8_t code)
{
	if (code < 128)
		return code;
	return (uint32_t)((code & 0x0f) | 0x10) << (((code >> 4) & 0x07) + 3);
}

/* Is addr on the port's subnet? prefix_len 0 disables the check. */
static int
igmp_on_subnet(uint32_t addr, const struct igmp_parse_policy *pol)
{
	uint32_t mask;

	if (pol->prefix_len == 0)
		return 1;
	mask = pol->prefix_len >= 32 ? 0xffffffffu : ~(0xffffffffu >> pol->prefix_len);
	return (addr & mask) == (pol->port_addr & mask);
}

/*
 * Walk the IP options between byte 20 and ihl. Only Router Alert
 * (RFC 2113: type 148, length 4), NOP and End of Option List are allowed.
 */
static int
igmp_parse_ip_options(const uint8_t *p, uint32_t ihl, uint8_t *router_alert)
{
	uint32_t off = IGMP_IP_HDR_LEN;

	*router_alert = 0;
	while (off < ihl) {
		uint8_t type = p[off];
		uint8_t olen;

		if (type == IGMP_IPOPT_EOL)
			break;
		if (type == IGMP_IPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= ihl)
			return IGMP_PARSE_ERR_IP_OPTION;
		olen = p[off + 1];
		if (olen < 2 || off + olen > ihl)
			return IGMP_PARSE_ERR_IP_OPTION;
		if (type != IGMP_IPOPT_RA || olen != IGMP_IPOPT_RA_LEN)
			return IGMP_PARSE_ERR_IP_OPTION;
		*router_alert = 1;
		off += olen;
	}
	return 0;
}

/* v3 report: group records (RFC 3376 4.2). p points at the IGMP header. */
static int
igmp_parse_v3_report(const uint8_t *p, uint32_t igmp_len, struct igmp_msg *out)
{
	uint32_t n_grec = igmp_get16(p + 6);
	uint32_t off = IGMP_V3_REPORT_HDR_LEN;
	uint32_t i;

	for (i = 0; i < n_grec; i++) {
		uint32_t aux_len, n_src, rec_len, group, s;
		uint8_t type;

		if (off + IGMP_V3_GREC_HDR_LEN > igmp_len)
			return IGMP_PARSE_ERR_RECORD_LEN;
		type = p[off];
		aux_len = (uint32_t)p[off + 1] * 4;
		n_src = igmp_get16(p + off + 2);
		group = igmp_get32(p + off + 4);
		rec_len = IGMP_V3_GREC_HDR_LEN + n_src * 4 + aux_len;
		if (rec_len > igmp_len - off)
			return IGMP_PARSE_ERR_RECORD_LEN;
		if (type < IGMP_REC_IS_IN || type > IGMP_REC_BLOCK) {
			/* Unknown record types are silently ignored (RFC 3376 4.2.12). */
			off += rec_len;
			continue;
		}
		if (!mf_is_multicast(group))
			return IGMP_PARSE_ERR_GROUP_NOT_MULTICAST;
		if (mf_is_link_local_multicast(group))
			return IGMP_PARSE_ERR_LINK_LOCAL_GROUP;
		if (out->n_recs >= IGMP_MSG_MAX_RECS ||
		    n_src > (uint32_t)IGMP_MSG_MAX_SRCS - out->n_srcs)
			return IGMP_PARSE_ERR_OVERSIZE;
		out->recs[out->n_recs].type = type;
		out->recs[out->n_recs].group = group;
		out->recs[out->n_recs].n_src = (uint16_t)n_src;
		out->recs[out->n_recs].first_src = out->n_srcs;
		for (s = 0; s < n_src; s++)
			out->srcs[out->n_srcs + s] =
				igmp_get32(p + off + IGMP_V3_GREC_HDR_LEN + s * 4);
		out->n_srcs = (uint16_t)(out->n_srcs + n_src);
		out->n_recs++;
		off += rec_len;
	}
	return 0;
}

/* Queries: version by length and Max Resp Code (RFC 3376 7.1). */
static int
igmp_parse_query(const uint8_t *p, uint32_t igmp_len, struct igmp_msg *out)
{
	uint8_t code = p[1];
	uint32_t n_src, s;

	out->kind = IGMP_MSG_QUERY;
	out->group = igmp_get32(p + 4);
	if (igmp_len == IGMP_HDR_LEN) {
		if (code == 0) {
			out->version = 1;
			/* v1 queries carry no Max Resp Time: hosts use 10 s. */
			out->max_resp_ms = 10000;
		} else {
			out->version = 2;
			out->max_resp_ms = (uint32_t)code * 100;
		}
	} else if (igmp_len >= IGMP_V3_QUERY_HDR_LEN) {
		out->version = 3;
		out->max_resp_ms = igmp_code_decode(code) * 100;
		out->s_flag = (p[8] >> 3) & 1;
		out->qrv = p[8] & 0x07;
		out->qqi_s = igmp_code_decode(p[9]);
		n_src = igmp_get16(p + 10);
		if (n_src * 4 > igmp_len - IGMP_V3_QUERY_HDR_LEN)
			return IGMP_PARSE_ERR_RECORD_LEN;
		if (n_src > IGMP_MSG_MAX_SRCS)
			return IGMP_PARSE_ERR_OVERSIZE;
		for (s = 0; s < n_src; s++)
			out->srcs[s] = igmp_get32(p + IGMP_V3_QUERY_HDR_LEN + s * 4);
		out->n_srcs = (uint16_t)n_src;
	} else {
		/* 9 to 11 bytes: silently ignored by RFC 3376 7.1. */
		return IGMP_PARSE_ERR_IGMP_LEN;
	}
	if (out->group != 0 && !mf_is_multicast(out->group))
		return IGMP_PARSE_ERR_GROUP_NOT_MULTICAST;
	if (out->group == 0 && out->n_srcs != 0)
		return IGMP_PARSE_ERR_GROUP_NOT_MULTICAST;
	return 0;
}

int
igmp_parse(const void *ip_hdr, uint32_t len, const struct igmp_parse_policy *pol,
	struct igmp_msg *out)
{
	const uint8_t *ip = ip_hdr;
	const uint8_t *p;
	uint32_t ihl, total, igmp_len, frag;
	uint8_t ra;
	int ret;

	if (len < IGMP_IP_HDR_LEN + IGMP_HDR_LEN)
		return IGMP_PARSE_ERR_TOO_SHORT;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < IGMP_IP_HDR_LEN || ihl > len)
		return IGMP_PARSE_ERR_IP_HDR_LEN;
	if (igmp_cksum(ip, ihl) != 0)
		return IGMP_PARSE_ERR_IP_CHECKSUM;
	total = igmp_get16(ip + 2);
	if (total > len || total < ihl + IGMP_HDR_LEN)
		return IGMP_PARSE_ERR_TOTAL_LEN;
	if (ip[9] != IGMP_IPPROTO)
		return IGMP_PARSE_ERR_NOT_IGMP;
	frag = igmp_get16(ip + 6);
	if ((frag & 0x3fff) != 0)	/* MF or a fragment offset */
		return IGMP_PARSE_ERR_FRAGMENT;
	if (ip[8] != 1)
		return IGMP_PARSE_ERR_TTL;
	ret = igmp_parse_ip_options(ip, ihl, &ra);
	if (ret < 0)
		return ret;

	p = ip + ihl;
	igmp_len = total - ihl;
	/* RFC 1112 hosts send no Router Alert: only v2 and v3 messages need it. */
	if (pol->require_router_alert && !ra && p[0] != IGMP_TYPE_V1_REPORT &&
	    !(p[0] == IGMP_TYPE_QUERY && igmp_len == IGMP_HDR_LEN && p[1] == 0))
		return IGMP_PARSE_ERR_NO_ROUTER_ALERT;
	if (igmp_cksum(p, igmp_len) != 0)
		return IGMP_PARSE_ERR_IGMP_CHECKSUM;

	/* Header fields first, arrays only as far as they are filled. */
	memset(out, 0, offsetof(struct igmp_msg, recs));
	out->router_alert = ra;
	out->ttl = ip[8];
	out->src = igmp_get32(ip + 12);
	out->dst = igmp_get32(ip + 16);

	switch (p[0]) {
	case IGMP_TYPE_QUERY:
		ret = igmp_parse_query(p, igmp_len, out);
		if (ret < 0)
			return ret;
		if (out->dst != pol->port_addr || pol->port_addr == 0) {
			if (out->group == 0 ? out->dst != IGMP_ALL_SYSTEMS :
			    out->dst != out->group && out->dst != IGMP_ALL_SYSTEMS)
				return IGMP_PARSE_ERR_DESTINATION;
		}
		/* Queries come from routers: 0.0.0.0 is not on any subnet. */
		if (pol->prefix_len != 0 && (out->src == 0 || !igmp_on_subnet(out->src, pol)))
			return IGMP_PARSE_ERR_SOURCE_SUBNET;
		return 0;
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
	case IGMP_TYPE_V2_LEAVE:
		out->kind = p[0] == IGMP_TYPE_V1_REPORT ? IGMP_MSG_V1_REPORT :
			p[0] == IGMP_TYPE_V2_REPORT ? IGMP_MSG_V2_REPORT : IGMP_MSG_V2_LEAVE;
		out->version = p[0] == IGMP_TYPE_V1_REPORT ? 1 : 2;
		out->group = igmp_get32(p + 4);
		if (!mf_is_multicast(out->group))
			return IGMP_PARSE_ERR_GROUP_NOT_MULTICAST;
		if (mf_is_link_local_multicast(out->group))
			return IGMP_PARSE_ERR_LINK_LOCAL_GROUP;
		if (out->dst != pol->port_addr || pol->port_addr == 0) {
			if (out->kind == IGMP_MSG_V2_LEAVE ?
			    out->dst != IGMP_ALL_ROUTERS && out->dst != out->group :
			    out->dst != out->group)
				return IGMP_PARSE_ERR_DESTINATION;
		}
		break;
	case IGMP_TYPE_V3_REPORT:
		out->kind = IGMP_MSG_V3_REPORT;
		out->version = 3;
		if (igmp_len < IGMP_V3_REPORT_HDR_LEN)
			return IGMP_PARSE_ERR_IGMP_LEN;
		ret = igmp_parse_v3_report(p, igmp_len, out);
		if (ret < 0)
			return ret;
		if (out->dst != IGMP_V3_ROUTERS &&
		    (out->dst != pol->port_addr || pol->port_addr == 0))
			return IGMP_PARSE_ERR_DESTINATION;
		break;
	default:
		return IGMP_PARSE_ERR_UNKNOWN_TYPE;
	}
	/* Reports and leaves may come from 0.0.0.0 (RFC 3376 4.2.13). */
	if (out->src != 0 && !igmp_on_subnet(out->src, pol))
		return IGMP_PARSE_ERR_SOURCE_SUBNET;
	return 0;
}
