/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the IGMP codec: parse arbitrary bytes under a few
 * port policies; whenever a packet parses, check the invariants of struct
 * igmp_msg, rebuild the message with the builders and check that the
 * rebuilt packet parses to the same message.
 *
 * Build and run with scripts/fuzz.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "igmp_codec.h"
#include "mgm_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static struct igmp_msg msg;
static struct igmp_msg again;
static uint8_t rebuilt[8192];
static uint32_t srcs_copy[IGMP_MSG_MAX_SRCS];
static struct igmp_report_rec recs_copy[IGMP_MSG_MAX_RECS];

static void
check_invariants(const struct igmp_msg *m)
{
	uint32_t next = 0;
	uint16_t i;

	CHECK(m->kind >= IGMP_MSG_QUERY && m->kind <= IGMP_MSG_V3_REPORT);
	CHECK(m->version >= 1 && m->version <= 3);
	CHECK(m->ttl == 1);
	CHECK(m->router_alert <= 1);
	CHECK(m->n_recs <= IGMP_MSG_MAX_RECS);
	CHECK(m->n_srcs <= IGMP_MSG_MAX_SRCS);
	switch (m->kind) {
	case IGMP_MSG_QUERY:
		CHECK(m->n_recs == 0);
		CHECK(m->group == 0 || mf_is_multicast(m->group));
		CHECK(m->group != 0 || m->n_srcs == 0);
		CHECK(m->version == 3 || (m->n_srcs == 0 && m->s_flag == 0 && m->qrv == 0));
		CHECK(m->s_flag <= 1 && m->qrv <= 7);
		CHECK(m->max_resp_ms <= 31744u * 100u);
		CHECK(m->qqi_s <= 31744u);
		break;
	case IGMP_MSG_V1_REPORT:
	case IGMP_MSG_V2_REPORT:
	case IGMP_MSG_V2_LEAVE:
		CHECK(m->n_recs == 0 && m->n_srcs == 0);
		CHECK(mf_is_multicast(m->group) && !mf_is_link_local_multicast(m->group));
		CHECK(m->version == (m->kind == IGMP_MSG_V1_REPORT ? 1 : 2));
		break;
	case IGMP_MSG_V3_REPORT:
		CHECK(m->version == 3);
		for (i = 0; i < m->n_recs; i++) {
			const struct igmp_group_rec *r = &m->recs[i];

			CHECK(r->type >= IGMP_REC_IS_IN && r->type <= IGMP_REC_BLOCK);
			CHECK(mf_is_multicast(r->group) && !mf_is_link_local_multicast(r->group));
			CHECK(r->first_src == next);
			next += r->n_src;
		}
		CHECK(next == m->n_srcs);
		break;
	default:
		CHECK(0);
	}
}

/* Rebuild m with the builders and check it parses back to the same message. */
static void
check_rebuild(const struct igmp_msg *m)
{
	struct igmp_parse_policy any = { 0, 0, 0 };
	int n = -1;
	uint16_t i;

	if (m->kind == IGMP_MSG_QUERY) {
		struct igmp_query q;

		if (m->n_srcs > IGMP_QUERY_MAX_SRCS || (m->version == 1 && m->group != 0))
			return;
		memset(&q, 0, sizeof(q));
		q.version = m->version;
		q.s_flag = m->s_flag;
		q.qrv = m->qrv;
		q.src = m->src;
		q.group = m->group;
		q.max_resp_ms = m->max_resp_ms;
		q.qqi_s = m->qqi_s;
		q.n_src = m->n_srcs;
		memcpy(srcs_copy, m->srcs, m->n_srcs * sizeof(srcs_copy[0]));
		q.srcs = srcs_copy;
		/* A zero Max Resp Code is sent as 1: compare only what survives. */
		if (m->version > 1 && m->max_resp_ms == 0)
			return;
		n = igmp_build_query(rebuilt, sizeof(rebuilt), &q);
	} else if (m->kind == IGMP_MSG_V3_REPORT) {
		for (i = 0; i < m->n_recs; i++) {
			recs_copy[i].type = m->recs[i].type;
			recs_copy[i].group = m->recs[i].group;
			recs_copy[i].n_src = m->recs[i].n_src;
			recs_copy[i].srcs = &m->srcs[m->recs[i].first_src];
		}
		n = igmp_build_v3_report(rebuilt, sizeof(rebuilt), m->src, recs_copy, m->n_recs);
	} else if (m->kind == IGMP_MSG_V2_REPORT) {
		n = igmp_build_v2_report(rebuilt, sizeof(rebuilt), m->src, m->group);
	} else if (m->kind == IGMP_MSG_V2_LEAVE) {
		n = igmp_build_v2_leave(rebuilt, sizeof(rebuilt), m->src, m->group);
	} else if (m->kind == IGMP_MSG_V1_REPORT) {
		n = igmp_build_v1_report(rebuilt, sizeof(rebuilt), m->src, m->group);
	}
	CHECK(n > 0);
	CHECK(igmp_parse(rebuilt, (uint32_t)n, &any, &again) == 0);
	CHECK(again.kind == m->kind && again.version == m->version);
	CHECK(again.group == m->group && again.src == m->src);
	CHECK(again.n_recs == m->n_recs && again.n_srcs == m->n_srcs);
	CHECK(memcmp(again.srcs, m->srcs, m->n_srcs * sizeof(m->srcs[0])) == 0);
	for (i = 0; i < m->n_recs; i++) {
		CHECK(again.recs[i].type == m->recs[i].type);
		CHECK(again.recs[i].group == m->recs[i].group);
		CHECK(again.recs[i].n_src == m->recs[i].n_src);
	}
	if (m->kind == IGMP_MSG_QUERY) {
		CHECK(again.max_resp_ms == m->max_resp_ms);
		CHECK(again.s_flag == m->s_flag && again.qrv == m->qrv);
		CHECK(again.qqi_s == m->qqi_s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct igmp_parse_policy policies[] = {
		{ 0, 0, 0 },				/* accept anything the RFC allows */
		{ 0xc0000201u, 24, 1 },			/* 192.0.2.1/24, Router Alert required */
		{ 0xc6120001u, 15, 0 },			/* 198.18.0.1/15 */
	};
	size_t i;
	int ret;

	if (size > 65535)
		return 0;
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		ret = igmp_parse(data, (uint32_t)size, &policies[i], &msg);
		CHECK(ret <= 0 && ret >= -IGMP_PARSE_ERR_COUNT);
		CHECK(igmp_parse_err_name(ret) != NULL);
		if (ret != 0)
			continue;
		check_invariants(&msg);
		check_rebuild(&msg);
	}
	/* The code codec: every byte decodes into range and re-encodes to itself. */
	if (size > 0)
		CHECK(igmp_code_encode(igmp_code_decode(data[0])) == data[0]);
	return 0;
}
