/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The protocol modules the control lcore creates, in order. Adding a
 * protocol: write lib/proto/<name>.c with init/fini and add its line here.
 */
#include <errno.h>
#include <string.h>

#include "proto.h"
#include "proto_igmp_local.h"
#include "proto_igmp_proxy.h"
#include "proto_static.h"

const struct proto_module proto_table[] = {
	/* IGMP first: the proxy takes ports IGMP already runs on */
	{ "igmp_local", proto_igmp_local_init, proto_igmp_local_fini },
	{ "static", proto_static_init, proto_static_fini },
	{ "igmp_proxy", proto_igmp_proxy_init, proto_igmp_proxy_fini },
};

const unsigned int proto_table_len =
	sizeof(proto_table) / sizeof(proto_table[0]);

_Static_assert(sizeof(proto_table) / sizeof(proto_table[0]) <=
		sizeof(((struct proto_set *)0)->state) /
		sizeof(((struct proto_set *)0)->state[0]),
		"struct proto_set too small for proto_table");

int
proto_set_create(struct proto_set *set, const struct proto_env *env)
{
	unsigned int i;
	int rc;

	if (set == NULL || env == NULL || env->mgm == NULL)
		return -EINVAL;
	memset(set, 0, sizeof(*set));
	for (i = 0; i < proto_table_len; i++) {
		rc = proto_table[i].init(env, &set->state[i]);
		if (rc < 0) {
			set->state[i] = NULL;
			while (i-- > 0)
				if (set->state[i] != NULL)
					proto_table[i].fini(set->state[i]);
			memset(set, 0, sizeof(*set));
			return rc;
		}
	}
	return 0;
}

void
proto_set_destroy(struct proto_set *set)
{
	unsigned int i = proto_table_len;

	if (set == NULL)
		return;
	while (i-- > 0) {
		if (set->state[i] != NULL)
			proto_table[i].fini(set->state[i]);
		set->state[i] = NULL;
	}
}

void *
proto_set_get(const struct proto_set *set, const char *name)
{
	unsigned int i;

	if (set == NULL || name == NULL)
		return NULL;
	for (i = 0; i < proto_table_len; i++)
		if (strcmp(proto_table[i].name, name) == 0)
			return set->state[i];
	return NULL;
}
