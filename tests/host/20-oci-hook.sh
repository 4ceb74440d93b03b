#!/bin/bash
# Host checks of hotmem-hook: it builds warning-free with the hardening flags
# (as a static PIE by default, and dynamically linked with STATIC=0),
# its unit tests pass (parsing, size rules, config, ledger, bookkeeping on a
# fake sysfs/cgroup tree), and its command line rejects bad input with one
# line on stderr and the documented exit code.  That it really binds and
# releases memory is proven in the VM (tests/guest/hook/).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
hook=$top/oci-hook/build/hotmem-hook
if ! out=$(make -s -C "$top/oci-hook" all build/unit-tests 2>&1); then
	printf '%s\n' "$out" | sed 's/^/    /'
	echo "FAIL host:hook/build"
	exit 0
fi
echo "PASS host:hook/build"
# The default build is a static PIE (oci-hook/Makefile: the hook starts twice
# per container); STATIC=0 still builds a dynamically linked one.
if readelf -hW "$hook" | grep -q 'Type: *DYN' && ! readelf -lW "$hook" | grep -q INTERP; then
	echo "PASS host:hook/static-pie"
else
	echo "    $(file "$hook")"
	echo "FAIL host:hook/static-pie"
fi
dyn=$(mktemp -d)
if make -s -C "$top/oci-hook" STATIC=0 O="$dyn" "$dyn/hotmem-hook" > "$dyn/log" 2>&1 &&
   readelf -lW "$dyn/hotmem-hook" | grep -q INTERP && "$dyn/hotmem-hook" --version | grep -q '^hotmem-hook '; then
	echo "PASS host:hook/build-dynamic"
else
	sed 's/^/    /' "$dyn/log"
	echo "FAIL host:hook/build-dynamic"
fi
rm -rf "$dyn"
# The sources follow oci-hook/.clang-format.
if out=$(cd "$top/oci-hook" && clang-format --dry-run --Werror src/*.c src/*.h tests/*.c tools/*.c fuzz/*.c static/*.c 2>&1); then
	echo "PASS host:hook/clang-format"
else
	printf '%s\n' "$out" | head -n 20 | sed 's/^/    /'
	echo "FAIL host:hook/clang-format"
fi
"$top/oci-hook/build/unit-tests"

# check NAME WANT_RC WANT_STDERR_REGEX CMD...: exit code and a single line
check() {
	local name=$1 want=$2 re=$3; shift 3
	local err rc
	err=$("$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = "$want" ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] &&
	   printf '%s\n' "$err" | grep -Eq "$re"; then
		echo "PASS host:hook/cli-$name"
	else
		echo "    rc=$rc stderr: $err"
		echo "FAIL host:hook/cli-$name"
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOTMEM_CONFIG=$tmp/none.conf HOTMEM_LEDGER_DIR=$tmp/ledger HOTMEM_CGROUP_ROOT=$tmp
check usage 2 'unknown command' "$hook" frobnicate
check malformed-state 3 '^hotmem-hook: -: malformed state JSON' sh -c "echo '{\"id\":' | $hook createRuntime"
check empty-state 3 'empty state on stdin' sh -c "$hook createRuntime < /dev/null"
check no-bundle 3 '^hotmem-hook: c1: no config.json in bundle /nonexistent' sh -c \
	"echo '{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"created\",\"pid\":1,\"bundle\":\"/nonexistent\"}' | $hook createRuntime"
echo 'policy = lax' > "$tmp/bad.conf"
check bad-config 10 'bad.conf: line 1: bad value' env HOTMEM_CONFIG="$tmp/bad.conf" "$hook" gc
if "$hook" --version | grep -q '^hotmem-hook [0-9]'; then echo "PASS host:hook/cli-version"; else echo "FAIL host:hook/cli-version"; fi
if "$hook" --help | grep -q 'usage: hotmem-hook'; then echo "PASS host:hook/cli-help"; else echo "FAIL host:hook/cli-help"; fi
# make install lays out the binary, the config, the hooks.d files (whose path
# names the installed binary) and the man page.
dest=$tmp/dest
if make -s -C "$top/oci-hook" install DESTDIR="$dest" PREFIX=/usr/local > "$tmp/install.log" 2>&1 &&
   [ -x "$dest/usr/local/libexec/hotmem/hotmem-hook" ] && [ -f "$dest/etc/hotmem/hotmem.conf" ] &&
   [ -f "$dest/usr/local/share/man/man8/hotmem-hook.8" ] &&
   [ "$(jq -r .hook.path "$dest/usr/local/share/containers/oci/hooks.d/hotmem-poststop.json")" = \
     /usr/local/libexec/hotmem/hotmem-hook ] &&
   HOTMEM_CONFIG="$dest/etc/hotmem/hotmem.conf" "$dest/usr/local/libexec/hotmem/hotmem-hook" --version > /dev/null; then
	echo "PASS host:hook/make-install"
else
	cat "$tmp/install.log"
	echo "FAIL host:hook/make-install"
fi
# The installed config, with every documented default, parses.
if HOTMEM_CONFIG="$top/oci-hook/hotmem.conf" HOTMEM_SYSFS_ROOT=$tmp/nosys "$hook" gc 2>&1 | grep -q 'hotmem.conf'; then
	echo "FAIL host:hook/default-config-parses"
else
	echo "PASS host:hook/default-config-parses"
fi
