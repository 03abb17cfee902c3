/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include "igmp_codec.h"

int
igmp_parse(const void *ip_hdr, uint32_t len, const struct igmp_parse_policy *pol,
	struct igmp_msg *out)
{
	(void)ip_hdr; (void)len; (void)pol; (void)out;
	return IGMP_PARSE_ERR_TOO_SHORT;
}

const char *
igmp_parse_err_name(int err)
{
	(void)err;
	return "unknown";
}

uint8_t
igmp_code_encode(uint32_t value)
{
	return value < 128 ? (uint8_t)value : 0xff;
}

uint32_t
igmp_code_decode(uint8_t code)
{
	return code;
}
