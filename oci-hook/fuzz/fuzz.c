// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target over everything hotmem-hook parses from outside: the
 * state JSON, config.json, sizes, hotmem.conf and ledger records, and the
 * escaping of log lines (whose output must be printable ASCII, one line).
 * The first byte picks the parser, the rest is its input.  `make fuzz` runs it
 * for FUZZ_TIME seconds from fuzz/corpus/ (seeds named by parser).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_error err;
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0: {
		struct hm_state st;

		if (hm_state_parse(&st, text, size - 1, &err) == 0)
			hm_state_free(&st);
		break;
	}
	case 1: {
		struct hm_spec sp;
		struct hm_config cfg;
		const char *src, *why;
		uint64_t bytes;

		hm_config_defaults(&cfg);
		if (hm_spec_parse(&sp, text, size - 1, &err) == 0) {
			hm_pod_level(&sp, NULL, &why);
			hm_size_resolve(&sp, NULL, &cfg, &bytes, &src, &err);
			hm_spec_free(&sp);
		}
		break;
	}
	case 2: {
		uint64_t v;

		hm_parse_size(text, &v, &err);
		break;
	}
	case 3: {
		struct hm_config cfg;

		hm_config_defaults(&cfg);
		hm_config_parse(&cfg, text, &err);
		hm_config_free(&cfg);
		break;
	}
	case 4: {
		static struct hm_record r;
		char buf[64 * 1024];

		if (hm_record_parse(&r, text, strlen(text), &err) == 0)
			hm_record_format(&r, buf, sizeof(buf));
		break;
	}
	case 5: {
		char out[1024];
		size_t n = hm_escape(text, out, sizeof(out));

		if (n != strlen(out) || n >= sizeof(out))
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] == 0x7f)
				abort();
		break;
	}
	}
	free(text);
	return 0;
}
