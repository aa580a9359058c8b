# SPDX-License-Identifier: GPL-2.0
# ctn: application containers on one shared kernel.
#
#   make            build ctn.ko (against the cached test kernel, or KDIR=...) and ctnctl
#   make check      install the toolchain, build everything, run host tests and the VM suite
#   make check-debug  the VM suite on the debug kernel (KASAN, kmemleak, lockdep, ...), with
#                   1,000,000 fuzzed ioctls; kmemleak scanned at the end
#   make demo       build everything and boot a VM that shows ctn working
#   make vm-test    the VM suite only (TEST=name runs one test script)
#   make ibt-check  list the kernel functions ctn calls back, and prove each IBT-safe
#   make bench      hook overhead as ratios to no module (one VM boot, QEMU -icount)
#   make clean      remove build products (the kernel cache stays in ~/.cache/ctn)
#
# Set KDIR to build the module against another kernel tree with CONFIG_RUST=y, for example
# KDIR=/lib/modules/$(uname -r)/build; LLVM, RUSTC, RUSTDOC and BINDGEN follow that tree.

SHELL := /bin/bash
CARGO ?= cargo
LLVM ?= -19
RUSTC ?= /usr/bin/rustc
RUSTDOC ?= /usr/bin/rustdoc
BINDGEN ?= $(shell . scripts/common.sh && echo $$CTN_BINDGEN)

# Without KDIR, the cached test kernel (built on first use by scripts/build-kernel).
ifeq ($(origin KDIR),undefined)
KDIR_SH := $$(scripts/build-kernel)
else
KDIR_SH := $(KDIR)
endif
KMAKE_ARGS = LLVM=$(LLVM) RUSTC=$(RUSTC) RUSTDOC=$(RUSTDOC) BINDGEN=$(BINDGEN)
KMAKE = $(MAKE) -C "$$kdir" M=$(CURDIR) $(KMAKE_ARGS)
# The module for the debug kernel is built from a copy of its sources (Kbuild puts objects
# next to them, and they differ from the test kernel's).
DEBUG_FRAGMENTS := tests/config tests/debug.config
DEBUG_MODULE_DIR := out/debug/module

TARGET_DIR := target/x86_64-unknown-linux-gnu/release
CTNCTL := $(TARGET_DIR)/ctnctl

.PHONY: all module module-debug ctnctl toolchain kernel ibt-check host-test vm-test check check-debug demo bench clean

all: module ctnctl

toolchain:
	@scripts/setup-toolchain

kernel:
	@scripts/build-kernel >/dev/null

# Any warning fails the build: rustc's (-Dwarnings in Kbuild) and objtool's, which reveal
# for example a panic path it does not know as noreturn.
module:
	@mkdir -p out
	@set -o pipefail; kdir=$(KDIR_SH) && $(KMAKE) modules 2>&1 | tee out/module-build.log
	@! grep -i 'warning' out/module-build.log || { echo "module build: warnings above" >&2; exit 1; }

module-debug:
	@mkdir -p $(DEBUG_MODULE_DIR)
	@tar -c --exclude='*.o' --exclude='.*.cmd' --exclude='*.ko' --exclude=bindings_generated.rs \
		Kbuild src uapi | tar -x -C $(DEBUG_MODULE_DIR)
	@set -o pipefail; kdir=$$(scripts/build-kernel $(DEBUG_FRAGMENTS)) && \
		$(MAKE) -C "$$kdir" M=$(CURDIR)/$(DEBUG_MODULE_DIR) $(KMAKE_ARGS) modules 2>&1 | \
		tee out/module-debug-build.log
	@! grep -i 'warning' out/module-debug-build.log || { echo "module build: warnings above" >&2; exit 1; }

ctnctl:
	$(CARGO) build --release --workspace --bins

# Host-side checks: ABI header agreement and ctnctl unit tests, clippy and rustfmt clean, and
# the test scripts' lint (every case checks, every check can fail).
host-test:
	tests/lint
	$(CARGO) test --workspace
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all --check
	rustfmt --edition 2021 --check src/ctn.rs

# Every kernel function ctn calls back is entered by a RET, never by an indirect branch to a
# sealed ENDBR (IBT): read from the kernel's vmlinux and ctn.ko.
ibt-check: module
	@kdir=$(KDIR_SH) && scripts/ibt-check "$$kdir/vmlinux" ctn.ko

# The suite in two guests at once (scripts/vm-suite: TCG runs a guest on one host thread);
# TEST=name runs one script in one guest.
vm-test: all
	$(if $(TEST),scripts/vm --suite --test $(TEST),scripts/vm-suite)

check: toolchain
	$(MAKE) all
	$(MAKE) ibt-check
	$(MAKE) host-test
	$(MAKE) vm-test

# The whole VM suite on the debug kernel, with the long fuzzing run. Not part of `make check`
# (see README: it takes longer than a CI run should).
check-debug: toolchain
	$(MAKE) ctnctl
	$(MAKE) module-debug
	scripts/vm --debug --mem 2G --timeout 5400 --suite --env CTN_FUZZ_CALLS=1000000 \
		$(if $(TEST),--test $(TEST))

# Overhead of the hooks, as ratios against no module, in one VM boot under -icount.
bench: toolchain
	$(MAKE) all
	scripts/bench

demo: toolchain
	$(MAKE) all
	scripts/vm -- /tests/demo.sh

clean:
	find src -name '*.o' -o -name '.*.cmd' -o -name '*.d' | xargs rm -f
	rm -f *.ko *.mod *.mod.c *.o .*.cmd modules.order Module.symvers src/sys/bindings_generated.rs
	$(CARGO) clean
	rm -rf out
