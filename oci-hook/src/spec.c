// SPDX-License-Identifier: GPL-2.0-or-later
/* The bundle's config.json: the size annotation, the container type a
 * Kubernetes runtime annotates (pod.c), the memory limit, cgroupsPath. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yajl_tree.h>

#include "hotmem.h"

static void yajl_freep(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}
#define cleanup_yajl __attribute__((cleanup(yajl_freep)))

/* The string value of annotation @key in *val, NULL when absent; one that
 * is not a string is an error. */
static int annotation_string(yajl_val root, const char *key, const char **val, struct hm_error *err)
{
	const char *path[] = { "annotations", key, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);

	*val = NULL;
	if (!v)
		return 0;
	if (!YAJL_IS_STRING(v))
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "annotation %s is not a string", key);
	*val = v->u.string;
	return 0;
}

/* Both runtimes' container-type annotations: each a known value, and the
 * two the same when both are present. */
static int parse_kind(yajl_val root, struct hm_spec *sp, struct hm_error *err)
{
	static const char *const keys[] = { HM_ANN_CRI_TYPE, HM_ANN_CRIO_TYPE };
	const char *val;

	sp->kind = HM_KIND_PLAIN;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (annotation_string(root, keys[i], &val, err) < 0)
			return -1;
		if (val && hm_kind_parse(keys[i], val, &sp->kind, err) < 0)
			return -1;
	}
	return 0;
}

/* Both runtimes' sandbox-id annotations: valid ids, the same if both. */
static int parse_sandbox_id(yajl_val root, struct hm_spec *sp, struct hm_error *err)
{
	static const char *const keys[] = { HM_ANN_CRI_SANDBOX, HM_ANN_CRIO_SANDBOX };
	const char *val;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (annotation_string(root, keys[i], &val, err) < 0)
			return -1;
		if (val && hm_sandbox_id_parse(keys[i], val, &sp->sandbox_id, err) < 0)
			return -1;
	}
	return 0;
}

int hm_spec_parse(struct hm_spec *sp, const char *json, size_t len, struct hm_error *err)
{
	const char *ann[] = { "annotations", "io.hotmem.size", NULL };
	const char *lim[] = { "linux", "resources", "memory", "limit", NULL };
	const char *cgp[] = { "linux", "cgroupsPath", NULL };
	cleanup_yajl yajl_val root = NULL;
	yajl_val v;

	memset(sp, 0, sizeof(*sp));
	if (len > HM_SPEC_MAX)
		return hm_fail(err, HM_EXIT_INPUT, E2BIG, "config.json larger than %d bytes",
			       HM_SPEC_MAX);
	if (hm_json_parse(json, len, "config.json", &root, err) < 0)
		return -1;
	v = yajl_tree_get(root, ann, yajl_t_any);
	if (v) {
		if (!YAJL_IS_STRING(v))
			return hm_fail(err, HM_EXIT_INPUT, EINVAL,
				       "annotation io.hotmem.size is not a string");
		sp->size_annotation = strdup(v->u.string);
		if (!sp->size_annotation)
			return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	}
	if (parse_kind(root, sp, err) < 0 || parse_sandbox_id(root, sp, err) < 0) {
		hm_spec_free(sp);
		return -1;
	}
	v = yajl_tree_get(root, lim, yajl_t_any);
	if (v && !YAJL_IS_NULL(v)) {
		if (!YAJL_IS_INTEGER(v)) {
			hm_spec_free(sp);
			return hm_fail(err, HM_EXIT_INPUT, EINVAL,
				       "linux.resources.memory.limit is not an integer");
		}
		sp->limit = YAJL_GET_INTEGER(v);
		sp->has_limit = true;
	}
	v = yajl_tree_get(root, cgp, yajl_t_any);
	if (v && !YAJL_IS_NULL(v)) {
		if (!YAJL_IS_STRING(v)) {
			hm_spec_free(sp);
			return hm_fail(err, HM_EXIT_INPUT, EINVAL,
				       "linux.cgroupsPath is not a string");
		}
		sp->cgroups_path = strdup(v->u.string);
		if (!sp->cgroups_path) {
			hm_spec_free(sp);
			return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
		}
	}
	return 0;
}

int hm_spec_load(struct hm_spec *sp, const char *bundle, struct hm_error *err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	size_t len;
	int saved;

	memset(sp, 0, sizeof(*sp));
	if (bundle[0] != '/')
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "bundle '%.64s' is not an absolute path",
			       bundle);
	path = hm_strdup_printf("%s/config.json", bundle);
	if (!path)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	/* A regular file only: not a FIFO (would block), not a device, not a
	 * symlink to another file; the size checked before reading. */
	if (hm_privs_raise(HM_CAP_DAC_READ_SEARCH, err) < 0) /* another user's bundle */
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	saved = errno;
	hm_privs_lower();
	errno = saved;
	if (fd < 0 && errno == ENOENT)
		return hm_fail(err, HM_EXIT_INPUT, ENOENT, "no config.json in bundle %.200s",
			       bundle);
	if (fd < 0)
		return hm_fail(err, HM_EXIT_INPUT, errno, "opening %s", path);
	if (fstat(fd, &st) < 0)
		return hm_fail(err, HM_EXIT_INPUT, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return hm_fail(err, HM_EXIT_INPUT, EINVAL, "%s is not a regular file", path);
	if (st.st_size > HM_SPEC_MAX)
		return hm_fail(err, HM_EXIT_INPUT, E2BIG, "%s is larger than %d bytes", path,
			       HM_SPEC_MAX);
	if (hm_read_fd(fd, HM_SPEC_MAX, &text, &len, err) < 0) {
		err->code = HM_EXIT_INPUT;
		return hm_wrap(err, "%s", path);
	}
	return hm_spec_parse(sp, text, len, err);
}

void hm_spec_free(struct hm_spec *sp)
{
	free(sp->size_annotation);
	free(sp->cgroups_path);
	free(sp->sandbox_id);
	memset(sp, 0, sizeof(*sp));
}

/*
 * The size rule: the annotation io.hotmem.size (config.json, else the
 * state's annotations) if present; else a positive
 * linux.resources.memory.limit (-1 and 0 mean "no limit" in OCI); else
 * the configured default_size; else 0 (nothing to do).  A present but
 * invalid annotation is an error, never silently ignored.
 *
 * Caps, so that no container can claim every block or make the provider
 * grow without bound: an annotation may not exceed the container's memory
 * limit (above_limit = yes lifts that); whatever no memory limit caps (an
 * annotation without a limit or above it, default_size) may not exceed
 * max_size (2Gi unless configured; none: no cap).  Above a cap is an error,
 * not a smaller claim.
 */
int hm_size_resolve(const struct hm_spec *sp, const struct hm_state *st,
		    const struct hm_config *cfg, uint64_t *bytes, const char **source,
		    struct hm_error *err)
{
	const char *ann = sp && sp->size_annotation ? sp->size_annotation
			  : st			    ? st->size_annotation
						    : NULL;
	bool has_limit = sp && sp->has_limit && sp->limit > 0;
	uint64_t limit = has_limit ? (uint64_t)sp->limit : 0;
	bool capped = false; /* by the memory limit */

	*bytes = 0;
	*source = "none";
	if (has_limit && limit > HM_SIZE_MAX)
		return hm_fail(err, HM_EXIT_INPUT, ERANGE,
			       "memory limit %llu is above %llu bytes, the largest size the hook takes",
			       (unsigned long long)limit, (unsigned long long)HM_SIZE_MAX);
	if (ann) {
		if (hm_parse_size(ann, bytes, err) < 0)
			return hm_wrap(err, "annotation io.hotmem.size");
		*source = "annotation";
		if (has_limit && *bytes > limit && !(cfg && cfg->above_limit))
			return hm_fail(
				err, HM_EXIT_INPUT, ERANGE,
				"io.hotmem.size %llu bytes is above the container's memory limit %llu (hotmem.conf: above_limit = no)",
				(unsigned long long)*bytes, (unsigned long long)limit);
		capped = has_limit && *bytes <= limit;
	} else if (has_limit) {
		*bytes = limit;
		*source = "memory.limit";
		capped = true;
	} else if (cfg && cfg->default_size) {
		*bytes = cfg->default_size;
		*source = "default_size";
	}
	if (*bytes && !capped && cfg && cfg->max_size && *bytes > cfg->max_size)
		return hm_fail(
			err, HM_EXIT_INPUT, ERANGE,
			"size %llu bytes (%s) is above max_size %llu, the cap for a container without a memory limit (hotmem.conf)",
			(unsigned long long)*bytes, *source, (unsigned long long)cfg->max_size);
	return 0;
}
