/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP codec: parse and validate IGMPv1/v2/v3 packets (IPv4 header
 * included), and build queries and reports as complete IPv4 packets.
 *
 * Plain C, no EAL, no allocation, no logging, no global state: every
 * function here is reentrant and may be called from any thread, including
 * worker lcores on the fast path. Addresses are IPv4 in host byte order.
 *
 * References: RFC 1112 (v1), RFC 2236 (v2), RFC 3376 (v3), RFC 2113
 * (Router Alert).
 */
#ifndef IGMP_CODEC_H
#define IGMP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most group records one struct igmp_msg holds (more: IGMP_PARSE_ERR_OVERSIZE). */
#define IGMP_MSG_MAX_RECS 128
/**
 * Most sources (summed over all records, or in one query) one struct
 * igmp_msg holds: a 1500-byte packet carries at most 365.
 */
#define IGMP_MSG_MAX_SRCS 368
/** Most sources the builder puts in one query (fits a 1500-byte MTU). */
#define IGMP_QUERY_MAX_SRCS 360
/** Largest packet the builders write: size transmit buffers with this. */
#define IGMP_PKT_MAX 1500

/** IGMP message types (the first byte of the IGMP header). */
#define IGMP_TYPE_QUERY 0x11
#define IGMP_TYPE_V1_REPORT 0x12
#define IGMP_TYPE_V2_REPORT 0x16
#define IGMP_TYPE_V2_LEAVE 0x17
#define IGMP_TYPE_V3_REPORT 0x22

/** Well-known destinations, host order. */
#define IGMP_ALL_SYSTEMS 0xe0000001u	/* 224.0.0.1 */
#define IGMP_ALL_ROUTERS 0xe0000002u	/* 224.0.0.2 */
#define IGMP_V3_ROUTERS 0xe0000016u	/* 224.0.0.22 */

/** What a parsed message is. */
enum igmp_msg_kind {
	IGMP_MSG_QUERY = 1,	/**< v1, v2 or v3 query (see igmp_msg.version) */
	IGMP_MSG_V1_REPORT,	/**< RFC 1112 membership report */
	IGMP_MSG_V2_REPORT,	/**< RFC 2236 membership report */
	IGMP_MSG_V2_LEAVE,	/**< RFC 2236 leave group */
	IGMP_MSG_V3_REPORT,	/**< RFC 3376 membership report (records) */
};

/** IGMPv3 group record types (RFC 3376 4.2.12); the values are the wire values. */
enum igmp_rec_type {
	IGMP_REC_IS_IN = 1,	/**< MODE_IS_INCLUDE (current state) */
	IGMP_REC_IS_EX = 2,	/**< MODE_IS_EXCLUDE (current state) */
	IGMP_REC_TO_IN = 3,	/**< CHANGE_TO_INCLUDE_MODE (filter mode change) */
	IGMP_REC_TO_EX = 4,	/**< CHANGE_TO_EXCLUDE_MODE (filter mode change) */
	IGMP_REC_ALLOW = 5,	/**< ALLOW_NEW_SOURCES (source list change) */
	IGMP_REC_BLOCK = 6,	/**< BLOCK_OLD_SOURCES (source list change) */
};

/** One group record of a v3 report; its sources are msg->srcs[first_src .. first_src + n_src). */
struct igmp_group_rec {
	uint32_t group;		/**< multicast address, host order */
	uint16_t n_src;		/**< number of sources */
	uint16_t first_src;	/**< index of the first source in igmp_msg.srcs */
	uint8_t type;		/**< enum igmp_rec_type */
};

/**
 * A parsed and validated IGMP message. Fixed size (about 3 KB, no pointers)
 * so workers can take it from an rte_mempool, fill it with igmp_parse() and
 * pass it to the control lcore by pointer over a ring.
 *
 * Only the fields that apply to the message's kind are meaningful; the
 * others are zero.
 */
struct igmp_msg {
	uint8_t kind;		/**< enum igmp_msg_kind */
	uint8_t version;	/**< 1, 2 or 3: query version (RFC 3376 7.1), or report version */
	uint8_t s_flag;		/**< v3 query: Suppress Router-Side Processing */
	uint8_t qrv;		/**< v3 query: Querier's Robustness Variable (0..7) */
	uint8_t router_alert;	/**< 1 when the IP header carried a Router Alert option */
	uint8_t ttl;		/**< IP TTL (always 1 once validated) */
	uint16_t n_recs;	/**< v3 report: number of recs[] (unknown record types are skipped) */
	uint16_t n_srcs;	/**< number of srcs[] used (v3 query sources, or all records' sources) */
	uint16_t reserved;
	uint32_t src;		/**< IP source address */
	uint32_t dst;		/**< IP destination address */
	uint32_t group;		/**< query (0 = general), v1/v2 report or leave: group address */
	uint32_t max_resp_ms;	/**< query: decoded Max Resp Time (v1 queries: 10000) */
	uint32_t qqi_s;		/**< v3 query: decoded QQIC, seconds (0 when absent) */
	struct igmp_group_rec recs[IGMP_MSG_MAX_RECS];
	uint32_t srcs[IGMP_MSG_MAX_SRCS];
};

/** Per-port validation policy for igmp_parse(). */
struct igmp_parse_policy {
	uint32_t port_addr;	/**< the receiving port's address (host order), 0 = none */
	uint8_t prefix_len;	/**< its subnet prefix; 0 disables the source subnet check */
	uint8_t require_router_alert; /**< reject v2/v3 messages without Router Alert */
};

/**
 * Why igmp_parse() rejected a packet: one value per check, each used as its
 * own drop counter. The values are negative so igmp_parse() can return them;
 * index counters with (-err - 1), 0 .. IGMP_PARSE_ERR_COUNT - 1.
 */
enum igmp_parse_err {
	IGMP_PARSE_OK = 0,
	/** Buffer shorter than a 20-byte IP header plus an 8-byte IGMP header. */
	IGMP_PARSE_ERR_TOO_SHORT = -1,
	/** IP version not 4, or header length < 20 or beyond the buffer / total length. */
	IGMP_PARSE_ERR_IP_HDR_LEN = -2,
	/** IP header checksum wrong. */
	IGMP_PARSE_ERR_IP_CHECKSUM = -3,
	/** IP total length larger than the buffer, or too small for IGMP. */
	IGMP_PARSE_ERR_TOTAL_LEN = -4,
	/** IP protocol is not 2 (IGMP). */
	IGMP_PARSE_ERR_NOT_IGMP = -5,
	/** A fragment (MF set or non-zero offset): IGMP is never fragmented. */
	IGMP_PARSE_ERR_FRAGMENT = -6,
	/** IP TTL is not 1. */
	IGMP_PARSE_ERR_TTL = -7,
	/** IP options other than Router Alert, or malformed options. */
	IGMP_PARSE_ERR_IP_OPTION = -8,
	/** Router Alert required by policy but absent (v1 messages are exempt). */
	IGMP_PARSE_ERR_NO_ROUTER_ALERT = -9,
	/** IGMP checksum wrong. */
	IGMP_PARSE_ERR_IGMP_CHECKSUM = -10,
	/** Unknown IGMP type. */
	IGMP_PARSE_ERR_UNKNOWN_TYPE = -11,
	/** IGMP length invalid for its type (e.g. a 10-byte query, RFC 3376 7.1). */
	IGMP_PARSE_ERR_IGMP_LEN = -12,
	/** Group address is not multicast (or a general query lists sources). */
	IGMP_PARSE_ERR_GROUP_NOT_MULTICAST = -13,
	/** Report or leave for 224.0.0.0/24 (link-local, never reported). */
	IGMP_PARSE_ERR_LINK_LOCAL_GROUP = -14,
	/** v3 record or source counts run past the IGMP length. */
	IGMP_PARSE_ERR_RECORD_LEN = -15,
	/** More records or sources than struct igmp_msg holds. */
	IGMP_PARSE_ERR_OVERSIZE = -16,
	/** Destination address not allowed for this message type. */
	IGMP_PARSE_ERR_DESTINATION = -17,
	/** Source not on the port's subnet (0.0.0.0 is allowed for reports and leaves). */
	IGMP_PARSE_ERR_SOURCE_SUBNET = -18,
};

/** Number of distinct parse errors (counters are indexed 0 .. COUNT-1 by -err - 1). */
#define IGMP_PARSE_ERR_COUNT 18

/**
 * Parse and validate one IGMP packet.
 *
 * Checks, in this order, each with its own error: length for IP + IGMP
 * headers, IP version and header length, IP checksum, total length against
 * the buffer, protocol, fragments, TTL 1, IP options (only Router Alert
 * allowed), Router Alert policy, IGMP checksum (over the IP payload as the
 * total length gives it; trailing bytes of the buffer beyond total length
 * are ignored), type, per-type length, group address, record and source
 * counts, destination address, source subnet.
 *
 * Destination rules: general query to 224.0.0.1; group(-and-source)-specific
 * query to the group or 224.0.0.1; v1/v2 reports to the group; leaves to
 * 224.0.0.2 or the group; v3 reports to 224.0.0.22. Any message may also be
 * sent to the port address (RFC 3376 4.1.12, 4.2.14).
 * Source rules (when pol->prefix_len != 0): the source must be on the port's
 * subnet; reports and leaves may use 0.0.0.0 (RFC 3376 4.2.13).
 * v3 records of unknown type are skipped (RFC 3376 4.2.12); auxiliary data
 * is skipped.
 *
 * @param ip_hdr
 *   Start of the IPv4 header. No alignment required.
 * @param len
 *   Bytes available from ip_hdr (may exceed the IP total length).
 * @param pol
 *   Validation policy of the receiving port. Must not be NULL.
 * @param out
 *   Filled on success; contents unspecified on failure.
 * @return
 *   0 on success, or a negative enum igmp_parse_err value.
 *
 * Thread safety: reentrant, any thread (worker lcores included).
 * Cost: one pass over the packet (two checksums), no allocation; O(len).
 */
int
igmp_parse(const void *ip_hdr, uint32_t len, const struct igmp_parse_policy *pol,
	struct igmp_msg *out);

/**
 * Stable snake_case name of a parse result, usable as a telemetry counter
 * key (for example "ip_checksum", "no_router_alert"; "ok" for 0).
 *
 * @param err
 *   0 or a negative enum igmp_parse_err value.
 * @return
 *   A static string; "unknown" for values outside the enum. Never NULL.
 *
 * Thread safety: any thread. Cost: O(1).
 */
const char *
igmp_parse_err_name(int err);

/**
 * Encode a Max Resp Code or QQIC (RFC 3376 4.1.1 and 4.1.7): values below
 * 128 are sent as is, larger ones as the floating-point form
 * (1 | exp(3) | mant(4), value = (mant | 0x10) << (exp + 3)).
 *
 * @param value
 *   Value in the field's unit (tenths of a second for Max Resp Time,
 *   seconds for QQI). Values are rounded down to the nearest encodable
 *   one; values above 31744 encode as 0xff (31744).
 * @return
 *   The 8-bit code.
 *
 * Thread safety: any thread. Cost: O(1).
 */
uint8_t
igmp_code_encode(uint32_t value);

/**
 * Decode a Max Resp Code or QQIC (RFC 3376 4.1.1 and 4.1.7).
 *
 * @param code
 *   The 8-bit code.
 * @return
 *   The value in the field's unit (0 .. 31744).
 *
 * Thread safety: any thread. Cost: O(1).
 */
uint32_t
igmp_code_decode(uint8_t code);

/**
 * A query to build. The IGMP router hands these to its send_query callback;
 * the control lcore builds the packet with igmp_build_query().
 */
struct igmp_query {
	uint8_t version;	/**< 1, 2 or 3 (1: general only, Max Resp 0) */
	uint8_t s_flag;		/**< v3: Suppress Router-Side Processing */
	uint8_t qrv;		/**< v3: QRV to advertise (values > 7 are sent as 0) */
	uint16_t n_src;		/**< v3: number of srcs (at most IGMP_QUERY_MAX_SRCS) */
	uint32_t src;		/**< IP source: the port's address */
	uint32_t group;		/**< 0 = general query (to 224.0.0.1), else group-specific (to the group) */
	uint32_t max_resp_ms;	/**< Max Resp Time, milliseconds (encoded in tenths) */
	uint32_t qqi_s;		/**< v3: Querier's Query Interval, seconds (encoded as QQIC) */
	const uint32_t *srcs;	/**< v3: sources, host order; NULL when n_src == 0. Valid during the call only. */
};

/**
 * Build a query as a complete IPv4 packet: header with Router Alert, TTL 1,
 * TOS 0xc0, DF, both checksums. v1/v2 queries are 8 bytes of IGMP; v3
 * queries are 12 + 4 * n_src.
 *
 * @param buf
 *   Output buffer (starts with the IPv4 header).
 * @param buflen
 *   Its size in bytes.
 * @param q
 *   The query.
 * @return
 *   Packet length in bytes, -ENOSPC when buf is too small, -EINVAL when q is
 *   inconsistent (bad version, sources on a v1/v2 query, n_src above
 *   IGMP_QUERY_MAX_SRCS, non-multicast group, sources without srcs).
 *
 * Thread safety: reentrant, any thread. Cost: O(packet length).
 */
int
igmp_build_query(void *buf, uint32_t buflen, const struct igmp_query *q);

/** A group record to put in a v3 report (igmp_build_v3_report()). */
struct igmp_report_rec {
	uint8_t type;		/**< enum igmp_rec_type */
	uint16_t n_src;		/**< number of srcs */
	uint32_t group;		/**< multicast address, host order */
	const uint32_t *srcs;	/**< sources, host order; may be NULL when n_src == 0 */
};

/**
 * Build an IGMPv3 membership report (to 224.0.0.22) as a complete IPv4
 * packet with Router Alert, TTL 1, checksums. Used by the IGMP proxy.
 *
 * @param buf, buflen
 *   Output buffer and its size.
 * @param src
 *   IP source address (host order).
 * @param recs, n_recs
 *   Group records (n_recs may be 0).
 * @return
 *   Packet length, -ENOSPC when it does not fit buf (split the records over
 *   several reports), -EINVAL on a bad record type or non-multicast group.
 *
 * Thread safety: reentrant, any thread. Cost: O(packet length).
 */
int
igmp_build_v3_report(void *buf, uint32_t buflen, uint32_t src,
	const struct igmp_report_rec *recs, uint16_t n_recs);

/**
 * Build an IGMPv2 membership report (to the group, with Router Alert).
 *
 * @return
 *   Packet length (32), -ENOSPC, or -EINVAL for a non-multicast group.
 *
 * Thread safety: reentrant, any thread. Cost: O(1).
 */
int
igmp_build_v2_report(void *buf, uint32_t buflen, uint32_t src, uint32_t group);

/**
 * Build an IGMPv2 leave group message (to 224.0.0.2, with Router Alert).
 *
 * @return
 *   Packet length (32), -ENOSPC, or -EINVAL for a non-multicast group.
 *
 * Thread safety: reentrant, any thread. Cost: O(1).
 */
int
igmp_build_v2_leave(void *buf, uint32_t buflen, uint32_t src, uint32_t group);

/**
 * Build an IGMPv1 membership report (to the group; no IP options, as
 * RFC 1112 hosts send it).
 *
 * @return
 *   Packet length (28), -ENOSPC, or -EINVAL for a non-multicast group.
 *
 * Thread safety: reentrant, any thread. Cost: O(1).
 */
int
igmp_build_v1_report(void *buf, uint32_t buflen, uint32_t src, uint32_t group);

#ifdef __cplusplus
}
#endif

#endif /* IGMP_CODEC_H */
