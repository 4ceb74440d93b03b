// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sizes are Kubernetes quantities (k8s.io/apimachinery resource.Quantity),
 * the way a pod writes its memory:
 *
 *	<sign><number><suffix>
 *	number:  digits, digits.digits, digits. or .digits
 *	suffix:  Ki Mi Gi Ti Pi Ei   powers of 1024
 *	         m "" k M G T P E    powers of 1000 (m: 1/1000)
 *	         e<n> or E<n>        times 10^n (n an optional sign and digits)
 *
 * So "128M" is 128,000,000 bytes and "128Mi" 134,217,728.  Nothing else is
 * accepted: no spaces, no "B", no lower-case "g", no trailing bytes.  A
 * fraction of a byte is rounded up; the result must be 1 .. HM_SIZE_MAX.
 */
#include <errno.h>
#include <string.h>

#include "hotmem.h"

#define FORMS                                                                          \
	"a Kubernetes quantity: digits with an optional fraction and suffix Ki Mi Gi " \
	"Ti Pi Ei (powers of 1024), k M G T P E (powers of 1000) or an exponent (5e8)"
#define MAX_DIGITS 19 /* significant digits: the mantissa fits in 64 bits */
#define MAX_EXP10 30

typedef unsigned __int128 u128;

/* The suffix at p: *bin (power of 2) and *dec (power of 10); -1 if bad. */
static int parse_suffix(const char *p, int *bin, int *dec)
{
	static const char *const bins[] = { "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	static const char decs[] = "kMGTPE";
	const char *d;

	*bin = *dec = 0;
	if (!*p)
		return 0;
	for (int i = 0; i < 6; i++)
		if (strcmp(p, bins[i]) == 0) {
			*bin = 10 * (i + 1);
			return 0;
		}
	if (strcmp(p, "m") == 0) {
		*dec = -3;
		return 0;
	}
	if ((p[0] == 'e' || p[0] == 'E') && p[1]) {
		int sign = 1, e = 0;

		p++;
		if (*p == '+' || *p == '-')
			sign = *p++ == '-' ? -1 : 1;
		if (!*p)
			return -1;
		for (; *p; p++) {
			if (*p < '0' || *p > '9' || e > 1000)
				return -1;
			e = e * 10 + (*p - '0');
		}
		*dec = sign * e;
		return 0;
	}
	if (p[1] == '\0' && (d = strchr(decs, p[0])) != NULL) {
		*dec = 3 * (int)(d - decs + 1);
		return 0;
	}
	return -1;
}

int hm_parse_size(const char *s, uint64_t *out, struct hm_error *err)
{
	const char *p = s;
	uint64_t mant = 0;
	int ndigits = 0, sig = 0, frac = 0, bin, dec, e10;
	bool negative = false, dot = false;
	u128 num, den = 1;

	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	for (; (*p >= '0' && *p <= '9') || (*p == '.' && !dot); p++) {
		if (*p == '.') {
			dot = true;
			continue;
		}
		ndigits++;
		if (sig == 0 && *p == '0') {
			frac += dot;
			continue; /* leading zeros are not significant */
		}
		if (++sig > MAX_DIGITS)
			return hm_fail(err, HM_EXIT_INPUT, ERANGE,
				       "size '%.64s' has more than %d significant digits", s,
				       MAX_DIGITS);
		mant = mant * 10 + (uint64_t)(*p - '0');
		frac += dot;
	}
	if (ndigits == 0 || parse_suffix(p, &bin, &dec) < 0)
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "size '%.64s' is not " FORMS, s);
	if (negative && mant)
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "size '%.64s' is negative", s);
	if (mant == 0)
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "size '%.64s' is zero", s);
	e10 = dec - frac;
	if (e10 > MAX_EXP10 || e10 < -MAX_EXP10)
		return hm_fail(err, HM_EXIT_INPUT, ERANGE, "size '%.64s' is out of range", s);
	num = mant;
	for (; e10 > 0; e10--) {
		num *= 10;
		if (num > HM_SIZE_MAX)
			goto too_big;
	}
	for (; e10 < 0; e10++)
		den *= 10;
	num <<= bin; /* < 2^64 * 2^60 */
	num = (num + den - 1) / den;
	if (num > HM_SIZE_MAX)
		goto too_big;
	*out = (uint64_t)num;
	return 0;
too_big:
	return hm_fail(err, HM_EXIT_INPUT, ERANGE, "size '%.64s' is too big (above %llu bytes)", s,
		       (unsigned long long)HM_SIZE_MAX);
}

uint64_t hm_blocks_for(uint64_t bytes, uint64_t block_size)
{
	if (block_size == 0)
		return 0;
	return bytes / block_size + (bytes % block_size ? 1 : 0);
}
