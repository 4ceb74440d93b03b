// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Log lines carry strings the hook does not trust (annotation values,
 * paths, a container's cgroup name).  A runtime may send the hook's stderr
 * into a file of its choice, so such a string must never start a new line,
 * move a terminal's cursor or pass for something it is not: every byte that
 * is not printable ASCII or part of a valid, printable UTF-8 character is
 * written as \xNN (a backslash too, so that the escape is unambiguous).
 */
#include <stdio.h>
#include <string.h>

#include "hotmem.h"

/* Length of the valid UTF-8 character at p (2..4 bytes), or 0: invalid,
 * truncated, overlong, a surrogate, above U+10FFFF or a C1 control
 * (U+0080..U+009F, which some terminals obey like ESC sequences).  Stops
 * at the first byte that is not a continuation, so never reads past the
 * terminating NUL. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];

	if (c >= 0xc2 && c <= 0xdf) {
		if ((p[1] & 0xc0) != 0x80 || (c == 0xc2 && p[1] < 0xa0))
			return 0;
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* Write the escaped units of p while each fits with reserve bytes and the
 * NUL after it; true when all of p was written. */
static bool emit(const unsigned char *p, char *out, size_t size, size_t reserve, size_t *off)
{
	*off = 0;
	while (*p) {
		size_t n = 1, w;
		bool plain = *p >= 0x20 && *p < 0x7f && *p != '\\';

		if (!plain && *p >= 0x80 && (n = utf8_len(p)) > 1)
			plain = true;
		else if (!plain)
			n = 1;
		w = plain ? n : 4;
		if (*off + w + reserve >= size)
			return false; /* a whole character or nothing */
		if (plain)
			memcpy(out + *off, p, n);
		else
			snprintf(out + *off, 5, "\\x%02x", *p);
		*off += w;
		p += n;
	}
	return true;
}

size_t hm_escape(const char *s, char *out, size_t size)
{
	static const char more[] = "...";
	const unsigned char *p = (const unsigned char *)s;
	size_t off;

	if (size == 0)
		return 0;
	if (!emit(p, out, size, 0, &off) && size > sizeof(more)) {
		emit(p, out, size, sizeof(more) - 1, &off);
		memcpy(out + off, more, sizeof(more) - 1);
		off += sizeof(more) - 1;
	}
	out[off] = '\0';
	return off;
}
