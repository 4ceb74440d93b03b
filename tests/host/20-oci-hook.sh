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
# The test build: the same hook, but it follows the HOTMEM_* roots (a fake
# tree here); the installed one ignores them (unit test production-ignores-overrides).
thook=$top/oci-hook/build/hotmem-hook-test
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
check usage 2 'unknown command' "$thook" frobnicate
check malformed-state 3 '^hotmem-hook: -: malformed state JSON' sh -c "echo '{\"id\":' | $thook createRuntime"
check empty-state 3 'empty state on stdin' sh -c "$thook createRuntime < /dev/null"
check no-bundle 3 '^hotmem-hook: c1: no config.json in bundle /nonexistent' sh -c \
	"echo '{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"created\",\"pid\":1,\"bundle\":\"/nonexistent\"}' | $thook createRuntime"
echo 'policy = lax' > "$tmp/bad.conf"
check bad-config 10 'bad.conf: line 1: bad value' env HOTMEM_CONFIG="$tmp/bad.conf" "$thook" gc
# status only reads: it creates no ledger directory (nor lock file)
mkdir -p "$tmp/sys/devices/system/memory" && echo 8000000 > "$tmp/sys/devices/system/memory/block_size_bytes"
if HOTMEM_SYSFS_ROOT=$tmp/sys HOTMEM_LEDGER_DIR=$tmp/ro-ledger "$thook" status > /dev/null &&
   [ ! -e "$tmp/ro-ledger" ]; then
	echo "PASS host:hook/cli-status-creates-nothing"
else
	echo "FAIL host:hook/cli-status-creates-nothing"
fi
if "$hook" --version | grep -q '^hotmem-hook [0-9]'; then echo "PASS host:hook/cli-version"; else echo "FAIL host:hook/cli-version"; fi
if "$hook" --help | grep -q 'usage: hotmem-hook'; then echo "PASS host:hook/cli-help"; else echo "FAIL host:hook/cli-help"; fi
# make install lays out the binary, the config, the hooks.d files where
# podman and CRI-O read them (their path names the installed binary), the gc
# timer and service, and the man page.
dest=$tmp/dest
if make -s -C "$top/oci-hook" install DESTDIR="$dest" PREFIX=/usr/local > "$tmp/install.log" 2>&1 &&
   [ -x "$dest/usr/local/libexec/hotmem/hotmem-hook" ] && [ -f "$dest/etc/hotmem/hotmem.conf" ] &&
   [ -f "$dest/usr/local/share/man/man8/hotmem-hook.8" ] &&
   [ "$(jq -r .hook.path "$dest/etc/containers/oci/hooks.d/hotmem-poststop.json")" = \
     /usr/local/libexec/hotmem/hotmem-hook ] &&
   [ -f "$dest/usr/local/lib/systemd/system/hotmem-gc.timer" ] &&
   HOTMEM_CONFIG="$dest/etc/hotmem/hotmem.conf" "$dest/usr/local/libexec/hotmem/hotmem-hook" --version > /dev/null; then
	echo "PASS host:hook/make-install"
else
	cat "$tmp/install.log"
	echo "FAIL host:hook/make-install"
fi
# A second install keeps the operator's hotmem.conf; PREFIX=/usr names
# /usr/libexec/... in the hooks.d files and the gc service.
echo "max_size = 8Gi" > "$dest/etc/hotmem/hotmem.conf"
if make -s -C "$top/oci-hook" install DESTDIR="$dest" PREFIX=/usr > "$tmp/install2.log" 2>&1 &&
   [ "$(cat "$dest/etc/hotmem/hotmem.conf")" = "max_size = 8Gi" ] &&
   [ "$(jq -r .hook.path "$dest/etc/containers/oci/hooks.d/hotmem-createRuntime.json")" = \
     /usr/libexec/hotmem/hotmem-hook ] &&
   grep -qx "ExecStart=/usr/libexec/hotmem/hotmem-hook gc" "$dest/usr/lib/systemd/system/hotmem-gc.service"; then
	echo "PASS host:hook/make-install-keeps-config-and-prefix"
else
	cat "$tmp/install2.log"
	echo "FAIL host:hook/make-install-keeps-config-and-prefix"
fi
# The gc timer and service are valid units (the binary path swapped for the
# built one, which exists here; no man page lookup).
mkdir -p "$tmp/units"
sed "s|^ExecStart=[^ ]*|ExecStart=$hook|" "$dest/usr/lib/systemd/system/hotmem-gc.service" > "$tmp/units/hotmem-gc.service"
cp "$dest/usr/lib/systemd/system/hotmem-gc.timer" "$tmp/units/"
if ! command -v systemd-analyze > /dev/null; then
	echo "FAIL host:hook/systemd-units (no systemd-analyze: install systemd, tests/tools/deps.sh)"
elif systemd-analyze verify --man=no "$tmp/units/hotmem-gc.timer" "$tmp/units/hotmem-gc.service"; then
	echo "PASS host:hook/systemd-units"
else
	echo "FAIL host:hook/systemd-units"
fi
# hotmem-reclaimd: installed with its unit and man page; the unit names the
# installed binary (PREFIX) and is valid for systemd (the binary path swapped
# for the built one, as above); its command line answers as the hook's does.
rcd=$top/oci-hook/build/hotmem-reclaimd
if [ -x "$dest/usr/local/libexec/hotmem/hotmem-reclaimd" ] &&
   [ -f "$dest/usr/local/share/man/man8/hotmem-reclaimd.8" ] &&
   grep -qx "ExecStart=/usr/local/libexec/hotmem/hotmem-reclaimd" "$dest/usr/local/lib/systemd/system/hotmem-reclaimd.service" &&
   grep -qx "ExecStart=/usr/libexec/hotmem/hotmem-reclaimd" "$dest/usr/lib/systemd/system/hotmem-reclaimd.service"; then
	echo "PASS host:hook/reclaimd-make-install"
else
	echo "FAIL host:hook/reclaimd-make-install"
fi
sed "s|^ExecStart=[^ ]*|ExecStart=$rcd|" "$dest/usr/lib/systemd/system/hotmem-reclaimd.service" > "$tmp/units/hotmem-reclaimd.service"
if ! command -v systemd-analyze > /dev/null; then
	echo "FAIL host:hook/reclaimd-systemd-unit (no systemd-analyze: install systemd, tests/tools/deps.sh)"
elif out=$(systemd-analyze verify --man=no "$tmp/units/hotmem-reclaimd.service" 2>&1) && [ -z "$out" ]; then
	echo "PASS host:hook/reclaimd-systemd-unit"
else
	printf '%s\n' "$out" | sed 's/^/    /'
	echo "FAIL host:hook/reclaimd-systemd-unit"
fi
if "$rcd" --version | grep -q '^hotmem-reclaimd [0-9]'; then echo "PASS host:hook/reclaimd-cli-version"; else echo "FAIL host:hook/reclaimd-cli-version"; fi
check reclaimd-usage 2 '^hotmem-reclaimd: -: unknown argument' "$rcd" --frobnicate
check reclaimd-interval 2 '^hotmem-reclaimd: -: --interval' "$rcd" --interval 10
check reclaimd-bad-config 10 'bad.conf: line 1: bad value' env HOTMEM_CONFIG="$tmp/bad.conf" "$rcd"
# The installed config, with every documented default, parses.
if HOTMEM_CONFIG="$top/oci-hook/hotmem.conf" HOTMEM_SYSFS_ROOT=$tmp/nosys "$thook" gc 2>&1 | grep -q 'hotmem.conf'; then
	echo "FAIL host:hook/default-config-parses"
else
	echo "PASS host:hook/default-config-parses"
fi
