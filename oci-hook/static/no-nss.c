// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Linked only into the static build (STATIC=1): libmount's user and group
 * name lookups, which serve mount options such as uid=<name>, are
 * redirected here (ld --wrap) and fail with ENOSYS.
 *
 * A static glibc program can resolve names only by loading glibc's NSS
 * modules at run time, which must match the glibc it was linked with; the
 * linker warns about every such call.  The hook never needs a name: it
 * reads mountinfo only to find the cgroup2 mount point.  So the static
 * hook makes no NSS lookup at all, and says so with an error instead of
 * loading code behind its seccomp filter's back.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>

int __wrap_getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t size,
		      struct passwd **result);
int __wrap_getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t size,
		      struct passwd **result);
int __wrap_getgrnam_r(const char *name, struct group *grp, char *buf, size_t size,
		      struct group **result);

int __wrap_getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t size,
		      struct passwd **result)
{
	(void)name, (void)pwd, (void)buf, (void)size;
	*result = NULL;
	return ENOSYS;
}

int __wrap_getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t size, struct passwd **result)
{
	(void)uid, (void)pwd, (void)buf, (void)size;
	*result = NULL;
	return ENOSYS;
}

int __wrap_getgrnam_r(const char *name, struct group *grp, char *buf, size_t size,
		      struct group **result)
{
	(void)name, (void)grp, (void)buf, (void)size;
	*result = NULL;
	return ENOSYS;
}
