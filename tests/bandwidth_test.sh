#!/bin/sh
# Bandwidth limits enforced by the module within short periods: a container's CPU share (a
# percentage of one CPU, whatever its processes do) and its network send rate (blocking sends
# wait, non-blocking ones get EAGAIN, no stream data is lost); CPU admission against the
# host's CPUs; bytes received; what stats shows; unload while tasks are held back.
. "$(dirname "$0")/lib.sh"
ktap_plan 11
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }

# usage NAME: the get-usage line; field LINE NAME N: the Nth of usage/peak/limit/failcnt.
usage() { ctntest call get-usage --name "$1"; }
field() { echo "$1" | sed -n "s/.* $2=\([0-9]*\)\/\([0-9]*\)\/\([0-9]*\)\/\([0-9]*\).*/\\$3/p"; }
# between WHAT LOW HIGH VALUE
between() { [ -n "$4" ] && [ "$4" -ge "$2" ] && [ "$4" -le "$3" ] || fail "$1: $4 not within $2..$3"; }
# sink PORT OUT: a TCP sink on the host at 127.0.0.1:PORT, writing its result to OUT.
sink() {
    rm -f "$2"
    ctntest net sink 127.0.0.1 "$1" > "$2" &
    wait_for "the sink on port $1" has_line "$2" listening
}
# refusals_above NAME RESOURCE N: the refusal count (hold-backs) of RESOURCE is above N.
refusals_above() { [ "$(field "$(usage "$1")" "$2" 4)" -gt "$3" ]; }
cpu() { sed -n 's/^cpu=//p' "$1"; }

t_cpu_share_alone() {
    ctnctl create capped --cpu-share 25% >/dev/null || fail "create --cpu-share"
    ctnctl exec capped -- ctntest res spin 5 > /tmp/bw.alone || fail "spin in capped"
    between "a busy loop capped at 25% over 5 s" 20 30 "$(cpu /tmp/bw.alone)"
}
t_cpu_share_beside() {
    ctnctl create free >/dev/null
    # Both on CPU 0: the capped container gets its share, the uncapped one the rest.
    ctnctl exec capped -- ctntest res spin 5 --cpu 0 > /tmp/bw.capped &
    ctnctl exec free -- ctntest res spin 5 --cpu 0 > /tmp/bw.free &
    wait
    between "capped, sharing CPU 0" 20 30 "$(cpu /tmp/bw.capped)"
    between "uncapped beside it gets the rest" 65 100 "$(cpu /tmp/bw.free)"
}
t_cpu_share_container_wide() {
    # Two processes on two CPUs share the container's 25% between them.
    ctnctl exec capped -- sh -c 'ctntest res spin 5 --cpu 0 > /tmp/bw.p0 & ctntest res spin 5 --cpu 1 > /tmp/bw.p1 & wait'
    between "both processes together" 20 30 "$(( $(cpu /tmp/bw.p0) + $(cpu /tmp/bw.p1) ))"
    u=$(usage capped)
    expect_eq "limit in stats" 25 "$(field "$u" cpu_share 3)"
    [ "$(field "$u" cpu_share 4)" -gt 0 ] || fail "no hold-back counted: $u"
    between "peak share measured" 15 35 "$(field "$u" cpu_share 2)"
    expect_match "stats shows the share" 'capped +cpu-share +[0-9]+% +[0-9]+% +25% +[1-9]' "$(ctnctl stats capped)"
}
t_cpu_share_live() {
    ctnctl set capped --cpu-share none >/dev/null || fail "set --cpu-share none"
    ctnctl exec capped -- ctntest res spin 2 > /tmp/bw.none
    between "no cap: the whole CPU" 80 100 "$(cpu /tmp/bw.none)"
    ctnctl set capped --cpu-share 50% >/dev/null || fail "set --cpu-share 50%"
    ctnctl exec capped -- ctntest res spin 3 > /tmp/bw.half
    between "raised to 50%" 43 57 "$(cpu /tmp/bw.half)"
}
t_cpu_unload_held_back() {
    ctnctl set capped --cpu-share 10% >/dev/null || fail "set --cpu-share 10%"
    held=$(field "$(usage capped)" cpu_share 4)
    ctnctl exec capped -- ctntest res spin 4 > /tmp/bw.unload &
    wait_for "the spinning member to be held back" refusals_above capped cpu_share "$held"
    rmmod ctn || fail "rmmod while a member is held back"
    wait
    # Capped for a moment, free after: well above 10% in all.
    between "the process goes on, uncapped" 40 100 "$(cpu /tmp/bw.unload)"
    ctn_load || fail "insmod after rmmod"
}
t_net_rate() {
    ctnctl create paced --max-net-rate 1M >/dev/null || fail "create --max-net-rate"
    sink 5001 /tmp/bw.sink
    src=$(ctnctl exec paced -- ctntest net source 127.0.0.1 5001 5242880)
    wait
    got=$(tail -n 1 /tmp/bw.sink)
    expect_eq "all sent" "sent=5242880" "${src% *}"
    expect_eq "all received, same checksum" "received=5242880 ${src#* }" "${got% rate=*}"
    # 1 MiB/s +- 10%.
    between "throughput (bytes/s)" 943718 1153434 "${got##*rate=}"
    u=$(usage paced)
    expect_eq "limit in stats" 1048576 "$(field "$u" net_rate 3)"
    [ "$(field "$u" net_rate 4)" -gt 0 ] || fail "no held-back send counted: $u"
    expect_match "stats shows the rate" 'paced +net-rate +[0-9.]+M/s +[0-9.]+M/s +1\.0M/s +[1-9]' "$(ctnctl stats paced)"
}
t_net_nonblocking() {
    # Non-blocking UDP sends of 8 KiB at 1 MiB/s: the burst (100 ms, ~100 KiB) goes, then
    # EAGAIN. Nobody listens on the port; unconnected UDP reports nothing of that.
    out=$(ctnctl exec paced -- ctntest net burst 127.0.0.1 5002 --count 200 --size 8192)
    n=${out#sent=}; n=${n%% *}
    expect_eq "EAGAIN beyond the rate" "errno=EAGAIN" "${out#* }"
    between "datagrams sent before it" 8 20 "$n"
}
t_net_unload_waiting() {
    ctnctl set paced --max-net-rate 256K >/dev/null || fail "set --max-net-rate 256K"
    sink 5003 /tmp/bw.sink2
    held=$(field "$(usage paced)" net_rate 4)
    # 4 MiB at 256 KiB/s would take 16 s; the module goes away once a send waits.
    ctnctl exec paced -- ctntest net source 127.0.0.1 5003 4194304 > /tmp/bw.src2 &
    wait_for "a send to wait" refusals_above paced net_rate "$held"
    rmmod ctn || fail "rmmod while a send waits"
    wait
    src=$(cat /tmp/bw.src2); got=$(tail -n 1 /tmp/bw.sink2)
    expect_eq "the sender finishes" "sent=4194304" "${src% *}"
    expect_eq "nothing lost" "received=4194304 ${src#* }" "${got% rate=*}"
    ctn_load || fail "insmod after rmmod"
}
t_received() {
    ctnctl create recv >/dev/null
    rm -f /tmp/bw.sink3
    ctnctl exec recv -- ctntest net sink 127.0.0.1 5004 > /tmp/bw.sink3 &
    wait_for "the sink in recv" has_line /tmp/bw.sink3 listening
    ctntest net source 127.0.0.1 5004 1048576 >/dev/null
    wait
    u=$(usage recv)
    between "bytes received (TCP)" 1048576 1100000 "${u##*net_received=}"
    expect_match "stats" 'recv +net-received +1\.0M' "$(ctnctl stats recv)"
    ctnctl destroy recv >/dev/null
}
t_admission_cpu() {
    ctnctl destroy --force --grace 0 capped >/dev/null 2>&1
    ctnctl destroy --force --grace 0 free >/dev/null 2>&1
    ctnctl destroy --force --grace 0 paced >/dev/null 2>&1
    expect_match "host shows CPUs and the default reserve" 'cpus: +2.*cpu reserve: +90% \(CPU shares may take 180%' "$(ctnctl host | tr '\n' ' ')"
    ctnctl create a1 --cpu-share 150% >/dev/null || fail "150% of 180%"
    out=$(ctnctl create a2 --cpu-share 50% 2>&1); rc=$?
    expect_eq "50% more does not fit: exit 1" 1 $rc
    expect_match "says what does not fit" 'CPU does not fit: 50% of one CPU asked, 150% already reserved by 1 other container.*180% in all \(90% of 2 CPUs\), so 30% is left' "$out"
    ! ctnctl list | grep -q a2 || fail "a container was left behind"
    expect_match "--dry-run says the same" 'CPU does not fit' "$(ctnctl create a2 --cpu-share 50% --dry-run 2>&1)"
    expect_match "--dry-run that fits" 'would fit' "$(ctnctl create a2 --cpu-share 30% --dry-run)"
    ctnctl set a1 --cpu-share 180% >/dev/null || fail "raising within the host (its own share is not counted twice)"
    ctnctl host --cpu-reserve 100% >/dev/null || fail "host --cpu-reserve"
    ctnctl create a2 --cpu-share 20% >/dev/null || fail "fits with a 100% reserve"
    expect_match "host --json" '"cpu_reserved": 200' "$(ctnctl --json host)"
    ctnctl host --cpu-reserve 90% >/dev/null
    ctnctl set a2 --cpu-share 10% >/dev/null 2>&1
    expect_eq "above a lowered reserve, nothing new is admitted" 1 $?
    ctnctl destroy a1 >/dev/null && ctnctl destroy a2 >/dev/null
}
t_cli_refusals() {
    for bad in "--cpu-share 0" "--cpu-share abc" "--cpu-share 0.5" "--cpu-share 100000%" \
               "--max-net-rate 0" "--max-net-rate -1" "--max-net-rate lots"; do
        out=$(ctnctl create bad $bad 2>&1); rc=$?
        expect_eq "ctnctl create $bad: exit 2" 2 $rc
    done
    expect_match "the message says what to give" 'give a percentage of one CPU from 1% to 200%' "$(ctnctl create bad --cpu-share 0 2>&1)"
    out=$(ctnctl host --cpu-reserve 0 2>&1); rc=$?
    expect_eq "host --cpu-reserve 0: exit 2" 2 $rc
    ! ctnctl list | grep -q bad || fail "a container was created"
}

run_case "CPU share 25%: a busy loop gets 25% +- 5 over 5 s" t_cpu_share_alone
run_case "CPU share: an uncapped container on the same CPU gets the rest" t_cpu_share_beside
run_case "CPU share is container-wide; stats show usage, limit, hold-backs" t_cpu_share_container_wide
run_case "CPU share changes live (none, 50%)" t_cpu_share_live
run_case "rmmod while a member is held back by its CPU share" t_cpu_unload_held_back
run_case "network rate 1 MiB/s: 5 MiB over TCP at 1 MiB/s +- 10%, nothing lost" t_net_rate
run_case "network rate: non-blocking sends beyond it get EAGAIN" t_net_nonblocking
run_case "rmmod while a send waits for its rate: no data lost" t_net_unload_waiting
run_case "bytes received are counted" t_received
run_case "admission: CPU shares fit in the host's CPUs times the reserve" t_admission_cpu
run_case "ctnctl refuses bad CPU shares, rates and reserves with exit 2" t_cli_refusals
ctn_unload
ktap_finish
