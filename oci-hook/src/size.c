// SPDX-License-Identifier: GPL-2.0-or-later
/* Sizes: "<digits>[K|M|G|T][i][B]", powers of 1024; rounded up to blocks. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "hotmem.h"

int hm_parse_size(const char *s, uint64_t *out, struct hm_error *err)
{
	static const char units[] = "kmgt";
	const char *p = s, *unit;
	uint64_t v = 0, mult = 1;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-')
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "size '%.64s' is negative", s);
	if (*p < '0' || *p > '9')
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "size '%.64s' is not a number", s);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return hm_fail(err, HM_EXIT_INPUT, ERANGE, "size '%.64s' is too big", s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	/* K, M, G, T: the n-th letter of "kmgt" is 1024^n */
	unit = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
	if (unit) {
		mult = UINT64_C(1) << (10 * (unit - units + 1));
		p++;
	}
	if (mult > 1 && *p == 'i')
		p++;
	if (*p == 'B' || *p == 'b')
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "size '%.64s' has a bad suffix", s);
	if (v == 0)
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "size '%.64s' is zero", s);
	if (v > HM_SIZE_MAX / mult)
		return hm_fail(err, HM_EXIT_INPUT, ERANGE, "size '%.64s' is too big", s);
	*out = v * mult;
	return 0;
}

uint64_t hm_blocks_for(uint64_t bytes, uint64_t block_size)
{
	if (block_size == 0)
		return 0;
	return bytes / block_size + (bytes % block_size ? 1 : 0);
}
