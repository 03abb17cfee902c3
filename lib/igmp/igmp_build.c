/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include "igmp_codec.h"

int
igmp_build_query(void *buf, uint32_t buflen, const struct igmp_query *q)
{
	(void)buf; (void)buflen; (void)q;
	return -ENOSPC;
}

int
igmp_build_v3_report(void *buf, uint32_t buflen, uint32_t src,
	const struct igmp_report_rec *recs, uint16_t n_recs)
{
	(void)buf; (void)buflen; (void)src; (void)recs; (void)n_recs;
	return -ENOSPC;
}

int
igmp_build_v2_report(void *buf, uint32_t buflen, uint32_t src, uint32_t group)
{
	(void)buf; (void)buflen; (void)src; (void)group;
	return -ENOSPC;
}

int
igmp_build_v2_leave(void *buf, uint32_t buflen, uint32_t src, uint32_t group)
{
	(void)buf; (void)buflen; (void)src; (void)group;
	return -ENOSPC;
}

int
igmp_build_v1_report(void *buf, uint32_t buflen, uint32_t src, uint32_t group)
{
	(void)buf; (void)buflen; (void)src; (void)group;
	return -ENOSPC;
}
