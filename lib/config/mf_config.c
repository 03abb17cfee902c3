/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * INI config parser (libinih). Two passes over the text: the first reads
 * [global] and [port N] (so every port name is known), the second reads
 * what refers to ports by name ([routes], igmp_proxy_upstream). Our own
 * line reader counts lines, checks section headers and rejects over-long
 * lines, so every message carries the line it is about.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <ini.h>

#include "mf_config.h"

#define SECTION_MAX 64
#define KEY_MAX 48
#define KEYS_PER_SECTION 64
#define MSG_MAX 256

enum section_kind {
	SEC_NONE,
	SEC_GLOBAL,
	SEC_PORT,
	SEC_ROUTES,
};

struct seen_key {
	char key[KEY_MAX];
	uint32_t line;
};

struct parse_state {
	struct mf_config *cfg;
	const char *name;
	int pass;
	/* input: a string or a file */
	const char *str;
	FILE *f;
	uint32_t line;
	/* first error */
	bool failed;
	uint32_t err_line;
	char msg[MSG_MAX];
	/* section headers seen in this pass: line, 0 = not yet */
	uint32_t global_line;
	uint32_t routes_line;
	uint32_t port_line[MF_MAX_PORTS];
	/* keys seen in the current section */
	char cur_section[SECTION_MAX];
	unsigned int n_keys;
	struct seen_key keys[KEYS_PER_SECTION];
};

static const char *const log_level_names[] = {
	[MF_LOG_EMERG] = "emerg",
	[MF_LOG_ALERT] = "alert",
	[MF_LOG_CRIT] = "crit",
	[MF_LOG_ERR] = "err",
	[MF_LOG_WARNING] = "warning",
	[MF_LOG_NOTICE] = "notice",
	[MF_LOG_INFO] = "info",
	[MF_LOG_DEBUG] = "debug",
};

static void
fail(struct parse_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
fail(struct parse_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->failed)
		return;
	st->failed = true;
	st->err_line = st->line;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
	va_end(ap);
}

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
mf_config_log_level_name(unsigned int level)
{
	if (level < MF_LOG_EMERG || level > MF_LOG_DEBUG)
		return NULL;
	return log_level_names[level];
}

void
mf_config_defaults(struct mf_config *c)
{
	unsigned int p;

	memset(c, 0, sizeof(*c));
	c->mfe_timeout_s = 210;
	c->log_level = MF_LOG_INFO;
	c->telemetry = true;
	c->rx_desc = 512;
	c->tx_desc = 512;
	c->tx_flush_us = 100;
	c->control_idle_us = 20;
	c->control_slice_us = 100;
	c->max_routes = MF_CONFIG_TABLE_DEFAULT;
	c->proxy_upstream = MF_PORT_ANY;
	for (p = 0; p < MF_MAX_PORTS; p++) {
		struct mf_config_port *pc = &c->ports[p];

		pc->ttl_threshold = 1;
		pc->chain_threshold = MF_CONFIG_CHAIN_DEFAULT;
		igmp_port_config_defaults(&pc->igmp);
	}
}

/* ---- small value parsers; they return 0 or -EINVAL ---- */

static int
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static int
parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Dotted quad to host order; rejects anything inet_pton rejects. */
static int
parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	return 0;
}

static void
fmt_ipv4(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		(a >> 8) & 0xff, a & 0xff);
}

static bool
valid_port_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= MF_CONFIG_NAME_MAX)
		return false;
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	/* Words that mean something where a port is expected. */
	if (strcmp(s, "none") == 0 || strcmp(s, "any") == 0 ||
			strcmp(s, "all") == 0)
		return false;
	return true;
}

int
mf_config_port_lookup(const struct mf_config *c, const char *s,
	uint16_t *port)
{
	uint32_t v;
	unsigned int p;

	if (s == NULL || s[0] == '\0')
		return -EINVAL;
	if (isdigit((unsigned char)s[0])) {
		if (parse_u32(s, &v) < 0 || v >= MF_MAX_PORTS)
			return -EINVAL;
		*port = (uint16_t)v;
		return 0;
	}
	if (c == NULL)
		return -ENOENT;
	for (p = 0; p < MF_MAX_PORTS; p++) {
		if (c->ports[p].name[0] != '\0' &&
				strcmp(c->ports[p].name, s) == 0) {
			*port = (uint16_t)p;
			return 0;
		}
	}
	return -ENOENT;
}

const char *
mf_config_port_label(const struct mf_config *c, uint16_t port, char *buf,
	size_t len)
{
	if (c != NULL && port < MF_MAX_PORTS && c->ports[port].name[0] != '\0')
		snprintf(buf, len, "%s", c->ports[port].name);
	else
		snprintf(buf, len, "%u", port);
	return buf;
}

static int
lookup_port_err(const struct mf_config *c, const char *s, uint16_t *port,
	char *err, size_t errlen)
{
	int rc = mf_config_port_lookup(c, s, port);

	if (rc == -EINVAL && isdigit((unsigned char)s[0]))
		set_err(err, errlen, "port '%s' is out of range 0..%u", s,
			MF_MAX_PORTS - 1);
	else if (rc < 0)
		set_err(err, errlen, "unknown port '%s'", s);
	return rc;
}

#define ROUTE_MAX_TOKENS (MF_MAX_PORTS + 8)
#define ROUTE_TEXT_MAX 1024

int
mf_config_route_parse(const struct mf_config *c, const char *text,
	struct mf_config_route *r, char *err, size_t errlen)
{
	char buf[ROUTE_TEXT_MAX];
	char *tok[ROUTE_MAX_TOKENS];
	char *save = NULL, *t;
	unsigned int n = 0, i;
	uint16_t port;
	char a[16];
	struct mf_config_route out;

	if (strlen(text) >= sizeof(buf)) {
		set_err(err, errlen, "route text too long");
		return -EINVAL;
	}
	strcpy(buf, text);
	for (t = strtok_r(buf, " \t,", &save); t != NULL;
			t = strtok_r(NULL, " \t,", &save)) {
		if (n == ROUTE_MAX_TOKENS) {
			set_err(err, errlen, "too many outgoing ports (at most %u)",
				MF_MAX_PORTS - 1);
			return -EINVAL;
		}
		tok[n++] = t;
	}
	if (n < 4) {
		set_err(err, errlen,
			"expected '<source|*> <group> <in port> <out port>[,<out port>...]'");
		return -EINVAL;
	}
	memset(&out, 0, sizeof(out));
	if (strcmp(tok[0], "*") == 0) {
		out.src = 0;
	} else if (parse_ipv4(tok[0], &out.src) < 0) {
		set_err(err, errlen, "source '%s' is not an IPv4 address or '*'",
			tok[0]);
		return -EINVAL;
	} else if (out.src == 0 || out.src >= 0xe0000000u) {
		set_err(err, errlen, "source %s is not a unicast address",
			tok[0]);
		return -EINVAL;
	}
	if (parse_ipv4(tok[1], &out.grp) < 0) {
		set_err(err, errlen, "group '%s' is not an IPv4 address", tok[1]);
		return -EINVAL;
	}
	if (!mf_is_multicast(out.grp)) {
		set_err(err, errlen, "group %s is not a multicast address",
			tok[1]);
		return -EINVAL;
	}
	if (mf_is_link_local_multicast(out.grp)) {
		set_err(err, errlen,
			"group %s is link-local (224.0.0.0/24 is never routed)",
			tok[1]);
		return -EINVAL;
	}
	if (lookup_port_err(c, tok[2], &port, err, errlen) < 0)
		return -EINVAL;
	out.in_port = port;
	for (i = 3; i < n; i++) {
		if (lookup_port_err(c, tok[i], &port, err, errlen) < 0)
			return -EINVAL;
		if (port == out.in_port) {
			set_err(err, errlen,
				"incoming port %s is also an outgoing port",
				mf_config_port_label(c, port, a, sizeof(a)));
			return -EINVAL;
		}
		if (out.oifs & MF_PORTSET_BIT(port)) {
			set_err(err, errlen, "outgoing port %s is listed twice",
				mf_config_port_label(c, port, a, sizeof(a)));
			return -EINVAL;
		}
		out.oifs |= MF_PORTSET_BIT(port);
	}
	*r = out;
	return 0;
}

/* ---- sections ---- */

/*
 * Classify a section name as inih passes it (the raw text between the
 * brackets). *port gets N for "port N". Returns SEC_NONE for an unknown or
 * malformed name with a message in msg.
 */
static enum section_kind
section_parse(const char *s, uint16_t *port, char *msg, size_t len)
{
	const char *p;
	uint32_t v;

	if (strcmp(s, "global") == 0)
		return SEC_GLOBAL;
	if (strcmp(s, "routes") == 0)
		return SEC_ROUTES;
	if (strncmp(s, "port", 4) == 0 && (s[4] == ' ' || s[4] == '\t')) {
		p = s + 4;
		while (*p == ' ' || *p == '\t')
			p++;
		if (parse_u32(p, &v) == 0 && v < MF_MAX_PORTS) {
			*port = (uint16_t)v;
			return SEC_PORT;
		}
		snprintf(msg, len,
			"bad section [%s]: expected [port N] with N a port id 0..%u",
			s, MF_MAX_PORTS - 1);
		return SEC_NONE;
	}
	snprintf(msg, len,
		"unknown section [%s] (expected [global], [port N] or [routes])",
		s);
	return SEC_NONE;
}

/* Check a "[...]" line as the reader sees it; records errors in st. */
static void
check_section_line(struct parse_state *st, const char *line)
{
	char name[SECTION_MAX];
	const char *s = line, *e;
	size_t n;
	uint16_t port = 0;
	uint32_t *first;
	char msg[MSG_MAX];

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[')
		return;
	e = strchr(s, ']');
	if (e == NULL) {
		fail(st, "syntax error: section header without ']'");
		return;
	}
	n = (size_t)(e - s - 1);
	if (n >= sizeof(name)) {
		fail(st, "section name too long");
		return;
	}
	memcpy(name, s + 1, n);
	name[n] = '\0';
	switch (section_parse(name, &port, msg, sizeof(msg))) {
	case SEC_GLOBAL:
		first = &st->global_line;
		break;
	case SEC_ROUTES:
		first = &st->routes_line;
		break;
	case SEC_PORT:
		first = &st->port_line[port];
		break;
	default:
		fail(st, "%s", msg);
		return;
	}
	if (*first != 0) {
		fail(st, "duplicate section [%s] (first at line %" PRIu32 ")",
			name, *first);
		return;
	}
	*first = st->line;
	if (st->pass == 1 && port < MF_MAX_PORTS && first == &st->port_line[port]) {
		st->cfg->ports[port].present = true;
		st->cfg->ports[port].line = st->line;
	}
}

/* fgets-like reader over the string or the file: one call per line. */
static char *
cfg_reader(char *buf, int num, void *stream)
{
	struct parse_state *st = stream;
	int n = 0, len = 0, ch = EOF;
	bool too_long = false, nul = false;

	if (st->failed)
		return NULL;
	for (;;) {
		if (st->f != NULL) {
			ch = fgetc(st->f);
		} else {
			ch = (unsigned char)*st->str;
			if (ch == '\0')
				ch = EOF;
			else
				st->str++;
		}
		if (ch == EOF)
			break;
		if (ch == '\0')
			nul = true;
		/* At most num - 3 characters of text (inih's buffer also
		 * holds the line end and the NUL). */
		if (ch != '\n' && ch != '\r' && ++len > num - 3)
			too_long = true;
		if (n < num - 2)
			buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (n == 0 && ch == EOF)
		return NULL;
	buf[n] = '\0';
	st->line++;
	if (too_long) {
		fail(st, "line too long (at most %d characters)", num - 3);
		return NULL;
	}
	if (nul) {
		fail(st, "NUL byte in line");
		return NULL;
	}
	check_section_line(st, buf);
	if (st->failed)
		return NULL;
	return buf;
}

/* Duplicate-key check within the current section. */
static bool
key_seen(struct parse_state *st, const char *section, const char *key)
{
	unsigned int i;

	if (strcmp(section, st->cur_section) != 0) {
		snprintf(st->cur_section, sizeof(st->cur_section), "%s", section);
		st->n_keys = 0;
	}
	for (i = 0; i < st->n_keys; i++) {
		if (strcmp(st->keys[i].key, key) == 0) {
			fail(st, "duplicate key '%s' in [%s] (first at line %" PRIu32 ")",
				key, section, st->keys[i].line);
			return true;
		}
	}
	if (st->n_keys < KEYS_PER_SECTION) {
		snprintf(st->keys[st->n_keys].key, KEY_MAX, "%s", key);
		st->keys[st->n_keys].line = st->line;
		st->n_keys++;
	}
	return false;
}

static int
num_key(struct parse_state *st, const char *key, const char *value,
	uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint32_t v;

	if (parse_u32(value, &v) < 0) {
		fail(st, "%s: '%s' is not a number", key, value);
		return -EINVAL;
	}
	if (v < lo || v > hi) {
		fail(st, "%s: %" PRIu32 " is out of range %" PRIu32 "..%" PRIu32,
			key, v, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static void
global_key(struct parse_state *st, const char *key, const char *value)
{
	struct mf_config *c = st->cfg;
	uint32_t v;
	unsigned int i;
	uint16_t port;
	char msg[MSG_MAX];

	if (strcmp(key, "igmp_proxy_upstream") == 0) {
		if (st->pass != 2)
			return;
		c->proxy_line = st->line;
		if (strcmp(value, "none") == 0) {
			c->proxy_upstream = MF_PORT_ANY;
			return;
		}
		if (lookup_port_err(c, value, &port, msg, sizeof(msg)) < 0) {
			fail(st, "igmp_proxy_upstream: %s", msg);
			return;
		}
		c->proxy_upstream = port;
		return;
	}
	if (st->pass != 1)
		return;
	if (strcmp(key, "mfe_timeout_s") == 0) {
		if (num_key(st, key, value, 1, 86400, &v) == 0)
			c->mfe_timeout_s = v;
	} else if (strcmp(key, "log_level") == 0) {
		for (i = MF_LOG_EMERG; i <= MF_LOG_DEBUG; i++) {
			if (strcmp(value, log_level_names[i]) == 0) {
				c->log_level = (uint8_t)i;
				return;
			}
		}
		fail(st, "log_level: '%s' is not one of emerg, alert, crit, err, warning, notice, info, debug",
			value);
	} else if (strcmp(key, "telemetry") == 0) {
		if (parse_bool(value, &c->telemetry) < 0)
			fail(st, "telemetry: '%s' is not on or off", value);
	} else if (strcmp(key, "rx_desc") == 0) {
		if (num_key(st, key, value, 64, 4096, &v) == 0)
			c->rx_desc = (uint16_t)v;
	} else if (strcmp(key, "tx_desc") == 0) {
		if (num_key(st, key, value, 64, 4096, &v) == 0)
			c->tx_desc = (uint16_t)v;
	} else if (strcmp(key, "tx_flush_us") == 0) {
		if (num_key(st, key, value, 1, 10000, &v) == 0)
			c->tx_flush_us = v;
	} else if (strcmp(key, "control_idle_us") == 0) {
		if (num_key(st, key, value, 0, 1000, &v) == 0)
			c->control_idle_us = v;
	} else if (strcmp(key, "control_slice_us") == 0) {
		if (num_key(st, key, value, 0, 100000, &v) == 0) {
			if (v != 0 && v < 100)
				fail(st, "control_slice_us: %u is below the "
					"kernel's 100 us minimum (0 = the "
					"kernel's default)", v);
			else
				c->control_slice_us = v;
		}
	} else if (strcmp(key, "max_routes") == 0) {
		if (num_key(st, key, value, MF_CONFIG_TABLE_MIN,
				MF_CONFIG_TABLE_MAX, &v) == 0)
			c->max_routes = v;
	} else if (strcmp(key, "extra_mbufs") == 0) {
		if (num_key(st, key, value, 0, MF_CONFIG_TABLE_MAX, &v) == 0)
			c->extra_mbufs = v;
	} else if (strcmp(key, "routes_file") == 0) {
		if (value[0] == '\0' ||
				strlen(value) >= sizeof(c->routes_file))
			fail(st, "routes_file: empty or longer than %zu characters",
				sizeof(c->routes_file) - 1);
		else
			snprintf(c->routes_file, sizeof(c->routes_file), "%s",
				value);
	} else {
		fail(st, "unknown key '%s' in [global]", key);
	}
}

static void
port_key(struct parse_state *st, uint16_t port, const char *section,
	const char *key, const char *value)
{
	struct mf_config *c = st->cfg;
	struct mf_config_port *pc = &c->ports[port];
	char msg[MSG_MAX], addr[32], *slash;
	unsigned int p;
	uint32_t v;
	int rc;
	bool on;

	if (st->pass != 1)
		return;
	if (strcmp(key, "name") == 0) {
		if (!valid_port_name(value)) {
			fail(st, "name: '%s' is not a valid port name (1-%d letters, digits, '_' or '-', starting with a letter or '_'; not none/any/all)",
				value, MF_CONFIG_NAME_MAX - 1);
			return;
		}
		for (p = 0; p < MF_MAX_PORTS; p++) {
			if (p != port && strcmp(c->ports[p].name, value) == 0) {
				fail(st, "name: '%s' is already the name of port %u",
					value, p);
				return;
			}
		}
		snprintf(pc->name, sizeof(pc->name), "%s", value);
	} else if (strcmp(key, "address") == 0) {
		snprintf(addr, sizeof(addr), "%s", value);
		slash = strchr(addr, '/');
		if (strlen(value) >= sizeof(addr) || slash == NULL) {
			fail(st, "address: '%s' is not an IPv4 address/prefix (e.g. 198.18.0.1/24)",
				value);
			return;
		}
		*slash = '\0';
		if (parse_ipv4(addr, &v) < 0) {
			fail(st, "address: '%s' is not an IPv4 address/prefix (e.g. 198.18.0.1/24)",
				value);
			return;
		}
		{
			uint32_t len;

			if (parse_u32(slash + 1, &len) < 0 || len < 1 || len > 32) {
				fail(st, "address: prefix length '%s' is out of range 1..32",
					slash + 1);
				return;
			}
			if (v == 0 || v >= 0xe0000000u || (v >> 24) == 127) {
				fail(st, "address: %s is not a unicast host address",
					addr);
				return;
			}
			pc->addr = v;
			pc->prefix_len = (uint8_t)len;
		}
	} else if (strcmp(key, "ttl_threshold") == 0) {
		if (num_key(st, key, value, 1, 255, &v) == 0)
			pc->ttl_threshold = (uint8_t)v;
	} else if (strcmp(key, "chain_threshold") == 0) {
		if (strcmp(value, "default") == 0)
			pc->chain_threshold = MF_CONFIG_CHAIN_DEFAULT;
		else if (strcmp(value, "never") == 0)
			pc->chain_threshold = MF_CONFIG_CHAIN_NEVER;
		else if (num_key(st, key, value, 64, 65535, &v) == 0)
			pc->chain_threshold = v;
	} else if (strcmp(key, "tx_multi_seg") == 0) {
		if (strcmp(value, "auto") == 0)
			pc->tx_multi_seg = MF_MSEG_AUTO;
		else if (parse_bool(value, &on) < 0)
			fail(st, "tx_multi_seg: '%s' is not auto, on or off",
				value);
		else
			pc->tx_multi_seg = on ? MF_MSEG_ON : MF_MSEG_OFF;
	} else if (strcmp(key, "igmp") == 0) {
		if (parse_bool(value, &on) < 0)
			fail(st, "igmp: '%s' is not on or off", value);
		else
			pc->igmp.enabled = on;
	} else if (strcmp(key, "prefix_len") == 0) {
		fail(st, "unknown key 'prefix_len' in [%s] (give it with address = A.B.C.D/LEN)",
			section);
	} else {
		msg[0] = '\0';
		rc = igmp_port_config_set(&pc->igmp, key, value, msg,
			sizeof(msg));
		if (rc == -ENOENT)
			fail(st, "unknown key '%s' in [%s]", key, section);
		else if (rc < 0)
			fail(st, "%s", msg[0] != '\0' ? msg : "bad value");
	}
}

static void
route_line(struct parse_state *st, const char *key, const char *value)
{
	struct mf_config *c = st->cfg;
	struct mf_config_route r;
	char msg[MSG_MAX], s[16], g[16];
	uint32_t i;

	if (strcmp(key, "route") != 0) {
		fail(st, "unknown key '%s' in [routes] (expected 'route = ...')",
			key);
		return;
	}
	if (st->pass != 2)
		return;
	if (mf_config_route_parse(c, value, &r, msg, sizeof(msg)) < 0) {
		fail(st, "route: %s", msg);
		return;
	}
	for (i = 0; i < c->n_routes; i++) {
		if (c->routes[i].src == r.src && c->routes[i].grp == r.grp) {
			fmt_ipv4(r.grp, g, sizeof(g));
			if (r.src == 0)
				snprintf(s, sizeof(s), "*");
			else
				fmt_ipv4(r.src, s, sizeof(s));
			fail(st, "duplicate route (%s, %s) (first at line %" PRIu32 ")",
				s, g, c->routes[i].line);
			return;
		}
	}
	if (c->n_routes == MF_CONFIG_MAX_ROUTES) {
		fail(st, "too many routes (at most %u)", MF_CONFIG_MAX_ROUTES);
		return;
	}
	r.line = st->line;
	c->routes[c->n_routes++] = r;
}

static int
cfg_handler(void *user, const char *section, const char *name,
	const char *value)
{
	struct parse_state *st = user;
	char msg[MSG_MAX];
	uint16_t port = 0;
	enum section_kind k;

	if (st->failed)
		return 0;
	if (section[0] == '\0') {
		fail(st, "key '%s' outside any section", name);
		return 0;
	}
	k = section_parse(section, &port, msg, sizeof(msg));
	if (k == SEC_NONE) {
		/* the reader has already rejected it; keep a message anyway */
		fail(st, "%s", msg);
		return 0;
	}
	if (k != SEC_ROUTES && key_seen(st, section, name))
		return 0;
	if (value[0] == '\0') {
		fail(st, "%s: missing value", name);
		return 0;
	}
	switch (k) {
	case SEC_GLOBAL:
		global_key(st, name, value);
		break;
	case SEC_PORT:
		port_key(st, port, section, name, value);
		break;
	case SEC_ROUTES:
		route_line(st, name, value);
		break;
	default:
		break;
	}
	return st->failed ? 0 : 1;
}

static void
reset_pass(struct parse_state *st, int pass)
{
	st->pass = pass;
	st->line = 0;
	st->global_line = 0;
	st->routes_line = 0;
	memset(st->port_line, 0, sizeof(st->port_line));
	st->cur_section[0] = '\0';
	st->n_keys = 0;
}

/* Run both passes over the string or the file in st; 0 or -EINVAL. */
static int
parse_all(struct parse_state *st, const char *text, char *err, size_t errlen)
{
	char msg[MSG_MAX];
	unsigned int p;
	int pass, rc;

	/* Process-wide libinih switches (documented in mf_config.h). */
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	for (pass = 1; pass <= 2; pass++) {
		reset_pass(st, pass);
		if (st->f != NULL)
			rewind(st->f);
		else
			st->str = text;
		rc = ini_parse_stream(cfg_reader, st, cfg_handler, st);
		if (st->failed) {
			set_err(err, errlen, "%s:%" PRIu32 ": %s", st->name,
				st->err_line, st->msg);
			return -EINVAL;
		}
		if (rc == -2)
			return -ENOMEM;
		if (rc != 0) {
			set_err(err, errlen,
				"%s:%d: syntax error (expected 'key = value', '[section]' or a comment)",
				st->name, rc);
			return -EINVAL;
		}
	}
	/* The IGMP router sources queries from the port address. */
	for (p = 0; p < MF_MAX_PORTS; p++) {
		struct mf_config_port *pc = &st->cfg->ports[p];

		pc->igmp.address = pc->addr;
		pc->igmp.prefix_len = pc->prefix_len;
		/* Cross-field IGMP rules, reported at the section header. */
		if (igmp_port_config_validate(&pc->igmp, msg, sizeof(msg)) < 0) {
			set_err(err, errlen, "%s:%" PRIu32 ": [port %u]: %s",
				st->name, pc->line, p, msg);
			return -EINVAL;
		}
	}
	return 0;
}

static int
load_common(struct parse_state *st, const char *text, struct mf_config *out,
	char *err, size_t errlen)
{
	struct mf_config *c;
	int rc;

	c = malloc(sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	mf_config_defaults(c);
	snprintf(c->source, sizeof(c->source), "%s", st->name);
	st->cfg = c;
	rc = parse_all(st, text, err, errlen);
	if (rc == 0)
		memcpy(out, c, sizeof(*c));
	free(c);
	return rc;
}

int
mf_config_load_string(const char *text, const char *name,
	struct mf_config *out, char *err, size_t errlen)
{
	struct parse_state *st;
	int rc;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->name = name != NULL ? name : "<string>";
	rc = load_common(st, text, out, err, errlen);
	free(st);
	return rc;
}

int
mf_config_load(const char *path, struct mf_config *out, char *err,
	size_t errlen)
{
	struct parse_state *st;
	int rc;

	if (path == NULL) {
		mf_config_defaults(out);
		return 0;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->name = path;
	st->f = fopen(path, "r");
	if (st->f == NULL) {
		rc = -errno;
		set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		free(st);
		return rc;
	}
	rc = load_common(st, NULL, out, err, errlen);
	fclose(st->f);
	free(st);
	return rc;
}

/* c->routes_file, relative to the config file's directory if relative. */
static int
routes_file_path(const struct mf_config *c, char *buf, size_t len)
{
	const char *slash = strrchr(c->source, '/');
	int n;

	if (c->routes_file[0] == '/' || slash == NULL)
		n = snprintf(buf, len, "%s", c->routes_file);
	else
		n = snprintf(buf, len, "%.*s/%s", (int)(slash - c->source),
			c->source, c->routes_file);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
mf_config_routes_file_read(const struct mf_config *c, mf_portset_t avail,
	struct mf_config_route **routes, uint32_t *n, char *err,
	size_t errlen)
{
	char path[2 * MF_CONFIG_PATH_MAX], line[512], msg[MSG_MAX];
	struct mf_config_route *v = NULL, r;
	uint32_t cnt = 0, cap = 0, lineno = 0;
	int rc = 0;
	FILE *f;

	*routes = NULL;
	*n = 0;
	if (c->routes_file[0] == '\0')
		return 0;
	if (routes_file_path(c, path, sizeof(path)) < 0) {
		set_err(err, errlen, "routes_file: path too long");
		return -ENAMETOOLONG;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		set_err(err, errlen, "%s: cannot open: %s", path,
			strerror(errno));
		return rc;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line;
		size_t l = strlen(line);

		lineno++;
		if (l > 0 && line[l - 1] != '\n' && !feof(f)) {
			set_err(err, errlen, "%s:%" PRIu32 ": line too long",
				path, lineno);
			rc = -EINVAL;
			break;
		}
		while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r' ||
				line[l - 1] == ' ' || line[l - 1] == '\t'))
			line[--l] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (mf_config_route_parse(c, s, &r, msg, sizeof(msg)) < 0) {
			set_err(err, errlen, "%s:%" PRIu32 ": route: %s", path,
				lineno, msg);
			rc = -EINVAL;
			break;
		}
		if (avail != 0 && (r.in_port >= MF_MAX_PORTS ||
				!(avail & (1ULL << r.in_port)) ||
				(r.oifs & ~avail) != 0)) {
			set_err(err, errlen, "%s:%" PRIu32 ": a port of this route does not exist",
				path, lineno);
			rc = -ENODEV;
			break;
		}
		if (cnt == c->max_routes) {
			set_err(err, errlen, "%s:%" PRIu32 ": more routes than max_routes (%" PRIu32 ")",
				path, lineno, c->max_routes);
			rc = -E2BIG;
			break;
		}
		if (cnt == cap) {
			uint32_t ncap = cap ? cap * 2 : 1024;
			struct mf_config_route *nv;

			nv = realloc(v, (size_t)ncap * sizeof(*v));
			if (nv == NULL) {
				set_err(err, errlen, "%s: out of memory", path);
				rc = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		r.line = lineno;
		v[cnt++] = r;
	}
	if (rc == 0 && ferror(f)) {
		set_err(err, errlen, "%s: read error", path);
		rc = -EIO;
	}
	fclose(f);
	if (rc < 0) {
		free(v);
		return rc;
	}
	*routes = v;
	*n = cnt;
	return 0;
}

int
mf_config_check_ports(const struct mf_config *c, mf_portset_t avail,
	char *err, size_t errlen)
{
	unsigned int p, n_avail = 0, i;
	uint32_t line = 0;
	uint16_t bad = MF_PORT_ANY;
	char range[64];
	mf_portset_t all;

	for (p = 0; p < MF_MAX_PORTS; p++) {
		if (c->ports[p].present && !(avail & MF_PORTSET_BIT(p)) &&
				(bad == MF_PORT_ANY || c->ports[p].line < line)) {
			bad = (uint16_t)p;
			line = c->ports[p].line;
		}
	}
	if (c->proxy_upstream != MF_PORT_ANY &&
			!(avail & MF_PORTSET_BIT(c->proxy_upstream)) &&
			(bad == MF_PORT_ANY || c->proxy_line < line)) {
		bad = c->proxy_upstream;
		line = c->proxy_line;
	}
	for (i = 0; i < c->n_routes; i++) {
		const struct mf_config_route *r = &c->routes[i];

		all = r->oifs | MF_PORTSET_BIT(r->in_port);
		if ((all & ~avail) == 0)
			continue;
		if (bad != MF_PORT_ANY && r->line >= line)
			break;
		bad = (uint16_t)__builtin_ctzll(all & ~avail);
		line = r->line;
		break;
	}
	if (bad == MF_PORT_ANY)
		return 0;
	for (p = 0; p < MF_MAX_PORTS; p++)
		if (avail & MF_PORTSET_BIT(p))
			n_avail++;
	if (n_avail == 0)
		snprintf(range, sizeof(range), "none");
	else if ((avail & (avail + 1)) == 0)
		snprintf(range, sizeof(range), "0-%u", n_avail - 1);
	else
		snprintf(range, sizeof(range), "mask 0x%" PRIx64,
			(uint64_t)avail);
	set_err(err, errlen, "%s:%" PRIu32 ": port %u does not exist (ports: %s)",
		c->source[0] != '\0' ? c->source : "<defaults>", line, bad, range);
	return -ENODEV;
}
