#!/bin/sh
# Isolation between containers and from the host: a member reaches only the processes of its
# own container (signals EPERM, ptrace ESRCH) and sees only those in /proc (others are not
# listed, and /proc/PID/{environ,mem,root,cwd,exe,fd} of theirs is EPERM); the host reaches
# and sees every process; signals the kernel sends still arrive.
. "$(dirname "$0")/lib.sh"
ktap_plan 7
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }
ctnctl create a >/dev/null && ctnctl create b >/dev/null

# first_pid NAME: a process of container NAME.
first_pid() { ctnctl --json ps "$1" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p' | head -n 1; }
sleep 300 & H=$!
ctnctl exec a -- sleep 300 & ctnctl exec b -- sleep 300 &
wait_for "a process in a" tasks_in a 1
wait_for "a process in b" tasks_in b 1
A=$(first_pid a) B=$(first_pid b)
inside() { c=$1; shift; ctnctl exec "$c" -- ctntest reach "$@"; }

t_signals() {
    [ -n "$A" ] && [ -n "$B" ] || fail "no member processes (a=$A b=$B)"
    expect_eq "a signals a host process" errno=EPERM "$(inside a kill $H --sig 15)"
    expect_eq "a signals b's process" errno=EPERM "$(inside a kill $B --sig 15)"
    expect_eq "a signals init (signal 0: only the check)" errno=EPERM "$(inside a kill 1)"
    expect_eq "a signals its own" ok "$(inside a kill $A)"
    ! ctnctl exec a -- kill $H 2>/dev/null || fail "busybox kill of a host process succeeded"
    kill -0 $H && [ "$(ctnctl status b)" = "b: running, 1 processes (1 tasks)" ] || fail "a target died"
    expect_eq "the host signals a member" ok "$(ctntest reach kill $A)"
}
t_kill_all() {
    # kill(-1): every process the caller may signal. From inside: its own container's only.
    ctnctl exec a -- sh -c 'sleep 300 & kill -9 -1; true'
    wait_for -t 5 "a's processes to be gone" tasks_in a 0
    expect_eq "a's processes are gone" "a: stopped" "$(ctnctl status a)"
    kill -0 $H || fail "the host process was killed"
    expect_eq "b's process lives" "b: running, 1 processes (1 tasks)" "$(ctnctl status b)"
    ctnctl exec a -- sleep 300 &
    wait_for "a process in a again" tasks_in a 1
}
t_ptrace() {
    expect_eq "a traces a host process" errno=ESRCH "$(inside a ptrace $H)"
    expect_eq "a traces b's process" errno=ESRCH "$(inside a ptrace $B)"
    expect_eq "a traces its own" ok "$(ctnctl exec a -- sh -c 'sleep 5 & ctntest reach ptrace $!; kill $!')"
    expect_eq "the host traces a member" ok "$(ctntest reach ptrace $B)"
}
t_proc() {
    A=$(first_pid a) # a new one since kill(-1) (each case runs in a subshell)
    for target in $H $B 1; do
        for f in environ mem; do
            expect_eq "a opens /proc/$target/$f" errno=EPERM "$(inside a open /proc/$target/$f)"
        done
        for l in root cwd exe fd/0; do
            expect_eq "a reads /proc/$target/$l" errno=EPERM "$(inside a readlink /proc/$target/$l)"
        done
    done
    expect_eq "its own environ" ok "$(inside a open /proc/$A/environ)"
    expect_eq "its own root" ok "$(inside a readlink /proc/$A/root)"
    expect_eq "the host reads a member's environ" ok "$(ctntest reach open /proc/$A/environ)"
    expect_eq "and its fd/0" ok "$(ctntest reach readlink /proc/$B/fd/0)"
}
t_proc_listing() {
    A=$(first_pid a) B=$(first_pid b)
    pids=" $(ctnctl exec a -- ls /proc | grep -E '^[0-9]+$' | tr '\n' ' ') "
    for p in 1 $H $B; do
        case $pids in *" $p "*) fail "a's /proc lists $p (not a's): $pids"; return 1 ;; esac
    done
    case $pids in *" $A "*) ;; *) fail "a's own process $A is not listed: $pids"; return 1 ;; esac
    ctnctl exec a -- stat /proc/$H >/dev/null 2>&1 && fail "stat of a host process's /proc entry worked" && return 1
    ctnctl exec a -- cat /proc/$B/stat >/dev/null 2>&1 && fail "b's /proc/PID/stat was readable from a" && return 1
    expect_eq "ps inside shows its own processes (sleep and ps)" 2 "$(ctnctl exec a -- ps | tail -n +2 | wc -l)"
    case " $(ls /proc | tr '\n' ' ') " in *" $B "*) ;; *) fail "the host does not list $B"; return 1 ;; esac
}
t_kernel_signals() {
    A=$(first_pid a)
    # SIGCHLD to a host parent, SIGPIPE to the writer: the kernel's own signals pass.
    expect_eq "exit status of a member seen by its host parent" 7 "$(ctnctl exec a -- sh -c 'exit 7'; echo $?)"
    ctnctl exec a -- sh -c 'yes | head -n 1 >/dev/null'
    expect_match "SIGPIPE ends the writer" 'exit +[0-9]+ +yes +killed by signal 13' "$(ctnctl events a)"
    expect_match "refusals are in the history" 'refused .*errno 1' "$(ctnctl events a)"
}
t_cleanup() {
    kill $H
    ctnctl destroy --force --grace 0 a >/dev/null || fail "destroy a"
    ctnctl destroy --force --grace 0 b >/dev/null || fail "destroy b"
    wait
    ctn_unload || fail "rmmod"
}

run_case "signals: a member reaches its own container only (EPERM)" t_signals
run_case "kill(-1) from inside reaches its own container only" t_kill_all
run_case "ptrace: own container only (ESRCH); the host traces anyone" t_ptrace
run_case "/proc/PID/{environ,mem,root,cwd,exe,fd}: own container only (EPERM: the directory is hidden)" t_proc
run_case "/proc inside lists the container's own processes only" t_proc_listing
run_case "signals the kernel sends still arrive (SIGCHLD, SIGPIPE)" t_kernel_signals
run_case "cleanup and unload" t_cleanup
ktap_finish
