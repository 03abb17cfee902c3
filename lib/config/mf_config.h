/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mcastfwd configuration: an INI file read with libinih into struct
 * mf_config. Plain C, no EAL; safe to include from C++.
 *
 * File format (config/mcastfwd.ini documents every key, its default and its
 * range):
 *
 *   [global]            mfe_timeout_s, log_level, telemetry, rx_desc,
 *                       tx_desc, tx_flush_us, control_idle_us,
 *                       control_slice_us,
 *                       igmp_proxy_upstream, max_routes, routes_file,
 *                       extra_mbufs
 *   [port N]            N = DPDK port id 0..31. name, address, ttl_threshold,
 *                       chain_threshold, igmp, and every IGMP key of
 *                       igmp_port_config_set() (lib/igmp/igmp_router.h)
 *   [routes]            route = <S|*> <G> <in port> <out port>[,<out port>...]
 *
 * Ports are referred to by id or by the name given in their [port N]
 * section, anywhere a port is expected (routes, igmp_proxy_upstream).
 * Sections appear at most once each, in any order; a key at most once per
 * section (route lines excepted).
 *
 * Every error is reported as "FILE:LINE: what is wrong" and a load is
 * all-or-nothing: on error *out is left untouched.
 *
 * Thread safety: mf_config_load*() set libinih's process-wide options
 * (multi-line values off, stop on first error) and must not run
 * concurrently with another libinih user. Every other function is pure.
 */
#ifndef MF_CONFIG_H
#define MF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgm_types.h"
#include "igmp_router.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most static routes a config file's [routes] section may hold (more go
 *  in a routes_file, see mf_config_routes_file_read()). */
#define MF_CONFIG_MAX_ROUTES 4096
/** Default of [global] max_routes: forwarding table entries. */
#define MF_CONFIG_TABLE_DEFAULT 16384
/** Range of [global] max_routes. */
#define MF_CONFIG_TABLE_MIN 64
#define MF_CONFIG_TABLE_MAX (16u << 20)
/** Port names: 1..15 characters plus the terminating NUL. */
#define MF_CONFIG_NAME_MAX 16
/** Longest file name kept for messages (longer ones are cut). */
#define MF_CONFIG_PATH_MAX 256
/** Chain threshold value meaning "the fast path's measured default". */
#define MF_CONFIG_CHAIN_DEFAULT 0
/** Chain threshold value meaning "never chain, always copy". */
#define MF_CONFIG_CHAIN_NEVER UINT32_MAX

/** Multi-segment TX (chained replicas) on a port: the port key tx_multi_seg. */
enum mf_config_multi_seg {
	/** As the driver advertises (RTE_ETH_TX_OFFLOAD_MULTI_SEGS). */
	MF_MSEG_AUTO = 0,
	/** Chain even where the driver does not advertise it: for drivers
	 *  known to send (or free) chains without the flag, such as net_null
	 *  and net_ring. The operator vouches for the driver. */
	MF_MSEG_ON,
	/** Never chain on this port (always copy). */
	MF_MSEG_OFF,
};

/** Log levels, same numbers as RTE_LOG_EMERG..RTE_LOG_DEBUG. */
enum mf_config_log_level {
	MF_LOG_EMERG = 1,
	MF_LOG_ALERT,
	MF_LOG_CRIT,
	MF_LOG_ERR,
	MF_LOG_WARNING,
	MF_LOG_NOTICE,
	MF_LOG_INFO,
	MF_LOG_DEBUG,
};

/** One port's settings. Ports without a section keep the defaults. */
struct mf_config_port {
	/** True when the file had a [port N] section for this port. */
	bool present;
	/** Line of the [port N] header (0 for defaults). */
	uint32_t line;
	/** Configured name, "" when none. */
	char name[MF_CONFIG_NAME_MAX];
	/** IPv4 address (host order), 0 when none; source of IGMP queries. */
	uint32_t addr;
	/** Prefix length of addr's subnet, 0..32 (meaningless when addr 0). */
	uint8_t prefix_len;
	/** Packets leave this port only if their TTL after decrement is at
	 *  least this (1..255; default 1 = no threshold). */
	uint8_t ttl_threshold;
	/** Packets at least this long (bytes) are replicated by chaining on
	 *  ports with multi-segment TX: MF_CONFIG_CHAIN_DEFAULT (0) = fast path
	 *  default, MF_CONFIG_CHAIN_NEVER = always copy. */
	uint32_t chain_threshold;
	/** enum mf_config_multi_seg: may replicas be chained on this port.
	 *  Default MF_MSEG_AUTO. */
	uint8_t tx_multi_seg;
	/** IGMP router settings for this port (enabled, version, timers...).
	 *  igmp.address/prefix_len mirror addr/prefix_len. */
	struct igmp_port_config igmp;
};

/** One static route. */
struct mf_config_route {
	/** Source (host order), 0 for (*,G). */
	uint32_t src;
	/** Group (host order), multicast, not 224.0.0.0/24. */
	uint32_t grp;
	/** Incoming port id. */
	uint16_t in_port;
	/** Outgoing ports; never contains in_port; never empty. */
	mf_portset_t oifs;
	/** Line of the route in the file (for later errors). */
	uint32_t line;
};

/** The whole configuration. Large (~100 KB): allocate it, do not put it
 *  on a small stack. Copy it with memcpy/assignment (no pointers inside). */
struct mf_config {
	/** Where it came from ("" for defaults), for messages. */
	char source[MF_CONFIG_PATH_MAX];
	/** Idle MFEs (no packet) expire after this many seconds.
	 *  Default 210, range 1..86400. */
	uint32_t mfe_timeout_s;
	/** enum mf_config_log_level; default MF_LOG_INFO. */
	uint8_t log_level;
	/** Register the /mcast telemetry commands; default true. */
	bool telemetry;
	/** RX / TX descriptors per queue; default 512, range 64..4096. */
	uint16_t rx_desc;
	uint16_t tx_desc;
	/** Worker TX buffers are flushed after this many microseconds;
	 *  default 100, range 1..10000. */
	uint32_t tx_flush_us;
	/** When other lcores forward, the control lcore sleeps this many
	 *  microseconds between turns; 0 = busy-poll (a dedicated core).
	 *  Default 20, range 0..1000. */
	uint32_t control_idle_us;
	/** Scheduler slice the control lcore's thread asks the kernel for
	 *  (sched_setattr() sched_runtime of a SCHED_OTHER thread, which
	 *  Linux 6.12+ honours): a short slice lets it preempt what shares
	 *  its core as soon as it wakes. 0 = the kernel's default. Default
	 *  100, range 0 or 100..100000 (the kernel's own bounds). */
	uint32_t control_slice_us;
	/** IGMP proxy upstream port, or MF_PORT_ANY for no proxy (default). */
	uint16_t proxy_upstream;
	/** Line of igmp_proxy_upstream (0 when not set). */
	uint32_t proxy_line;
	/** Forwarding table size: most (S,G) and (*,G) entries at once,
	 *  static and learned together. Default MF_CONFIG_TABLE_DEFAULT,
	 *  range MF_CONFIG_TABLE_MIN..MF_CONFIG_TABLE_MAX. */
	uint32_t max_routes;
	/** Bulk static route file ("" = none): one route per line, read by
	 *  mf_config_routes_file_read() at start and on reload. As written in
	 *  the file; a relative path is relative to the config file's
	 *  directory. */
	char routes_file[MF_CONFIG_PATH_MAX];
	/** Packet mbufs added to the pool the app sizes from descriptors:
	 *  net_pcap with infinite_rx=1 keeps every frame of its file in mbufs
	 *  of that pool. Default 0, range 0..MF_CONFIG_TABLE_MAX. */
	uint32_t extra_mbufs;
	/** Per-port settings, indexed by port id. */
	struct mf_config_port ports[MF_MAX_PORTS];
	/** Static routes, in file order. */
	uint32_t n_routes;
	struct mf_config_route routes[MF_CONFIG_MAX_ROUTES];
};

/**
 * Fill c with the defaults (what runs when there is no config file): every
 * port present-less with IGMP defaults, no names, no routes, no proxy.
 *
 * Any thread. Cost: a memset and MF_MAX_PORTS IGMP default fills.
 */
void
mf_config_defaults(struct mf_config *c);

/**
 * Load a config file. path NULL means "no file": out gets the defaults.
 *
 * @param path  file to read, or NULL
 * @param out   result; written only on success
 * @param err   buffer for "FILE:LINE: what is wrong" (may be NULL)
 * @param errlen size of err
 * @return 0; -ENOENT/-EACCES/... (cannot open, err says why); -EINVAL
 *   (the file is wrong, err says where); -ENOMEM.
 *
 * Any single thread (see the header comment). Cost: two passes over the
 * file, O(lines + routes * log routes).
 */
int
mf_config_load(const char *path, struct mf_config *out, char *err,
	size_t errlen);

/**
 * Load a config from a NUL-terminated string, as mf_config_load() does a
 * file. name is used in messages in place of the file name (NULL:
 * "<string>"). For tests and for telemetry.
 *
 * @return 0, -EINVAL or -ENOMEM as mf_config_load().
 */
int
mf_config_load_string(const char *text, const char *name,
	struct mf_config *out, char *err, size_t errlen);

/**
 * Read c->routes_file, the bulk route file for large static route sets
 * (the [routes] section holds at most MF_CONFIG_MAX_ROUTES): one route per
 * line in the syntax of mf_config_route_parse() (the text after
 * "route ="), blank lines and lines starting with '#' skipped. A relative
 * path is taken relative to the directory of c->source. Duplicates are not
 * checked here (proto_static_replace() does it in O(n log n)).
 *
 * @param c      config (port names, routes_file, max_routes, source)
 * @param avail  ports that exist (bit p = port p), or 0 for no check
 * @param routes out: array from malloc() (the caller frees it), or NULL
 *   when *n is 0; each route's line is its line in the file
 * @param n      out: number of routes
 * @param err    "FILE:LINE: message"
 * @return 0 (also when c->routes_file is ""); -errno of fopen; -EINVAL (a
 *   bad line); -ENODEV (a port not in avail); -E2BIG (more lines than
 *   c->max_routes); -ENOMEM; -EIO. Nothing is returned on error.
 *
 * Any thread. Cost: O(file size); about 1 us per route.
 */
int
mf_config_routes_file_read(const struct mf_config *c, mf_portset_t avail,
	struct mf_config_route **routes, uint32_t *n, char *err,
	size_t errlen);

/**
 * Check the config against the ports that really exist (after EAL init):
 * every [port N] section, route port and the proxy upstream must be in
 * avail.
 *
 * @param avail ports that exist (bit p = port p)
 * @param err   "FILE:LINE: port 5 does not exist (ports: 0-3)"
 * @return 0 or -ENODEV.
 *
 * Any thread. Cost: O(routes).
 */
int
mf_config_check_ports(const struct mf_config *c, mf_portset_t avail,
	char *err, size_t errlen);

/**
 * Resolve a port reference: a decimal id 0..31, or a configured name.
 *
 * @param s    the reference
 * @param port result
 * @return 0; -EINVAL (s empty or a number out of range); -ENOENT (no port
 *   has that name).
 *
 * Any thread (c must not change meanwhile). Cost: O(MF_MAX_PORTS).
 */
int
mf_config_port_lookup(const struct mf_config *c, const char *s,
	uint16_t *port);

/**
 * Parse a route text as found after "route =" (also used by telemetry):
 * "<S|*> <G> <in port> <out port>[,<out port>...]", tokens separated by
 * spaces and/or commas. Ports by id or name (resolved with c).
 *
 * @param c     config for port names (may be NULL: ids only)
 * @param text  the route
 * @param r     result (line set to 0)
 * @param err   message without FILE:LINE ("unknown port 'x'", ...)
 * @return 0 or -EINVAL.
 *
 * Any thread. Cost: O(length of text).
 */
int
mf_config_route_parse(const struct mf_config *c, const char *text,
	struct mf_config_route *r, char *err, size_t errlen);

/**
 * Name of a port for messages: its configured name, or its id as text.
 *
 * @return buf.
 */
const char *
mf_config_port_label(const struct mf_config *c, uint16_t port, char *buf,
	size_t len);

/** Name of a log level ("info"), or NULL for an invalid one. */
const char *
mf_config_log_level_name(unsigned int level);

#ifdef __cplusplus
}
#endif

#endif /* MF_CONFIG_H */
