/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mcastfwd [EAL args] -- [--config FILE] [--check-config] [--help]
 *
 * The application arguments (after the first "--") are parsed and the
 * config file is loaded *before* rte_eal_init(): a bad file is reported as
 * FILE:LINE and the process exits 1 before EAL touches any port or memory,
 * and --check-config needs neither hugepages nor root. After EAL init the
 * config is checked once more against the ports that really exist.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "app.h"

RTE_LOG_REGISTER_DEFAULT(mf_app_logtype, INFO);

struct app_args {
	const char *config;
	bool check;
	bool help;
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL args] -- [--config FILE] [--check-config] [--help]\n"
		"  --config FILE   read FILE (INI, see config/mcastfwd.ini); without it,\n"
		"                  defaults: every port runs IGMP, no static routes\n"
		"  --check-config  validate the config and exit 0 (valid) or 1\n"
		"                  (FILE:LINE: what is wrong); touches no port\n"
		"  --help          this text\n"
		"Signals: SIGINT/SIGTERM stop cleanly, SIGHUP reloads the static routes.\n"
		"Telemetry: /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2, commands /mcast/...\n"
		"Capture: dpdk-pdump --no-pci --file-prefix <prefix> -- --pdump 'port=0,queue=*,rx-dev=rx.pcap'\n"
		"         (a secondary process: mcastfwd must run on hugepages, not --no-huge)\n",
		prog);
}

/* Parse argv[first..argc-1]; 0 or -EINVAL (message printed). */
static int
parse_app_args(int argc, char **argv, int first, struct app_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = first; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s: --config needs a file\n",
					argv[0]);
				return -EINVAL;
			}
			a->config = argv[++i];
		} else if (strncmp(s, "--config=", 9) == 0) {
			a->config = s + 9;
		} else if (strcmp(s, "--check-config") == 0) {
			a->check = true;
		} else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			a->help = true;
		} else {
			fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], s);
			return -EINVAL;
		}
	}
	if (a->config != NULL && a->config[0] == '\0') {
		fprintf(stderr, "%s: --config needs a file\n", argv[0]);
		return -EINVAL;
	}
	return 0;
}

/*
 * Only our own user may reach the telemetry socket: it can add and delete
 * routes and change IGMP settings. EAL creates its runtime directory
 * (/var/run/dpdk/<file-prefix> as root) 0700, but keeps one that already
 * exists with whatever mode it has, and creates the socket with the
 * process umask. Connecting to a UNIX socket needs search permission on
 * its directory and write permission on the socket, so 0700 and 0600 shut
 * every other user out. Main lcore, once, after EAL init.
 */
static void
restrict_runtime_dir(void)
{
	const char *dir = rte_eal_get_runtime_dir();
	char sock[PATH_MAX];
	struct stat st;

	if (dir == NULL || stat(dir, &st) != 0)
		return;
	if ((st.st_mode & 077) != 0) {
		if (chmod(dir, 0700) != 0)
			APP_LOG(WARNING, "cannot make %s private (mode %03o): %s",
				dir, (unsigned int)(st.st_mode & 0777),
				strerror(errno));
		else
			APP_LOG(NOTICE, "%s was mode %03o, now 700", dir,
				(unsigned int)(st.st_mode & 0777));
	}
	if (snprintf(sock, sizeof(sock), "%s/dpdk_telemetry.v2", dir) <
			(int)sizeof(sock) && stat(sock, &st) == 0 &&
			(st.st_mode & 077) != 0 && chmod(sock, 0600) != 0)
		APP_LOG(WARNING, "cannot make %s private: %s", sock,
			strerror(errno));
}

static unsigned int
count_present(const struct mf_config *c)
{
	unsigned int p, n = 0;

	for (p = 0; p < MF_MAX_PORTS; p++)
		n += c->ports[p].present;
	return n;
}

int
main(int argc, char **argv)
{
	static struct mf_config cfg; /* ~100 KB: not on the stack */
	static struct app_plan plan;
	struct app_pools pools;
	struct app_args args;
	char err[512];
	int dd, rc, eal_argc;

	/* The first bare "--" ends the EAL arguments. */
	for (dd = 1; dd < argc; dd++)
		if (strcmp(argv[dd], "--") == 0)
			break;
	eal_argc = dd;
	for (rc = 1; rc < eal_argc; rc++) {
		if (strcmp(argv[rc], "--help") == 0 ||
				strcmp(argv[rc], "-h") == 0) {
			usage(stdout, argv[0]);
			return 0;
		}
	}
	if (parse_app_args(argc, argv, dd + 1, &args) < 0) {
		usage(stderr, argv[0]);
		return 1;
	}
	if (args.help) {
		usage(stdout, argv[0]);
		return 0;
	}
	rc = mf_config_load(args.config, &cfg, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (args.check) {
		printf("%s: OK (%u port sections, %u static routes)\n",
			args.config != NULL ? args.config : "<defaults>",
			count_present(&cfg), cfg.n_routes);
		return 0;
	}

	rc = rte_eal_init(eal_argc, argv);
	if (rc < 0) {
		/* Some EAL failures (a held --file-prefix lock) leave
		 * rte_errno at 0: then EAL's own lines above say why. */
		fprintf(stderr, "%s: EAL init failed: %s\n", argv[0],
			rte_errno != 0 ? rte_strerror(rte_errno) :
			"see the EAL messages above");
		return 1;
	}
	/* Our log types are all "mcastfwd.*". */
	rte_log_set_level_pattern("mcastfwd.*", cfg.log_level);
	restrict_runtime_dir();

	rc = app_plan_make(&plan);
	if (rc == 0 && mf_config_check_ports(&cfg, plan.ports_avail, err,
			sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rc = -ENODEV;
	}
	if (rc != 0) {
		rte_eal_cleanup();
		return 1;
	}
	APP_LOG(INFO, "%u ports, control lcore %u, %u worker%s%s",
		plan.n_ports, plan.main_lcore, plan.n_workers,
		plan.n_workers == 1 ? "" : "s",
		plan.single_lcore ? " (single-lcore mode: the control lcore polls it)" : "");
	rc = app_pools_create(&plan, &cfg, &pools);
	if (rc != 0) {
		rte_eal_cleanup();
		return 1;
	}
	rc = app_ports_start(&plan, &cfg, &pools);
	if (rc != 0) {
		app_ports_stop(&plan);
		app_pools_free(&pools);
		rte_eal_cleanup();
		return 1;
	}
	rc = app_run(&plan, &cfg, args.config, &pools);
	app_ports_stop(&plan);
	app_pools_free(&pools);
	rte_eal_cleanup();
	return rc;
}
