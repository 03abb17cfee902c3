/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-port IGMP configuration: RFC 3376 section 8 defaults, the string
 * key=value setter shared by the config file and telemetry, validation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "igmp_router.h"
#include "mgm_types.h"

/* Derived timers (RFC 3376 8.4, 8.5, 8.14). */
static void
igmp_config_derive(struct igmp_port_config *c)
{
	uint64_t qi = (uint64_t)c->robustness * c->query_interval_ms;
	uint64_t v;

	v = qi + c->query_response_interval_ms / 2;
	c->other_querier_present_ms = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	v = qi + c->query_response_interval_ms;
	c->group_membership_ms = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	v = (uint64_t)c->last_member_query_interval_ms * c->last_member_query_count;
	c->last_member_query_time_ms = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void
igmp_port_config_defaults(struct igmp_port_config *c)
{
	memset(c, 0, sizeof(*c));
	c->enabled = true;
	c->version = 3;
	c->robustness = 2;
	c->query_interval_ms = 125000;
	c->query_response_interval_ms = 10000;
	c->startup_query_interval_ms = 125000 / 4;
	c->startup_query_count = 2;
	c->last_member_query_interval_ms = 1000;
	c->last_member_query_count = 2;
	c->max_groups = 4096;
	c->max_sources_per_group = 512;
	c->igmp_rate_limit = IGMP_RATE_LIMIT_DEFAULT;
	c->igmp_rate_burst = IGMP_RATE_BURST_DEFAULT;
	igmp_config_derive(c);
}

static void
igmp_config_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
igmp_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
igmp_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t i;

	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Dotted quad, strictly four decimal parts 0..255, into host order. */
static int
igmp_parse_addr(const char *s, uint32_t *out)
{
	uint32_t addr = 0, part;
	int i, digits;

	for (i = 0; i < 4; i++) {
		part = 0;
		digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			part = part * 10 + (uint32_t)(*s - '0');
			s++;
			digits++;
		}
		if (digits == 0 || digits > 3 || part > 255)
			return -EINVAL;
		addr = (addr << 8) | part;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	*out = addr;
	return 0;
}

/* Integer keys: name, range, and where the value goes. */
struct igmp_u32_key {
	const char *name;
	uint32_t lo, hi;
	size_t off;
	size_t size;
};

#define IGMP_U32_KEY(n, l, h) \
	{ #n, l, h, offsetof(struct igmp_port_config, n), \
	  sizeof(((struct igmp_port_config *)0)->n) }

static const struct igmp_u32_key igmp_u32_keys[] = {
	IGMP_U32_KEY(version, 2, 3),
	IGMP_U32_KEY(robustness, 1, 7),
	IGMP_U32_KEY(query_interval_ms, 1000, 31744000),
	IGMP_U32_KEY(query_response_interval_ms, 100, 3174400),
	IGMP_U32_KEY(startup_query_interval_ms, 100, 31744000),
	IGMP_U32_KEY(startup_query_count, 1, 10),
	IGMP_U32_KEY(last_member_query_interval_ms, 100, 3174400),
	IGMP_U32_KEY(last_member_query_count, 1, 10),
	IGMP_U32_KEY(max_groups, 1, 65536),
	IGMP_U32_KEY(max_sources_per_group, 0, 4096),
	IGMP_U32_KEY(prefix_len, 0, 32),
	IGMP_U32_KEY(igmp_rate_limit, 0, 1000000),
	IGMP_U32_KEY(igmp_rate_burst, 1, 65536),
};

int
igmp_port_config_set(struct igmp_port_config *c, const char *key, const char *value,
	char *err, size_t errlen)
{
	struct igmp_port_config n;
	uint32_t v, addr;
	size_t i;

	if (c == NULL || key == NULL || value == NULL) {
		igmp_config_err(err, errlen, "missing key or value");
		return -EINVAL;
	}
	n = *c;
	if (strcmp(key, "enabled") == 0 || strcmp(key, "fast_leave") == 0 ||
	    strcmp(key, "require_router_alert") == 0) {
		bool *b = key[0] == 'e' ? &n.enabled :
			key[0] == 'f' ? &n.fast_leave : &n.require_router_alert;

		if (igmp_parse_bool(value, b) < 0) {
			igmp_config_err(err, errlen, "%s: expected a boolean, got '%s'", key, value);
			return -EINVAL;
		}
		goto done;
	}
	if (strcmp(key, "address") == 0) {
		char buf[32];
		char *slash;

		if (strlen(value) >= sizeof(buf))
			goto bad_addr;
		strcpy(buf, value);
		slash = strchr(buf, '/');
		if (slash != NULL) {
			*slash = '\0';
			if (igmp_parse_u32(slash + 1, 0, 32, &v) < 0)
				goto bad_addr;
			n.prefix_len = (uint8_t)v;
		}
		if (igmp_parse_addr(buf, &addr) < 0 || mf_is_multicast(addr) ||
		    addr >= 0xf0000000u)
			goto bad_addr;
		n.address = addr;
		goto done;
bad_addr:
		igmp_config_err(err, errlen, "address: expected a unicast a.b.c.d[/len], got '%s'",
			value);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(igmp_u32_keys) / sizeof(igmp_u32_keys[0]); i++) {
		const struct igmp_u32_key *k = &igmp_u32_keys[i];
		uint8_t *field;

		if (strcmp(key, k->name) != 0)
			continue;
		if (igmp_parse_u32(value, k->lo, k->hi, &v) < 0) {
			igmp_config_err(err, errlen, "%s: expected an integer in %u..%u, got '%s'",
				key, k->lo, k->hi, value);
			return -EINVAL;
		}
		field = (uint8_t *)&n + k->off;
		if (k->size == 1)
			*field = (uint8_t)v;
		else
			memcpy(field, &v, sizeof(v));
		goto done;
	}
	igmp_config_err(err, errlen, "unknown igmp key '%s'", key);
	return -ENOENT;
done:
	igmp_config_derive(&n);
	*c = n;
	return 0;
}

int
igmp_port_config_validate(struct igmp_port_config *c, char *err, size_t errlen)
{
	size_t i;

	if (c == NULL) {
		igmp_config_err(err, errlen, "no configuration");
		return -EINVAL;
	}
	for (i = 0; i < sizeof(igmp_u32_keys) / sizeof(igmp_u32_keys[0]); i++) {
		const struct igmp_u32_key *k = &igmp_u32_keys[i];
		const uint8_t *field = (const uint8_t *)c + k->off;
		uint32_t v;

		if (k->size == 1)
			v = *field;
		else
			memcpy(&v, field, sizeof(v));
		if (v < k->lo || v > k->hi) {
			igmp_config_err(err, errlen, "%s: %u out of range %u..%u",
				k->name, v, k->lo, k->hi);
			return -EINVAL;
		}
	}
	if (c->query_response_interval_ms >= c->query_interval_ms) {
		igmp_config_err(err, errlen,
			"query_response_interval_ms (%u) must be below query_interval_ms (%u)",
			c->query_response_interval_ms, c->query_interval_ms);
		return -EINVAL;
	}
	if (mf_is_multicast(c->address) || c->address >= 0xf0000000u) {
		igmp_config_err(err, errlen, "address must be unicast");
		return -EINVAL;
	}
	igmp_config_derive(c);
	return 0;
}
