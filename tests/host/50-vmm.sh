#!/bin/bash
# Host checks of hotmem-vmm and hotmem-provider (vmm/, docs/vmm.md): they
# build warning-free with the hardening flags (the provider as a static
# PIE), follow vmm/.clang-format, the unit tests of the parser, config,
# policy and budget pass, the daemon and the provider pass the integration
# test against fake VMs (fake QMP, fake sysfs, a pty as the serial port),
# and the systemd unit passes `systemd-analyze verify`.  Against a real
# QEMU and guest they are tested in the VM (tests/guest/hook/08, 19-22, and
# every virtio-mem resize of the guest tests; docs/vmm.md).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
vmm=$top/vmm
if ! out=$(make -s -C "$vmm" all build/unit-tests 2>&1); then
	printf '%s\n' "$out" | sed 's/^/    /'
	echo "FAIL host:vmm/build"
	exit 0
fi
echo "PASS host:vmm/build"
if readelf -hW "$vmm/build/hotmem-provider" | grep -q 'Type: *DYN' &&
   ! readelf -lW "$vmm/build/hotmem-provider" | grep -q INTERP; then
	echo "PASS host:vmm/provider-static-pie"
else
	echo "    $(file "$vmm/build/hotmem-provider")"
	echo "FAIL host:vmm/provider-static-pie"
fi
if out=$(cd "$vmm" && clang-format --dry-run --Werror src/*.c src/*.h tests/*.c fuzz/*.c 2>&1); then
	echo "PASS host:vmm/clang-format"
else
	printf '%s\n' "$out" | head -n 20 | sed 's/^/    /'
	echo "FAIL host:vmm/clang-format"
fi
"$vmm/build/unit-tests" | sed -E 's,^(PASS|FAIL) unit/,\1 host:vmm/unit-,'

# The example configuration parses; a bad one is refused naming its line.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if "$vmm/build/hotmem-vmm" --check -c "$vmm/hotmem-vmm.conf" > /dev/null &&
   printf 'budget = 1G\nstep = -1\n' > "$tmp/bad.conf" &&
   ! err=$("$vmm/build/hotmem-vmm" --check -c "$tmp/bad.conf" 2>&1) &&
   printf '%s\n' "$err" | grep -q 'bad.conf: line 2'; then
	echo "PASS host:vmm/config-check"
else
	echo "    ${err:-}"
	echo "FAIL host:vmm/config-check"
fi

# The unit, with its paths pointed at this build (verify wants the binary).
sed "s|/usr/local/sbin/hotmem-vmm|$vmm/build/hotmem-vmm|g; s|/etc/hotmem/hotmem-vmm.conf|$vmm/hotmem-vmm.conf|g" \
	"$vmm/hotmem-vmm.service" > "$tmp/hotmem-vmm.service"
if ! command -v systemd-analyze > /dev/null; then
	echo "SKIP host:vmm/systemd-unit: no systemd-analyze (tests/tools/deps.sh installs systemd)"
elif out=$(systemd-analyze verify "$tmp/hotmem-vmm.service" 2>&1) && [ -z "$out" ]; then
	echo "PASS host:vmm/systemd-unit"
else
	printf '%s\n' "$out" | sed 's/^/    /'
	echo "FAIL host:vmm/systemd-unit"
fi

timeout 300 python3 "$vmm/tests/integration.py" "$vmm/build" ||
	echo "FAIL host:vmm/integration: exit $?"
