/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control_rate: IGMPv3 group records applied per second by the control
 * lcore (issue 8 target: >= 1,000,000 records/s).
 *
 * Runs the real control loop (lib/control) with the real worker in
 * single-lcore mode over net_ring ports, through the control unit tests'
 * harness (tests/unit/control/control_harness.h). Synthetic IGMPv3 reports
 * of 128 group records each arrive on every port: a round first joins
 * every group on every port (CHANGE_TO_EXCLUDE({})), then leaves them
 * (CHANGE_TO_INCLUDE({}) with fast_leave on, so every record changes the
 * port's membership at once). Every record therefore goes through the
 * worker's parser, the record ring, igmp_router_input(), an mgm membership
 * change, and a table publication (new list, hash update, RCU retire and
 * reclaim) of the (*,G) entry it changed.
 *
 * Only the time spent in ctl_poll() is counted (frame building and
 * ring pushes are outside the window); it includes the worker's RX and
 * parsing, so the figure is a lower bound for the control lcore alone.
 * The TSC-based split between the two is not made.
 *
 * Not a test: build with meson, run by hand:
 *   control_rate [rounds] [groups] [per_port]   (defaults 200, 512, 0)
 * per_port 1 feeds one port at a time, so that no two records of a turn
 * touch the same (*,G) and every record costs a publication of its own.
 * It prints records/s, publications/s and the control counters.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "control_harness.h"
#include "igmp_codec.h"

#define N_PORTS 4
#define RECS_PER_MSG 128
#define MAX_GROUPS 1024	/* the harness's table holds 1024 keys */

static const char config_text[] =
	"[port {p0}]\naddress = 198.18.0.1/24\nfast_leave = on\n"
	"igmp_rate_limit = 0\nmax_groups = 65536\n"
	"[port {p1}]\naddress = 198.18.1.1/24\nfast_leave = on\n"
	"igmp_rate_limit = 0\nmax_groups = 65536\n"
	"[port {p2}]\naddress = 198.18.2.1/24\nfast_leave = on\n"
	"igmp_rate_limit = 0\nmax_groups = 65536\n"
	"[port {p3}]\naddress = 198.18.3.1/24\nfast_leave = on\n"
	"igmp_rate_limit = 0\nmax_groups = 65536\n";

struct frame {
	uint8_t buf[2048];
	uint32_t len;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Frames joining (type TO_EX) or leaving (TO_IN) groups [0, n_groups). */
static unsigned int
build_frames(struct frame *f, unsigned int port, unsigned int n_groups,
		uint8_t type)
{
	struct igmp_report_rec recs[RECS_PER_MSG];
	uint8_t ip[2048];
	uint32_t host = (198u << 24) | (18u << 16) | (port << 8) | 10u;
	unsigned int g = 0, n = 0, k;
	int len;

	while (g < n_groups) {
		for (k = 0; k < RECS_PER_MSG && g < n_groups; k++, g++) {
			memset(&recs[k], 0, sizeof(recs[k]));
			recs[k].type = type;
			/* 239.2.x.y */
			recs[k].group = (239u << 24) | (2u << 16) | g;
		}
		len = igmp_build_v3_report(ip, sizeof(ip), host, recs,
				(uint16_t)k);
		if (len <= 0)
			return 0;
		f[n].len = ch_frame(f[n].buf, sizeof(f[n].buf), ip,
				(uint32_t)len);
		n++;
	}
	return n;
}

/* Feed frames on ports [p0, p1), poll until the control lcore has drained
 * them; return the seconds spent in ctl_poll. */
static double
apply_ports(struct ch *h, struct frame f[N_PORTS][MAX_GROUPS / RECS_PER_MSG],
		unsigned int n_frames, unsigned int p0, unsigned int p1)
{
	struct ctl_stats st;
	uint64_t want;
	unsigned int i, k;
	double t0, t = 0;

	ctl_stats_read(ch_ctl(h), &st);
	want = st.igmp_msgs + (uint64_t)n_frames * (p1 - p0);
	for (i = p0; i < p1; i++)
		for (k = 0; k < n_frames; k++)
			if (ch_rx(h, i, f[i][k].buf, f[i][k].len) < 0) {
				fprintf(stderr, "rx push failed\n");
				exit(1);
			}
	do {
		t0 = now_s();
		ch_poll(h, 1);
		t += now_s() - t0;
		ctl_stats_read(ch_ctl(h), &st);
	} while (st.igmp_msgs < want);
	ch_drain_tx(h);
	return t;
}

/* All ports at once (a group's changes on the 4 ports coalesce into one
 * publication when one control turn drains them), or one port after the
 * other (every record is a publication of its own). */
static double
apply(struct ch *h, struct frame f[N_PORTS][MAX_GROUPS / RECS_PER_MSG],
		unsigned int n_frames, int per_port)
{
	unsigned int i;
	double t = 0;

	if (!per_port)
		return apply_ports(h, f, n_frames, 0, N_PORTS);
	for (i = 0; i < N_PORTS; i++)
		t += apply_ports(h, f, n_frames, i, i + 1);
	return t;
}

int
main(int argc, char **argv)
{
	static struct frame join[N_PORTS][MAX_GROUPS / RECS_PER_MSG];
	static struct frame leave[N_PORTS][MAX_GROUPS / RECS_PER_MSG];
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 200;
	unsigned int groups = argc > 2 ? (unsigned int)atoi(argv[2]) : 512;
	int per_port = argc > 3 ? atoi(argv[3]) : 0;
	struct ctl_stats s0, s1;
	unsigned int i, n = 0, r;
	char err[256] = "";
	double t = 0;
	uint64_t recs;
	struct ch *h;

	if (rounds == 0 || groups == 0 || groups > MAX_GROUPS - 8) {
		fprintf(stderr, "usage: control_rate [rounds] [groups 1..%u]\n",
				MAX_GROUPS - 8);
		return 2;
	}
	if (ch_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	h = ch_create(N_PORTS, config_text, err, sizeof(err));
	if (h == NULL) {
		fprintf(stderr, "harness: %s\n", err);
		return 1;
	}
	for (i = 0; i < N_PORTS; i++) {
		n = build_frames(join[i], i, groups, IGMP_REC_TO_EX);
		if (build_frames(leave[i], i, groups, IGMP_REC_TO_IN) != n ||
				n == 0) {
			fprintf(stderr, "building reports failed\n");
			return 1;
		}
	}
	/* Warm-up round (startup queries, first allocations). */
	ch_poll(h, 10);
	ch_drain_tx(h);
	apply(h, join, n, per_port);
	apply(h, leave, n, per_port);
	ctl_stats_read(ch_ctl(h), &s0);
	for (r = 0; r < rounds; r++) {
		t += apply(h, join, n, per_port);
		t += apply(h, leave, n, per_port);
	}
	ctl_stats_read(ch_ctl(h), &s1);
	recs = (uint64_t)rounds * 2 * N_PORTS * groups;
	printf("control_rate: %u rounds x %u ports x %u groups x (join+leave), "
			"%s\n", rounds, N_PORTS, groups,
			per_port ? "one port at a time" : "all ports at once");
	printf("records applied:   %" PRIu64 " in %.3f s of ctl_poll\n",
			recs, t);
	printf("records/s:         %.0f\n", (double)recs / t);
	printf("ns/record:         %.1f\n", t * 1e9 / (double)recs);
	printf("igmp msgs:         %" PRIu64 "\n", s1.igmp_msgs - s0.igmp_msgs);
	printf("publishes:         %" PRIu64 " (%.0f/s)\n",
			s1.publishes - s0.publishes,
			(double)(s1.publishes - s0.publishes) / t);
	printf("removes:           %" PRIu64 "\n", s1.removes - s0.removes);
	printf("publish errors:    %" PRIu64 "\n",
			s1.publish_errors - s0.publish_errors);
	printf("batches:           %" PRIu64 "\n", s1.batches - s0.batches);
	ch_free(h);
	return 0;
}
