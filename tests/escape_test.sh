#!/bin/sh
# The escape suite: attempts, made as root inside a container, to leave it, to reach what is
# not its own or to change the host; each must be refused, with the errno a program sees.
# Containers: jail (127.0.30.1, the one trying), other (127.0.31.1, private loopback
# 127.0.31.2 with a service on it), full (a task limit it has reached). A host process and a
# host service stand for what a container must not reach.
. "$(dirname "$0")/lib.sh"
ktap_plan 31

ctn_load || { echo "Bail out! cannot load ctn"; exit 1; }
ctnctl create jail --hostname jail --ip 127.0.30.1 --max-tasks 20 >/dev/null
ctnctl create other --ip 127.0.31.1 --loopback 127.0.31.2 >/dev/null
ctnctl create full --max-tasks 1 >/dev/null
sleep 300 & HOST=$!
rm -f /tmp/escape.serve
ctnctl exec other -- ctntest net serve 7000 --addr 127.0.0.1 --reply private --count 1 > /tmp/escape.serve &
wait_for "other's private service" has_line /tmp/escape.serve listening
IN="ctnctl exec jail --"
# refused WHAT ERRNO CMD...: CMD, run inside jail, prints errno=ERRNO.
refused() { what=$1 errno=$2; shift 2; expect_eq "$what" "errno=$errno" "$($IN "$@")"; }

# --- /dev/ctn: leave, switch, reconfigure ---------------------------------------------------
t_switch() { refused "attach itself to another container" EPERM ctntest call attach --name other; }
t_pull_host() { refused "pull a host process into its container" EPERM ctntest call attach --name jail --pid $HOST; }
t_destroy_own() { refused "destroy its own container (and so leave it)" EPERM ctntest call destroy --name jail; }
t_create() { refused "create a container" EPERM ctntest call create --name newjail; }
t_identity() { refused "give itself another container's address" EPERM ctntest call set-identity --name jail --flags 4 --ipv4 127.0.31.1; }
t_limits_own() { refused "raise its own limits" EPERM ctntest call set-limits --name jail --flags 1 --tasks 1000; }
t_limits_other() { refused "change another container's limits" EPERM ctntest call set-limits --name other --flags 1 --tasks 1; }
t_kill_other() { refused "signal another container through /dev/ctn" EPERM ctntest call kill --name other --signal 9; }
t_host_knob() { refused "change the host's CPU reserve" EPERM ctntest call host --flags 1 --reserve-pct 100; }
t_ctnctl() {
    out=$($IN ctnctl destroy --force other 2>&1); rc=$?
    expect_eq "ctnctl inside fails" 1 "$rc"
    ctnctl show other >/dev/null || fail "other is gone"
}

# --- identity and network -------------------------------------------------------------------
t_hostname() {
    $IN hostname escaped || fail "sethostname inside is allowed (it names the container)"
    expect_eq "the host's name is unchanged" ctn-vm "$(hostname)"
    expect_eq "the container's changed" escaped "$($IN hostname)"
}
t_unshare_net() { refused "unshare a network namespace" EPERM ctntest escape unshare-net; }
t_clone3_uts() { refused "clone3 into a new UTS namespace" EPERM ctntest escape clone3-newuts; }
t_bind_foreign() { refused "bind a host address" EADDRNOTAVAIL ctntest net bind 127.0.99.1 8080; }
t_bind_other() { refused "bind another container's address" EADDRNOTAVAIL ctntest net bind 127.0.31.1 8080; }
t_private_lo() { refused "connect to another container's private loopback" EPERM ctntest net connect 127.0.31.2 7000; }

# --- processes of the host ------------------------------------------------------------------
t_kill_host() { refused "kill a host process" EPERM ctntest reach kill $HOST --sig 9; }
t_kill_all() {
    $IN ctntest reach kill --sig 9 -- -1 >/dev/null
    kill -0 $HOST || fail "kill(-1) inside reached a host process"
}
t_ptrace() { refused "ptrace a host process" ESRCH ctntest reach ptrace $HOST; }
t_proc_environ() { refused "read a host process's environment" EPERM ctntest reach open /proc/$HOST/environ; }
t_proc_root() { refused "walk out through /proc/PID/root" EPERM ctntest reach open /proc/$HOST/root/etc/passwd; }

# --- the file system, the kernel, the machine ----------------------------------------------
t_chroot() { refused "chroot (a way out of a chroot)" EPERM ctntest escape double-chroot --target /etc/passwd; }
t_mount() { refused "mount a file system" EPERM ctntest escape mount; }
t_pivot() { refused "pivot_root" EPERM ctntest escape pivot-root; }
t_module() {
    refused "load a module (finit_module)" EPERM ctntest escape finit-module
    refused "load a module (init_module)" EPERM ctntest escape init-module
}
t_reboot() { refused "reboot the host" EPERM ctntest escape reboot; }
t_clock() { refused "set the host's clock" EPERM ctntest escape clock-settime; }

# --- resource limits ------------------------------------------------------------------------
t_setrlimit() { refused "raise RLIMIT_NPROC above its task limit" EPERM ctntest res rlimit nproc --set 1000:1000; }
t_threads() { expect_match "threads past the task limit" 'threads=0 errno=EAGAIN' "$(ctnctl exec full -- ctntest res tasks --threads 4)"; }
t_vfork() {
    expect_eq "vfork past the task limit" errno=EAGAIN "$(ctnctl exec full -- ctntest escape vfork)"
    expect_eq "clone3 past the task limit" errno=EAGAIN "$(ctnctl exec full -- ctntest escape clone3)"
}

run_case "leave by attaching itself to another container: EPERM" t_switch
run_case "pull a host process in: EPERM" t_pull_host
run_case "destroy its own container: EPERM" t_destroy_own
run_case "create a container: EPERM" t_create
run_case "take another container's address: EPERM" t_identity
run_case "raise its own limits through /dev/ctn: EPERM" t_limits_own
run_case "reconfigure another container: EPERM" t_limits_other
run_case "signal another container through /dev/ctn: EPERM" t_kill_other
run_case "change the host's CPU reserve: EPERM" t_host_knob
run_case "ctnctl inside cannot destroy another container" t_ctnctl
run_case "sethostname names the container, not the host" t_hostname
run_case "unshare(CLONE_NEWNET): EPERM" t_unshare_net
run_case "clone3 with CLONE_NEWUTS: EPERM" t_clone3_uts
run_case "bind a host address: EADDRNOTAVAIL" t_bind_foreign
run_case "bind another container's address: EADDRNOTAVAIL" t_bind_other
run_case "reach another container's private loopback: EPERM" t_private_lo
run_case "kill a host process: EPERM" t_kill_host
run_case "kill(-1) does not reach the host" t_kill_all
run_case "ptrace a host process: ESRCH" t_ptrace
run_case "/proc/PID/environ of a host process: EPERM" t_proc_environ
run_case "/proc/PID/root of a host process: EPERM" t_proc_root
run_case "double chroot: EPERM" t_chroot
run_case "mount: EPERM" t_mount
run_case "pivot_root: EPERM" t_pivot
run_case "load a kernel module: EPERM" t_module
run_case "reboot: EPERM" t_reboot
run_case "set the clock: EPERM" t_clock
run_case "setrlimit above the allocation: EPERM" t_setrlimit
run_case "threads past the task limit: EAGAIN" t_threads
run_case "vfork and clone3 past the task limit: EAGAIN" t_vfork
t_cleanup() {
    kill $HOST; wait $HOST 2>/dev/null
    ctntest net connect 127.0.31.2 7000 >/dev/null # ends the service
    wait
    for c in jail other full; do ctnctl destroy --force $c >/dev/null || fail "destroy $c"; done
    rmmod ctn || fail "rmmod"
}
run_case "cleanup" t_cleanup
ktap_finish
