#!/bin/sh
# `make demo`: what ctn does today, shown in the VM.
set -e
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }
say "ctnctl version   # before loading the module"
ctnctl version || true
run insmod /ctn/ctn.ko
run ls -l /dev/ctn
run ctnctl version
run ctnctl create web
run ctnctl create db
say "ctnctl exec web -- sh -c 'sleep 60 & sleep 60 & (sleep 60 &); sh -c \"exit 3\"'"
ctnctl exec web -- sh -c 'sleep 60 & sleep 60 & (sleep 60 &); sh -c "exit 3"' || true
say "sleep 60 &   # a host process: it does not join"
sleep 60 &
run ctnctl list
run ctnctl ps web
run ctnctl stats
run ctnctl events web
say "ctnctl exec web -- ctnctl create escape   # refused from inside"
ctnctl exec web -- ctnctl create escape || true
run ctnctl destroy web || true
run ctnctl destroy --force --grace 1 web
run ctnctl --json stats db
run rmmod ctn
dmesg | grep 'ctn:'
