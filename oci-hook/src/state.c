// SPDX-License-Identifier: GPL-2.0-or-later
/* The OCI state on stdin (runtime-spec runtime.md "State"), yajl tree API.
 * Size-limited (HM_STATE_MAX): crun's state is a few hundred bytes, but
 * CRI-O copies a pod's annotations (up to 256 KiB) into it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl_tree.h>

#include "hotmem.h"

static void yajl_freep(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}
#define cleanup_yajl __attribute__((cleanup(yajl_freep)))

static int dup_string(yajl_val root, const char *key, char **dst, bool required,
		      struct hm_error *err)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);

	*dst = NULL;
	if (!v) {
		if (required)
			return hm_fail(err, HM_EXIT_INPUT, EINVAL, "state JSON has no '%s'", key);
		return 0;
	}
	if (!YAJL_IS_STRING(v))
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "state JSON '%s' is not a string", key);
	*dst = strdup(v->u.string);
	if (!*dst)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	return 0;
}

int hm_state_parse(struct hm_state *st, const char *json, size_t len, struct hm_error *err)
{
	cleanup_yajl yajl_val root = NULL;
	const char *pid_path[] = { "pid", NULL };
	const char *ann_path[] = { "annotations", NULL };
	yajl_val v;

	memset(st, 0, sizeof(*st));
	st->pid = -1;
	if (len > HM_STATE_MAX)
		return hm_fail(err, HM_EXIT_INPUT, E2BIG, "state JSON larger than %d bytes",
			       HM_STATE_MAX);
	if (hm_json_parse(json, len, "state JSON", &root, err) < 0)
		return -1;
	if (dup_string(root, "id", &st->id, true, err) < 0)
		goto fail;
	if (!hm_valid_id(st->id)) {
		hm_fail(err, HM_EXIT_INPUT, EINVAL,
			"state JSON id '%.64s' is not a valid container id", st->id);
		goto fail;
	}
	if (dup_string(root, "ociVersion", &st->status, true, err) < 0)
		goto fail;
	free(st->status);
	if (dup_string(root, "status", &st->status, true, err) < 0 ||
	    dup_string(root, "bundle", &st->bundle, true, err) < 0)
		goto fail;
	v = yajl_tree_get(root, pid_path, yajl_t_any);
	if (v) {
		if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0 ||
		    YAJL_GET_INTEGER(v) > 0x7fffffff) {
			hm_fail(err, HM_EXIT_INPUT, EINVAL, "state JSON 'pid' is not a valid pid");
			goto fail;
		}
		st->pid = YAJL_GET_INTEGER(v);
	}
	v = yajl_tree_get(root, ann_path, yajl_t_any);
	if (v && YAJL_IS_OBJECT(v)) {
		const char *sp[] = { "io.hotmem.size", NULL };
		yajl_val s = yajl_tree_get(v, sp, yajl_t_any);

		if (s && !YAJL_IS_STRING(s)) {
			hm_fail(err, HM_EXIT_INPUT, EINVAL,
				"annotation io.hotmem.size is not a string");
			goto fail;
		}
		if (s && !(st->size_annotation = strdup(s->u.string))) {
			hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
			goto fail;
		}
	} else if (v && !YAJL_IS_NULL(v)) {
		hm_fail(err, HM_EXIT_INPUT, EINVAL, "state JSON 'annotations' is not an object");
		goto fail;
	}
	return 0;
fail:
	hm_state_free(st);
	return -1;
}

int hm_state_read(struct hm_state *st, int fd, struct hm_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len;

	if (hm_read_fd(fd, HM_STATE_MAX, &buf, &len, err) < 0) {
		err->code = HM_EXIT_INPUT;
		return hm_wrap(err, "reading the state from stdin");
	}
	if (len == 0)
		return hm_fail(err, HM_EXIT_INPUT, ENODATA, "empty state on stdin");
	return hm_state_parse(st, buf, len, err);
}

void hm_state_free(struct hm_state *st)
{
	free(st->id);
	free(st->status);
	free(st->bundle);
	free(st->size_annotation);
	free(st->cgroups_path);
	free(st->pod_cgroup);
	memset(st, 0, sizeof(*st));
	st->pid = -1;
}
