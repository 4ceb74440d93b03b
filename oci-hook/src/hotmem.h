/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotmem-hook: OCI hook that claims hot-plugged memory blocks for a
 * container's memory cgroup and releases them when the container stops.
 *
 * Conventions (after crun's src/libcrun): every fallible function returns
 * 0 (or a count) on success and -1 on failure after filling a struct
 * hm_error; callers propagate it unchanged or add context.  Only main()
 * prints an error, as exactly one line.  Resources are released with
 * __attribute__((cleanup)) helpers on every path.
 */
#ifndef HOTMEM_H
#define HOTMEM_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define HM_VERSION "1.1.0"

/* Exit codes: documented in hotmem-hook(8) and docs/hook.md. */
enum hm_exit {
	HM_EXIT_OK = 0,
	HM_EXIT_INTERNAL = 1,  /* unexpected system error */
	HM_EXIT_USAGE = 2,     /* bad command line */
	HM_EXIT_INPUT = 3,     /* bad state JSON, config.json or size */
	HM_EXIT_PROCESS = 4,   /* pid 0, dead pid, pid in the root cgroup */
	HM_EXIT_NOMEM = 5,     /* not enough offline hot-plugged blocks */
	HM_EXIT_KERNEL = 6,    /* kernel has no memory.hotplug */
	HM_EXIT_LEDGER = 7,    /* ledger unusable, corrupt or locked */
	HM_EXIT_BIND = 8,      /* kernel refused a bind/release/offline */
	HM_EXIT_BUSY = 9,      /* another container holds this id */
	HM_EXIT_CONFIG = 10,   /* bad /etc/hotmem/hotmem.conf */
	HM_EXIT_PRIVS = 11,    /* could not drop privileges / load seccomp */
	HM_EXIT_PROVIDER = 12, /* provider command failed or timed out */
};

struct hm_error {
	int code;      /* enum hm_exit */
	int errnum;    /* errno, 0 if none */
	char msg[512]; /* cause, without the errno text */
};

int hm_fail(struct hm_error *err, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prefix the existing message with more context ("ctx: old message"). */
int hm_wrap(struct hm_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cleanup helpers */
void hm_freep(void *p);
void hm_closep(int *fd);
void hm_fclosep(FILE **f);
#define cleanup_free __attribute__((cleanup(hm_freep)))
#define cleanup_close __attribute__((cleanup(hm_closep)))
#define cleanup_file __attribute__((cleanup(hm_fclosep)))

/* util.c */
uint64_t hm_now_ns(void);
/* Read a whole file (at most max bytes; larger is E2BIG) NUL-terminated. */
int hm_read_file(const char *path, size_t max, char **out, size_t *len, struct hm_error *err);
int hm_read_fd(int fd, size_t max, char **out, size_t *len, struct hm_error *err);
/* One write(2) of the whole buffer (O_WRONLY|O_TRUNC, no O_CREAT). */
int hm_write_once(const char *path, const char *data, struct hm_error *err);
/* Read a short sysfs-like attribute, trailing newline stripped. */
int hm_read_attr(const char *path, char *buf, size_t size, struct hm_error *err);
/* The same, path relative to dirfd (errors name path only). */
int hm_read_attr_at(int dirfd, const char *path, char *buf, size_t size, struct hm_error *err);
char *hm_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool hm_valid_id(const char *id);
bool hm_path_exists(const char *path);

/* paths.c: the roots marked (test) follow the environment only in the
 * test build (-DHOTMEM_TESTING); the installed hook ignores them. */
struct hm_paths {
	char *sysfs;  /* /sys; (test) HOTMEM_SYSFS_ROOT */
	char *proc;   /* /proc; (test) HOTMEM_PROC_ROOT */
	char *cgroup; /* the cgroup2 mount (libmount); (test) HOTMEM_CGROUP_ROOT */
	char *ledger; /* config ledger_dir; (test) HOTMEM_LEDGER_DIR */
	char *config; /* HOTMEM_CONFIG, default /etc/hotmem/hotmem.conf */
};
int hm_paths_init(struct hm_paths *p, struct hm_error *err);
int hm_paths_cgroup_root(struct hm_paths *p, struct hm_error *err);
/* The same, remembered in directory dirfd (the ledger's) between calls. */
int hm_paths_cgroup_root_cached(struct hm_paths *p, int dirfd, struct hm_error *err);
void hm_paths_free(struct hm_paths *p);

/* size.c */
#define HM_SIZE_MAX (UINT64_C(1) << 50)		/* 1 PiB: anything above is a typo */
#define HM_DEFAULT_MAX_SIZE (UINT64_C(2) << 30) /* max_size unless configured: 2Gi */
int hm_parse_size(const char *s, uint64_t *out, struct hm_error *err);
uint64_t hm_blocks_for(uint64_t bytes, uint64_t block_size);

/* config.c */
enum hm_missing { HM_MISSING_ERROR, HM_MISSING_PASSTHROUGH };
enum hm_logto { HM_LOG_STDERR = 1, HM_LOG_SYSLOG = 2 };
struct hm_config {
	uint64_t default_size; /* 0: none */
	uint64_t max_size;     /* cap without a memory limit; 0: none */
	bool above_limit;      /* io.hotmem.size may exceed the memory limit */
	char policy[16];       /* "", "strict" or "fallback" */
	char *provider;	       /* command line or NULL */
	unsigned provider_timeout_ms;
	char *ledger_dir;
	int log; /* HM_LOG_* bits */
	enum hm_missing missing_kernel;
	unsigned release_timeout_ms;
	unsigned lock_timeout_ms;
	unsigned hook_timeout_ms;  /* the runtime's timeout for this hook */
	long block_min, block_max; /* pool: eligible block ids, -1: any */
};
void hm_config_defaults(struct hm_config *c);
int hm_config_parse(struct hm_config *c, const char *text, struct hm_error *err);
int hm_config_load(struct hm_config *c, const char *path, struct hm_error *err);
void hm_config_free(struct hm_config *c);

/* json.c: refuse a NUL byte, an escaped NUL in a string and nesting
 * deeper than HM_JSON_MAX_DEPTH, then parse with yajl (an object). */
#define HM_JSON_MAX_DEPTH 64
int hm_json_check(const char *json, size_t len, const char *what, struct hm_error *err);
struct yajl_val_s;
int hm_json_parse(const char *json, size_t len, const char *what, struct yajl_val_s **root,
		  struct hm_error *err);

/* state.c: Kubernetes allows 256 KiB of annotations, which CRI-O copies
 * into the state, with room to spare. */
#define HM_STATE_MAX (2 * 1024 * 1024)
struct hm_state {
	char *id;
	char *status;
	char *bundle;
	char *size_annotation; /* io.hotmem.size from the state's annotations */
	char *cgroups_path;    /* config.json's linux.cgroupsPath (the create sets it) */
	char *pod_cgroup;      /* a sandbox's pod-level claim: bind here (pod.c) */
	long long pid;	       /* -1 when absent */
};
int hm_state_parse(struct hm_state *st, const char *json, size_t len, struct hm_error *err);
int hm_state_read(struct hm_state *st, int fd, struct hm_error *err);
void hm_state_free(struct hm_state *st);

/* spec.c */
#define HM_SPEC_MAX (4 * 1024 * 1024)
/* What a Kubernetes runtime says a container is (pod.c): containerd's
 * io.kubernetes.cri.container-type, CRI-O's io.kubernetes.cri-o.ContainerType. */
enum hm_kind {
	HM_KIND_PLAIN,	   /* neither annotation: crun, podman */
	HM_KIND_SANDBOX,   /* "sandbox": the pod's pause container */
	HM_KIND_CONTAINER, /* "container": an app container of a pod */
};
struct hm_spec {
	char *size_annotation; /* annotations["io.hotmem.size"] */
	long long limit;       /* linux.resources.memory.limit, 0 if absent */
	bool has_limit;
	char *cgroups_path; /* linux.cgroupsPath or NULL */
	enum hm_kind kind;
	char *sandbox_id; /* the pod's sandbox id (pod.c) or NULL */
};
int hm_spec_parse(struct hm_spec *sp, const char *json, size_t len, struct hm_error *err);
int hm_spec_load(struct hm_spec *sp, const char *bundle, struct hm_error *err);
void hm_spec_free(struct hm_spec *sp);
/* The size rule: annotation, else memory limit, else default; 0: none.
 * An annotation may not exceed the memory limit (unless above_limit);
 * max_size caps whatever no memory limit caps. */
int hm_size_resolve(const struct hm_spec *sp, const struct hm_state *st,
		    const struct hm_config *cfg, uint64_t *bytes, const char **source,
		    struct hm_error *err);

/* pod.c: Kubernetes pods.  A pod annotation reaches every container of the
 * pod, so the level comes from the container type (pod.c says more):
 *   plain container                  the size rule at its own cgroup
 *   sandbox or app container with    the pod's size, once per pod at the pod's
 *   io.hotmem.size                   cgroup, recorded under the sandbox's id
 *   sandbox without                  nothing (never claims for itself)
 *   app container without            its memory limit at its own cgroup */
#define HM_ANN_CRI_TYPE "io.kubernetes.cri.container-type"
#define HM_ANN_CRIO_TYPE "io.kubernetes.cri-o.ContainerType"
#define HM_ANN_CRI_SANDBOX "io.kubernetes.cri.sandbox-id"
#define HM_ANN_CRIO_SANDBOX "io.kubernetes.cri-o.SandboxID"
enum hm_level { HM_LEVEL_OWN, HM_LEVEL_POD, HM_LEVEL_NONE };
enum hm_level hm_pod_level(const struct hm_spec *sp, const struct hm_state *st, const char **why);
/* Parse one container-type annotation value into *kind (must agree with a
 * kind already seen, if any). */
int hm_kind_parse(const char *key, const char *value, enum hm_kind *kind, struct hm_error *err);
/* One sandbox-id annotation into *id (a valid id; must agree with one
 * already seen, if any). */
int hm_sandbox_id_parse(const char *key, const char *value, char **id, struct hm_error *err);
/* The pod cgroup of a container whose init is pid: the parent of its
 * cgroup, which must be a kubelet pod cgroup (pod<uid>, *-pod<uid>.slice)
 * and agree with linux.cgroupsPath. */
int hm_pod_cgroup(struct hm_paths *p, long long pid, const char *cgroups_path, char **pod,
		  struct hm_error *err);
/* The pod cgroup's memory.max: *limit 0 when "max" (no limit). */
int hm_pod_limit(struct hm_paths *p, const char *pod, uint64_t *limit, struct hm_error *err);
struct hm_ctx;
/* Parse the pod's io.hotmem.size (parse phase: before any act). */
int hm_pod_size_check(const struct hm_spec *sp, const struct hm_state *st, struct hm_error *err);
/* The create stage at HM_LEVEL_POD, in the act phase with the ledger open
 * and locked: the pod's record (its sandbox's id) exists for this pod
 * cgroup: nothing to do; else claim the pod's size there. */
int hm_pod_create(struct hm_ctx *c, const struct hm_state *st, const struct hm_spec *sp,
		  struct hm_error *err);

/* cgroup.c */
/* Path of pid's cgroup v2 relative to the cgroup2 root ("/a/b"). */
int hm_cgroup_of_pid(const struct hm_paths *p, long long pid, char **rel, struct hm_error *err);
/* <cgroup2 root><rel>/<file>; finds the root (libmount) at first use, so
 * that a stage that never touches a cgroup file (poststop under crun, which
 * has removed the cgroup already) does not parse mountinfo at all. */
int hm_cgroup_file(struct hm_paths *p, const char *rel, const char *file, char **path,
		   struct hm_error *err);
/* The hook's own cgroup (the runtime's: the hook is its child). */
int hm_cgroup_of_self(const struct hm_paths *p, char **rel, struct hm_error *err);
/* The container's cgroup rel must be its own: not the runtime's (the
 * hook's, or above it: cgroups disabled put the pid there) and, when
 * config.json names linux.cgroupsPath (cgroups_path, or NULL), that one or
 * below it, as crun resolves it (owner.c). */
/* The unit crun's systemd manager makes of "slice:prefix:name":
 * "<prefix>-<name>.scope" ("<name>.scope" without a prefix) in *unit, with
 * the slice's length in *slice_len; -EINVAL when cgroups_path has not
 * exactly three fields with a name, -ENOMEM (owner.c). */
int hm_systemd_unit(const char *cgroups_path, char **unit, size_t *slice_len);
int hm_cgroup_check_owner(const struct hm_paths *p, const char *rel, const char *cgroups_path,
			  struct hm_error *err);
/* rel is base or lies below it ("/a/b" is within "/a", "/ab" is not). */
bool hm_cgroup_within(const char *rel, const char *base);
/* 1: the cgroup (or a descendant) has a process (cgroup.events "populated
 * 1"); 0: it has none, or the cgroup is gone; -1: cannot tell. */
int hm_cgroup_populated(struct hm_paths *p, const char *rel, struct hm_error *err);
/* The cgroup's id: the inode number of its directory, which the kernel's
 * hotplug_owner and memory.hotplug.effective name it by. */
int hm_cgroup_id(struct hm_paths *p, const char *rel, uint64_t *id, struct hm_error *err);

/* sysfs.c */
enum hm_owner_kind { HM_OWNER_UNBOUND, HM_OWNER_BOUND, HM_OWNER_ORPHAN, HM_OWNER_UNKNOWN };
struct hm_block {
	long id;
	char state[24]; /* online, offline, going-offline, ... */
	enum hm_owner_kind owner;
	uint64_t owner_id; /* bound or orphan: the cgroup's id; else 0 */
	bool has_owner_file;
};
/* Free what a block owns; the block stays usable. */
void hm_block_clear(struct hm_block *b);
/* Free n blocks of a listing and the array itself. */
void hm_blocks_free(struct hm_block *v, size_t n);
int hm_block_size(const struct hm_paths *p, uint64_t *bs, struct hm_error *err);
/* All memoryN blocks, sorted by id. */
int hm_blocks_list(const struct hm_paths *p, struct hm_block **out, size_t *n,
		   struct hm_error *err);
/* Read one block; returns 0, or 1 when it does not exist (vanished). */
int hm_block_read(const struct hm_paths *p, long id, struct hm_block *b, struct hm_error *err);
int hm_block_offline(const struct hm_paths *p, long id, struct hm_error *err);
/* memoryN/hotplug_used_pages: 0 and *used, or 1 when the kernel has none
 * for this block (older kernel, unbound, gone). */
int hm_block_used_pages(const struct hm_paths *p, long id, unsigned long *used,
			struct hm_error *err);
/* hotplug_owner's text ("unbound", "bound <id>", "orphan <id>"); *id is
 * the cgroup's id (0 if none).  -1: unknown text (kind HM_OWNER_UNKNOWN). */
int hm_owner_parse(const char *text, enum hm_owner_kind *kind, uint64_t *id);

/* ledger.c */
/* 2: records name their cgroup's id too; version 1 records are read */
#define HM_LEDGER_VERSION 2
#define HM_LEDGER_MAX_BLOCKS 4096
enum hm_rec_state { HM_REC_CLAIMING, HM_REC_BOUND, HM_REC_RELEASING };
struct hm_record {
	char id[256];
	enum hm_rec_state state;
	char cgroup[1024]; /* relative to the cgroup2 root */
	uint64_t cgid;	   /* its id (inode number), what hotplug_owner names; 0: unknown */
	long long pid;	   /* container init pid */
	long long hook_pid;
	long long created; /* unix seconds */
	size_t nblocks;
	long blocks[HM_LEDGER_MAX_BLOCKS];
};
struct hm_ledger {
	char *dir;
	int dirfd;
	int lockfd;
};
/* Create the directory (and its parents): before the seccomp filter,
 * which allows no mkdir.  hm_ledger_open creates it only if missing. */
int hm_ledger_prepare(const char *dir, struct hm_error *err);
int hm_ledger_open(struct hm_ledger *l, const char *dir, unsigned lock_timeout_ms,
		   struct hm_error *err);
void hm_ledger_close(struct hm_ledger *l);
/* Read-only (status): shared lock, creates nothing; 1: no ledger yet. */
int hm_ledger_open_ro(struct hm_ledger *l, const char *dir, unsigned lock_timeout_ms,
		      struct hm_error *err);
/* Take the lock again after hm_ledger_unlock (open takes it). */
int hm_ledger_lock(struct hm_ledger *l, unsigned lock_timeout_ms, struct hm_error *err);
void hm_ledger_unlock(struct hm_ledger *l);
/* 0: found, 1: no record, -1: error (HM_EXIT_LEDGER for a corrupt one) */
int hm_ledger_get(struct hm_ledger *l, const char *id, struct hm_record *r, struct hm_error *err);
int hm_ledger_put(struct hm_ledger *l, const struct hm_record *r, struct hm_error *err);
int hm_ledger_del(struct hm_ledger *l, const char *id, struct hm_error *err);
/* Move an unreadable record aside (<id>.corrupt) so it is kept for a human. */
int hm_ledger_quarantine(struct hm_ledger *l, const char *id, struct hm_error *err);
/* The ledger directory for a listing, from its start (closedir it). */
int hm_ledger_opendir(struct hm_ledger *l, DIR **dir, struct hm_error *err);
/* Ids of every record (caller frees each and the array); *ncorrupt (if
 * not NULL): how many records were moved aside. */
int hm_ledger_ids(struct hm_ledger *l, char ***ids, size_t *n, size_t *ncorrupt,
		  struct hm_error *err);
void hm_ids_free(char **ids, size_t n);
/* pending.c: a claim waiting for the provider's blocks (under the lock) */
int hm_pending_put(struct hm_ledger *l, const char *id, size_t blocks, uint64_t deadline_ns,
		   struct hm_error *err);
void hm_pending_del(struct hm_ledger *l, const char *id);
/* The blocks every live pending grow (its process in @proc, before its
 * deadline) but @except's (NULL: all) counts on. */
int hm_pending_sum(struct hm_ledger *l, const char *proc, const char *except, size_t *sum,
		   struct hm_error *err);
int hm_record_format(const struct hm_record *r, char *buf, size_t size);
int hm_record_parse(struct hm_record *r, const char *text, size_t len, struct hm_error *err);
const char *hm_rec_state_name(enum hm_rec_state s);

/* escape.c: s as one printable line: control bytes, DEL, backslash,
 * C1 controls and invalid UTF-8 as \xNN; cut on a character boundary
 * (ending "...") to fit size bytes with its NUL.  Returns its length. */
size_t hm_escape(const char *s, char *out, size_t size);

/* log.c: every line escaped (hm_escape) */
void hm_log_init(int targets);
/* The program name lines start with (default "hotmem-hook"); before
 * hm_log_init, which passes it to openlog. */
void hm_log_set_prog(const char *name);
void hm_log_set_id(const char *id);
const char *hm_log_id(void);
void hm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the buffered action lines to stderr (only on success). */
void hm_log_flush(void);
void hm_log_error(const struct hm_error *err);

/* privs.c: each phase keeps its table's capabilities permitted, none
 * effective; need_sys_admin false (status) keeps CAP_SYS_ADMIN nowhere. */
enum hm_phase { HM_PHASE_START, HM_PHASE_PARSE, HM_PHASE_ACT, HM_PHASE_NONE };
int hm_privs_enter(enum hm_phase phase, bool need_sys_admin, struct hm_error *err);
enum hm_cap { HM_CAP_SYS_ADMIN, HM_CAP_DAC_READ_SEARCH };
/* Make cap effective (if the phase keeps it permitted), and drop it again. */
int hm_privs_raise(enum hm_cap cap, struct hm_error *err);
void hm_privs_lower(void);
/* hm_write_once with CAP_SYS_ADMIN effective for that write only. */
int hm_write_admin(const char *path, const char *data, struct hm_error *err);
int hm_selfcheck(void);

/* debug.c: HOTMEM_DEBUG_KILL_AT=<point> SIGKILLs the hook there (test
 * build only). */
void hm_debug_point(const char *point);
/* debug.c: HOTMEM_DEBUG_TRACE=1 times each step on stderr (benchmark). */
void hm_trace(const char *step);

/* seccomp.c: the filter compares tgkill's pid with this placeholder
 * (above PID_MAX_LIMIT), which the loader replaces with getpid(). */
#define HM_SECCOMP_SELF_PID 0x3ffffffeU
int hm_seccomp_load(struct hm_error *err);
/* The same for another program compiled by seccomp-gen (hotmem-reclaimd's). */
struct sock_filter;
int hm_seccomp_load_prog(const struct sock_filter *filter, unsigned short len, uint32_t arch,
			 struct hm_error *err);

/* landlock.c: from now on, open only the memory sysfs tree, the cgroup
 * file system, /proc (read), the ledger and bundle_config (read; NULL:
 * none).  A kernel without Landlock: one log line, and 0. */
int hm_landlock_apply(const struct hm_paths *p, const char *ledger, const char *bundle_config,
		      struct hm_error *err);

/* provider.c */
/* Fork the spawner (before seccomp: the provider must not inherit it). */
int hm_provider_spawner_start(const struct hm_config *cfg, struct hm_error *err);
void hm_provider_spawner_stop(void);
/* Ask the spawner to run the provider; 0 ok, -1 error. */
int hm_provider_run(const char *verb, uint64_t bytes, const char *id, struct hm_error *err);
bool hm_provider_available(void);

/*
 * What a gc pass saw, kept for the claim that follows it in the same
 * process when the pass changed nothing (released, offlined or moved
 * aside nothing): the memory blocks, and which of them some ledger record
 * names.  The claim takes it instead of listing both again.
 */
struct hm_view {
	struct hm_block *blocks;
	size_t nblocks;
	bool *named; /* by block id, up to the highest id in blocks */
};
void hm_view_free(struct hm_view *v);

/* claim.c, release.c, gc.c, status.c */
struct hm_ctx {
	struct hm_paths paths;
	struct hm_config cfg;
	struct hm_ledger ledger;
	bool ledger_open;
	struct hm_view *gc_view; /* NULL, or what the last gc saw */
};
/* Everything a context holds, and the provider spawner (gc.c). */
void hm_ctx_free(struct hm_ctx *c);
int hm_claim(struct hm_ctx *c, const struct hm_state *st, uint64_t bytes, struct hm_error *err);
/* The create's result @ret, 0 instead when only memory.hotplug is missing
 * (ENOTSUP) and hotmem.conf says missing_kernel = passthrough. */
int hm_create_passthrough(const struct hm_config *cfg, int ret, struct hm_error *err);
int hm_release(struct hm_ctx *c, const char *id, struct hm_error *err);
/* Finish or undo what the record describes; 0 done (record deleted),
 * 1 kept (container alive or blocks still busy), -1 error. */
int hm_release_record(struct hm_ctx *c, struct hm_record *r, bool wait, struct hm_error *err);
enum hm_gc_mode {
	HM_GC_HOOK,   /* poststop: no waiting; orphan sweep only if records were moved aside */
	HM_GC_CREATE, /* create: also the orphan sweep, and c->gc_view for the claim */
	HM_GC_FULL,   /* the operator's gc: waits for busy blocks, always sweeps */
};
int hm_gc(struct hm_ctx *c, enum hm_gc_mode mode, struct hm_error *err);
/* gc.c: a container is alive unless proven gone (its init pid in its
 * cgroup, or the cgroup populated); whatever cannot be read counts alive. */
bool hm_container_alive(struct hm_ctx *c, const struct hm_record *r);
/* claim.c: pick @want free blocks into @r (r->nblocks reset), asking the
 * provider to grow by what is lacking when too few are free;
 * hotmem-reclaimd.  Returns with the ledger lock held, but on -1 it may
 * not be (the caller unlocks, which is harmless either way). */
int hm_claim_pick(struct hm_ctx *c, struct hm_record *r, size_t want, size_t *avail,
		  struct hm_error *err);
/* claim.c: the free blocks beyond every pending grow, what a shrink may
 * give back (under the lock). */
int hm_spare_blocks(struct hm_ctx *c, size_t *spare, struct hm_error *err);
/* poststop.c: release the container's blocks, gc, and ask the provider
 * to shrink by what was released. */
int hm_poststop(struct hm_ctx *c, const char *id, struct hm_error *err);
int hm_status(struct hm_ctx *c, bool json, FILE *out, struct hm_error *err);

#endif
