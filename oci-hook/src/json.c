// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one way the hook parses JSON input (the state, config.json): a scan
 * of the text first, then libyajl's tree.  yajl builds and frees its tree
 * recursively, so a deeply nested document (a million '[') overflows the
 * stack; and its tree keeps strings NUL-terminated without a length, so
 * "128M\u0000x" would read as "128M".  The scan refuses both before yajl
 * sees the text.
 */
#include <errno.h>
#include <string.h>
#include <yajl_tree.h>

#include "hotmem.h"

int hm_json_check(const char *json, size_t len, const char *what, struct hm_error *err)
{
	bool in_string = false;
	int depth = 0;

	if (strlen(json) != len)
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "%s contains a NUL byte", what);
	for (size_t i = 0; i < len; i++) {
		char ch = json[i];

		if (in_string) {
			if (ch == '\\') {
				if (json[i + 1] == 'u' && strncmp(json + i + 2, "0000", 4) == 0)
					return hm_fail(err, HM_EXIT_INPUT, EINVAL,
						       "%s contains an escaped NUL (\\u0000)",
						       what);
				if (json[i + 1])
					i++;
			} else if (ch == '"') {
				in_string = false;
			}
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '[' || ch == '{') {
			if (++depth > HM_JSON_MAX_DEPTH)
				return hm_fail(err, HM_EXIT_INPUT, EINVAL,
					       "%s nests deeper than %d levels", what,
					       HM_JSON_MAX_DEPTH);
		} else if (ch == ']' || ch == '}') {
			depth--;
		}
	}
	return 0;
}

int hm_json_parse(const char *json, size_t len, const char *what, yajl_val *root,
		  struct hm_error *err)
{
	char ebuf[128];

	*root = NULL;
	if (hm_json_check(json, len, what, err) < 0)
		return -1;
	ebuf[0] = '\0';
	*root = yajl_tree_parse(json, ebuf, sizeof(ebuf));
	if (!*root) {
		char *nl = strchr(ebuf, '\n');

		if (nl)
			*nl = '\0';
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "malformed %s (%s)", what,
			       ebuf[0] ? ebuf : "parse error");
	}
	if (!YAJL_IS_OBJECT(*root)) {
		yajl_tree_free(*root);
		*root = NULL;
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "%s is not an object", what);
	}
	return 0;
}
