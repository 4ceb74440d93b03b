#!/bin/bash
# A hostile guest on hotmem-vmm's port (the virtio-serial port of
# hotmem-provider): garbage bytes, a number beyond 64 bits, grows beyond
# the VM's maximum (2^64 - 2 MiB, 4 GiB), sizes off the step, a version it
# does not speak, and an endless line (64 KiB without a newline).
# hotmem-vmm answers each with an error (a malformed line also drops the
# connection, which QEMU makes again), keeps running (the same process),
# plugs nothing, and a fresh hotmem-provider is served afterwards.
. /hotmem/lib/testlib.sh
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
pid=$(hm_req vmm-check) || hm_fail "hotmem-vmm: $pid"
trap 'exec 9>&- 8>&-; hm_req vmem-resize 0 >/dev/null' EXIT
# no provider runs meanwhile: the port has one opener
exec 8> /run/hotmem-provider.lock
flock 8
# say LINE EXPECTED: write LINE, its reply must start with EXPECTED
say() {
	exec 9<> $HM_PORT || hm_fail "opening $HM_PORT"
	printf '%s\n' "$1" >&9
	reply=
	read -t 20 -r reply <&9
	exec 9>&-
	hm_log "sent '$(printf '%s' "$1" | cut -c1-60 | tr -c '[:print:]' '?')' -> '$reply'"
	case $reply in "$2"*) ;; *) hm_fail "reply to '$1': '$reply', expected '$2...'" ;; esac
}
say $'\x01\x02\xff garbage' "ERR - proto byte 0x01 at offset 0 is not printable ASCII"
say "GROW 99999999999999999999999999 h1" "ERR h1 proto"
say "GROW 18446744073707454464 h2" "ERR h2 limit"
say "GROW 4294967296 h3" "ERR h3 limit VM test: 0 plugged + 4294967296 asked exceeds its maximum"
say "SHRINK 1 h4" "ERR h4 invalid"
say "GROW 2097151 h5" "ERR h5 invalid"
say "HELLO hotmem/2 h6" "ERR h6 version"
# an endless line: 64 KiB without a newline
exec 9<> $HM_PORT || hm_fail "opening $HM_PORT"
timeout 60 sh -c 'yes AAAAAAAAAAAAAAA | tr -d "\n" | head -c 65536' >&9 &
flood=$!
reply=
read -t 30 -r reply <&9
hm_log "64 KiB line -> '$reply'"
[ "$reply" = "ERR - proto line too long" ] || hm_fail "reply to the endless line: '$reply'"
wait $flood || hm_fail "the flood was not taken within 60 s (exit $?)"
exec 9>&-
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem grew: $(hm_req vmem-size) bytes"
now=$(hm_req vmm-check) || hm_fail "hotmem-vmm: $now"
[ "$now" = "$pid" ] || hm_fail "hotmem-vmm is not the same process: $pid, now $now"
# what is left of the flood in QEMU reaches hotmem-vmm within a few
# reconnects; then a fresh provider is served
flock -u 8
sleep 5
st=$("$HM_PROVIDER" --timeout 30 status) || hm_fail "a fresh provider was not served: $st"
hm_log "hotmem-vmm after the hostile guest: $st"
case $st in "present=1 plugged=0 requested=0 "*) ;; *) hm_fail "status: $st" ;; esac
size=$(hm_req vmem-resize 128) || hm_fail "a well-formed grow after the hostile guest: $size"
[ "$size" = $((128 << 20)) ] || hm_fail "grow: $size"
size=$(hm_req vmem-resize 0) || hm_fail "shrink: $size"
exit 0
