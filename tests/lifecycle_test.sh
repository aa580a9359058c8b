#!/bin/sh
# Containers as a user sees them through ctnctl: create, list, show, stats, destroy, and
# the messages and exit statuses of every refusal.
. "$(dirname "$0")/lib.sh"
ktap_plan 12
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }

t_create_list_show() {
    expect_match "create" '^created container alpha \(id [0-9]+\)$' "$(ctnctl create alpha)"
    ctnctl create beta >/dev/null || fail "create beta"
    out=$(ctnctl list)
    expect_match "list shows alpha" '^[0-9]+ +alpha +0 +open' "$(echo "$out" | grep alpha)"
    expect_match "list shows beta" 'beta' "$out"
    expect_match "show" 'tasks: +0 \(peak 0\)' "$(ctnctl show alpha)"
    expect_match "show --json" '"name": "alpha"' "$(ctnctl --json show alpha)"
    expect_match "list --json" '"name": "beta"' "$(ctnctl --json list)"
}
t_destroy() {
    ctnctl destroy beta >/dev/null || fail "destroy beta"
    ! ctnctl list | grep -q beta || fail "beta still listed"
    ctnctl create beta >/dev/null || fail "the name is free again"
    ctnctl destroy beta >/dev/null || fail "destroy beta again"
}
t_bad_names() {
    long=$(printf '%064d' 0)
    for n in "$long" "a b" "a/b" "x:y" "" . ..; do
        out=$(ctnctl create "$n" 2>&1); rc=$?
        expect_eq "exit status for name '$n'" 2 $rc
        expect_match "message for '$n'" 'invalid container name' "$out"
    done
    ctnctl create "$(printf '%063d' 0)" >/dev/null || fail "a 63-character name is valid"
    ctnctl destroy "$(printf '%063d' 0)" >/dev/null
}
t_duplicate() {
    out=$(ctnctl create alpha 2>&1); rc=$?
    expect_eq "exit status" 1 $rc
    expect_match "message" "already exists" "$out"
}
t_unknown() {
    for verb in show ps events destroy; do
        out=$(ctnctl $verb nosuch 2>&1); rc=$?
        expect_eq "exit status of $verb" 1 $rc
        expect_match "message of $verb" "no container named 'nosuch'" "$out"
    done
    out=$(ctnctl exec nosuch -- true 2>&1); rc=$?
    expect_eq "exit status of exec" 1 $rc
}
t_destroy_busy() {
    ctnctl exec alpha -- sleep 300 &
    wait_for "a process in alpha" tasks_in alpha 1
    out=$(ctnctl destroy alpha 2>&1); rc=$?
    expect_eq "exit status" 1 $rc
    expect_match "message" "still has processes" "$out"
    expect_match "still listed" 'alpha +1 +open' "$(ctnctl list)"
}
t_destroy_force() {
    # A process that ignores SIGTERM needs the SIGKILL after the grace period.
    rm -f /tmp/alpha.ready
    ctnctl exec alpha -- sh -c 'trap "" TERM; : > /tmp/alpha.ready; sleep 300' &
    wait_for "alpha's shell to ignore SIGTERM" test -e /tmp/alpha.ready
    out=$(ctnctl destroy --force --grace 1 alpha); rc=$?
    expect_eq "exit status" 0 $rc
    expect_match "report" 'destroyed container alpha \(SIGTERM to [0-9]+ processes, SIGKILL to [1-9][0-9]* after 1 s\)' "$out"
    ! ctnctl list | grep -q alpha || fail "alpha still listed"
}
t_help() {
    for verb in create destroy list show stats ps events exec attach kill version; do
        ctnctl help $verb >/dev/null || fail "no help for $verb"
    done
}
t_bad_values() {
    ctnctl create gamma --history 70000 >/dev/null 2>&1; expect_eq "history too large" 2 $?
    ctnctl create gamma --history -1 >/dev/null 2>&1; expect_eq "negative history" 2 $?
    ctnctl create gamma >/dev/null
    ctnctl kill gamma --signal BOGUS >/dev/null 2>&1; expect_eq "unknown signal" 2 $?
    ctnctl kill gamma --signal 99 >/dev/null 2>&1; expect_eq "signal out of range" 2 $?
    ctnctl attach gamma 0 >/dev/null 2>&1; expect_eq "attach pid 0" 2 $?
    ctnctl destroy gamma --force --grace -1 >/dev/null 2>&1; expect_eq "negative grace" 2 $?
    ctnctl destroy gamma >/dev/null
}

t_follow() {
    ctnctl create fol >/dev/null
    ctnctl --json events -f fol > /tmp/fol.events &
    f=$!
    ctnctl exec fol -- sh -c 'sh -c "exit 5"; true'
    wait_for "events -f to show the exit" has_line /tmp/fol.events '"detail":"exited 5"'
    ctnctl destroy fol >/dev/null || fail "destroy fol"
    wait_for -t 5 "events -f to end when the container went away" gone $f
    wait $f; expect_eq "events -f exit status" 0 $?
    expect_match "followed the fork" '"kind":"fork"' "$(cat /tmp/fol.events)"
    expect_match "followed the exit" '"detail":"exited 5"' "$(cat /tmp/fol.events)"
}
t_kill() {
    ctnctl create k >/dev/null
    rm -f /tmp/k.ready /tmp/k.hup
    ctnctl exec k -- sh -c 'trap "echo got-hup > /tmp/k.hup; exit 0" HUP; sleep 300 & : > /tmp/k.ready; wait' &
    wait_for "k's shell to start its sleep" test -e /tmp/k.ready
    expect_match "kill reports" '^sent signal 1 to 2 processes in k$' "$(ctnctl kill k --signal HUP)"
    wait_for -t 5 "the shell to get SIGHUP" test -e /tmp/k.hup
    expect_match "seal" 'sent signal 0 to 0 processes' "$(ctnctl kill k --signal 0 --seal)"
    expect_match "sealed state" 'state: +sealed' "$(ctnctl show k)"
    out=$(ctnctl exec k -- true 2>&1); rc=$?
    expect_eq "joining a sealed container" 1 $rc
    expect_match "message" 'being stopped' "$out"
    wait
    ctnctl destroy k >/dev/null
}

t_cpu_time() {
    ctnctl create cpu >/dev/null
    ctnctl exec cpu -- sh -c 'end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do :; done' &
    sleep 2 # the busy loop's CPU time is what is measured
    # Live members: seconds with two decimals in the CPU(s) column of stats (all containers).
    live=$(ctnctl stats | awk '$1 == "cpu" { print $8 }')
    expect_match "live CPU time after 2 s of a busy loop" '^([1-9]|0\.[5-9])' "$live"
    wait
    ns=$(ctnctl --json show cpu | sed -n 's/^ *"cpu_ns": \([0-9]*\),$/\1/p')
    [ "${ns:-0}" -ge 1500000000 ] || fail "CPU time of the exited member: $ns ns"
    ctnctl destroy cpu >/dev/null
}

run_case "create, list, show (text and JSON)" t_create_list_show
run_case "destroy frees the name" t_destroy
run_case "invalid names are refused with exit 2" t_bad_names
run_case "duplicate name: exit 1, says it exists" t_duplicate
run_case "unknown name: exit 1, says so, for every verb" t_unknown
run_case "destroy of a container with processes: EBUSY, says what to do" t_destroy_busy
run_case "destroy --force: SIGTERM, grace, SIGKILL, reported" t_destroy_force
run_case "every verb has help" t_help
run_case "events -f follows live and ends with the container" t_follow
run_case "kill signals every process; --seal refuses new ones" t_kill
run_case "CPU time of live and exited members" t_cpu_time
run_case "absurd values are refused with exit 2" t_bad_values
ctn_unload
ktap_finish
