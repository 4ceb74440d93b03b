// SPDX-License-Identifier: GPL-2.0-or-later
/* The hotmem/1 line parser and reply helpers (proto.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "proto.h"

#define MAX_TOKENS 3

static const char *const verbs[] = {
	[VMM_HELLO] = "HELLO",
	[VMM_GROW] = "GROW",
	[VMM_SHRINK] = "SHRINK",
	[VMM_STATUS] = "STATUS",
};
static const unsigned nargs[] = {
	[VMM_HELLO] = 2, [VMM_GROW] = 2, [VMM_SHRINK] = 2, [VMM_STATUS] = 1
};

const char *vmm_verb_name(enum vmm_verb v)
{
	return verbs[v];
}

static int id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._@+:-", c) != NULL;
}

int vmm_proto_valid_id(const char *s, size_t len)
{
	if (len == 0 || len > VMM_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !id_char(s[i]))
			return 0;
	return 1;
}

struct token {
	const char *p;
	size_t len;
};

/* Split on single spaces; empty tokens (double, leading, trailing spaces) are errors. */
static int split(const char *line, size_t len, struct token *t, size_t max, size_t *n,
		 vmm_error_t *err)
{
	size_t start = 0;

	*n = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start)
			return vmm_fail(err, 0,
					"empty field (a leading, trailing or double space)");
		if (*n == max)
			return vmm_fail(err, 0, "too many fields");
		t[*n].p = line + start;
		t[*n].len = i - start;
		(*n)++;
		start = i + 1;
	}
	return 0;
}

static int tok_is(const struct token *t, const char *s)
{
	return t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

static int parse_version(const struct token *t, unsigned *out, vmm_error_t *err)
{
	static const char prefix[] = "hotmem/";
	uint64_t v;

	if (t->len <= sizeof(prefix) - 1 || memcmp(t->p, prefix, sizeof(prefix) - 1) != 0)
		return vmm_fail(err, 0, "version must be hotmem/<n>");
	if (vmm_parse_u64(t->p + sizeof(prefix) - 1, t->len - (sizeof(prefix) - 1), &v, err) < 0)
		return vmm_error_wrap(err, "version");
	if (v == 0 || v > 1000000)
		return vmm_fail(err, 0, "version out of range");
	*out = (unsigned)v;
	return 0;
}

int vmm_proto_parse(const char *line, size_t len, struct vmm_req *req, vmm_error_t *err)
{
	struct token t[MAX_TOKENS];
	size_t n;
	int verb = -1;

	memset(req, 0, sizeof(*req));
	if (len >= VMM_LINE_MAX)
		return vmm_fail(err, 0, "line longer than %d bytes", VMM_LINE_MAX - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			return vmm_fail(err, 0, "byte 0x%02x at offset %zu is not printable ASCII",
					(unsigned char)line[i], i);
	if (split(line, len, t, MAX_TOKENS, &n, err) < 0)
		return -1;
	/* the id is the last field: keep it for the error reply when valid */
	if (n >= 2 && vmm_proto_valid_id(t[n - 1].p, t[n - 1].len)) {
		memcpy(req->id, t[n - 1].p, t[n - 1].len);
		req->id[t[n - 1].len] = '\0';
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (tok_is(&t[0], verbs[v]))
			verb = (int)v;
	if (verb < 0)
		return vmm_fail(err, 0, "unknown request");
	req->verb = (enum vmm_verb)verb;
	if (n != nargs[verb] + 1)
		return vmm_fail(err, 0, "%s takes %u fields", verbs[verb], nargs[verb]);
	if (!req->id[0])
		return vmm_fail(err, 0, "bad request id (1-%d of A-Z a-z 0-9 . _ @ + : -)",
				VMM_ID_MAX);
	switch (req->verb) {
	case VMM_HELLO:
		return parse_version(&t[1], &req->version, err);
	case VMM_GROW:
	case VMM_SHRINK:
		if (vmm_parse_u64(t[1].p, t[1].len, &req->bytes, err) < 0)
			return vmm_error_wrap(err, "%s bytes", verbs[verb]);
		return 0;
	case VMM_STATUS:
		return 0;
	}
	return vmm_fail(err, 0, "unknown request");
}

char *vmm_proto_err_line(const char *id, const char *code, const char *reason)
{
	char *line = NULL;

	if (asprintf(&line, "ERR %s %s %s\n", id && *id ? id : "-", code, reason) < 0)
		return NULL;
	/* one printable line: the reason may quote what the guest sent */
	for (char *p = line; p[1]; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return line;
}
