/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker fast path: RX, classify, IGMP -> records, lookup, checks,
 * TTL, replicate (copy or chain, per port), buffered TX, counters.
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "fastpath.h"
#include "fastpath_event.h"
#include "igmp_codec.h"
#include "mf_table.h"

RTE_LOG_REGISTER_DEFAULT(fp_logtype, INFO);
#define FP_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, fp_logtype, "fastpath: " __VA_ARGS__)

_Static_assert(sizeof(struct fp_event) == 24, "fp_event is 24 bytes");
_Static_assert(sizeof(struct fp_stats) % sizeof(uint64_t) == 0,
		"fp_stats is an array of uint64_t");
_Static_assert(FP_IGMP_ERR_SLOTS > IGMP_PARSE_ERR_COUNT,
		"one slot per parse error plus one");
_Static_assert(FP_BURST <= MF_TABLE_LOOKUP_MAX, "burst fits a bulk lookup");

#define ETH_LEN ((uint32_t)sizeof(struct rte_ether_hdr))

/*
 * Counter update by the worker, the counter's only writer: a plain load
 * of its own value and a relaxed atomic store, so that readers on other
 * threads (relaxed loads) never see a torn value. No ordering with other
 * memory is needed, hence relaxed; no RMW is needed, hence no lock prefix.
 */
#define FP_ADD(ctr, n) __atomic_store_n(&(ctr), (ctr) + (n), __ATOMIC_RELAXED)

struct rte_ring *
fp_event_ring_create(const char *name, unsigned int count, int socket_id)
{
	return rte_ring_create_elem(name, sizeof(struct fp_event), count,
			socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

int
fp_port_init(struct fp_port *p, uint16_t port_id, bool tx_multi_seg)
{
	if (p == NULL || port_id >= MF_MAX_PORTS ||
			!rte_eth_dev_is_valid_port(port_id))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->port_id = port_id;
	p->tx_multi_seg = tx_multi_seg ? 1 : 0;
	p->chain_threshold = FP_CHAIN_THRESHOLD_DEFAULT;
	if (rte_eth_macaddr_get(port_id, &p->mac) != 0)
		return -EINVAL;
	p->igmp_enabled = 1;
	return 0;
}

/* TX buffer error callback: the port refused these; free and count. */
static void
tx_err_cb(struct rte_mbuf **unsent, uint16_t count, void *userdata)
{
	struct fp_tx_port *tp = userdata;

	rte_pktmbuf_free_bulk(unsent, count);
	FP_ADD(tp->w->stats.port_tx_drop[tp->port_id], count);
}

static void
bucket_init(struct fp_bucket *b, uint32_t rate, uint32_t burst)
{
	uint64_t hz = rte_get_tsc_hz();

	b->period = hz / (rate != 0 ? rate : 1);
	if (b->period == 0)
		b->period = 1;
	b->burst = burst;
	b->tokens = burst;
	b->last = rte_rdtsc();
}

/* Take one token; refill from elapsed TSC only when empty. */
static inline int
bucket_take(struct fp_bucket *b, uint64_t now)
{
	if (b->tokens == 0) {
		uint64_t add = (now - b->last) / b->period;

		if (add == 0)
			return 0;
		if (add >= b->burst) {
			b->tokens = b->burst;
			b->last = now;
		} else {
			b->tokens = (uint32_t)add;
			b->last += add * b->period;
		}
	}
	b->tokens--;
	return 1;
}

int
fp_worker_init(struct fp_worker *w, const struct fp_worker_params *p)
{
	uint64_t hz = rte_get_tsc_hz();
	unsigned int i;
	uint16_t port;
	int ret;

	if (w == NULL || p == NULL || p->table == NULL ||
			p->event_ring == NULL || p->replica_pool == NULL ||
			p->header_pool == NULL || p->igmp_msg_pool == NULL ||
			p->n_rxq > FP_MAX_RXQ ||
			p->id >= mf_table_n_workers(p->table))
		return -EINVAL;
	if (p->igmp_msg_pool->elt_size < sizeof(struct igmp_msg))
		return -EINVAL;
	for (i = 0; i < p->n_rxq; i++)
		if (p->rxq[i].port >= MF_MAX_PORTS ||
				p->ports[p->rxq[i].port] == NULL)
			return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->id = p->id;
	w->n_rxq = p->n_rxq;
	memcpy(w->rxq, p->rxq, sizeof(w->rxq[0]) * p->n_rxq);
	w->table = p->table;
	w->event_ring = p->event_ring;
	w->inject_ring = p->inject_ring;
	w->replica_pool = p->replica_pool;
	w->header_pool = p->header_pool;
	w->igmp_msg_pool = p->igmp_msg_pool;
	w->qsv = p->qsv;
	w->rcu_thread_id = p->rcu_thread_id;
	w->tsc_hz = hz;
	w->drain_tsc = hz * (p->drain_us != 0 ? p->drain_us :
			FP_DRAIN_US_DEFAULT) / 1000000;
	bucket_init(&w->new_source_tb,
			p->new_source_rate != 0 ? p->new_source_rate :
			FP_NEW_SOURCE_RATE_DEFAULT,
			p->new_source_burst != 0 ? p->new_source_burst :
			FP_NEW_SOURCE_BURST_DEFAULT);
	bucket_init(&w->wrong_iif_tb,
			p->wrong_iif_rate != 0 ? p->wrong_iif_rate :
			FP_WRONG_IIF_RATE_DEFAULT,
			p->wrong_iif_burst != 0 ? p->wrong_iif_burst :
			FP_WRONG_IIF_BURST_DEFAULT);

	for (port = 0; port < MF_MAX_PORTS; port++) {
		struct fp_port *fpp = p->ports[port];
		struct fp_tx_port *tp = &w->tx[port];

		w->ports[port] = fpp;
		if (fpp == NULL)
			continue;
		if (fpp->port_id != port) {
			ret = -EINVAL;
			goto fail;
		}
		tp->buf = rte_zmalloc_socket("fp_tx_buffer",
				RTE_ETH_TX_BUFFER_SIZE(FP_BURST), 0,
				p->socket_id);
		if (tp->buf == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
		rte_eth_tx_buffer_init(tp->buf, FP_BURST);
		tp->port_id = port;
		tp->txq = p->txq[port];
		tp->w = w;
		tp->chain_min = fpp->tx_multi_seg ? fpp->chain_threshold :
			FP_CHAIN_NEVER;
		rte_ether_addr_copy(&fpp->mac, &tp->mac);
		ret = rte_eth_tx_buffer_set_err_callback(tp->buf, tx_err_cb,
				tp);
		if (ret != 0)
			goto fail;
		w->tx_ports |= MF_PORTSET_BIT(port);
	}
	if (w->qsv != NULL) {
		ret = rte_rcu_qsbr_thread_register(w->qsv, w->rcu_thread_id);
		if (ret != 0) {
			ret = -rte_errno;
			goto fail;
		}
	}
	w->last_flush = rte_rdtsc();
	return 0;
fail:
	for (port = 0; port < MF_MAX_PORTS; port++) {
		rte_free(w->tx[port].buf);
		w->tx[port].buf = NULL;
	}
	FP_LOG(ERR, "worker %u init failed: %s\n", p->id, strerror(-ret));
	return ret;
}

struct fp_worker *
fp_worker_create(const struct fp_worker_params *p)
{
	struct fp_worker *w;
	int ret;

	if (p == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	w = rte_zmalloc_socket("fp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			p->socket_id);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ret = fp_worker_init(w, p);
	if (ret != 0) {
		rte_free(w);
		rte_errno = -ret;
		return NULL;
	}
	return w;
}

void
fp_worker_fini(struct fp_worker *w)
{
	uint16_t port;

	if (w == NULL)
		return;
	if (w->qsv != NULL)
		rte_rcu_qsbr_thread_unregister(w->qsv, w->rcu_thread_id);
	for (port = 0; port < MF_MAX_PORTS; port++) {
		rte_free(w->tx[port].buf);
		w->tx[port].buf = NULL;
	}
	w->tx_ports = 0;
}

void
fp_worker_free(struct fp_worker *w)
{
	if (w == NULL)
		return;
	fp_worker_fini(w);
	rte_free(w);
}

void
fp_worker_flush(struct fp_worker *w)
{
	mf_portset_t ports = w->tx_ports;

	while (ports != 0) {
		uint16_t p = (uint16_t)__builtin_ctzll(ports);

		ports &= ports - 1;
		rte_eth_tx_buffer_flush(p, w->tx[p].txq, w->tx[p].buf);
	}
}

void
fp_worker_online(struct fp_worker *w)
{
	if (w->qsv != NULL)
		rte_rcu_qsbr_thread_online(w->qsv, w->rcu_thread_id);
}

void
fp_worker_offline(struct fp_worker *w)
{
	fp_worker_flush(w);
	if (w->qsv != NULL)
		rte_rcu_qsbr_thread_offline(w->qsv, w->rcu_thread_id);
}

void
fp_worker_stop(struct fp_worker *w)
{
	/*
	 * Release: anything the stopper wrote before asking is visible to
	 * the worker once it sees the flag (paired with the acquire load in
	 * fp_worker_run()).
	 */
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
}

/* Post a record; a full ring drops it (counted). */
static inline int
post_event(struct fp_worker *w, uint8_t type, uint16_t port, uint32_t src,
		uint32_t grp, void *ptr)
{
	struct fp_event ev = {
		.type = type, .port = port, .src = src, .grp = grp, .ptr = ptr,
		.rx_tsc = (uint32_t)(w->now >> FP_EVENT_TSC_SHIFT),
	};

	if (unlikely(rte_ring_enqueue_elem(w->event_ring, &ev,
			sizeof(ev)) != 0)) {
		FP_ADD(w->stats.ring_full, 1);
		return -ENOBUFS;
	}
	return 0;
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m the 16-bit word holding TTL
 * (high byte) and protocol.
 */
static inline void
ttl_decrement(struct rte_ipv4_hdr *ip)
{
	uint32_t hc = rte_be_to_cpu_16(ip->hdr_checksum);
	uint32_t m = ((uint32_t)ip->time_to_live << 8) | ip->next_proto_id;
	uint32_t m2 = m - 0x100;
	uint32_t sum;

	sum = (~hc & 0xffff) + (~m & 0xffff) + m2;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->time_to_live--;
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

/*
 * Header checksum: trust the NIC's verdict when it gives one, otherwise
 * sum the header in software (a valid header sums to 0xffff).
 */
static inline int
ip_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
		uint32_t ihl)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return 1;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return 0;
	return rte_raw_cksum(ip, ihl) == 0xffff;
}

/* IGMP: parse into a pool message and post it. The caller frees m. */
static inline void
handle_igmp(struct fp_worker *w, uint16_t in_port, struct rte_mbuf *m,
		const struct rte_ipv4_hdr *ip)
{
	const struct fp_port *fpp = w->ports[in_port];
	struct igmp_parse_policy pol;
	void *obj;
	int ret;

	FP_ADD(w->stats.igmp_seen, 1);
	/* Relaxed loads: run-time tunables, each independent (see header). */
	if (__atomic_load_n(&fpp->igmp_enabled, __ATOMIC_RELAXED) == 0) {
		FP_ADD(w->stats.igmp_disabled, 1);
		return;
	}
	/*
	 * Before parsing: a flood costs this bucket and a counter only.
	 * Relaxed loads of rate and burst, as above (independent tunables).
	 */
	if (unlikely(!fp_rate_take(&w->igmp_tb[in_port],
			__atomic_load_n(&fpp->igmp_rate_limit, __ATOMIC_RELAXED),
			__atomic_load_n(&fpp->igmp_rate_burst, __ATOMIC_RELAXED),
			w->now, w->tsc_hz))) {
		FP_ADD(w->stats.igmp_rate_limited, 1);
		FP_ADD(w->stats.port_igmp_rate_limited[in_port], 1);
		return;
	}
	if (unlikely(rte_mempool_get(w->igmp_msg_pool, &obj) != 0)) {
		FP_ADD(w->stats.alloc_fail, 1);
		return;
	}
	pol.port_addr = __atomic_load_n(&fpp->igmp_addr, __ATOMIC_RELAXED);
	pol.prefix_len = (uint8_t)__atomic_load_n(&fpp->igmp_prefix_len,
			__ATOMIC_RELAXED);
	pol.require_router_alert = (uint8_t)__atomic_load_n(
			&fpp->igmp_require_ra, __ATOMIC_RELAXED);
	/* The IP packet must be in the first segment (IGMP is small). */
	ret = igmp_parse(ip, rte_pktmbuf_data_len(m) - ETH_LEN, &pol, obj);
	if (ret < 0) {
		unsigned int slot = (unsigned int)(-ret - 1);

		if (slot >= FP_IGMP_ERR_SLOTS)
			slot = FP_IGMP_ERR_SLOTS - 1;
		FP_ADD(w->stats.igmp_bad, 1);
		FP_ADD(w->stats.igmp_bad_by_err[slot], 1);
		rte_mempool_put(w->igmp_msg_pool, obj);
		return;
	}
	if (post_event(w, FP_EV_IGMP, in_port,
			rte_be_to_cpu_32(ip->src_addr),
			rte_be_to_cpu_32(ip->dst_addr), obj) != 0) {
		rte_mempool_put(w->igmp_msg_pool, obj);
		return;
	}
	FP_ADD(w->stats.igmp_posted, 1);
}

/* Copy the whole frame of m (all segments) into c. */
static inline int
copy_frame(struct rte_mbuf *c, const struct rte_mbuf *m, uint32_t len)
{
	char *dst = rte_pktmbuf_append(c, (uint16_t)len);
	const struct rte_mbuf *seg;

	if (unlikely(dst == NULL))
		return -ENOSPC;
	if (likely(m->nb_segs == 1)) {
		rte_memcpy(dst, rte_pktmbuf_mtod(m, const void *), len);
		return 0;
	}
	for (seg = m; seg != NULL && len > 0; seg = seg->next) {
		uint32_t n = RTE_MIN((uint32_t)seg->data_len, len);

		rte_memcpy(dst, rte_pktmbuf_mtod(seg, const void *), n);
		dst += n;
		len -= n;
	}
	return 0;
}

static inline void
tx_one(struct fp_worker *w, uint16_t port, struct rte_mbuf *r)
{
	struct fp_tx_port *tp = &w->tx[port];

	FP_ADD(w->stats.port_tx[port], 1);
	rte_eth_tx_buffer(port, tp->txq, tp->buf, r);
}

/*
 * Fan m (TTL not yet decremented, iif check passed) out to l's ports.
 * Consumes m. @return replicas handed to TX buffers.
 */
static inline unsigned int
fan_out(struct fp_worker *w, uint16_t in_port, struct rte_mbuf *m,
		struct rte_ipv4_hdr *ip, const struct mf_repl_list *l)
{
	struct rte_mbuf *copies[MF_MAX_PORTS];
	struct rte_mbuf *hdrs[MF_MAX_PORTS];
	uint8_t tgt_copy[MF_MAX_PORTS];
	uint8_t tgt_chain[MF_MAX_PORTS];
	struct mf_oif_stats *os0 = mf_repl_list_oif_stats(l, w->id, 0);
	unsigned int n_copy = 0, n_chain = 0, n_alloc, n_sent = 0, i;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint8_t ttl = ip->time_to_live;
	struct rte_ether_addr dmac;
	int reuse;

	for (i = 0; i < l->n_oifs; i++) {
		uint16_t p = l->oifs[i].port;

		if (p == in_port)
			continue;
		if (unlikely((w->tx_ports & MF_PORTSET_BIT(p)) == 0)) {
			FP_ADD(os0[i].discards, 1);
			continue;
		}
		if (ttl <= l->oifs[i].ttl_threshold) {
			FP_ADD(os0[i].ttl_too_low, 1);
			FP_ADD(w->stats.ttl_threshold, 1);
			continue;
		}
		if (len >= w->tx[p].chain_min)
			tgt_chain[n_chain++] = (uint8_t)i;
		else
			tgt_copy[n_copy++] = (uint8_t)i;
	}
	if (n_copy + n_chain == 0) {
		FP_ADD(w->stats.no_oif, 1);
		rte_pktmbuf_free(m);
		return 0;
	}

	/* Once, before fan-out: nothing is shared yet. */
	ttl_decrement(ip);

	/* Without chained replicas, the last copy is m itself. */
	reuse = n_chain == 0;
	n_alloc = n_copy - (reuse ? 1 : 0);
	if (unlikely(n_alloc > 0 && rte_pktmbuf_alloc_bulk(w->replica_pool,
			copies, n_alloc) != 0))
		goto alloc_fail;
	if (unlikely(n_chain > 0 && rte_pktmbuf_alloc_bulk(w->header_pool,
			hdrs, n_chain) != 0)) {
		if (n_alloc > 0)
			rte_pktmbuf_free_bulk(copies, n_alloc);
		goto alloc_fail;
	}

	/* Copies first, while m still starts with its Ethernet header. */
	for (i = 0; i < n_alloc; i++) {
		unsigned int oi = tgt_copy[i];
		uint16_t p = l->oifs[oi].port;
		struct rte_mbuf *c = copies[i];

		if (unlikely(copy_frame(c, m, len) != 0)) {
			/* Replica pool data room too small for this frame. */
			rte_pktmbuf_free(c);
			FP_ADD(os0[oi].discards, 1);
			FP_ADD(w->stats.alloc_fail, 1);
			continue;
		}
		rte_ether_addr_copy(&w->tx[p].mac,
				&rte_pktmbuf_mtod(c,
					struct rte_ether_hdr *)->src_addr);
		FP_ADD(os0[oi].out_pkts, 1);
		tx_one(w, p, c);
		n_sent++;
	}

	if (reuse) {
		unsigned int oi = tgt_copy[n_copy - 1];
		uint16_t p = l->oifs[oi].port;

		rte_ether_addr_copy(&w->tx[p].mac,
				&rte_pktmbuf_mtod(m,
					struct rte_ether_hdr *)->src_addr);
		FP_ADD(os0[oi].out_pkts, 1);
		tx_one(w, p, m);
		n_sent++;
		FP_ADD(w->stats.replicas_copied, n_sent);
		FP_ADD(w->stats.replicas, n_sent);
		return n_sent;
	}
	if (n_sent != 0)
		FP_ADD(w->stats.replicas_copied, n_sent);

	/*
	 * Chains: every header mbuf points at m, whose data (from the IP
	 * header on) all of them share and nobody writes again. Strip m's
	 * Ethernet header (metadata only) and give m one reference per
	 * chain; ours becomes the first chain's.
	 */
	rte_ether_addr_copy(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
			&dmac);
	rte_pktmbuf_adj(m, (uint16_t)ETH_LEN);
	if (n_chain > 1)
		rte_pktmbuf_refcnt_update(m, (int16_t)(n_chain - 1));
	for (i = 0; i < n_chain; i++) {
		unsigned int oi = tgt_chain[i];
		uint16_t p = l->oifs[oi].port;
		struct rte_mbuf *h = hdrs[i];
		struct rte_ether_hdr *eth;

		eth = (struct rte_ether_hdr *)rte_pktmbuf_append(h,
				(uint16_t)ETH_LEN);
		rte_ether_addr_copy(&dmac, &eth->dst_addr);
		rte_ether_addr_copy(&w->tx[p].mac, &eth->src_addr);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		h->next = m;
		h->nb_segs = (uint16_t)(m->nb_segs + 1);
		h->pkt_len = ETH_LEN + m->pkt_len;
		FP_ADD(os0[oi].out_pkts, 1);
		tx_one(w, p, h);
	}
	FP_ADD(w->stats.replicas_chained, n_chain);
	FP_ADD(w->stats.replicas, n_sent + n_chain);
	return n_sent + n_chain;

alloc_fail:
	FP_ADD(w->stats.alloc_fail, 1);
	for (i = 0; i < n_copy; i++)
		FP_ADD(os0[tgt_copy[i]].discards, 1);
	for (i = 0; i < n_chain; i++)
		FP_ADD(os0[tgt_chain[i]].discards, 1);
	rte_pktmbuf_free(m);
	return 0;
}

/* One RX burst from in_port. */
static inline void
process_burst(struct fp_worker *w, uint16_t in_port, struct rte_mbuf **pkts,
		uint16_t nb)
{
	struct rte_mbuf *drop[FP_BURST];
	struct rte_mbuf *data[FP_BURST];
	struct rte_ipv4_hdr *iph[FP_BURST];
	struct mf_key keys[FP_BURST];
	const struct mf_repl_list *lists[FP_BURST];
	unsigned int n_drop = 0, n_data = 0, i;
	uint64_t non_ip = 0, bad_ip = 0, other = 0, link_local = 0;
	uint64_t no_route = 0, fwd = 0;

	for (i = 0; i < nb; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	for (i = 0; i < nb; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth;
		struct rte_ipv4_hdr *ip;
		uint32_t ihl, tot, dst;

		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		if (unlikely(m->data_len < ETH_LEN + sizeof(*ip)) ||
				eth->ether_type !=
				rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
			if (m->data_len >= ETH_LEN && eth->ether_type ==
					rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
				bad_ip++;
			else
				non_ip++;
			drop[n_drop++] = m;
			continue;
		}
		ip = (struct rte_ipv4_hdr *)(eth + 1);
		ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
		tot = rte_be_to_cpu_16(ip->total_length);
		if (unlikely((ip->version_ihl >> 4) != 4 ||
				ihl < sizeof(*ip) ||
				m->data_len < ETH_LEN + ihl ||
				tot < ihl || tot > m->pkt_len - ETH_LEN)) {
			bad_ip++;
			drop[n_drop++] = m;
			continue;
		}
		dst = rte_be_to_cpu_32(ip->dst_addr);
		if (ip->next_proto_id == IPPROTO_IGMP) {
			/* igmp_parse() checks the IP header itself. */
			handle_igmp(w, in_port, m, ip);
			drop[n_drop++] = m;
			continue;
		}
		if (unlikely(!mf_is_multicast(dst))) {
			other++;
			drop[n_drop++] = m;
			continue;
		}
		if (unlikely(mf_is_link_local_multicast(dst))) {
			link_local++;
			drop[n_drop++] = m;
			continue;
		}
		if (unlikely(!ip_cksum_ok(m, ip, ihl))) {
			bad_ip++;
			drop[n_drop++] = m;
			continue;
		}
		/* Drop Ethernet padding so replicas carry the IP packet only. */
		if (m->pkt_len > ETH_LEN + tot)
			rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - ETH_LEN -
					tot));
		keys[n_data].src = rte_be_to_cpu_32(ip->src_addr);
		keys[n_data].grp = dst;
		iph[n_data] = ip;
		data[n_data++] = m;
	}

	if (n_data > 0)
		mf_table_lookup_bulk(w->table, keys, n_data, lists);

	for (i = 0; i < n_data; i++) {
		const struct mf_repl_list *l = lists[i];
		struct rte_ipv4_hdr *ip = iph[i];
		struct mf_route_stats *rs;

		if (l == NULL) {
			no_route++;
			drop[n_drop++] = data[i];
			continue;
		}
		rs = mf_repl_list_route_stats(l, w->id);
		if (l->iif != MF_PORT_ANY && l->iif != in_port) {
			FP_ADD(rs->wrong_iif, 1);
			FP_ADD(w->stats.wrong_iif, 1);
			if (bucket_take(&w->wrong_iif_tb, w->now)) {
				if (post_event(w, FP_EV_WRONG_IIF, in_port,
						keys[i].src, keys[i].grp,
						NULL) == 0)
					FP_ADD(w->stats.wrong_iif_posted, 1);
			} else {
				FP_ADD(w->stats.wrong_iif_suppressed, 1);
			}
			drop[n_drop++] = data[i];
			continue;
		}
		FP_ADD(rs->in_pkts, 1);
		FP_ADD(rs->in_bytes, rte_be_to_cpu_16(ip->total_length));
		if (ip->time_to_live <= 1) {
			FP_ADD(rs->ttl_drop, 1);
			FP_ADD(w->stats.ttl_drop, 1);
			drop[n_drop++] = data[i];
			continue;
		}
		if (l->flags & MF_REPL_F_NOTIFY_NEW_SOURCE) {
			if (bucket_take(&w->new_source_tb, w->now)) {
				if (post_event(w, FP_EV_NEW_SOURCE, in_port,
						keys[i].src, keys[i].grp,
						NULL) == 0)
					FP_ADD(w->stats.new_source_posted, 1);
			} else {
				FP_ADD(w->stats.new_source_suppressed, 1);
			}
		}
		if (fan_out(w, in_port, data[i], ip, l) != 0)
			fwd++;
	}

	if (n_drop > 0)
		rte_pktmbuf_free_bulk(drop, n_drop);
	FP_ADD(w->stats.rx, nb);
	if (non_ip != 0)
		FP_ADD(w->stats.non_ip, non_ip);
	if (bad_ip != 0)
		FP_ADD(w->stats.bad_ip, bad_ip);
	if (other != 0)
		FP_ADD(w->stats.other_dropped, other);
	if (link_local != 0)
		FP_ADD(w->stats.link_local, link_local);
	if (no_route != 0)
		FP_ADD(w->stats.no_route, no_route);
	if (fwd != 0)
		FP_ADD(w->stats.forwarded, fwd);
}

static inline void
drain_inject(struct fp_worker *w)
{
	struct rte_mbuf *pkts[FP_BURST];
	mf_portset_t sent = 0;
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(w->inject_ring, (void **)pkts, FP_BURST,
			NULL);
	if (likely(n == 0))
		return;
	for (i = 0; i < n; i++) {
		uint16_t p = pkts[i]->port;

		if (p >= MF_MAX_PORTS ||
				(w->tx_ports & MF_PORTSET_BIT(p)) == 0) {
			rte_pktmbuf_free(pkts[i]);
			FP_ADD(w->stats.other_dropped, 1);
			continue;
		}
		FP_ADD(w->stats.injected, 1);
		tx_one(w, p, pkts[i]);
		sent |= MF_PORTSET_BIT(p);
	}
	/* Control packets (queries, reports) are rare: send them now. */
	while (sent != 0) {
		uint16_t p = (uint16_t)__builtin_ctzll(sent);

		sent &= sent - 1;
		rte_eth_tx_buffer_flush(p, w->tx[p].txq, w->tx[p].buf);
	}
}

void
fp_worker_poll(struct fp_worker *w)
{
	struct rte_mbuf *pkts[FP_BURST];
	unsigned int q;

	w->now = rte_rdtsc();
	if (w->inject_ring != NULL)
		drain_inject(w);
	for (q = 0; q < w->n_rxq; q++) {
		uint16_t port = w->rxq[q].port;
		uint16_t nb = rte_eth_rx_burst(port, w->rxq[q].queue, pkts,
				FP_BURST);

		if (nb > 0)
			process_burst(w, port, pkts, nb);
	}
	if (w->now - w->last_flush >= w->drain_tsc) {
		fp_worker_flush(w);
		w->last_flush = w->now;
	}
	/* No list pointer is held past this point. */
	if (w->qsv != NULL)
		rte_rcu_qsbr_quiescent(w->qsv, w->rcu_thread_id);
}

int
fp_worker_run(void *arg)
{
	struct fp_worker *w = arg;

	fp_worker_online(w);
	/* Acquire: pairs with the release store in fp_worker_stop(). */
	while (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) == 0)
		fp_worker_poll(w);
	fp_worker_offline(w);
	return 0;
}

void
fp_worker_stats_read(const struct fp_worker *w, struct fp_stats *out)
{
	const uint64_t *src = (const uint64_t *)&w->stats;
	uint64_t *dst = (uint64_t *)out;
	unsigned int i;
	uint64_t drops = 0;

	/* Relaxed: each counter has a single writer; untorn values suffice. */
	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	for (i = 0; i < MF_MAX_PORTS; i++)
		drops += out->port_tx_drop[i];
	out->tx_drop = drops;
}

void
fp_worker_stats_clear(struct fp_worker *w)
{
	uint64_t *dst = (uint64_t *)&w->stats;
	unsigned int i;

	/* Relaxed stores so concurrent readers never see torn values. */
	for (i = 0; i < sizeof(w->stats) / sizeof(uint64_t); i++)
		__atomic_store_n(&dst[i], 0, __ATOMIC_RELAXED);
}
