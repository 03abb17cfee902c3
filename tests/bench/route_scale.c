/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route_scale: the control plane's side of a million static routes
 * (docs/scale.md): time and malloc() bytes of the group manager (mgm) and
 * the static protocol for N (S,G) routes, and the costs that grow with N.
 *
 * Plain C, no EAL: the same mgm and proto_static the control lcore runs,
 * driven the way it drives them (proto_static_replace() with the routes of
 * the config, then mgm_fwd_drain_dirty() + mgm_fwd_get() for every dirty
 * key, as ctl_publish_dirty does before building the replication lists).
 * Prints:
 *   - install: proto_static_replace of N routes (sorted by the protocol,
 *     so mgm's sorted key array grows at its end), and the drain;
 *   - malloc bytes per route held by mgm + proto_static (mallinfo2);
 *   - one more route added and deleted at a random place (telemetry's
 *     /mcast/route/add at N routes: proto_static keeps a sorted array, an
 *     insert moves half of it, and the first one reallocates it);
 *   - 1000 (*,G) memberships on new keys scattered among the N (what an
 *     IGMP join of a new group costs mgm at N keys), added then removed;
 *   - one mgm_tick() (the control lcore's once-a-second MFE expiry scan).
 * The DPDK heap side (table and replication lists) is measured by
 * scripts/bench/scale.sh from the running app's /eal/heap_info.
 *
 * Not a test: build with meson, run by hand: route_scale [N] (default 1M)
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgm.h"
#include "proto_static.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t
heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Route i as scale_gen.py writes it. */
static void
route(uint32_t i, struct proto_static_route *r)
{
	memset(r, 0, sizeof(*r));
	r->grp = (232u << 24) + i;
	r->src = (198u << 24) | (18u << 16) | ((i & 255u) << 8) |
		(1u + (i >> 8) % 250u);
	r->in_port = 0;
	r->oifs = 0x1e;
}

int
main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000000;
	struct proto_static_route *routes, extra;
	struct mgm_config mc;
	struct mf_key keys[256];
	struct mgm_fwd_entry e;
	struct proto_static *s;
	size_t h0, h1;
	uint64_t drained = 0;
	unsigned int k, got, changed = 0;
	double t0, t_inst, t_drain, t_add, t_del, t_tick, t_madd, t_mdel;
	char err[256] = "";
	struct mgm *m;
	uint32_t i;

	if (n == 0 || n > (1u << 24)) {
		fprintf(stderr, "usage: route_scale [N 1..16777216]\n");
		return 2;
	}
	routes = malloc((size_t)n * sizeof(*routes));
	if (routes == NULL)
		return 1;
	for (i = 0; i < n; i++)
		route(i, &routes[i]);
	/* Scatter the order (the protocol sorts; a file need not be sorted). */
	for (i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(((uint64_t)i * 2654435761u) % (i + 1));
		struct proto_static_route tmp = routes[i];

		routes[i] = routes[j];
		routes[j] = tmp;
	}
	h0 = heap_used();
	memset(&mc, 0, sizeof(mc));
	m = mgm_create(&mc);
	s = m != NULL ? proto_static_create(m) : NULL;
	if (s == NULL) {
		fprintf(stderr, "mgm/proto_static create failed\n");
		return 1;
	}
	t0 = now_s();
	if (proto_static_replace(s, routes, n, 0, &changed, err,
			sizeof(err)) < 0) {
		fprintf(stderr, "replace: %s\n", err);
		return 1;
	}
	t_inst = now_s() - t0;
	t0 = now_s();
	while ((got = mgm_fwd_drain_dirty(m, keys, 256)) > 0) {
		for (k = 0; k < got; k++)
			if (mgm_fwd_get(m, keys[k].src, keys[k].grp, &e) == 0)
				drained++;
		if (got < 256)
			break;
	}
	t_drain = now_s() - t0;
	h1 = heap_used();
	free(routes);

	route(n / 2, &extra);
	extra.grp = (232u << 24) + n / 2;
	extra.src = (198u << 24) | (18u << 16) | 0xffffu;
	t0 = now_s();
	if (proto_static_add(s, &extra, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "add: %s\n", err);
		return 1;
	}
	t_add = now_s() - t0;
	while (mgm_fwd_drain_dirty(m, keys, 256) == 256)
		;
	t0 = now_s();
	if (proto_static_del(s, extra.src, extra.grp, err, sizeof(err)) < 0) {
		fprintf(stderr, "del: %s\n", err);
		return 1;
	}
	t_del = now_s() - t0;
	while (mgm_fwd_drain_dirty(m, keys, 256) == 256)
		;
	t0 = now_s();
	for (i = 0; i < 1000; i++)
		if (mgm_add_membership(m, proto_static_handle(s), 2, 0,
				(232u << 24) + (uint32_t)((uint64_t)i * n / 1000),
				MGM_FORWARD) < 0) {
			fprintf(stderr, "mgm_add_membership failed\n");
			return 1;
		}
	t_madd = now_s() - t0;
	while (mgm_fwd_drain_dirty(m, keys, 256) == 256)
		;
	t0 = now_s();
	for (i = 0; i < 1000; i++)
		mgm_del_membership(m, proto_static_handle(s), 2, 0,
				(232u << 24) + (uint32_t)((uint64_t)i * n / 1000),
				MGM_FORWARD);
	t_mdel = now_s() - t0;
	while (mgm_fwd_drain_dirty(m, keys, 256) == 256)
		;
	t0 = now_s();
	mgm_tick(m, 1000);
	t_tick = now_s() - t0;

	printf("route_scale: %" PRIu32 " static (S,G) routes, 4 oifs each\n", n);
	printf("install (proto_static_replace): %.3f s, %.0f routes/s, %u changed\n",
			t_inst, n / t_inst, changed);
	printf("drain + mgm_fwd_get:            %.3f s for %" PRIu64 " keys\n",
			t_drain, drained);
	printf("malloc held by mgm + static:    %.1f MB, %.0f bytes/route\n",
			(double)(h1 - h0) / 1e6, (double)(h1 - h0) / n);
	printf("one more route at N (add/del):  %.1f us / %.1f us\n",
			t_add * 1e6, t_del * 1e6);
	printf("new (*,G) key in mgm at N:      %.1f us add, %.1f us remove (mean of 1000)\n",
			t_madd * 1e3, t_mdel * 1e3);
	printf("mgm_tick at N:                  %.2f ms\n", t_tick * 1e3);
	proto_static_destroy(s);
	mgm_destroy(m);
	return 0;
}
