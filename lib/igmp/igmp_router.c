/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include "igmp_router.h"

struct igmp_router {
	struct igmp_router_ops ops;
	void *ctx;
};

struct igmp_router *
igmp_router_create(const struct igmp_router_ops *ops, void *ctx)
{
	struct igmp_router *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	if (ops != NULL)
		r->ops = *ops;
	r->ctx = ctx;
	return r;
}

void
igmp_router_destroy(struct igmp_router *r)
{
	free(r);
}

int
igmp_router_port_add(struct igmp_router *r, uint16_t port, const struct igmp_port_config *cfg,
	uint64_t now_ms)
{
	(void)r; (void)port; (void)cfg; (void)now_ms;
	return -EINVAL;
}

int
igmp_router_port_del(struct igmp_router *r, uint16_t port)
{
	(void)r; (void)port;
	return -ENOENT;
}

int
igmp_router_port_config_set(struct igmp_router *r, uint16_t port,
	const struct igmp_port_config *cfg, uint64_t now_ms)
{
	(void)r; (void)port; (void)cfg; (void)now_ms;
	return -ENOENT;
}

int
igmp_router_port_config_get(const struct igmp_router *r, uint16_t port,
	struct igmp_port_config *cfg)
{
	(void)r; (void)port; (void)cfg;
	return -ENOENT;
}

int
igmp_router_input(struct igmp_router *r, uint16_t port, const struct igmp_msg *m,
	uint64_t now_ms)
{
	(void)r; (void)port; (void)m; (void)now_ms;
	return -ENOENT;
}

void
igmp_router_tick(struct igmp_router *r, uint64_t now_ms)
{
	(void)r; (void)now_ms;
}

uint64_t
igmp_router_next_deadline(const struct igmp_router *r)
{
	(void)r;
	return UINT64_MAX;
}

int
igmp_router_set_reporting(struct igmp_router *r, uint16_t port, bool on)
{
	(void)r; (void)port; (void)on;
	return -ENOENT;
}

int
igmp_router_port_info(const struct igmp_router *r, uint16_t port, uint64_t now_ms,
	struct igmp_port_info *out)
{
	(void)r; (void)port; (void)now_ms; (void)out;
	return -ENOENT;
}

int
igmp_router_groups(const struct igmp_router *r, uint16_t port, uint32_t start_group,
	uint32_t *groups, unsigned int max)
{
	(void)r; (void)port; (void)start_group; (void)groups; (void)max;
	return -ENOENT;
}

int
igmp_router_group_info(const struct igmp_router *r, uint16_t port, uint32_t group,
	uint64_t now_ms, struct igmp_group_info *out, struct igmp_source_info *srcs,
	unsigned int src_start, unsigned int max_srcs)
{
	(void)r; (void)port; (void)group; (void)now_ms; (void)out; (void)srcs;
	(void)src_start; (void)max_srcs;
	return -ENOENT;
}
