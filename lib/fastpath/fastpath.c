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
 * Most replica mbufs (of each pool) one burst allocates in one call;
 * beyond, packets allocate their own. 4 per packet of a full burst, well
 * inside the app's mempool cache (256), so the call is served from it.
 */
#define FP_REPL_BATCH (4 * FP_BURST)

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

/*
 * Bytes 6..11 of a frame's first 16 (the source MAC) in the two 64-bit
 * words a memcpy() load of them gives: FP_SMAC_KEEP clears them,
 * smac_words() builds the words that set them to a MAC.
 */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
static const uint64_t FP_SMAC_KEEP[2] = {
	UINT64_C(0x0000ffffffffffff), UINT64_C(0xffffffff00000000)
};
#else
static const uint64_t FP_SMAC_KEEP[2] = {
	UINT64_C(0xffffffffffff0000), UINT64_C(0x00000000ffffffff)
};
#endif

static void
smac_words(const struct rte_ether_addr *mac, uint64_t or_words[2])
{
	uint8_t set[16];

	memset(set, 0, sizeof(set));
	memcpy(set + 6, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(or_words, set, sizeof(set));
}

/* One record of a rate-limited type may be posted now (fp_rate.h). */
static inline int
record_take(struct fp_worker *w, struct fp_record_limit *l)
{
	return fp_rate_take(&l->bucket, l->rate, l->burst, w->now, w->tsc_hz);
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
	/* A replica holds at least a minimum frame, copied as one line; a
	 * chain header takes a 16-byte store (fan_send()). */
	if (rte_pktmbuf_data_room_size(p->replica_pool) <
			RTE_PKTMBUF_HEADROOM + RTE_CACHE_LINE_SIZE ||
			rte_pktmbuf_data_room_size(p->header_pool) <
			RTE_PKTMBUF_HEADROOM + 16)
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
	w->replica_room = rte_pktmbuf_data_room_size(p->replica_pool) -
		RTE_PKTMBUF_HEADROOM;
	w->header_pool = p->header_pool;
	w->igmp_msg_pool = p->igmp_msg_pool;
	w->qsv = p->qsv;
	w->rcu_thread_id = p->rcu_thread_id;
	w->tsc_hz = hz;
	w->drain_tsc = hz * (p->drain_us != 0 ? p->drain_us :
			FP_DRAIN_US_DEFAULT) / 1000000;
	/* Buckets start full at their first use (fp_rate_take()). */
	w->new_source_tb.rate = p->new_source_rate != 0 ?
		p->new_source_rate : FP_NEW_SOURCE_RATE_DEFAULT;
	w->new_source_tb.burst = p->new_source_burst != 0 ?
		p->new_source_burst : FP_NEW_SOURCE_BURST_DEFAULT;
	w->wrong_iif_tb.rate = p->wrong_iif_rate != 0 ?
		p->wrong_iif_rate : FP_WRONG_IIF_RATE_DEFAULT;
	w->wrong_iif_tb.burst = p->wrong_iif_burst != 0 ?
		p->wrong_iif_burst : FP_WRONG_IIF_BURST_DEFAULT;

	w->chain_min_lo = UINT32_MAX;
	w->chain_min_hi = 0;
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
		smac_words(&tp->mac, tp->smac_or);
		ret = rte_eth_tx_buffer_set_err_callback(tp->buf, tx_err_cb,
				tp);
		if (ret != 0)
			goto fail;
		w->tx_ports |= MF_PORTSET_BIT(port);
		w->chain_min_lo = RTE_MIN(w->chain_min_lo, tp->chain_min);
		w->chain_min_hi = RTE_MAX(w->chain_min_hi, tp->chain_min);
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
	if (likely(ihl == sizeof(*ip))) {
		/*
		 * The usual 20-byte header: five 32-bit words summed in 64
		 * bits and folded give the same ones' complement sum as
		 * rte_raw_cksum()'s ten 16-bit steps (the sum is byte-order
		 * and word-size independent), in a third of the time.
		 */
		uint32_t w32[5];
		uint64_t s;

		memcpy(w32, ip, sizeof(w32));
		s = (uint64_t)w32[0] + w32[1] + w32[2] + w32[3] + w32[4];
		s = (s & 0xffffffff) + (s >> 32);
		s = (s & 0xffff) + (s >> 16);
		s = (s & 0xffff) + (s >> 16);
		s = (s & 0xffff) + (s >> 16);
		return s == 0xffff;
	}
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

/*
 * Copy the whole frame of m (len bytes, all segments) into c, an mbuf
 * fresh from the pool (one empty segment) with room for it (fan_select()
 * keeps longer frames from needing a copy), without rte_pktmbuf_append()'s
 * walk to the last segment. Frames of one cache line go through
 * copy_line_smac() instead.
 */
static inline void
copy_frame(struct rte_mbuf *c, const struct rte_mbuf *m, uint32_t len)
{
	char *dst = rte_pktmbuf_mtod(c, char *);
	const struct rte_mbuf *seg;

	c->data_len = (uint16_t)len;
	c->pkt_len = len;
	if (likely(m->nb_segs == 1)) {
		rte_memcpy(dst, rte_pktmbuf_mtod(m, const char *), len);
		return;
	}
	for (seg = m; seg != NULL && len > 0; seg = seg->next) {
		uint32_t n = RTE_MIN((uint32_t)seg->data_len, len);

		rte_memcpy(dst, rte_pktmbuf_mtod(seg, const void *), n);
		dst += n;
		len -= n;
	}
}

/*
 * A frame of at most one cache line into a fresh replica: the line copied
 * whole (both buffers have it; bytes past the frame are in neither), with
 * the port's source MAC merged into the first 16 bytes in registers, so
 * the replica's line is written once and never read back.
 */
static __rte_always_inline void
copy_line_smac(uint8_t *dst, const uint8_t *src, const struct fp_tx_port *tp)
{
	uint64_t w0, w1;

	memcpy(&w0, src, sizeof(w0));
	memcpy(&w1, src + 8, sizeof(w1));
	w0 = (w0 & FP_SMAC_KEEP[0]) | tp->smac_or[0];
	w1 = (w1 & FP_SMAC_KEEP[1]) | tp->smac_or[1];
	memcpy(dst, &w0, sizeof(w0));
	memcpy(dst + 8, &w1, sizeof(w1));
	rte_mov16(dst + 16, src + 16);
	rte_mov32(dst + 32, src + 32);
}

/*
 * n mbufs for copies or chain headers: rte_pktmbuf_alloc_bulk() without
 * its full reset. An mbuf in a pool already has refcnt 1, one segment and
 * no next (DPDK puts none back otherwise, see rte_mbuf_raw_alloc()); the
 * caller sets the lengths (and next of a header); so only the headroom and
 * the offload flags (what a TX driver reads) are set here, and the mbuf's
 * second cache line (next, tx_offload) is not written for a copy.
 */
static inline int
replica_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **c,
		unsigned int n)
{
	unsigned int i;

	if (unlikely(rte_mempool_get_bulk(mp, (void **)c, n) != 0))
		return -ENOBUFS;
	for (i = 0; i < n; i++) {
		c[i]->data_off = (uint16_t)RTE_MIN((uint16_t)
				RTE_PKTMBUF_HEADROOM, c[i]->buf_len);
		c[i]->ol_flags = 0;
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
 * Replicas of one RX burst staged per output port, handed to the port
 * once at the end of the burst (fp_stage_send()).
 */
struct fp_stage {
	mf_portset_t used;
	uint16_t n[MF_MAX_PORTS];
	struct rte_mbuf *pkts[MF_MAX_PORTS][FP_BURST];
};

/*
 * Hand n replicas to port p: straight to rte_eth_tx_burst() when its TX
 * buffer is empty and they are at least half a burst (one doorbell for
 * them all, no copy into the buffer); otherwise through the buffer, which
 * keeps small trickles batched until it fills or drain_us passes. Unsent
 * ones are freed and counted, as the buffer's error callback does.
 */
static inline void
stage_port_send(struct fp_worker *w, uint16_t p, struct rte_mbuf **pkts,
		unsigned int n)
{
	struct fp_tx_port *tp = &w->tx[p];
	unsigned int i;

	FP_ADD(w->stats.port_tx[p], n);
	if (tp->buf->length == 0 && n >= FP_BURST / 2) {
		uint16_t sent = rte_eth_tx_burst(p, tp->txq, pkts,
				(uint16_t)n);

		if (unlikely(sent < n)) {
			rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
			FP_ADD(w->stats.port_tx_drop[p], n - sent);
		}
		return;
	}
	for (i = 0; i < n; i++)
		rte_eth_tx_buffer(p, tp->txq, tp->buf, pkts[i]);
}

/* Stage replica r for port p (a port's stage full: sent first). */
static inline void
stage_add(struct fp_worker *w, struct fp_stage *st, uint16_t p,
		struct rte_mbuf *r)
{
	if (unlikely(st->n[p] == FP_BURST)) {
		stage_port_send(w, p, st->pkts[p], FP_BURST);
		st->n[p] = 0;
	}
	st->pkts[p][st->n[p]++] = r;
	st->used |= MF_PORTSET_BIT(p);
}

/* Send everything staged. */
static inline void
stage_send(struct fp_worker *w, struct fp_stage *st)
{
	mf_portset_t ports = st->used;

	while (ports != 0) {
		uint16_t p = (uint16_t)__builtin_ctzll(ports);

		ports &= ports - 1;
		if (st->n[p] != 0)
			stage_port_send(w, p, st->pkts[p], st->n[p]);
	}
}

/*
 * Replication targets of one packet (or of several in a row with the same
 * list, TTL and length): oif indexes into its list. uses counts the
 * packets sent with it; each of its oifs' out_pkts grows by uses once per
 * burst (fan_count()), not once per replica.
 */
struct fan_tgt {
	uint64_t *out;		/* this worker's out_pkts of the list */
	uint32_t uses;
	uint8_t n_copy;
	uint8_t n_chain;
	/** 1: an oif other than the incoming port was skipped (counted). */
	uint8_t skipped;
	uint8_t copy[MF_MAX_PORTS];
	uint8_t chain[MF_MAX_PORTS];
};

/* Replicas of one burst, added to the worker's totals once per burst. */
struct fan_sum {
	uint32_t copied;
	uint32_t chained;
};

/*
 * Choose the ports m (len bytes, arriving TTL ttl, iif check passed) goes
 * out of: l's oifs except the incoming port, ports this worker sends on,
 * TTL above the oif's threshold; copied or chained by the port's
 * threshold. Counts the oifs skipped. @return replicas to make.
 */
static inline unsigned int
fan_select(struct fp_worker *w, uint16_t in_port, uint32_t len, uint8_t ttl,
		const struct mf_repl_list *l, struct fan_tgt *t)
{
	unsigned int n_copy = 0, n_chain = 0, i;

	t->out = mf_repl_list_out_pkts(l, w->id);
	t->uses = 0;
	t->skipped = 0;
	/*
	 * The usual case, decided for the whole list at once: no oif is the
	 * incoming port or a port this worker cannot send on, no threshold
	 * to compare, and the frame is copied to every port or chained to
	 * every port. (At a million routes every packet has its own list,
	 * so this runs per packet.)
	 */
	if ((l->flags & MF_REPL_F_TTL_ANY) && (l->oif_mask &
			(MF_PORTSET_BIT(in_port) | ~w->tx_ports)) == 0) {
		unsigned int n = l->n_oifs;
		int copy = len < w->chain_min_lo && len <= w->replica_room;

		if (copy || len >= w->chain_min_hi) {
			uint8_t *idx = copy ? t->copy : t->chain;

			for (i = 0; i < n; i++)
				idx[i] = (uint8_t)i;
			t->n_copy = (uint8_t)(copy ? n : 0);
			t->n_chain = (uint8_t)(copy ? 0 : n);
			return n;
		}
	}
	for (i = 0; i < l->n_oifs; i++) {
		uint16_t p = l->oifs[i].port;

		if (p == in_port)
			continue;
		if (unlikely((w->tx_ports & MF_PORTSET_BIT(p)) == 0)) {
			FP_ADD(mf_repl_list_discards(l, w->id)[i], 1);
			t->skipped = 1;
			continue;
		}
		if (ttl <= l->oifs[i].ttl_threshold) {
			FP_ADD(mf_repl_list_ttl_too_low(l, w->id)[i], 1);
			FP_ADD(w->stats.ttl_threshold, 1);
			t->skipped = 1;
			continue;
		}
		if (len >= w->tx[p].chain_min)
			t->chain[n_chain++] = (uint8_t)i;
		else
			t->copy[n_copy++] = (uint8_t)i;
	}
	/*
	 * A frame longer than a replica's room (a jumbo frame on ports that
	 * do not chain) cannot be copied: only the packet itself can go, to
	 * one copy target and only when nothing is chained (fan_n_copies()).
	 */
	if (unlikely(len > w->replica_room && n_copy > 0)) {
		unsigned int keep = n_chain == 0 ? 1 : 0;

		for (i = 0; i < n_copy - keep; i++) {
			FP_ADD(mf_repl_list_discards(l, w->id)[t->copy[i]],
					1);
			FP_ADD(w->stats.alloc_fail, 1);
		}
		if (keep)
			t->copy[0] = t->copy[n_copy - 1];
		n_copy = keep;
		t->skipped = 1;
	}
	t->n_copy = (uint8_t)n_copy;
	t->n_chain = (uint8_t)n_chain;
	return n_copy + n_chain;
}

/* Add each target's uses to its oifs' out_pkts: once per burst. */
static inline void
fan_count(const struct fan_tgt *tgt, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		const struct fan_tgt *t = &tgt[i];

		if (t->uses == 0)
			continue;
		for (j = 0; j < t->n_copy; j++)
			FP_ADD(t->out[t->copy[j]], t->uses);
		for (j = 0; j < t->n_chain; j++)
			FP_ADD(t->out[t->chain[j]], t->uses);
	}
}

/*
 * Copy mbufs a packet needs: without chained replicas the last copy is
 * the packet itself.
 */
static inline unsigned int
fan_n_copies(const struct fan_tgt *t)
{
	return t->n_copy - (t->n_chain == 0 ? 1u : 0u);
}

/*
 * Send m (TTL already decremented) to the targets t of l with the mbufs
 * given: fan_n_copies(t) fresh mbufs in copies, t->n_chain in hdrs.
 * Consumes m and those mbufs; sends at least one replica.
 */
static __rte_always_inline void
fan_send(struct fp_worker *w, struct rte_mbuf *m,
		const struct mf_repl_list *l, struct fan_tgt *t,
		struct rte_mbuf **copies, struct rte_mbuf **hdrs,
		struct fan_sum *sum, struct fp_stage *st)
{
	unsigned int n_alloc = fan_n_copies(t), n_chain = t->n_chain, i;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint64_t hw[2];

	t->uses++;

	/* Copies first, while m still starts with its Ethernet header. */
	if (likely(len <= RTE_CACHE_LINE_SIZE && m->nb_segs == 1 &&
			(uint32_t)m->buf_len - m->data_off >=
			RTE_CACHE_LINE_SIZE)) {
		const uint8_t *src = rte_pktmbuf_mtod(m, const uint8_t *);

		for (i = 0; i < n_alloc; i++) {
			unsigned int oi = t->copy[i];
			uint16_t p = l->oifs[oi].port;
			struct rte_mbuf *c = copies[i];

			copy_line_smac(rte_pktmbuf_mtod(c, uint8_t *), src,
					&w->tx[p]);
			c->data_len = (uint16_t)len;
			c->pkt_len = len;
			stage_add(w, st, p, c);
		}
		sum->copied += n_alloc;
		n_alloc = 0;
	}
	for (i = 0; i < n_alloc; i++) {
		unsigned int oi = t->copy[i];
		uint16_t p = l->oifs[oi].port;
		struct rte_mbuf *c = copies[i];

		copy_frame(c, m, len);
		rte_ether_addr_copy(&w->tx[p].mac,
				&rte_pktmbuf_mtod(c,
					struct rte_ether_hdr *)->src_addr);
		stage_add(w, st, p, c);
		sum->copied++;
	}

	if (n_chain == 0) {
		unsigned int oi = t->copy[t->n_copy - 1];
		uint16_t p = l->oifs[oi].port;

		rte_ether_addr_copy(&w->tx[p].mac,
				&rte_pktmbuf_mtod(m,
					struct rte_ether_hdr *)->src_addr);
		stage_add(w, st, p, m);
		sum->copied++;
		return;
	}

	/*
	 * Chains: every header mbuf points at m, whose data (from the IP
	 * header on) all of them share and nobody writes again. Strip m's
	 * Ethernet header (metadata only) and give m one reference per
	 * chain; ours becomes the first chain's.
	 */
	memcpy(hw, rte_pktmbuf_mtod(m, const void *), sizeof(hw));
	hw[0] &= FP_SMAC_KEEP[0];
	hw[1] &= FP_SMAC_KEEP[1];
	rte_pktmbuf_adj(m, (uint16_t)ETH_LEN);
	if (n_chain > 1)
		rte_pktmbuf_refcnt_update(m, (int16_t)(n_chain - 1));
	for (i = 0; i < n_chain; i++) {
		unsigned int oi = t->chain[i];
		uint16_t p = l->oifs[oi].port;
		struct rte_mbuf *h = hdrs[i];
		uint64_t w2[2];

		/* m's Ethernet header with our source MAC, in two stores
		 * (the 2 bytes past it are outside the header's data). */
		w2[0] = hw[0] | w->tx[p].smac_or[0];
		w2[1] = hw[1] | w->tx[p].smac_or[1];
		memcpy(rte_pktmbuf_mtod(h, void *), w2, sizeof(w2));
		h->data_len = (uint16_t)ETH_LEN;
		h->next = m;
		h->nb_segs = (uint16_t)(m->nb_segs + 1);
		h->pkt_len = ETH_LEN + m->pkt_len;
		stage_add(w, st, p, h);
	}
	sum->chained += n_chain;
}

/*
 * fan_send() with mbufs allocated for this packet alone: the path when a
 * burst's bulk allocation failed (pool nearly empty) or was too large.
 * On failure counts alloc_fail once and a discard per target and frees
 * m. @return 1 when m was sent, 0 when dropped.
 */
static inline int
fan_out_alloc(struct fp_worker *w, struct rte_mbuf *m,
		const struct mf_repl_list *l, struct fan_tgt *t,
		struct fan_sum *sum, struct fp_stage *st)
{
	uint64_t *disc;
	struct rte_mbuf *copies[MF_MAX_PORTS];
	struct rte_mbuf *hdrs[MF_MAX_PORTS];
	unsigned int n_alloc = fan_n_copies(t), i;

	if (unlikely(n_alloc > 0 && replica_alloc_bulk(w->replica_pool,
			copies, n_alloc) != 0))
		goto alloc_fail;
	if (unlikely(t->n_chain > 0 && replica_alloc_bulk(w->header_pool,
			hdrs, t->n_chain) != 0)) {
		if (n_alloc > 0)
			rte_pktmbuf_free_bulk(copies, n_alloc);
		goto alloc_fail;
	}
	fan_send(w, m, l, t, copies, hdrs, sum, st);
	return 1;

alloc_fail:
	FP_ADD(w->stats.alloc_fail, 1);
	disc = mf_repl_list_discards(l, w->id);
	for (i = 0; i < t->n_copy; i++)
		FP_ADD(disc[t->copy[i]], 1);
	for (i = 0; i < t->n_chain; i++)
		FP_ADD(disc[t->chain[i]], 1);
	rte_pktmbuf_free(m);
	return 0;
}

/*
 * Bulk lookup of a burst's keys. Packets of one flow tend to arrive
 * back to back (a burst often holds one stream only): a key equal to the
 * one before it is looked up once, so a burst of one flow costs one hash
 * probe, not 32. Keys all different cost one pass of compares more.
 */
static inline void
lookup_burst(struct fp_worker *w, const struct mf_key *keys, unsigned int n,
		const struct mf_repl_list **lists)
{
	struct mf_key ukeys[FP_BURST];
	const struct mf_repl_list *ul[FP_BURST];
	uint8_t uidx[FP_BURST];
	unsigned int n_u = 1, i;

	ukeys[0] = keys[0];
	uidx[0] = 0;
	for (i = 1; i < n; i++) {
		if (keys[i].src != keys[i - 1].src ||
				keys[i].grp != keys[i - 1].grp)
			ukeys[n_u++] = keys[i];
		uidx[i] = (uint8_t)(n_u - 1);
	}
	if (n_u == n) {
		mf_table_lookup_bulk(w->table, keys, n, lists);
	} else {
		mf_table_lookup_bulk(w->table, ukeys, n_u, ul);
		for (i = 0; i < n; i++)
			lists[i] = ul[uidx[i]];
	}
	/* mf_table_lookup_bulk() has started loading every list found. */
}

/*
 * The first replica made with list l, published for an IGMP report that
 * reached a worker at l->join_stamp: take the stamp (so no other packet or
 * worker counts it again) and add report -> now to the join histogram.
 * Once per join, so kept out of line.
 */
static __rte_noinline void
join_first_replica(struct fp_worker *w, const struct mf_repl_list *l)
{
	uint32_t *stamp = (uint32_t *)(uintptr_t)&l->join_stamp;
	uint32_t rx = __atomic_exchange_n(stamp, 0, __ATOMIC_RELAXED);
	uint64_t cycles;

	if (rx == 0)
		return;		/* another worker was first */
	cycles = (uint64_t)(uint32_t)((uint32_t)(rte_rdtsc() >>
			FP_EVENT_TSC_SHIFT) - rx) << FP_EVENT_TSC_SHIFT;
	/*
	 * More than a second: the group had no traffic when the host joined
	 * (the wait was for the sender, not for us). Not a sample.
	 */
	if (cycles < w->tsc_hz)
		fp_hist_add_cycles(&w->join_hist, cycles, w->tsc_hz);
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
	struct fan_tgt tgt[FP_BURST];
	struct fan_tgt *fant[FP_BURST];
	struct fan_tgt *t = NULL;
	const struct mf_repl_list *prev_l = NULL;
	uint32_t len, prev_len = 0;
	uint8_t prev_ttl = 0;
	unsigned int n_sel = 0;
	uint8_t fan[FP_BURST];
	struct rte_mbuf *copies[FP_REPL_BATCH];
	struct rte_mbuf *hdrs[FP_REPL_BATCH];
	struct fan_sum sum = { 0, 0 };
	struct fp_stage st;
	unsigned int n_drop = 0, n_data = 0, n_fan = 0, i;
	unsigned int need_copy = 0, need_hdr = 0, oc = 0, oh = 0;
	uint64_t non_ip = 0, bad_ip = 0, other = 0, link_local = 0;
	uint64_t no_route = 0, no_oif = 0, fwd = 0;
	int bulk;

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
		lookup_burst(w, keys, n_data, lists);

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
			if (record_take(w, &w->wrong_iif_tb)) {
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
			if (record_take(w, &w->new_source_tb)) {
				if (post_event(w, FP_EV_NEW_SOURCE, in_port,
						keys[i].src, keys[i].grp,
						NULL) == 0)
					FP_ADD(w->stats.new_source_posted, 1);
			} else {
				FP_ADD(w->stats.new_source_suppressed, 1);
			}
		}
		/*
		 * Same list, TTL and length as the packet before (one flow
		 * in a row): same targets. Only when choosing them counted
		 * nothing, so counters stay per packet.
		 */
		len = rte_pktmbuf_pkt_len(data[i]);
		if (t == NULL || l != prev_l || ip->time_to_live != prev_ttl ||
				len != prev_len || t->skipped) {
			struct fan_tgt *nt = &tgt[n_sel++];

			fan_select(w, in_port, len, ip->time_to_live, l, nt);
			t = nt;
			prev_l = l;
			prev_ttl = ip->time_to_live;
			prev_len = len;
		}
		if (t->n_copy + t->n_chain == 0) {
			no_oif++;
			drop[n_drop++] = data[i];
			continue;
		}
		if (unlikely(l->join_stamp != 0))
			join_first_replica(w, l);
		/* Once, before fan-out: nothing is shared yet. */
		ttl_decrement(ip);
		need_copy += fan_n_copies(t);
		need_hdr += t->n_chain;
		fant[n_fan] = t;
		fan[n_fan++] = (uint8_t)i;
	}

	/*
	 * Replica mbufs for the whole burst in one allocation per pool.
	 * When that fails (pool nearly empty) or the burst needs more than
	 * FP_REPL_BATCH, each packet allocates its own, as few as it needs,
	 * so a short pool still forwards what it can.
	 */
	st.used = 0;
	memset(st.n, 0, sizeof(st.n));
	bulk = need_copy <= FP_REPL_BATCH && need_hdr <= FP_REPL_BATCH;
	if (bulk && need_copy > 0 && unlikely(replica_alloc_bulk(
			w->replica_pool, copies, need_copy) != 0))
		bulk = 0;
	if (bulk && need_hdr > 0 && unlikely(replica_alloc_bulk(
			w->header_pool, hdrs, need_hdr) != 0)) {
		if (need_copy > 0)
			rte_pktmbuf_free_bulk(copies, need_copy);
		bulk = 0;
	}
	for (i = 0; i < n_fan; i++) {
		unsigned int k = fan[i];

		t = fant[i];
		if (likely(bulk)) {
			fan_send(w, data[k], lists[k], t,
					&copies[oc], &hdrs[oh], &sum, &st);
			oc += fan_n_copies(t);
			oh += t->n_chain;
			fwd++;
		} else if (fan_out_alloc(w, data[k], lists[k], t,
				&sum, &st) != 0) {
			fwd++;
		}
	}
	if (n_fan != 0) {
		stage_send(w, &st);
		fan_count(tgt, n_sel);
	}

	if (sum.copied != 0)
		FP_ADD(w->stats.replicas_copied, sum.copied);
	if (sum.chained != 0)
		FP_ADD(w->stats.replicas_chained, sum.chained);
	if (sum.copied + sum.chained != 0)
		FP_ADD(w->stats.replicas, sum.copied + sum.chained);
	if (no_oif != 0)
		FP_ADD(w->stats.no_oif, no_oif);
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
