/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_check: loader-free check of the mcast_steer XDP objects.
 *
 * Usage: xdp_check STEER.o STEER_TEST.o STEER_KEEP_LOCAL.o
 *
 * Loads each object into the kernel (verifier included) without attaching it to any
 * interface, and runs crafted frames through it with BPF_PROG_TEST_RUN:
 *  - the MCAST_STEER_TEST build must answer XDP_TX for frames it steers and XDP_PASS
 *    for the rest, which proves the classification without any socket;
 *  - the real builds get an unbound AF_XDP socket in xsks_map[0]: steered frames must
 *    then answer XDP_REDIRECT (the map lookup succeeded), the rest XDP_PASS; after the
 *    entry is deleted every frame must answer XDP_PASS (the redirect's fallback flag).
 *    Without AF_XDP sockets (kernel built without them) only "never drops" is checked
 *    for the real builds, and that is said on stdout.
 *
 * Exit: 0 all verdicts as expected, 1 a verdict or a load failed, 77 (meson's skip) when
 * this machine cannot load any XDP program at all (no privilege, no BPF syscall), with
 * the reason on stdout. Runs in well under a second.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define XDP_CHECK_SKIP 77

#define ETH_HDR_LEN 14
#define VLAN_HDR_LEN 4
#define IPV4_HDR_LEN 20

enum frame_l3 {
	FRAME_IPV4,
	FRAME_ARP,
	FRAME_IPV6,
	FRAME_IPV4_TRUNCATED,
};

/* One crafted frame and what each build must do with it. */
struct frame_case {
	const char *name;
	enum frame_l3 l3;
	uint16_t tags[2];	/* outer first; 0 ends the list */
	uint8_t proto;		/* IPv4 protocol */
	const char *dst;	/* IPv4 destination, dotted quad */
	int router_alert;	/* add the 4-byte Router Alert option (ihl 6) */
	int steer;		/* expected: steered by the default build */
	int steer_local;	/* expected: steered by the keep-local build */
};

static const struct frame_case cases[] = {
	{ "igmpv3_report_ra", FRAME_IPV4, { 0 }, 2, "224.0.0.22", 1, 1, 1 },
	{ "igmp_query", FRAME_IPV4, { 0 }, 2, "224.0.0.1", 1, 1, 1 },
	{ "igmp_to_unicast", FRAME_IPV4, { 0 }, 2, "192.0.2.1", 0, 1, 1 },
	{ "udp_mcast_239", FRAME_IPV4, { 0 }, 17, "239.1.2.3", 0, 1, 1 },
	{ "udp_mcast_224_1", FRAME_IPV4, { 0 }, 17, "224.0.1.129", 0, 1, 1 },
	{ "udp_linklocal_mdns", FRAME_IPV4, { 0 }, 17, "224.0.0.251", 0, 1, 0 },
	{ "ospf_allrouters", FRAME_IPV4, { 0 }, 89, "224.0.0.5", 0, 1, 0 },
	{ "udp_unicast", FRAME_IPV4, { 0 }, 17, "192.0.2.2", 0, 0, 0 },
	{ "icmp_unicast", FRAME_IPV4, { 0 }, 1, "198.18.0.1", 0, 0, 0 },
	{ "udp_223_edge", FRAME_IPV4, { 0 }, 17, "223.255.255.255", 0, 0, 0 },
	{ "udp_240_edge", FRAME_IPV4, { 0 }, 17, "240.0.0.1", 0, 0, 0 },
	{ "udp_broadcast", FRAME_IPV4, { 0 }, 17, "255.255.255.255", 0, 0, 0 },
	{ "arp", FRAME_ARP, { 0 }, 0, NULL, 0, 0, 0 },
	{ "ipv6_mcast", FRAME_IPV6, { 0 }, 0, NULL, 0, 0, 0 },
	{ "ipv4_truncated", FRAME_IPV4_TRUNCATED, { 0 }, 17, "239.1.2.3", 0, 0, 0 },
	{ "vlan_udp_mcast", FRAME_IPV4, { 0x8100 }, 17, "239.1.2.3", 0, 1, 1 },
	{ "vlan_igmp_report", FRAME_IPV4, { 0x8100 }, 2, "224.0.0.22", 1, 1, 1 },
	{ "vlan_udp_unicast", FRAME_IPV4, { 0x8100 }, 17, "192.0.2.2", 0, 0, 0 },
	{ "vlan_arp", FRAME_ARP, { 0x8100 }, 0, NULL, 0, 0, 0 },
	{ "qinq_outer_only_mcast", FRAME_IPV4, { 0x88a8 }, 17, "239.1.2.3", 0, 1, 1 },
	{ "two_tags_mcast_passes", FRAME_IPV4, { 0x88a8, 0x8100 }, 17, "239.1.2.3", 0, 0, 0 },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static size_t
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return 2;
}

/* Writes host-order IPv4 address a at p in network order. Returns 4. */
static size_t
put_ip(uint8_t *p, uint32_t a)
{
	p[0] = a >> 24;
	p[1] = (a >> 16) & 0xff;
	p[2] = (a >> 8) & 0xff;
	p[3] = a & 0xff;
	return 4;
}

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

/* Builds the frame for c into buf (at least 256 bytes). Returns its length. */
static size_t
build_frame(const struct frame_case *c, uint8_t *buf)
{
	static const uint8_t src_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	uint8_t *p = buf;
	struct in_addr dst;
	size_t ihl_bytes, i;
	uint32_t d;

	memset(buf, 0, 256);
	/* Destination MAC: the IPv4 multicast mapping or a unicast one; XDP ignores it. */
	p[0] = 0x01;
	p[1] = 0x00;
	p[2] = 0x5e;
	p += 6;
	memcpy(p, src_mac, 6);
	p += 6;
	for (i = 0; i < 2 && c->tags[i] != 0; i++) {
		p += put16(p, c->tags[i]);
		p += put16(p, 100 + i);	/* VLAN id */
	}
	switch (c->l3) {
	case FRAME_ARP:
		p += put16(p, 0x0806);
		p += put16(p, 1);		/* Ethernet */
		p += put16(p, 0x0800);
		*p++ = 6;
		*p++ = 4;
		p += put16(p, 1);		/* request */
		memcpy(p, src_mac, 6);
		p += 6;
		p += put_ip(p, IP4(192, 0, 2, 1));
		p += 6;				/* target MAC unknown */
		p += put_ip(p, IP4(192, 0, 2, 2));
		return (size_t)(p - buf);
	case FRAME_IPV6:
		p += put16(p, 0x86dd);
		p[0] = 0x60;
		p[6] = 17;			/* next header UDP */
		p[7] = 1;
		p[24] = 0xff;			/* destination ff02::1 */
		p[25] = 0x02;
		p[39] = 0x01;
		p += 40 + 8;
		return (size_t)(p - buf);
	case FRAME_IPV4_TRUNCATED:
		p += put16(p, 0x0800);
		p[0] = 0x45;
		p += 10;			/* stops before the addresses */
		return (size_t)(p - buf);
	case FRAME_IPV4:
		break;
	}
	p += put16(p, 0x0800);
	ihl_bytes = IPV4_HDR_LEN + (c->router_alert ? 4 : 0);
	p[0] = 0x40 | (uint8_t)(ihl_bytes / 4);
	put16(p + 2, (uint16_t)(ihl_bytes + 8));
	p[8] = 1;				/* TTL */
	p[9] = c->proto;
	put_ip(p + 12, IP4(192, 0, 2, 10));
	if (inet_pton(AF_INET, c->dst, &dst) != 1)
		abort();
	d = ntohl(dst.s_addr);
	put_ip(p + 16, d);
	if (c->router_alert) {
		p[20] = 0x94;
		p[21] = 4;
	}
	p += ihl_bytes + 8;			/* 8 bytes of L4 payload */
	/* Pad to Ethernet's minimum so test_run sees a realistic frame. */
	if (p - buf < 60)
		p = buf + 60;
	return (size_t)(p - buf);
}

static const char *
verdict_name(uint32_t v)
{
	switch (v) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "XDP_?";
	}
}

/* Runs one frame through prog_fd. Returns the verdict, or -errno. */
static int
run_frame(int prog_fd, const uint8_t *frame, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = (uint32_t)len,
		.repeat = 1,
	);
	int ret;

	ret = bpf_prog_test_run_opts(prog_fd, &opts);
	if (ret < 0)
		return -errno;
	return (int)opts.retval;
}

/*
 * Runs every case through prog_fd; expect_steer/expect_pass are the verdicts wanted;
 * use_local picks the keep-local column. Returns the number of mismatches.
 */
static int
run_cases(const char *label, int prog_fd, int use_local, uint32_t expect_steer,
	uint32_t expect_pass)
{
	uint8_t frame[256];
	int fails = 0, v;
	uint32_t want;
	size_t i, len;

	for (i = 0; i < N_CASES; i++) {
		len = build_frame(&cases[i], frame);
		want = (use_local ? cases[i].steer_local : cases[i].steer) ?
			expect_steer : expect_pass;
		v = run_frame(prog_fd, frame, len);
		if (v < 0) {
			printf("FAIL %-18s %-24s test_run: %s\n", label, cases[i].name,
				strerror(-v));
			fails++;
			continue;
		}
		printf("%s %-18s %-24s %-12s (want %s)\n", (uint32_t)v == want ? "ok  " : "FAIL",
			label, cases[i].name, verdict_name((uint32_t)v), verdict_name(want));
		if ((uint32_t)v != want)
			fails++;
	}
	return fails;
}

/* Returns 0 when this process can load an XDP program at all, else -errno. */
static int
probe_xdp_load(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_probe", "Dual BSD/GPL", insns, 2, NULL);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

struct loaded {
	struct bpf_object *obj;
	int prog_fd;
	int map_fd;
};

/* Opens and loads path; checks the program type and the xsks_map. Returns 0 or -1. */
static int
load_object(const char *path, struct loaded *out)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	char err[128];
	int ret;

	out->obj = bpf_object__open_file(path, NULL);
	if (out->obj == NULL) {
		libbpf_strerror(-errno, err, sizeof(err));
		printf("FAIL open %s: %s\n", path, err);
		return -1;
	}
	map = bpf_object__find_map_by_name(out->obj, "xsks_map");
	if (map == NULL || bpf_map__type(map) != BPF_MAP_TYPE_XSKMAP) {
		printf("FAIL %s: no BPF_MAP_TYPE_XSKMAP named xsks_map (net_af_xdp needs it)\n",
			path);
		return -1;
	}
	prog = bpf_object__next_program(out->obj, NULL);
	if (prog == NULL || bpf_program__type(prog) != BPF_PROG_TYPE_XDP ||
			bpf_object__next_program(out->obj, prog) != NULL) {
		printf("FAIL %s: want exactly one XDP program (net_af_xdp loads the first)\n",
			path);
		return -1;
	}
	ret = bpf_object__load(out->obj);
	if (ret < 0) {
		libbpf_strerror(ret, err, sizeof(err));
		printf("FAIL load %s (verifier log above): %s\n", path, err);
		return -1;
	}
	out->prog_fd = bpf_program__fd(prog);
	out->map_fd = bpf_map__fd(map);
	printf("ok   loaded %s\n", path);
	return 0;
}

/*
 * Checks a real (redirecting) build. With an AF_XDP socket in xsks_map[0] steered frames
 * must be redirected; with the slot empty everything must pass.
 */
static int
check_real_build(const char *label, const struct loaded *l, int use_local)
{
	char label_on[64], label_off[64];
	uint32_t key = 0;
	int fails = 0, xsk, val;

	snprintf(label_on, sizeof(label_on), "%s+xsk", label);
	snprintf(label_off, sizeof(label_off), "%s-noxsk", label);
	xsk = socket(AF_XDP, SOCK_RAW, 0);
	if (xsk >= 0) {
		val = xsk;
		if (bpf_map_update_elem(l->map_fd, &key, &val, BPF_ANY) < 0) {
			printf("note %s: cannot put an AF_XDP socket in xsks_map: %s\n", label,
				strerror(errno));
			close(xsk);
			xsk = -1;
		}
	} else {
		printf("note %s: no AF_XDP sockets here (%s): redirect verdicts covered by the "
			"test build only\n", label, strerror(errno));
	}
	if (xsk >= 0) {
		fails += run_cases(label_on, l->prog_fd, use_local, XDP_REDIRECT, XDP_PASS);
		if (bpf_map_delete_elem(l->map_fd, &key) < 0) {
			printf("FAIL %s: delete xsks_map[0]: %s\n", label, strerror(errno));
			fails++;
		}
		close(xsk);
	}
	/* No socket on the queue: the fallback flag must hand every frame to the kernel. */
	fails += run_cases(label_off, l->prog_fd, use_local, XDP_PASS, XDP_PASS);
	return fails;
}

int
main(int argc, char **argv)
{
	struct loaded steer, test, local;
	int ret, fails = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s STEER.o STEER_TEST.o STEER_KEEP_LOCAL.o\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = probe_xdp_load();
	if (ret < 0) {
		printf("SKIP: this machine cannot load XDP programs (bpf(BPF_PROG_LOAD): %s); "
			"run as root on a kernel with CONFIG_BPF_SYSCALL and XDP\n", strerror(-ret));
		return XDP_CHECK_SKIP;
	}
	if (load_object(argv[1], &steer) < 0 || load_object(argv[2], &test) < 0 ||
			load_object(argv[3], &local) < 0)
		return 1;

	fails += run_cases("test-build", test.prog_fd, 0, XDP_TX, XDP_PASS);
	fails += check_real_build("default", &steer, 0);
	fails += check_real_build("keep-local", &local, 1);

	bpf_object__close(steer.obj);
	bpf_object__close(test.obj);
	bpf_object__close(local.obj);
	if (fails != 0) {
		printf("%d verdict(s) wrong\n", fails);
		return 1;
	}
	printf("all verdicts as expected\n");
	return 0;
}
