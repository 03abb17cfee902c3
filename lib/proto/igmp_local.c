/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmp_local: the IGMP router as mgm's local-membership source.
 * See proto_igmp_local.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "proto_igmp_local.h"

struct proto_igmp_local {
	struct mgm *mgm;
	struct mgm_proto *h;
	struct igmp_router *router;
	struct proto_igmp_local_stats st;
};

static void
local_disable(void *ctx, uint16_t port)
{
	struct proto_igmp_local *l = ctx;

	l->st.disables++;
	/* mgm already removed our memberships: the leaves the router emits
	 * now come back as stale deletes */
	if (l->router != NULL)
		igmp_router_set_reporting(l->router, port, false);
}

static void
local_enable(void *ctx, uint16_t port)
{
	struct proto_igmp_local *l = ctx;

	l->st.enables++;
	/* the router re-reports every join and block: re-added to mgm */
	if (l->router != NULL)
		igmp_router_set_reporting(l->router, port, true);
}

static const struct mgm_proto_ops local_ops = {
	.disable_igmp = local_disable,
	.enable_igmp = local_enable,
};

struct proto_igmp_local *
proto_igmp_local_create(struct mgm *mgm, struct igmp_router *router,
		mf_portset_t igmp_ports)
{
	struct proto_igmp_local *l;
	struct mgm_proto_reg reg = {
		.proto_id = MGM_PROTO_IGMP,
		.component_id = 0,
		.ops = &local_ops,
	};
	int rc;
	uint16_t p;

	if (mgm == NULL) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	l->mgm = mgm;
	l->router = router;
	reg.ctx = l;
	rc = mgm_register(mgm, &reg, &l->h);
	if (rc < 0) {
		free(l);
		errno = -rc;
		return NULL;
	}
	for (p = 0; p < MF_MAX_PORTS; p++)
		if (igmp_ports & MF_PORTSET_BIT(p))
			mgm_take_interface(mgm, l->h, p);
	return l;
}

void
proto_igmp_local_destroy(struct proto_igmp_local *l)
{
	uint16_t p;

	if (l == NULL)
		return;
	for (p = 0; p < MF_MAX_PORTS; p++)
		if (mgm_interface_igmp(l->mgm, p))
			mgm_release_interface(l->mgm, l->h, p);
	mgm_deregister(l->mgm, l->h);
	free(l);
}

void
proto_igmp_local_membership(void *ctx, uint16_t port, uint32_t src,
		uint32_t grp, enum igmp_member_event ev)
{
	struct proto_igmp_local *l = ctx;
	int rc;

	l->st.events++;
	switch (ev) {
	case IGMP_MEMBER_GROUP_JOIN:
		rc = mgm_add_membership(l->mgm, l->h, port, 0, grp, MGM_JOIN);
		break;
	case IGMP_MEMBER_GROUP_LEAVE:
		rc = mgm_del_membership(l->mgm, l->h, port, 0, grp, MGM_JOIN);
		break;
	case IGMP_MEMBER_SOURCE_JOIN:
		rc = mgm_add_membership(l->mgm, l->h, port, src, grp,
				MGM_JOIN);
		break;
	case IGMP_MEMBER_SOURCE_LEAVE:
		rc = mgm_del_membership(l->mgm, l->h, port, src, grp,
				MGM_JOIN);
		break;
	case IGMP_MEMBER_SOURCE_BLOCK:
		rc = mgm_add_membership(l->mgm, l->h, port, src, grp,
				MGM_SOURCE_BLOCK);
		break;
	case IGMP_MEMBER_SOURCE_UNBLOCK:
		rc = mgm_del_membership(l->mgm, l->h, port, src, grp,
				MGM_SOURCE_BLOCK);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc == -ENOENT)
		l->st.stale++;
	else if (rc < 0)
		l->st.errors++;
}

int
proto_igmp_local_port_add(struct proto_igmp_local *l, uint16_t port)
{
	if (l == NULL)
		return -EINVAL;
	return mgm_take_interface(l->mgm, l->h, port);
}

int
proto_igmp_local_port_del(struct proto_igmp_local *l, uint16_t port)
{
	if (l == NULL)
		return -EINVAL;
	return mgm_release_interface(l->mgm, l->h, port);
}

struct mgm_proto *
proto_igmp_local_handle(const struct proto_igmp_local *l)
{
	return l != NULL ? l->h : NULL;
}

void
proto_igmp_local_get_stats(const struct proto_igmp_local *l,
		struct proto_igmp_local_stats *out)
{
	*out = l->st;
}

int
proto_igmp_local_init(const struct proto_env *env, void **state)
{
	struct proto_igmp_local *l;

	l = proto_igmp_local_create(env->mgm, env->igmp, env->igmp_ports);
	if (l == NULL)
		return -errno;
	*state = l;
	return 0;
}

void
proto_igmp_local_fini(void *state)
{
	proto_igmp_local_destroy(state);
}
