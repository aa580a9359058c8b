#!/bin/sh
# Concurrency: 4 loops create and destroy containers while 4 fork storms run inside
# containers; the module is removed in the middle of it all. The kernel log must stay clean
# (checked by scripts/vm) and the module must report no live objects at unload.
. "$(dirname "$0")/lib.sh"
ktap_plan 2
DURATION=${CTN_STORM_SECONDS:-30}

t_storm() {
    ctn_load || fail "cannot load"
    end=$(($(date +%s) + DURATION))
    for i in 1 2 3 4; do
        ctnctl create "storm$i" >/dev/null || fail "create storm$i" || return 1
        ctnctl exec "storm$i" -- sh -c "while [ \$(date +%s) -lt $end ]; do (true); true | true; done" &
        sh -c "while [ \$(date +%s) -lt $end ]; do ctnctl create churn$i >/dev/null 2>&1; ctnctl destroy churn$i >/dev/null 2>&1; done" &
    done
    sleep $((DURATION * 2 / 3))
    n=0
    until rmmod ctn 2>/dev/null; do
        n=$((n + 1)); [ $n -lt 100 ] || fail "rmmod kept failing" || return 1
        sleep 0.05
    done
    wait
    dmesg | tail -n 20 | grep -q 'live objects at unload: 0 containers' || fail "leak report missing or non-zero"
}
t_reload() {
    insmod "$CTN_KO" || fail "insmod after the storm"
    expect_eq "no containers" "" "$(ctnctl list | tail -n +2)" || return 1
    rmmod ctn
}

run_case "create/destroy and fork storms for ${DURATION}s, rmmod in the middle" t_storm
run_case "the module loads again afterwards" t_reload
ktap_finish
