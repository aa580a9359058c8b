#!/bin/sh
# Concurrency storm: for CTN_STORM_SECONDS (default 60), loops in parallel create and destroy
# containers, attach to them and run fork/exec/exit loops inside, change identities and
# limits, read every view, and push tasks against a task limit with threads; meanwhile the
# module is removed and loaded again twice (at 1/3 and 2/3), with all of that running. The
# kernel log must stay clean (checked by scripts/vm), every unload must report no live
# objects, and the module must work afterwards.
. "$(dirname "$0")/lib.sh"
ktap_plan 3
DURATION=${CTN_STORM_SECONDS:-60}
LOG=/tmp/storm.log

# Loops that keep going across unloads: while the module is out, their calls fail.
storm_loops() {
    end=$1
    for i in 1 2; do
        # exec inside a container: forks, pipes, execs of busybox applets, exits
        sh -c "while [ \$(date +%s) -lt $end ]; do
            ctnctl create storm$i --ip 127.0.$i.1 --max-tasks 64 >/dev/null 2>&1
            ctnctl exec storm$i -- sh -c 'for j in 1 2 3 4 5 6 7 8; do (true); true | cat >/dev/null; /bin/busybox true; done' 2>/dev/null
        done" &
        # create/destroy with identities and limits, and --force with tasks inside
        sh -c "while [ \$(date +%s) -lt $end ]; do
            ctnctl create churn$i --hostname churn$i --ip 127.0.9.$i --max-memory 64M >/dev/null 2>&1
            ctnctl set churn$i --hostname again$i --max-tasks 10 --cpu-share 10% >/dev/null 2>&1
            ctnctl exec churn$i -- sleep 1 2>/dev/null &
            ctnctl destroy --force churn$i >/dev/null 2>&1
        done" &
    done
    # attach: a host process moved into a container, then killed with it
    sh -c "while [ \$(date +%s) -lt $end ]; do
        ctnctl create mover --max-tasks 8 >/dev/null 2>&1
        sleep 2 & ctnctl attach mover \$! >/dev/null 2>&1
        ctnctl kill -s KILL mover >/dev/null 2>&1; wait
    done" &
    # limits changed live, and threads pushed against the task limit
    sh -c "while [ \$(date +%s) -lt $end ]; do
        ctnctl set storm1 --max-tasks 16 >/dev/null 2>&1
        ctnctl exec storm1 -- ctntest res tasks --threads 32 >/dev/null 2>&1
        ctnctl set storm1 --max-tasks 64 --max-files 256 --max-memory 256M >/dev/null 2>&1
    done" &
    # readers of every view
    sh -c "while [ \$(date +%s) -lt $end ]; do
        for n in storm1 storm2 churn1 mover; do
            ctnctl --json show \$n; ctnctl --json stats \$n; ctnctl ps \$n; ctnctl events \$n
        done >/dev/null 2>&1
        ctnctl list >/dev/null 2>&1; ctnctl host >/dev/null 2>&1
    done" &
}

# unload_now: rmmod, retrying while /dev/ctn is held open by a loop (EBUSY).
unload_now() {
    n=0
    until rmmod ctn 2>/dev/null; do
        n=$((n + 1)); [ $n -lt 400 ] || return 1
        sleep 0.05
    done
}

live_zero() { # the unload report says every count is zero
    dmesg | grep 'live objects at unload' | tail -n 1 | tee -a $LOG |
        grep -Eq 'unload: 0 containers, 0 hooks, 0 hook sets, 0 probe sets, 0 task refs$'
}

t_storm() {
    ctn_load || fail "cannot load"
    end=$(($(date +%s) + DURATION))
    storm_loops "$end"
    for cycle in 1 2; do
        sleep $((DURATION / 3))
        t0=$(date +%s)
        unload_now || fail "rmmod kept failing (cycle $cycle)" || return 1
        note "unload $cycle in the storm: $(( $(date +%s) - t0 )) s from the first rmmod to gone"
        live_zero || fail "unload $cycle: live objects left: $(tail -n 1 $LOG)" || return 1
        insmod "$CTN_KO" || fail "insmod in the storm (cycle $cycle)" || return 1
    done
    wait
    echo "storm: $DURATION s, 2 unloads in the middle" >> $LOG
}
t_final_unload() {
    unload_now || fail "final rmmod" || return 1
    live_zero || fail "live objects left at the final unload: $(tail -n 1 $LOG)"
}
t_reload() {
    insmod "$CTN_KO" || fail "insmod after the storm" || return 1
    expect_eq "no containers" "" "$(ctnctl list | tail -n +2)" || return 1
    ctnctl create after >/dev/null || fail "create after the storm" || return 1
    expect_eq "exec works" "after" "$(ctnctl exec after -- hostname)" || return 1
    rmmod ctn
}

run_case "${DURATION}s storm of every verb, fork/exec/exit and threads, 2 unloads inside" t_storm
run_case "no live objects at the final unload" t_final_unload
run_case "the module loads and works afterwards" t_reload
ktap_finish
