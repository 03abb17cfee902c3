/* SPDX-License-Identifier: BSD-3-Clause */
/* Parsers for /mcast telemetry parameters (plain C, see tm_params.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tm_params.h"

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *
tm_ipv4_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		(a >> 8) & 0xff, a & 0xff);
	return buf;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int
tm_split(const char *params, struct tm_fields *out, char *err, size_t errlen)
{
	char *p, *comma;
	unsigned int n = 0;

	out->n = 0;
	if (params == NULL)
		return 0;
	if (strlen(params) >= sizeof(out->buf))
		return fail(err, errlen, -EINVAL, "parameters too long");
	strcpy(out->buf, params);
	p = trim(out->buf);
	if (*p == '\0')
		return 0;
	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (n == TM_MAX_FIELDS)
			return fail(err, errlen, -E2BIG, "too many parameters");
		out->f[n] = trim(p);
		if (out->f[n][0] == '\0')
			return fail(err, errlen, -EINVAL, "empty field %u", n + 1);
		n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	out->n = n;
	return 0;
}

int
tm_count(const struct tm_fields *f, unsigned int min, unsigned int max,
	const char *const *what, char *err, size_t errlen)
{
	if (f->n < min)
		return fail(err, errlen, -EINVAL, "missing %s",
			what != NULL ? what[f->n] : "parameter");
	if (f->n > max)
		return fail(err, errlen, -EINVAL, "too many parameters");
	return 0;
}

int
tm_port(const struct mf_config *c, mf_portset_t in_use, const char *s,
	uint16_t *port, char *err, size_t errlen)
{
	uint16_t p;

	if (mf_config_port_lookup(c, s, &p) != 0 ||
			!(in_use & MF_PORTSET_BIT(p)))
		return fail(err, errlen, -EINVAL, "unknown port '%s'", s);
	*port = p;
	return 0;
}

static int
ipv4(const char *s, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -EINVAL;
	*a = ntohl(in.s_addr);
	return 0;
}

int
tm_group(const char *s, const char *what, uint32_t *grp, char *err,
	size_t errlen)
{
	uint32_t g;

	if (ipv4(s, &g) != 0)
		return fail(err, errlen, -EINVAL, "%s '%s' is not an IPv4 address",
			what, s);
	if (!mf_is_multicast(g))
		return fail(err, errlen, -EINVAL,
			"%s %s is not a multicast address", what, s);
	*grp = g;
	return 0;
}

int
tm_source(const char *s, uint32_t *src, char *err, size_t errlen)
{
	uint32_t a;

	if (strcmp(s, "*") == 0) {
		*src = 0;
		return 0;
	}
	if (ipv4(s, &a) != 0)
		return fail(err, errlen, -EINVAL,
			"source '%s' is not an IPv4 address or '*'", s);
	if (a == 0 || a >= 0xe0000000u)
		return fail(err, errlen, -EINVAL,
			"source %s is not a unicast address", s);
	*src = a;
	return 0;
}

int
tm_uint(const char *s, const char *what, uint32_t lo, uint32_t hi,
	uint32_t *v, char *err, size_t errlen)
{
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return fail(err, errlen, -EINVAL, "%s '%s' is not a number",
			what, s);
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > UINT32_MAX)
		return fail(err, errlen, -EINVAL, "%s '%s' is not a number",
			what, s);
	if (x < lo || x > hi)
		return fail(err, errlen, -EINVAL, "%s %llu is out of range %u..%u",
			what, x, lo, hi);
	*v = (uint32_t)x;
	return 0;
}

int
tm_parse_none(const char *params, char *err, size_t errlen)
{
	struct tm_fields f;
	int rc = tm_split(params, &f, err, errlen);

	if (rc == 0 && f.n > 0)
		rc = fail(err, errlen, -EINVAL, "no parameters expected");
	return rc < 0 ? -EINVAL : 0;
}

int
tm_parse_port(const struct mf_config *c, mf_portset_t in_use,
	const char *params, uint16_t *port, char *err, size_t errlen)
{
	static const char *const what[] = { "port" };
	struct tm_fields f;

	if (tm_split(params, &f, err, errlen) != 0 ||
			tm_count(&f, 1, 1, what, err, errlen) != 0)
		return -EINVAL;
	return tm_port(c, in_use, f.f[0], port, err, errlen);
}

int
tm_parse_port_group_start(const struct mf_config *c, mf_portset_t in_use,
	const char *params, uint16_t *port, uint32_t *start, char *err,
	size_t errlen)
{
	static const char *const what[] = { "port", "start group" };
	struct tm_fields f;
	uint16_t p;
	uint32_t g = 0;

	if (tm_split(params, &f, err, errlen) != 0 ||
			tm_count(&f, 1, 2, what, err, errlen) != 0 ||
			tm_port(c, in_use, f.f[0], &p, err, errlen) != 0)
		return -EINVAL;
	if (f.n == 2 && tm_group(f.f[1], "start group", &g, err, errlen) != 0)
		return -EINVAL;
	*port = p;
	*start = g;
	return 0;
}

int
tm_parse_port_group(const struct mf_config *c, mf_portset_t in_use,
	const char *params, uint16_t *port, uint32_t *grp,
	uint32_t *src_start, char *err, size_t errlen)
{
	static const char *const what[] = { "port", "group", "source index" };
	struct tm_fields f;
	uint16_t p;
	uint32_t g, s = 0;

	if (tm_split(params, &f, err, errlen) != 0 ||
			tm_count(&f, 2, 3, what, err, errlen) != 0 ||
			tm_port(c, in_use, f.f[0], &p, err, errlen) != 0 ||
			tm_group(f.f[1], "group", &g, err, errlen) != 0)
		return -EINVAL;
	if (f.n == 3 && tm_uint(f.f[2], "source index", 0, UINT32_MAX, &s, err,
			errlen) != 0)
		return -EINVAL;
	*port = p;
	*grp = g;
	*src_start = s;
	return 0;
}

int
tm_parse_mfe_start(const char *params, bool *has, struct mf_key *start,
	char *err, size_t errlen)
{
	static const char *const what[] = { "start group", "start source" };
	struct tm_fields f;
	struct mf_key k;

	if (tm_split(params, &f, err, errlen) != 0)
		return -EINVAL;
	if (f.n == 0) {
		*has = false;
		return 0;
	}
	if (tm_count(&f, 2, 2, what, err, errlen) != 0 ||
			tm_group(f.f[0], "start group", &k.grp, err, errlen) != 0 ||
			tm_source(f.f[1], &k.src, err, errlen) != 0)
		return -EINVAL;
	*has = true;
	*start = k;
	return 0;
}

int
tm_parse_sg(const char *params, struct mf_key *key, char *err,
	size_t errlen)
{
	static const char *const what[] = { "source", "group" };
	struct tm_fields f;
	struct mf_key k;

	if (tm_split(params, &f, err, errlen) != 0 ||
			tm_count(&f, 2, 2, what, err, errlen) != 0 ||
			tm_source(f.f[0], &k.src, err, errlen) != 0 ||
			tm_group(f.f[1], "group", &k.grp, err, errlen) != 0)
		return -EINVAL;
	*key = k;
	return 0;
}

int
tm_parse_index(const char *params, uint32_t max, uint32_t *start, char *err,
	size_t errlen)
{
	static const char *const what[] = { "start index" };
	struct tm_fields f;
	uint32_t v = 0;

	if (tm_split(params, &f, err, errlen) != 0 ||
			tm_count(&f, 0, 1, what, err, errlen) != 0)
		return -EINVAL;
	if (f.n == 1 && tm_uint(f.f[0], "start index", 0, max, &v, err,
			errlen) != 0)
		return -EINVAL;
	*start = v;
	return 0;
}

int
tm_parse_route(const struct mf_config *c, mf_portset_t in_use,
	const char *params, struct mf_config_route *r, char *err,
	size_t errlen)
{
	static const char *const what[] = { "source", "group", "in port",
		"out port" };
	struct tm_fields f;
	struct mf_config_route out;
	uint16_t p;
	unsigned int i;

	if (tm_split(params, &f, err, errlen) != 0 ||
			tm_count(&f, 4, TM_MAX_FIELDS, what, err, errlen) != 0)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	if (tm_source(f.f[0], &out.src, err, errlen) != 0 ||
			tm_group(f.f[1], "group", &out.grp, err, errlen) != 0)
		return -EINVAL;
	if (mf_is_link_local_multicast(out.grp))
		return fail(err, errlen, -EINVAL,
			"group %s is link-local (224.0.0.0/24 is never routed)",
			f.f[1]);
	if (tm_port(c, in_use, f.f[2], &p, err, errlen) != 0)
		return -EINVAL;
	out.in_port = p;
	for (i = 3; i < f.n; i++) {
		if (tm_port(c, in_use, f.f[i], &p, err, errlen) != 0)
			return -EINVAL;
		if (p == out.in_port)
			return fail(err, errlen, -EINVAL,
				"incoming port '%s' is also an outgoing port",
				f.f[i]);
		if (out.oifs & MF_PORTSET_BIT(p))
			return fail(err, errlen, -EINVAL,
				"outgoing port '%s' is listed twice", f.f[i]);
		out.oifs |= MF_PORTSET_BIT(p);
	}
	*r = out;
	return 0;
}

int
tm_parse_igmp_config_port(const struct mf_config *c, mf_portset_t in_use,
	const char *params, uint16_t *port, char *err, size_t errlen)
{
	static const char *const what[] = { "port" };
	struct tm_fields f;

	if (tm_split(params, &f, err, errlen) != 0 ||
			tm_count(&f, 1, TM_MAX_FIELDS, what, err, errlen) != 0)
		return -EINVAL;
	return tm_port(c, in_use, f.f[0], port, err, errlen);
}

int
tm_parse_igmp_config(const struct mf_config *c, mf_portset_t in_use,
	const char *params, const struct igmp_port_config *base,
	uint16_t *port, struct igmp_port_config *out, unsigned int *n_set,
	char *err, size_t errlen)
{
	struct tm_fields f;
	struct igmp_port_config cfg = *base;
	char msg[160];
	char *eq, *key, *val;
	unsigned int i, j;
	uint16_t p;
	int rc;

	if (tm_parse_igmp_config_port(c, in_use, params, &p, err, errlen) != 0)
		return -EINVAL;
	/* split again: tm_parse_igmp_config_port() consumed its own copy */
	if (tm_split(params, &f, err, errlen) != 0)
		return -EINVAL;
	for (i = 1; i < f.n; i++) {
		eq = strchr(f.f[i], '=');
		if (eq == NULL)
			return fail(err, errlen, -EINVAL,
				"expected key=value, got '%s'", f.f[i]);
		*eq = '\0';
		key = trim(f.f[i]);
		val = trim(eq + 1);
		if (key[0] == '\0' || val[0] == '\0')
			return fail(err, errlen, -EINVAL,
				"expected key=value, got '%s=%s'", key, val);
		for (j = 1; j < i; j++)
			if (strcmp(f.f[j], key) == 0)
				return fail(err, errlen, -EINVAL,
					"key '%s' given twice", key);
		msg[0] = '\0';
		rc = igmp_port_config_set(&cfg, key, val, msg, sizeof(msg));
		if (rc == -ENOENT)
			return fail(err, errlen, -EINVAL, "unknown key '%s'", key);
		if (rc < 0)
			return fail(err, errlen, -EINVAL, "%s",
				msg[0] != '\0' ? msg : "bad value");
	}
	msg[0] = '\0';
	if (igmp_port_config_validate(&cfg, msg, sizeof(msg)) != 0)
		return fail(err, errlen, -EINVAL, "%s",
			msg[0] != '\0' ? msg : "invalid configuration");
	*port = p;
	*out = cfg;
	*n_set = f.n - 1;
	return 0;
}
