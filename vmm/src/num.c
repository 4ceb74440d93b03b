// SPDX-License-Identifier: GPL-2.0-or-later
/* Strict number parsing (num.h). */
#include <errno.h>
#include <string.h>

#include "num.h"

int vmm_parse_u64(const char *s, size_t len, uint64_t *out, vmm_error_t *err)
{
	uint64_t v = 0;

	if (len == 0)
		return vmm_fail(err, 0, "empty number");
	if (len > 1 && s[0] == '0')
		return vmm_fail(err, 0, "number with a leading zero");
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return vmm_fail(err, 0, "not a decimal number");
		if (v > (UINT64_MAX - d) / 10)
			return vmm_fail(err, ERANGE, "number too large");
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int vmm_parse_size(const char *s, uint64_t *out, vmm_error_t *err)
{
	size_t len = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (len > 0) {
		switch (s[len - 1]) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		case 'T':
			shift = 40;
			break;
		}
	}
	if (vmm_parse_u64(s, shift ? len - 1 : len, &v, err) < 0)
		return vmm_error_wrap(err, "size '%s'", s);
	if (shift && v > (UINT64_MAX >> shift))
		return vmm_fail(err, ERANGE, "size '%s'", s);
	*out = v << shift;
	return 0;
}
