/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_udp.h>

#include "control.h"
#include "control_harness.h"
#include "fastpath.h"
#include "fastpath_event.h"
#include "igmp_codec.h"
#include "mf_config.h"
#include "mf_table.h"
#include "shim_eal.h"

#define CH_MAX_PORTS 4

struct ch {
	unsigned int n_ports;
	uint16_t port[CH_MAX_PORTS];
	struct fp_port fp[CH_MAX_PORTS];
	struct rte_mempool *pool;
	struct rte_mempool *msg_pool;
	struct rte_rcu_qsbr *qsv;
	struct mf_table *table;
	struct rte_ring *events;
	struct rte_ring *inject;
	struct fp_worker *w;
	struct fp_worker *workers[1];
	struct mf_config *cfg;
	struct ctl *ctl;
	pthread_t thread;
	int thread_running;
};

static unsigned int ch_seq;

/* Replace "{pN}" in the config text by the id of the N-th port. */
static int
ch_subst_ports(const struct ch *h, const char *in, char *out, size_t max)
{
	size_t o = 0;

	while (*in != '\0') {
		if (in[0] == '{' && in[1] == 'p' && in[2] >= '0' &&
				in[2] < '0' + (int)h->n_ports && in[3] == '}') {
			int n = snprintf(out + o, max - o, "%u",
					h->port[in[2] - '0']);

			if (n < 0 || (size_t)n >= max - o)
				return -ENOSPC;
			o += (size_t)n;
			in += 4;
			continue;
		}
		if (o + 1 >= max)
			return -ENOSPC;
		out[o++] = *in++;
	}
	out[o] = '\0';
	return 0;
}

int
ch_eal_init(void)
{
	static const char *const extra[] = { "--log-level=control:warning" };
	char prefix[64];

	/* One EAL file prefix per program (test_control, test_control_churn,
	 * control_rate), so that meson may run them in parallel. */
	snprintf(prefix, sizeof(prefix), "mf_cu_%s",
			program_invocation_short_name);
	return shim_eal_init(prefix, extra, 1);
}

struct ch *
ch_create(unsigned int n_ports, const char *config_text, char *err,
		unsigned int errlen)
{
	struct fp_worker_params wp;
	struct mf_table_params tp;
	struct ctl_params cp;
	char name[64];
	struct ch *h;
	unsigned int i, seq = ++ch_seq;

	h = calloc(1, sizeof(*h));
	if (h == NULL || n_ports > CH_MAX_PORTS)
		goto fail;
	h->n_ports = n_ports;
	h->cfg = malloc(sizeof(*h->cfg));
	if (h->cfg == NULL)
		goto fail;
	snprintf(name, sizeof(name), "ch_pool%u", seq);
	h->pool = shim_pktmbuf_pool(name, 2048, RTE_MBUF_DEFAULT_BUF_SIZE);
	snprintf(name, sizeof(name), "ch_msg%u", seq);
	h->msg_pool = shim_pool(name, 64, sizeof(struct igmp_msg));
	h->qsv = shim_qsv_create(1);
	if (h->pool == NULL || h->msg_pool == NULL || h->qsv == NULL)
		goto fail;
	for (i = 0; i < n_ports; i++) {
		snprintf(name, sizeof(name), "ch%u_p%u", seq, i);
		if (shim_ring_port_create(name, h->pool, 1024, &h->port[i]) < 0)
			goto fail;
		if (fp_port_init(&h->fp[i], h->port[i],
				shim_port_multi_seg(h->port[i])) < 0)
			goto fail;
	}
	if (config_text != NULL) {
		char text[8192];

		if (ch_subst_ports(h, config_text, text, sizeof(text)) < 0 ||
				mf_config_load_string(text, "test.ini", h->cfg, err,
				errlen) < 0)
			goto fail_quiet;
	} else {
		mf_config_defaults(h->cfg);
	}
	memset(&tp, 0, sizeof(tp));
	snprintf(name, sizeof(name), "ch_table%u", seq);
	tp.name = name;
	tp.max_entries = 1024;
	tp.socket_id = SOCKET_ID_ANY;
	tp.qsv = h->qsv;
	tp.n_workers = 1;
	h->table = mf_table_create(&tp);
	if (h->table == NULL)
		goto fail;
	snprintf(name, sizeof(name), "ch_ev%u", seq);
	h->events = fp_event_ring_create(name, 1024, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "ch_inj%u", seq);
	h->inject = rte_ring_create(name, 256, SOCKET_ID_ANY,
			RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (h->events == NULL || h->inject == NULL)
		goto fail;

	memset(&wp, 0, sizeof(wp));
	wp.id = 0;
	for (i = 0; i < n_ports; i++) {
		wp.rxq[wp.n_rxq].port = h->port[i];
		wp.rxq[wp.n_rxq].queue = 0;
		wp.n_rxq++;
		wp.ports[h->port[i]] = &h->fp[i];
		wp.txq[h->port[i]] = 0;
	}
	wp.table = h->table;
	wp.event_ring = h->events;
	wp.inject_ring = h->inject;
	wp.replica_pool = h->pool;
	wp.header_pool = h->pool;
	wp.igmp_msg_pool = h->msg_pool;
	wp.qsv = h->qsv;
	wp.rcu_thread_id = 0;
	wp.socket_id = SOCKET_ID_ANY;
	h->w = fp_worker_create(&wp);
	if (h->w == NULL)
		goto fail;
	h->workers[0] = h->w;

	memset(&cp, 0, sizeof(cp));
	cp.cfg = h->cfg;
	for (i = 0; i < MF_MAX_PORTS; i++)
		cp.txq[i] = CTL_NO_TXQ;	/* queries go through the inject ring */
	for (i = 0; i < n_ports; i++)
		cp.ports[h->port[i]] = &h->fp[i];
	cp.workers = h->workers;
	cp.n_workers = 1;
	cp.table = h->table;
	cp.qsv = h->qsv;
	cp.igmp_msg_pool = h->msg_pool;
	cp.tx_pool = h->pool;
	cp.poll_worker = true;
	h->ctl = ctl_create(&cp);
	if (h->ctl == NULL)
		goto fail;
	fp_worker_online(h->w);
	return h;
fail:
	if (err != NULL)
		snprintf(err, errlen, "harness set-up failed");
fail_quiet:
	ch_free(h);
	return NULL;
}

void
ch_free(struct ch *h)
{
	if (h == NULL)
		return;
	if (h->thread_running)
		ch_stop_thread(h);
	if (h->w != NULL)
		fp_worker_offline(h->w);
	ch_drain_tx(h);
	ctl_free(h->ctl);
	fp_worker_free(h->w);
	mf_table_free(h->table);
	rte_ring_free(h->events);
	rte_ring_free(h->inject);
	/* Ports stay (ethdevs cannot be re-created under the same name). */
	for (unsigned int i = 0; i < h->n_ports; i++)
		rte_eth_dev_stop(h->port[i]);
	free(h->cfg);
	free(h);
}

struct ctl *
ch_ctl(struct ch *h)
{
	return h->ctl;
}

uint16_t
ch_port(const struct ch *h, unsigned int i)
{
	return h->port[i];
}

void
ch_poll(struct ch *h, unsigned int n)
{
	while (n-- > 0)
		ctl_poll(h->ctl);
}

void
ch_drain_tx(struct ch *h)
{
	struct rte_mbuf *m[32];
	unsigned int i, n, k;

	for (i = 0; i < h->n_ports; i++) {
		while ((n = shim_ring_port_tx_pull(h->port[i], m, 32)) > 0)
			for (k = 0; k < n; k++)
				rte_pktmbuf_free(m[k]);
	}
}

int
ch_rx(struct ch *h, unsigned int i, const void *frame, uint32_t len)
{
	struct rte_mbuf *m = shim_mbuf_from(h->pool, frame, len, 0);

	if (m == NULL)
		return -ENOMEM;
	if (shim_ring_port_rx_push(h->port[i], &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	return 0;
}

uint32_t
ch_tx(struct ch *h, unsigned int i, void *buf, uint32_t max)
{
	struct rte_mbuf *m;
	uint32_t len;

	if (shim_ring_port_tx_pull(h->port[i], &m, 1) != 1)
		return 0;
	len = shim_mbuf_read(m, buf, max);
	rte_pktmbuf_free(m);
	return len;
}

int
ch_route(struct ch *h, uint32_t src, uint32_t grp, uint16_t *iif,
		uint64_t *oif_mask, uint16_t *flags)
{
	const struct mf_repl_list *l;
	unsigned int i;

	l = mf_table_lookup_exact(h->table, src, grp);
	if (l == NULL)
		return -ENOENT;
	*iif = l->iif;
	*flags = l->flags;
	*oif_mask = 0;
	for (i = 0; i < l->n_oifs; i++)
		*oif_mask |= 1ULL << l->oifs[i].port;
	return 0;
}

uint32_t
ch_frame(void *buf, uint32_t max, const void *ip, uint32_t ip_len)
{
	struct rte_ether_hdr *eth = buf;
	const struct rte_ipv4_hdr *iph = ip;
	uint32_t dst = rte_be_to_cpu_32(iph->dst_addr);
	static const uint8_t host_mac[6] = { 0x02, 0, 0, 0, 0, 0x42 };

	if (max < sizeof(*eth) + ip_len)
		return 0;
	eth->dst_addr.addr_bytes[0] = 0x01;
	eth->dst_addr.addr_bytes[1] = 0x00;
	eth->dst_addr.addr_bytes[2] = 0x5e;
	eth->dst_addr.addr_bytes[3] = (dst >> 16) & 0x7f;
	eth->dst_addr.addr_bytes[4] = (dst >> 8) & 0xff;
	eth->dst_addr.addr_bytes[5] = dst & 0xff;
	memcpy(eth->src_addr.addr_bytes, host_mac, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memcpy((char *)buf + sizeof(*eth), ip, ip_len);
	return sizeof(*eth) + ip_len;
}

uint32_t
ch_udp_frame(void *buf, uint32_t max, uint32_t src, uint32_t grp, uint8_t ttl,
		uint32_t payload_len)
{
	uint8_t ip[2048];
	struct rte_ipv4_hdr *iph = (struct rte_ipv4_hdr *)ip;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(iph + 1);
	uint32_t len = sizeof(*iph) + sizeof(*udp) + payload_len;

	if (len > sizeof(ip))
		return 0;
	memset(ip, 0, len);
	iph->version_ihl = 0x45;
	iph->total_length = rte_cpu_to_be_16(len);
	iph->time_to_live = ttl;
	iph->next_proto_id = IPPROTO_UDP;
	iph->src_addr = rte_cpu_to_be_32(src);
	iph->dst_addr = rte_cpu_to_be_32(grp);
	iph->hdr_checksum = rte_ipv4_cksum(iph);
	udp->src_port = rte_cpu_to_be_16(5000);
	udp->dst_port = rte_cpu_to_be_16(5001);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + payload_len);
	return ch_frame(buf, max, ip, len);
}

static void *
ch_thread_main(void *arg)
{
	struct ch *h = arg;

	/* The worker goes with the control loop to this thread. */
	ctl_run(h->ctl);
	return NULL;
}

int
ch_run_thread(struct ch *h)
{
	fp_worker_offline(h->w);
	if (pthread_create(&h->thread, NULL, ch_thread_main, h) != 0)
		return -EAGAIN;
	h->thread_running = 1;
	return 0;
}

void
ch_stop_thread(struct ch *h)
{
	ctl_stop(h->ctl);
	pthread_join(h->thread, NULL);
	h->thread_running = 0;
	fp_worker_online(h->w);
}
