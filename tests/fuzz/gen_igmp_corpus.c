/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpus of fuzz_igmp_codec (tests/fuzz/corpus/igmp/) with
 * the codec's own builders: every query form, every report type and record
 * type, and a few near-misses. Regenerate with:
 *   cc -Ilib/igmp -Ilib/mgm tests/fuzz/gen_igmp_corpus.c lib/igmp/igmp_build.c \
 *      lib/igmp/igmp_codec.c -o /tmp/gen && /tmp/gen tests/fuzz/corpus/igmp
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igmp_codec.h"

#define HOST 0xc000020au	/* 192.0.2.10 */
#define ROUTER 0xc0000205u	/* 192.0.2.5 */
#define G1 0xe8010101u		/* 232.1.1.1 */
#define G2 0xef010203u		/* 239.1.2.3 */

static const char *dir;

static void
put(const char *name, const uint8_t *buf, int len)
{
	char path[512];
	FILE *f;

	if (len <= 0) {
		fprintf(stderr, "%s: build failed (%d)\n", name, len);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

int
main(int argc, char **argv)
{
	uint8_t buf[IGMP_PKT_MAX];
	uint32_t srcs[8] = { 0xc6120001u, 0xc6120002u, 0xc6120003u, 0xc6120004u,
		0xc6130005u, 0xc6130006u, 0xc6130007u, 0xc6130008u };
	struct igmp_query q;
	struct igmp_report_rec recs[6];
	int i, n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	memset(&q, 0, sizeof(q));
	q.src = ROUTER;
	q.max_resp_ms = 10000;
	q.qrv = 2;
	q.qqi_s = 125;
	q.version = 3;
	put("query_v3_general", buf, igmp_build_query(buf, sizeof(buf), &q));
	q.group = G1;
	q.max_resp_ms = 1000;
	put("query_v3_group", buf, igmp_build_query(buf, sizeof(buf), &q));
	q.n_src = 3;
	q.srcs = srcs;
	q.s_flag = 1;
	q.qqi_s = 1000;
	q.max_resp_ms = 300000;
	put("query_v3_group_source_sflag", buf, igmp_build_query(buf, sizeof(buf), &q));
	memset(&q, 0, sizeof(q));
	q.src = ROUTER;
	q.version = 2;
	q.max_resp_ms = 10000;
	put("query_v2_general", buf, igmp_build_query(buf, sizeof(buf), &q));
	q.group = G2;
	q.max_resp_ms = 1000;
	put("query_v2_group", buf, igmp_build_query(buf, sizeof(buf), &q));
	q.group = 0;
	q.version = 1;
	put("query_v1", buf, igmp_build_query(buf, sizeof(buf), &q));

	put("report_v1", buf, igmp_build_v1_report(buf, sizeof(buf), HOST, G1));
	put("report_v2", buf, igmp_build_v2_report(buf, sizeof(buf), HOST, G1));
	put("report_v2_unspecified_src", buf, igmp_build_v2_report(buf, sizeof(buf), 0, G2));
	put("leave_v2", buf, igmp_build_v2_leave(buf, sizeof(buf), HOST, G1));

	for (i = 0; i < 6; i++) {
		recs[i].type = (uint8_t)(IGMP_REC_IS_IN + i);
		recs[i].group = i & 1 ? G2 : G1;
		recs[i].n_src = (uint16_t)i;
		recs[i].srcs = srcs;
	}
	put("report_v3_all_types", buf, igmp_build_v3_report(buf, sizeof(buf), HOST, recs, 6));
	put("report_v3_empty", buf, igmp_build_v3_report(buf, sizeof(buf), HOST, recs, 0));
	recs[0].type = IGMP_REC_TO_EX;
	recs[0].n_src = 0;
	put("report_v3_join_asm", buf, igmp_build_v3_report(buf, sizeof(buf), HOST, recs, 1));
	recs[0].type = IGMP_REC_ALLOW;
	recs[0].n_src = 8;
	put("report_v3_ssm_8_sources", buf, igmp_build_v3_report(buf, sizeof(buf), HOST, recs, 1));

	/* Near-misses: a v3 record with aux data, and a 10-byte query. */
	n = igmp_build_v3_report(buf, sizeof(buf), HOST, recs, 1);
	buf[24 + 8 + 1] = 1;
	put("report_v3_aux_len_past_end", buf, n);
	memset(&q, 0, sizeof(q));
	q.src = ROUTER;
	q.version = 3;
	q.max_resp_ms = 10000;
	n = igmp_build_query(buf, sizeof(buf), &q);
	put("query_10_bytes", buf, n - 2);
	return 0;
}
