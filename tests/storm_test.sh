#!/bin/sh
# Concurrency storm: for CTN_STORM_SECONDS (default 60), loops in parallel create and destroy
# containers, attach to them and run fork/exec/exit loops inside, change identities and
# limits, read every view, and push tasks against a task limit with threads; meanwhile the
# module is removed and loaded again twice (at 1/3 and 2/3), with all of that running. The
# kernel log must stay clean (checked by scripts/vm), every unload must report no live
# objects, every call's status is recorded and must be a success or one of the refusals a
# race explains, every kind of call must have succeeded, and the module must work afterwards.
. "$(dirname "$0")/lib.sh"
ktap_plan 4
DURATION=${CTN_STORM_SECONDS:-60}
CALLS=/tmp/storm.calls
# What a call may answer in the storm besides success: the module is out for a moment, a
# container is gone, not there yet, being destroyed or full (messages of ctnctl, busybox sh).
RACES='not loaded|no container named|already exists|still has processes|being stopped|task limit|open-files limit|Resource temporarily unavailable|No such process|is gone'

# step KIND CMD...: run CMD (its output discarded), record "KIND STATUS FIRST-ERROR-LINE".
step() {
    _kind=$1; shift
    _err=$("$@" 2>&1 >/dev/null); _rc=$?
    printf '%s %s %s\n' "$_kind" "$_rc" "$(printf '%s\n' "$_err" | head -n 1)" >> $CALLS
}
running() { [ "$(date +%s)" -lt "$1" ]; }

# exec inside a container: forks, pipes, execs of busybox applets, exits.
loop_exec() {
    while running "$2"; do
        step create ctnctl create storm$1 --ip 127.0.$1.1 --max-tasks 64
        step exec ctnctl exec storm$1 -- sh -c 'for j in 1 2 3 4 5 6 7 8; do (true); true | cat >/dev/null; /bin/busybox true; done'
    done
}
# create/destroy with identities and limits, and --force with tasks inside.
loop_churn() {
    while running "$2"; do
        step create ctnctl create churn$1 --hostname churn$1 --ip 127.0.9.$1 --max-memory 64M
        step set ctnctl set churn$1 --hostname again$1 --max-tasks 10 --cpu-share 10%
        step exec-killed ctnctl exec churn$1 -- sleep 1 &
        step destroy ctnctl destroy --force churn$1
        wait
    done
}
# attach: a host process moved into a container, then killed with it.
loop_attach() {
    while running "$1"; do
        step create ctnctl create mover --max-tasks 8
        sleep 2 & step attach ctnctl attach mover $!
        step kill ctnctl kill -s KILL mover
        wait
    done
}
# limits changed live, and threads pushed against the task limit.
loop_limits() {
    while running "$1"; do
        step set ctnctl set storm1 --max-tasks 16
        step exec ctnctl exec storm1 -- ctntest res tasks --threads 32
        step set ctnctl set storm1 --max-tasks 64 --max-files 256 --max-memory 256M
    done
}
# readers of every view.
loop_read() {
    while running "$1"; do
        for n in storm1 storm2 churn1 mover; do
            step show ctnctl --json show $n; step stats ctnctl --json stats $n
            step ps ctnctl ps $n; step events ctnctl events $n
        done
        step list ctnctl list; step host ctnctl host
    done
}
LOOPS=
storm_loops() {
    for i in 1 2; do
        loop_exec $i "$1" & LOOPS="$LOOPS $!"
        loop_churn $i "$1" & LOOPS="$LOOPS $!"
    done
    loop_attach "$1" & LOOPS="$LOOPS $!"
    loop_limits "$1" & LOOPS="$LOOPS $!"
    loop_read "$1" & LOOPS="$LOOPS $!"
}
# wait_loops: every loop ends by itself with status 0.
wait_loops() {
    for p in $LOOPS; do wait "$p" || fail "storm loop $p exited with status $?"; done
}

# unload_now: rmmod, retrying while /dev/ctn is held open by a loop (EBUSY).
rmmod_quietly() { rmmod ctn 2>/dev/null; }
unload_now() { wait_for -t 20 "rmmod (EBUSY while a loop holds /dev/ctn)" rmmod_quietly; }

t_storm() {
    ctn_load || fail "cannot load"
    rm -f $CALLS
    end=$(($(date +%s) + DURATION))
    storm_loops "$end"
    for cycle in 1 2; do
        sleep $((DURATION / 3)) # the storm's own schedule, not a wait for a condition
        t0=$(date +%s)
        klog_mark
        unload_now
        note "unload $cycle in the storm: $(( $(date +%s) - t0 )) s from the first rmmod to gone"
        expect_unload_clean "unload $cycle in the storm"
        insmod "$CTN_KO" || fail "insmod in the storm (cycle $cycle)"
    done
    wait_loops
}
t_statuses() {
    [ -s $CALLS ] || fail "no call was recorded"
    note "calls in the storm: $(wc -l < $CALLS), failed: $(awk '$2 != 0' $CALLS | wc -l)"
    for kind in create exec set destroy attach kill show stats ps events list host; do
        n=$(awk -v k=$kind '$1 == k && $2 == 0' $CALLS | wc -l)
        [ "$n" -gt 0 ] || fail "no '$kind' call succeeded in the storm"
    done
    # ctnctl fails with 1; an exec ends with its program's status (busybox sh: 2 when a fork
    # meets the task limit, 143 when destroy --force ends it).
    odd=$(awk '$2 != 0 && $2 != 1 && $1 !~ /^exec/' $CALLS | head -n 5)
    [ -z "$odd" ] || fail "calls with an unexpected status: $odd"
    # A failure says why, in words a race explains; an exec that destroy --force ended dies
    # of its SIGTERM (143) without a word.
    bad=$(awk '$2 != 0 && !($1 == "exec-killed" && $2 >= 128 && NF == 2)' $CALLS | grep -Ev "$RACES" |
        sort | uniq -c | head -n 5)
    [ -z "$bad" ] || fail "failures no race explains: $bad"
}
t_final_unload() {
    klog_mark
    unload_now
    expect_unload_clean "the final unload"
}
t_reload() {
    insmod "$CTN_KO" || fail "insmod after the storm"
    expect_eq "no containers" "" "$(ctnctl list | tail -n +2)"
    ctnctl create after >/dev/null || fail "create after the storm"
    expect_eq "exec works" "after" "$(ctnctl exec after -- hostname)"
    rmmod ctn || fail "rmmod after the storm"
}

run_case "${DURATION}s storm of every verb, fork/exec/exit and threads, 2 unloads inside" t_storm
run_case "every call in the storm succeeded or met a race it explains" t_statuses
run_case "no live objects at the final unload" t_final_unload
run_case "the module loads and works afterwards" t_reload
ktap_finish
