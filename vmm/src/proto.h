/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest protocol, hotmem/1 (docs/vmm.md): one request per line,
 *
 *	HELLO <version> <id>
 *	GROW <bytes> <id>
 *	SHRINK <bytes> <id>
 *	STATUS <id>
 *
 * answered by "OK <id> ..." or "ERR <id> <code> <reason>".  Lines are at
 * most VMM_LINE_MAX bytes with their '\n', tokens are separated by one
 * space, numbers are plain decimal.  The guest is not trusted: the parser
 * accepts exactly this and nothing else.
 */
#ifndef VMM_PROTO_H
#define VMM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define VMM_PROTO_VERSION "hotmem/1"
#define VMM_LINE_MAX 256 /* bytes, '\n' included */
#define VMM_ID_MAX 160	 /* request id: [A-Za-z0-9._@+:-]{1,160} */

enum vmm_verb { VMM_HELLO, VMM_GROW, VMM_SHRINK, VMM_STATUS };

struct vmm_req {
	enum vmm_verb verb;
	uint64_t bytes;	  /* GROW, SHRINK */
	unsigned version; /* HELLO: the N of hotmem/N */
	char id[VMM_ID_MAX + 1];
};

/*
 * Parse one line of @len bytes, without its '\n'.  On failure @err says
 * why; req->id is then whatever could be read of it ("" if nothing).
 */
int vmm_proto_parse(const char *line, size_t len, struct vmm_req *req, vmm_error_t *err);
const char *vmm_verb_name(enum vmm_verb v);
/* A request id as the parser accepts it. */
int vmm_proto_valid_id(const char *s, size_t len);
/*
 * "ERR <id> <code> <reason>\n" with the reason made one printable line
 * (anything else becomes '?'); NULL when out of memory.
 */
char *vmm_proto_err_line(const char *id, const char *code, const char *reason);

#endif
