/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include "igmp_router.h"

void
igmp_port_config_defaults(struct igmp_port_config *c)
{
	memset(c, 0, sizeof(*c));
}

int
igmp_port_config_set(struct igmp_port_config *c, const char *key, const char *value,
	char *err, size_t errlen)
{
	(void)c; (void)key; (void)value; (void)err; (void)errlen;
	return -ENOENT;
}

int
igmp_port_config_validate(struct igmp_port_config *c, char *err, size_t errlen)
{
	(void)c; (void)err; (void)errlen;
	return 0;
}
