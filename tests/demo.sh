#!/bin/sh
# `make demo`: what ctn does today, shown in the VM.
set -e
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
say "ctnctl version   # before loading the module"
ctnctl version || true
say "insmod /ctn/ctn.ko"
insmod /ctn/ctn.ko
say "ls -l /dev/ctn"
ls -l /dev/ctn
say "ctnctl version"
ctnctl version
say "ctnctl --json version"
ctnctl --json version
say "rmmod ctn"
rmmod ctn
dmesg | grep 'ctn:' || true
