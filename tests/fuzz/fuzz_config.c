/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as a config file. A load either fails
 * with a "NAME:LINE: message" or gives a config whose invariants hold.
 * Built by scripts/fuzz.sh.(clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mf_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mf_config cfg;
	char err[512];
	char *text;
	uint32_t i, j;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (mf_config_load_string(text, "f", &cfg, err, sizeof(err)) != 0) {
		/* every error names the input and a line */
		if (strncmp(err, "f:", 2) != 0)
			abort();
		free(text);
		return 0;
	}
	if (cfg.n_routes > MF_CONFIG_MAX_ROUTES)
		abort();
	for (i = 0; i < cfg.n_routes; i++) {
		const struct mf_config_route *r = &cfg.routes[i];

		if (!mf_is_multicast(r->grp) || mf_is_link_local_multicast(r->grp) ||
				r->in_port >= MF_MAX_PORTS || r->oifs == 0 ||
				(r->oifs & MF_PORTSET_BIT(r->in_port)) ||
				(r->oifs >> MF_MAX_PORTS) != 0 ||
				(r->src != 0 && r->src >= 0xe0000000u))
			abort();
		for (j = 0; j < i; j++)
			if (cfg.routes[j].src == r->src &&
					cfg.routes[j].grp == r->grp)
				abort();
	}
	for (i = 0; i < MF_MAX_PORTS; i++) {
		const struct mf_config_port *p = &cfg.ports[i];

		if (p->ttl_threshold < 1 || strnlen(p->name,
				MF_CONFIG_NAME_MAX) >= MF_CONFIG_NAME_MAX)
			abort();
		for (j = 0; j < i && p->name[0] != '\0'; j++)
			if (strcmp(cfg.ports[j].name, p->name) == 0)
				abort();
	}
	free(text);
	return 0;
}
