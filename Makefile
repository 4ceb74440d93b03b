# hotmem: top-level build.  `make demo` and `make check` are the two commands
# a newcomer needs (see README.md); both install what they need first.
SHELL := /bin/bash
BUILD ?= $(CURDIR)/build
OUT := $(BUILD)/out
export HOTMEM_BUILD := $(BUILD)

.PHONY: all deps kernels series-builds hook vmm initramfs initramfs-cri check demo bench fuzz fuzz-vmm clean distclean stress FORCE
FORCE:

all: kernels hook initramfs

deps:
	@tests/tools/deps.sh

# The kernel build script is incremental and cached: always ask it.
kernel-%: deps FORCE
	@kernel/build-kernel.sh $* $(OUT)/$*

kernels: kernel-vanilla kernel-hotmem

# Every patch of the series builds on its own (slow: not part of check).
series-builds: deps
	@kernel/check-series-builds.sh

hook: deps
	@$(MAKE) -s -C oci-hook

HOOK_BIN = $(CURDIR)/oci-hook/build/hotmem-hook

# The host daemon and the guest's provider (docs/vmm.md).
vmm: deps
	@$(MAKE) -s -C vmm

# libFuzzer over hotmem-vmm's request parser: FUZZ_RUNS (default 10^6) executions.
fuzz-vmm: deps
	@$(MAKE) -s -C vmm fuzz

initramfs-%: kernel-% hook vmm FORCE
	@tests/vm/mkinitramfs.sh $(OUT)/$*/initramfs.cpio $(OUT)/$* $(HOOK_BIN)

initramfs: initramfs-vanilla initramfs-hotmem

# The hotmem initramfs plus containerd and the CRI test's images
# (tests/vm/mkcri-overlay.sh), for the VM that runs the cri suite.
initramfs-cri: initramfs-hotmem FORCE
	@tests/vm/mkcri-overlay.sh $(OUT)/hotmem/initramfs-cri.cpio $(OUT)/hotmem/initramfs.cpio

# libFuzzer over the hook's parsers: FUZZ_RUNS executions (default 10^7).
fuzz: deps
	@$(MAKE) -s -C oci-hook fuzz

check: deps
	@tests/tools/check.sh

# The debug kernel's race tests, the write fuzzer with FUZZ_WRITES writes and
# the stress run (tests/guest/stress/) lasting DURATION seconds (make check
# runs them with 100,000 writes and 120 s).
DURATION ?= 600
FUZZ_WRITES ?= 1000000
stress: initramfs-debug
	@python3 tests/vm/run-vm.py --name stress --kernel $(OUT)/debug/bzImage \
		--initrd $(OUT)/debug/initramfs.cpio --suites debug,stress --boot-mem 1G \
		--append "hotmem.stress_seconds=$(DURATION) hotmem.fuzz_writes=$(FUZZ_WRITES)" \
		--timeout $$(( $(DURATION) + 3600 ))

demo: initramfs-hotmem initramfs-vanilla
	@tests/tools/demo.sh

clean:
	rm -rf $(OUT) $(BUILD)/results* $(BUILD)/logs
	@if [ -f oci-hook/Makefile ]; then $(MAKE) -s -C oci-hook clean; fi
	@if [ -f vmm/Makefile ]; then $(MAKE) -s -C vmm clean; fi

# Also drops the unpacked kernel trees and object directories.
distclean: clean
	rm -rf $(BUILD)

bench: initramfs-hotmem initramfs-vanilla
	@tests/tools/bench.sh
