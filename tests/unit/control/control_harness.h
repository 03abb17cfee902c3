/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness for lib/control: a control lcore, one worker polled by it
 * (single-lcore mode) and n net_ring ports the test feeds and drains.
 * Plain C functions so the C++ tests need no DPDK header.
 */
#ifndef CONTROL_HARNESS_H
#define CONTROL_HARNESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ch;
struct ctl;

/** EAL once per process (--no-huge, no PCI). @return 0 or -errno. */
int ch_eal_init(void);

/**
 * Build the harness: n_ports ring ports (ids in creation order), the
 * config from config_text (NULL: defaults), table, worker and control.
 * The control loop is not running; drive it with ch_poll().
 * @return the harness, or NULL (err filled).
 */
struct ch *ch_create(unsigned int n_ports, const char *config_text,
		char *err, unsigned int errlen);
void ch_free(struct ch *h);
struct ctl *ch_ctl(struct ch *h);
/** Port id of the i-th port. */
uint16_t ch_port(const struct ch *h, unsigned int i);

/** n turns of the control loop (each also polls the worker). */
void ch_poll(struct ch *h, unsigned int n);
/** Drop everything the ports transmitted so far. */
void ch_drain_tx(struct ch *h);

/** Receive an Ethernet frame on port i. @return 0 or -errno. */
int ch_rx(struct ch *h, unsigned int i, const void *frame, uint32_t len);
/**
 * Take one frame port i transmitted into buf.
 * @return its length, 0 when none.
 */
uint32_t ch_tx(struct ch *h, unsigned int i, void *buf, uint32_t max);

/**
 * The published entry of (src, grp) (exact key).
 * @return 0 with *iif, *oif_mask (bit = port id) and *flags (the list's
 *   MF_REPL_F_* flags) set, or -ENOENT.
 */
int ch_route(struct ch *h, uint32_t src, uint32_t grp, uint16_t *iif,
		uint64_t *oif_mask, uint16_t *flags);

/** Frame helpers: Ethernet + the given IPv4 packet (dst MAC from IP). */
uint32_t ch_frame(void *buf, uint32_t max, const void *ip, uint32_t ip_len);
/** A UDP datagram frame from src to grp with ttl and payload_len bytes. */
uint32_t ch_udp_frame(void *buf, uint32_t max, uint32_t src, uint32_t grp,
		uint8_t ttl, uint32_t payload_len);

/** Start the control loop on a pthread (for ctl_call tests). */
int ch_run_thread(struct ch *h);
/** Stop it (ctl_stop + join). */
void ch_stop_thread(struct ch *h);

#ifdef __cplusplus
}
#endif

#endif
