// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target over what hotmem-vmm reads from outside: the guest's
 * request lines (hotmem/1) and, less hostile, the configuration file.
 * The first byte picks the parser, the rest is its input, which may hold
 * NULs, no newline and anything else.  `make fuzz` runs it from
 * fuzz/corpus/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "num.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_req(const struct vmm_req *r, const char *line, size_t len)
{
	size_t idlen = strlen(r->id);

	/* what the parser accepted is what the grammar allows */
	if (!vmm_proto_valid_id(r->id, idlen) || len < idlen ||
	    memcmp(line + len - idlen, r->id, idlen) != 0 || len >= VMM_LINE_MAX)
		abort();
	if ((r->verb == VMM_GROW || r->verb == VMM_SHRINK) && (line[0] != 'G' && line[0] != 'S'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmm_error_t err = NULL;

	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;

	if (data[0] & 1) {
		struct vmm_config c;

		vmm_config_parse(text, len, &c, &err);
		vmm_config_free(&c);
	} else {
		struct vmm_req r;
		/* a copy of exactly len bytes, so ASan sees any overread */
		char *line = malloc(len ? len : 1);

		if (!line)
			return 0;
		memcpy(line, text, len);
		if (vmm_proto_parse(line, len, &r, &err) == 0)
			check_req(&r, line, len);
		else if (!err || !err->msg)
			abort();
		free(line);
	}
	vmm_error_release(&err);
	return 0;
}
