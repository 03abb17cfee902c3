/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * static: static multicast routes as an mgm protocol. See proto_static.h.
 *
 * Routes are kept sorted by (grp, src) so a replacement set is merged
 * against the installed one in a single ordered pass.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_static.h"

struct proto_static {
	struct mgm *mgm;
	struct mgm_proto *h;
	struct proto_static_route *routes;	/* sorted by (grp, src) */
	unsigned int n;
	unsigned int cap;
};

static void
msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
route_cmp(const void *a, const void *b)
{
	const struct proto_static_route *x = a, *y = b;

	if (x->grp != y->grp)
		return x->grp < y->grp ? -1 : 1;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return 0;
}

/* Index of the first route >= (grp, src). */
static unsigned int
lower_bound(const struct proto_static *s, uint32_t src, uint32_t grp)
{
	struct proto_static_route key = { .src = src, .grp = grp };
	unsigned int lo = 0, hi = s->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (route_cmp(&s->routes[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
find(const struct proto_static *s, uint32_t src, uint32_t grp)
{
	unsigned int i = lower_bound(s, src, grp);

	if (i < s->n && s->routes[i].src == src && s->routes[i].grp == grp)
		return (int)i;
	return -1;
}

int
proto_static_check(const struct proto_static_route *r, char *err,
		size_t errlen)
{
	const mf_portset_t all = MF_MAX_PORTS >= 64 ? ~(mf_portset_t)0 :
		(MF_PORTSET_BIT(MF_MAX_PORTS) - 1);

	if (r == NULL) {
		msg(err, errlen, "no route");
		return -EINVAL;
	}
	if (!mf_is_multicast(r->grp) || mf_is_link_local_multicast(r->grp)) {
		msg(err, errlen, "group %u.%u.%u.%u is not a routable multicast group",
			r->grp >> 24, (r->grp >> 16) & 255, (r->grp >> 8) & 255,
			r->grp & 255);
		return -EINVAL;
	}
	if (r->src != 0 && (mf_is_multicast(r->src) ||
			r->src == 0xffffffffu)) {
		msg(err, errlen, "source is not a unicast address");
		return -EINVAL;
	}
	if (r->in_port >= MF_MAX_PORTS) {
		msg(err, errlen, "incoming port %u out of range", r->in_port);
		return -EINVAL;
	}
	if (r->oifs == 0) {
		msg(err, errlen, "no outgoing port");
		return -EINVAL;
	}
	if (r->oifs & ~all) {
		msg(err, errlen, "outgoing port out of range");
		return -EINVAL;
	}
	if (r->oifs & MF_PORTSET_BIT(r->in_port)) {
		msg(err, errlen, "incoming port %u is also outgoing",
			r->in_port);
		return -EINVAL;
	}
	return 0;
}

/* Add / remove FORWARD memberships for the ports in set. */
static int
oifs_apply(struct proto_static *s, uint32_t src, uint32_t grp,
		mf_portset_t set, int add)
{
	uint16_t p;
	int rc;

	for (p = 0; p < MF_MAX_PORTS; p++) {
		if (!(set & MF_PORTSET_BIT(p)))
			continue;
		if (add) {
			rc = mgm_add_membership(s->mgm, s->h, p, src, grp,
					MGM_FORWARD);
			if (rc < 0 && rc != -EEXIST)
				return rc;
		} else {
			mgm_del_membership(s->mgm, s->h, p, src, grp,
					MGM_FORWARD);
		}
	}
	return 0;
}

static int
install(struct proto_static *s, const struct proto_static_route *r,
		uint64_t now_ms)
{
	int rc = oifs_apply(s, r->src, r->grp, r->oifs, 1);

	if (rc < 0)
		return rc;
	rc = mgm_mfe_add(s->mgm, s->h, r->src, r->grp, r->in_port, 0, now_ms);
	return rc < 0 ? rc : 0;
}

static void
uninstall(struct proto_static *s, const struct proto_static_route *r)
{
	struct mgm_mfe_info info;

	oifs_apply(s, r->src, r->grp, r->oifs, 0);
	if (mgm_mfe_get(s->mgm, r->src, r->grp, &info) == 0 &&
			info.creator_id == MGM_PROTO_STATIC)
		mgm_mfe_delete(s->mgm, r->src, r->grp);
}

/* Change an installed route old into new (same key): only what differs. */
static int
update(struct proto_static *s, const struct proto_static_route *old,
		const struct proto_static_route *new, uint64_t now_ms)
{
	int rc;

	oifs_apply(s, old->src, old->grp, old->oifs & ~new->oifs, 0);
	rc = oifs_apply(s, new->src, new->grp, new->oifs & ~old->oifs, 1);
	if (rc < 0)
		return rc;
	if (old->in_port != new->in_port) {
		rc = mgm_mfe_add(s->mgm, s->h, new->src, new->grp,
				new->in_port, 0, now_ms);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct proto_static *
proto_static_create(struct mgm *mgm)
{
	struct proto_static *s;
	struct mgm_proto_reg reg = {
		.proto_id = MGM_PROTO_STATIC,
		.component_id = 0,
	};
	int rc;

	if (mgm == NULL) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->mgm = mgm;
	reg.ctx = s;
	rc = mgm_register(mgm, &reg, &s->h);
	if (rc < 0) {
		free(s);
		errno = -rc;
		return NULL;
	}
	return s;
}

void
proto_static_destroy(struct proto_static *s)
{
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		uninstall(s, &s->routes[i]);
	mgm_deregister(s->mgm, s->h);
	free(s->routes);
	free(s);
}

static int
reserve(struct proto_static *s, unsigned int n)
{
	struct proto_static_route *nr;
	unsigned int cap = s->cap ? s->cap : 16;

	if (n <= s->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	nr = realloc(s->routes, cap * sizeof(*nr));
	if (nr == NULL)
		return -ENOMEM;
	s->routes = nr;
	s->cap = cap;
	return 0;
}

int
proto_static_add(struct proto_static *s, const struct proto_static_route *r,
		uint64_t now_ms, char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	if (s == NULL)
		return -EINVAL;
	rc = proto_static_check(r, err, errlen);
	if (rc < 0)
		return rc;
	if (find(s, r->src, r->grp) >= 0) {
		msg(err, errlen, "a route for this (S,G) exists");
		return -EEXIST;
	}
	if (reserve(s, s->n + 1) < 0) {
		msg(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = install(s, r, now_ms);
	if (rc < 0) {
		uninstall(s, r);
		msg(err, errlen, "group manager refused the route (%d)", rc);
		return rc;
	}
	i = lower_bound(s, r->src, r->grp);
	memmove(&s->routes[i + 1], &s->routes[i],
		(s->n - i) * sizeof(s->routes[0]));
	s->routes[i] = *r;
	s->n++;
	return 0;
}

int
proto_static_del(struct proto_static *s, uint32_t src, uint32_t grp,
		char *err, size_t errlen)
{
	int i;

	if (s == NULL)
		return -EINVAL;
	i = find(s, src, grp);
	if (i < 0) {
		msg(err, errlen, "no route for this (S,G)");
		return -ENOENT;
	}
	uninstall(s, &s->routes[i]);
	memmove(&s->routes[i], &s->routes[i + 1],
		(s->n - (unsigned int)i - 1) * sizeof(s->routes[0]));
	s->n--;
	return 0;
}

int
proto_static_replace(struct proto_static *s,
		const struct proto_static_route *routes, unsigned int n,
		uint64_t now_ms, unsigned int *changed, char *err,
		size_t errlen)
{
	struct proto_static_route *set;
	unsigned int i, j, k, nchg = 0;
	int rc = 0;

	if (changed != NULL)
		*changed = 0;
	if (s == NULL || (routes == NULL && n > 0))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char e[128];

		if (proto_static_check(&routes[i], e, sizeof(e)) < 0) {
			msg(err, errlen, "route %u: %s", i, e);
			return -EINVAL;
		}
	}
	set = malloc((n ? n : 1) * sizeof(*set));
	if (set == NULL) {
		msg(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (n > 0)
		memcpy(set, routes, n * sizeof(*set));
	qsort(set, n, sizeof(*set), route_cmp);
	for (i = 1; i < n; i++) {
		if (route_cmp(&set[i - 1], &set[i]) == 0) {
			for (k = 0; k < n; k++)
				if (route_cmp(&routes[k], &set[i]) == 0)
					break;
			msg(err, errlen,
				"route %u: another route has the same (S,G)",
				k);
			free(set);
			return -EINVAL;
		}
	}
	/* one ordered pass: i over the installed routes, j over the new */
	i = 0;
	j = 0;
	while (i < s->n || j < n) {
		int c = i >= s->n ? 1 : j >= n ? -1 :
			route_cmp(&s->routes[i], &set[j]);
		int r = 0;

		if (c < 0) {
			uninstall(s, &s->routes[i++]);
			nchg++;
			continue;
		}
		if (c > 0) {
			r = install(s, &set[j++], now_ms);
			nchg++;
		} else {
			if (s->routes[i].in_port != set[j].in_port ||
					s->routes[i].oifs != set[j].oifs) {
				r = update(s, &s->routes[i], &set[j], now_ms);
				nchg++;
			}
			i++;
			j++;
		}
		if (r < 0 && rc == 0)
			rc = r;
	}
	free(s->routes);
	s->routes = set;
	s->n = n;
	s->cap = n ? n : 1;
	if (changed != NULL)
		*changed = nchg;
	if (rc < 0)
		msg(err, errlen, "group manager refused a route (%d)", rc);
	return rc;
}

unsigned int
proto_static_count(const struct proto_static *s)
{
	return s != NULL ? s->n : 0;
}

unsigned int
proto_static_list(const struct proto_static *s, unsigned int start,
		struct proto_static_route *out, unsigned int max)
{
	unsigned int n = 0;

	if (s == NULL || out == NULL)
		return 0;
	while (start + n < s->n && n < max) {
		out[n] = s->routes[start + n];
		n++;
	}
	return n;
}

struct mgm_proto *
proto_static_handle(const struct proto_static *s)
{
	return s != NULL ? s->h : NULL;
}

int
proto_static_init(const struct proto_env *env, void **state)
{
	struct proto_static *s = proto_static_create(env->mgm);

	if (s == NULL)
		return -errno;
	*state = s;
	return 0;
}

void
proto_static_fini(void *state)
{
	proto_static_destroy(state);
}
