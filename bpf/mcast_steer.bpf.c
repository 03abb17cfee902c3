/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mcast_steer: XDP program for running mcastfwd on net_af_xdp ports beside the kernel.
 *
 * It hands mcastfwd only what a multicast router needs and leaves the rest of the
 * interface (SSH, ARP, unicast routing, ping) to the kernel:
 *  - IPv4 frames whose protocol is IGMP (2), and
 *  - IPv4 frames whose destination is in 224.0.0.0/4,
 * untagged or carrying one VLAN tag (802.1Q or 802.1ad), are redirected to the AF_XDP
 * socket bound to the receiving queue through the XSKMAP `xsks_map` (the name the DPDK
 * net_af_xdp driver looks up when given `xdp_prog=`). Everything else gets XDP_PASS.
 * When no socket is bound to the queue, the redirect falls back to XDP_PASS, so traffic
 * is never dropped by this program.
 *
 * Build variants (see bpf/meson.build):
 *  - default: as above (mcast_steer.bpf.o).
 *  - -DMCAST_STEER_KEEP_LOCAL: 224.0.0.0/24 (link-local control: OSPF, VRRP, mDNS...)
 *    stays with the kernel unless it is IGMP (mcast_steer_keep_local.bpf.o). mcastfwd never
 *    forwards 224.0.0.0/24, so this costs it nothing and keeps kernel daemons working.
 *  - -DMCAST_STEER_TEST: steered frames get XDP_TX instead of a redirect, so a
 *    bpf_prog_test_run check can tell "steered" from "passed" without an AF_XDP socket
 *    (mcast_steer_test.bpf.o; never attach it to an interface).
 *
 * Byte order: ethertypes are compared with constants converted by bpf_htons at compile
 * time and addresses are read byte by byte, so no per-packet byte swapping is done.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Largest queue index a socket can be bound to. One pointer per entry in the kernel. */
#define MCAST_STEER_MAX_QUEUES 256

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* One VLAN tag as it sits between the MAC addresses' ethertype and the payload. */
struct mcast_steer_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, MCAST_STEER_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/*
 * Decide whether a frame belongs to mcastfwd. Returns 1 to steer, 0 to pass.
 * Every header access is preceded by a check against data_end, as the verifier demands.
 */
static __always_inline int
mcast_steer_wanted(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct mcast_steer_vlan_hdr *vlan;
	struct iphdr *ip;
	const __u8 *dst;
	void *l3;
	__be16 proto;

	if ((void *)(eth + 1) > data_end)
		return 0;
	proto = eth->h_proto;
	l3 = eth + 1;

	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		vlan = l3;
		if ((void *)(vlan + 1) > data_end)
			return 0;
		proto = vlan->encap_proto;
		l3 = vlan + 1;
	}

	if (proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = l3;
	if ((void *)(ip + 1) > data_end)
		return 0;
	/* Malformed headers are the kernel's to count and drop. */
	if (ip->version != 4 || ip->ihl < 5)
		return 0;

	if (ip->protocol == IPPROTO_IGMP)
		return 1;
	/*
	 * Byte reads of the destination (network order: dst[0] is the first octet) need no
	 * alignment, whatever the tag count did to the IP header's offset.
	 */
	dst = (const __u8 *)&ip->daddr;
	if ((dst[0] & 0xf0) != 0xe0)
		return 0;
#ifdef MCAST_STEER_KEEP_LOCAL
	if (dst[0] == 224 && dst[1] == 0 && dst[2] == 0)
		return 0;
#endif
	return 1;
}

SEC("xdp")
int
mcast_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!mcast_steer_wanted(data, data_end))
		return XDP_PASS;
#ifdef MCAST_STEER_TEST
	return XDP_TX;
#else
	/* The low bits of flags are the action when no socket sits at this queue's index. */
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
#endif
}

char _license[] SEC("license") = "Dual BSD/GPL";
