/* SPDX-License-Identifier: BSD-3-Clause */
/* Test shim over EAL, mempools, mbufs, RCU and net_ring ports. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "shim_eal.h"

int
shim_eal_init(const char *prefix, const char *const *extra, int n_extra)
{
	static char fp[128];
	char *argv[64];
	int argc = 0, i, ret;

	snprintf(fp, sizeof(fp), "--file-prefix=%s", prefix);
	argv[argc++] = (char *)(uintptr_t)"shim";
	argv[argc++] = (char *)(uintptr_t)"--no-huge";
	argv[argc++] = (char *)(uintptr_t)"-m";
	argv[argc++] = (char *)(uintptr_t)"512";
	argv[argc++] = (char *)(uintptr_t)"--no-pci";
	argv[argc++] = (char *)(uintptr_t)"--log-level=lib.eal:error";
	argv[argc++] = fp;
	for (i = 0; i < n_extra && argc < 63; i++)
		argv[argc++] = (char *)(uintptr_t)extra[i];
	argv[argc] = NULL;
	ret = rte_eal_init(argc, argv);
	return ret < 0 ? -rte_errno : 0;
}

size_t
shim_heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;
	int s;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

struct rte_mempool *
shim_pktmbuf_pool(const char *name, unsigned int n, uint16_t data_room)
{
	return rte_pktmbuf_pool_create(name, n, 0, 0, data_room, 0);
}

struct rte_mempool *
shim_pool(const char *name, unsigned int n, unsigned int elt_size)
{
	return rte_mempool_create(name, n, elt_size, 0, 0, NULL, NULL, NULL,
			NULL, 0, 0);
}

unsigned int
shim_pool_in_use(const struct rte_mempool *mp)
{
	return rte_mempool_in_use_count(mp);
}

void
shim_pool_free(struct rte_mempool *mp)
{
	rte_mempool_free(mp);
}

void
shim_pool_put(struct rte_mempool *mp, void *obj)
{
	rte_mempool_put(mp, obj);
}

void *
shim_pool_get(struct rte_mempool *mp)
{
	void *obj;

	if (rte_mempool_get(mp, &obj) != 0)
		return NULL;
	return obj;
}

struct rte_mbuf *
shim_mbuf_from(struct rte_mempool *mp, const void *bytes, uint32_t len,
		uint32_t seg_len)
{
	const char *src = bytes;
	struct rte_mbuf *head = NULL;

	if (seg_len == 0)
		seg_len = len;
	while (len > 0 || head == NULL) {
		uint32_t n = RTE_MIN(len, seg_len);
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		char *d;

		if (m == NULL)
			goto fail;
		d = rte_pktmbuf_append(m, (uint16_t)n);
		if (d == NULL) {
			rte_pktmbuf_free(m);
			goto fail;
		}
		memcpy(d, src, n);
		src += n;
		len -= n;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			goto fail;
		}
		if (n == 0)
			break;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

uint32_t
shim_mbuf_read(const struct rte_mbuf *m, void *buf, uint32_t max)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const void *p = rte_pktmbuf_read(m, 0, RTE_MIN(len, max), buf);

	if (p != NULL && p != buf)
		memcpy(buf, p, RTE_MIN(len, max));
	return len;
}

uint16_t
shim_mbuf_refcnt(const struct rte_mbuf *m)
{
	return rte_mbuf_refcnt_read(m);
}

uint16_t
shim_mbuf_nb_segs(const struct rte_mbuf *m)
{
	return m->nb_segs;
}

uint16_t
shim_mbuf_data_len(const struct rte_mbuf *m)
{
	return m->data_len;
}

uint32_t
shim_mbuf_pkt_len(const struct rte_mbuf *m)
{
	return m->pkt_len;
}

struct rte_mbuf *
shim_mbuf_next(const struct rte_mbuf *m)
{
	return m->next;
}

const struct rte_mempool *
shim_mbuf_pool(const struct rte_mbuf *m)
{
	return m->pool;
}

void
shim_mbuf_free(struct rte_mbuf *m)
{
	rte_pktmbuf_free(m);
}

struct rte_rcu_qsbr *
shim_qsv_create(unsigned int max_threads)
{
	size_t sz = rte_rcu_qsbr_get_memsize(max_threads);
	struct rte_rcu_qsbr *q;

	q = rte_zmalloc("shim_qsv", sz, RTE_CACHE_LINE_SIZE);
	if (q == NULL)
		return NULL;
	if (rte_rcu_qsbr_init(q, max_threads) != 0) {
		rte_free(q);
		return NULL;
	}
	return q;
}

void
shim_qsv_free(struct rte_rcu_qsbr *q)
{
	rte_free(q);
}

int
shim_qsv_register(struct rte_rcu_qsbr *q, unsigned int tid)
{
	return rte_rcu_qsbr_thread_register(q, tid);
}

int
shim_qsv_unregister(struct rte_rcu_qsbr *q, unsigned int tid)
{
	return rte_rcu_qsbr_thread_unregister(q, tid);
}

void
shim_qsv_online(struct rte_rcu_qsbr *q, unsigned int tid)
{
	rte_rcu_qsbr_thread_online(q, tid);
}

void
shim_qsv_offline(struct rte_rcu_qsbr *q, unsigned int tid)
{
	rte_rcu_qsbr_thread_offline(q, tid);
}

void
shim_qsv_quiescent(struct rte_rcu_qsbr *q, unsigned int tid)
{
	rte_rcu_qsbr_quiescent(q, tid);
}

void
shim_flag_set(uint32_t *f, uint32_t v)
{
	/* seq_cst: test-thread handshake, cost irrelevant. */
	__atomic_store_n(f, v, __ATOMIC_SEQ_CST);
}

uint32_t
shim_flag_get(const uint32_t *f)
{
	/* seq_cst: see shim_flag_set. */
	return __atomic_load_n(f, __ATOMIC_SEQ_CST);
}

static struct rte_ring *port_rx[RTE_MAX_ETHPORTS];
static struct rte_ring *port_tx[RTE_MAX_ETHPORTS];

int
shim_ring_port_create(const char *name, struct rte_mempool *mp,
		unsigned int tx_ring_size, uint16_t *port)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ring *rx, *tx;
	char rn[RTE_RING_NAMESIZE];
	int id, ret;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	rx = rte_ring_create(rn, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	tx = rte_ring_create(rn, tx_ring_size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rx == NULL || tx == NULL)
		return -ENOMEM;
	id = rte_eth_from_rings(name, &rx, 1, &tx, 1, 0);
	if (id < 0)
		return -rte_errno;
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get((uint16_t)id, &info);
	if (ret != 0)
		return ret;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	ret = rte_eth_dev_configure((uint16_t)id, 1, 1, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_rx_queue_setup((uint16_t)id, 0, 1024, 0, NULL, mp);
	if (ret != 0)
		return ret;
	ret = rte_eth_tx_queue_setup((uint16_t)id, 0, 1024, 0, NULL);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_start((uint16_t)id);
	if (ret != 0)
		return ret;
	port_rx[id] = rx;
	port_tx[id] = tx;
	*port = (uint16_t)id;
	return 0;
}

unsigned int
shim_ring_port_rx_push(uint16_t port, struct rte_mbuf **m, unsigned int n)
{
	return rte_ring_enqueue_burst(port_rx[port], (void **)m, n, NULL);
}

unsigned int
shim_ring_port_tx_pull(uint16_t port, struct rte_mbuf **m, unsigned int max)
{
	return rte_ring_dequeue_burst(port_tx[port], (void **)m, max, NULL);
}

int
shim_port_mac(uint16_t port, uint8_t mac[6])
{
	struct rte_ether_addr a;
	int ret = rte_eth_macaddr_get(port, &a);

	if (ret == 0)
		memcpy(mac, a.addr_bytes, 6);
	return ret;
}

int
shim_port_multi_seg(uint16_t port)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port, &info) != 0)
		return 0;
	return (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
}

int
shim_ipv4_cksum_ok(const void *ip)
{
	const struct rte_ipv4_hdr *h = ip;

	return rte_raw_cksum(h, rte_ipv4_hdr_len(h)) == 0xffff;
}

uint16_t
shim_ipv4_cksum(const void *ip)
{
	struct rte_ipv4_hdr h[4];
	const struct rte_ipv4_hdr *src = ip;
	size_t len = rte_ipv4_hdr_len(src);

	memcpy(h, ip, RTE_MIN(len, sizeof(h)));
	h->hdr_checksum = 0;
	return rte_ipv4_cksum(h);
}
