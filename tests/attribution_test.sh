#!/bin/sh
# Process attribution: what joins a container, what stays in it, what the history records.
. "$(dirname "$0")/lib.sh"
ktap_plan 7
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }

# wait_file FILE WHAT: waits up to 60 s for FILE, which says WHAT.
wait_file() { wait_for -t 60 "$2 ($1)" test -e "$1"; }
# The pids `ctnctl ps --threads` lists for container $1, sorted.
ps_pids() { ctnctl --json ps --threads "$1" | sed -n 's/^ *"pid": \([0-9]*\),$/\1/p' | sort -n; }
# Lines "PID ARG" of the events of kind $2 in container $1, sorted.
events_of() {
    ctnctl --json events "$1" |
        sed -n 's/.*"kind":"'"$2"'","pid":\([0-9]*\),"tgid":[0-9-]*,"arg":\([0-9-]*\),.*/\1 \2/p' | sort -n
}

t_family() {
    ctnctl create fam --history 4096 >/dev/null || fail "create"
    rm -f /tmp/fam /tmp/fam.phase1
    ctnctl exec fam -- ctntest family --children 200 --threads 50 --out /tmp/fam &
    bg=$!
    wait_file /tmp/fam "the family to start"
    self=$(sed -n 's/^self //p' /tmp/fam)
    { echo "$self"; sed -n 's/^child \([0-9]*\) .*/\1/p; s/^thread //p' /tmp/fam; } | sort -n > /tmp/fam.want1
    ps_pids fam > /tmp/fam.got1
    diff /tmp/fam.want1 /tmp/fam.got1 > /tmp/fam.diff || { cat /tmp/fam.diff; fail "ps while all live"; }
    kill -USR1 "$self"
    wait_file /tmp/fam.phase1 "phase 1 to end"
    { echo "$self"; sed -n 's/^thread //p' /tmp/fam; sed -n 's/^child \([0-9]*\) .*/\1/p' /tmp/fam | tail -n 100; } | sort -n > /tmp/fam.want2
    ps_pids fam > /tmp/fam.got2
    diff /tmp/fam.want2 /tmp/fam.got2 || fail "ps after half the children exited"
    kill -USR2 "$self"
    wait $bg || fail "the family's exec exited with $?"
    expect_eq "ps when all exited" "" "$(ps_pids fam)"
    expect_match "tasks 0" '"tasks": 0,' "$(ctnctl --json show fam)"
    # Every fork and every exit, with pids and statuses.
    sed -n 's/^child \([0-9]*\) .*/\1/p; s/^thread //p' /tmp/fam | sort -n > /tmp/fam.forks
    events_of fam fork | cut -d' ' -f1 > /tmp/fam.gotforks
    diff /tmp/fam.forks /tmp/fam.gotforks || fail "fork events"
    { sed -n 's/^child \([0-9]*\) \([0-9]*\)$/\1 \2/p' /tmp/fam | while read -r p s; do echo "$p $((s * 256))"; done
      sed -n 's/^thread \([0-9]*\)$/\1 0/p' /tmp/fam; echo "$self 0"; } | sort -n > /tmp/fam.exits
    events_of fam exit > /tmp/fam.gotexits
    diff /tmp/fam.exits /tmp/fam.gotexits || fail "exit events (pid, wait status)"
    out=$(ctnctl --json show fam)
    expect_match "forks counted" '"forks": 250,' "$out"
    expect_match "exits counted" '"exits": 251,' "$out"
    expect_match "peak counted" '"peak_tasks": 251,' "$out"
    expect_match "nothing dropped" '"events_dropped": 0$' "$out"
    ctnctl destroy fam >/dev/null
}

t_shapes() {
    ctnctl create shapes >/dev/null || fail "create"
    d=/tmp/shapes; rm -rf $d; mkdir -p $d
    sleep 300 &
    host=$!
    ctnctl exec shapes -- sh /tests/data/shapes.sh $d || fail "shapes.sh failed"
    for f in nested subshell pipeline doublefork daemon ssd; do
        wait_file $d/$f "the pid from $f"
    done
    pids=$(ps_pids shapes)
    for f in nested subshell pipeline doublefork daemon ssd; do
        p=$(cat $d/$f)
        echo "$pids" | grep -qx "$p" || fail "$f (pid $p) is not in the container"
    done
    ! echo "$pids" | grep -qx "$host" || fail "host process $host joined the container"
    kill $host
    ctnctl destroy --force --grace 1 shapes >/dev/null
}

t_attach() {
    ctnctl create att >/dev/null
    sh -c 'sleep 300 & sleep 300 & wait' &
    p=$!
    wait_for "its two children" children_are $p 2
    expect_match "attach" "^moved process $p \(1 threads\) into att$" "$(ctnctl attach att $p)"
    expect_eq "ps" "$p" "$(ps_pids att | tr '\n' ' ' | sed 's/ $//')"
    # Its existing children stay out; what it creates from now on joins.
    ctnctl attach att $p >/dev/null 2>&1; expect_eq "attach again" 1 $?
    kill $p; wait $p 2>/dev/null
    ctnctl destroy att >/dev/null || fail "destroy after its process exited"
}

t_no_leaving() {
    ctnctl create one >/dev/null; ctnctl create two >/dev/null
    out=$(ctnctl exec one -- ctnctl exec two -- true 2>&1); rc=$?
    expect_eq "exit status" 1 $rc
    expect_match "message" "not permitted" "$out"
    ctnctl exec one -- sleep 300 &
    bg=$!
    wait_for "a process in one" tasks_in one 1
    pid=$(ps_pids one)
    out=$(ctnctl attach two "$pid" 2>&1); rc=$?
    expect_eq "moving a member to another container" 1 $rc
    expect_match "message" "not permitted" "$out"
    ctnctl destroy --force --grace 1 one >/dev/null; ctnctl destroy two >/dev/null
    wait $bg 2>/dev/null
    true
}

t_inside_view() {
    ctnctl create mine >/dev/null; ctnctl create other >/dev/null
    out=$(ctnctl exec mine -- ctnctl list)
    expect_match "sees itself" 'mine' "$out"
    ! echo "$out" | grep -q other || fail "sees another container"
    out=$(ctnctl exec mine -- ctnctl show other 2>&1); rc=$?
    expect_eq "show another from inside" 1 $rc
    for call in "create --name x" "destroy --name other" "kill --name other --signal 0" "attach --name other --pid 1"; do
        expect_eq "$call from inside" "errno=EPERM" "$(ctnctl exec mine -- ctntest call $call)"
    done
    ctnctl destroy mine >/dev/null; ctnctl destroy other >/dev/null
}

t_exit_status_and_exec() {
    ctnctl create ex >/dev/null
    ctnctl exec ex -- sh -c 'sh -c "exit 7"; /bin/true; kill -9 $$'
    events=$(ctnctl --json events ex)
    expect_match "exit 7 recorded" '"kind":"exit".*"arg":1792,.*"detail":"exited 7"' "$events"
    expect_match "SIGKILL recorded" '"kind":"exit".*"detail":"killed by signal 9"' "$events"
    expect_match "exec recorded" '"kind":"exec"' "$events"
    ctnctl destroy ex >/dev/null
}

t_unload_alive() {
    ctnctl create stay >/dev/null
    ctnctl exec stay -- sleep 300 &
    p=$!
    wait_for "a process in stay" tasks_in stay 1
    expect_eq "containers before rmmod (only this case's)" "stay" "$(ctnctl list | awk 'NR > 1 { print $2 }')"
    klog_mark
    rmmod ctn || fail "rmmod with a live container"
    kill -0 $p 2>/dev/null || fail "the member process died with the module"
    klog_since | grep -q 'ctn: released 1 containers with 1 tasks' || fail "no release report"
    expect_unload_clean "rmmod with a live container"
    insmod "$CTN_KO" || fail "reload"
    expect_eq "no containers after reload" "" "$(ctnctl list | tail -n +2)"
    kill $p; wait $p 2>/dev/null
    true
}

run_case "200 children and 50 threads: ps exact at each step, full history" t_family
run_case "nested shells, subshells, pipelines, double forks, daemons stay in; host does not join" t_shapes
run_case "attach moves a running process; only once" t_attach
run_case "a member can neither join another container nor be moved" t_no_leaving
run_case "inside a container: own container only, no mutations (EPERM)" t_inside_view
run_case "exit statuses and execs are recorded" t_exit_status_and_exec
run_case "rmmod with a live container: its process goes on, nothing leaks" t_unload_alive
ctn_unload
ktap_finish
