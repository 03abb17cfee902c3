/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as the parameters of every /mcast
 * command parser. Each either fails with a message or returns values that
 * obey the documented rules. Built by scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tm_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mf_config cfg;
static int cfg_ready;

static void
check_err(int rc, const char *err)
{
	if (rc != 0 && err[0] == '\0')
		abort(); /* every error says why */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const mf_portset_t in_use = 0x0f;
	struct igmp_port_config base, out;
	struct mf_config_route r;
	struct mf_key k;
	char params[TM_PARAMS_MAX + 16];
	char err[256];
	uint32_t g, s;
	uint16_t p;
	unsigned int n;
	bool has;
	int rc;

	if (!cfg_ready) {
		if (mf_config_load_string("[port 0]\nname = up\n[port 1]\n"
				"name = down\n", "f", &cfg, err, sizeof(err)) != 0)
			abort();
		cfg_ready = 1;
	}
	if (size >= sizeof(params))
		size = sizeof(params) - 1;
	memcpy(params, data, size);
	params[size] = '\0';

	err[0] = '\0';
	rc = tm_parse_port(&cfg, in_use, params, &p, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0 && !(in_use & MF_PORTSET_BIT(p)))
		abort();
	err[0] = '\0';
	rc = tm_parse_port_group(&cfg, in_use, params, &p, &g, &s, err,
		sizeof(err));
	check_err(rc, err);
	if (rc == 0 && !mf_is_multicast(g))
		abort();
	err[0] = '\0';
	rc = tm_parse_mfe_start(params, &has, &k, err, sizeof(err));
	check_err(rc, err);
	err[0] = '\0';
	rc = tm_parse_sg(params, &k, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0 && (!mf_is_multicast(k.grp) || k.src >= 0xe0000000u))
		abort();
	err[0] = '\0';
	rc = tm_parse_route(&cfg, in_use, params, &r, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0 && (r.oifs == 0 || (r.oifs & MF_PORTSET_BIT(r.in_port)) ||
			(r.oifs & ~in_use) || !(in_use & MF_PORTSET_BIT(r.in_port)) ||
			mf_is_link_local_multicast(r.grp)))
		abort();
	igmp_port_config_defaults(&base);
	memset(&out, 0x5a, sizeof(out));
	err[0] = '\0';
	rc = tm_parse_igmp_config(&cfg, in_use, params, &base, &p, &out, &n,
		err, sizeof(err));
	check_err(rc, err);
	if (rc == 0 && igmp_port_config_validate(&out, err, sizeof(err)) != 0)
		abort();
	err[0] = '\0';
	rc = tm_parse_index(params, 100, &s, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0 && s > 100)
		abort();
	return 0;
}
