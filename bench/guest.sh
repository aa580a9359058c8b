#!/bin/sh
# Runs inside the benchmark VM (QEMU -icount: guest time follows executed instructions).
# Prints "RESULT CONFIG OPERATION NS" lines for scripts/bench: NS is the best batch's time per
# operation. Each repetition runs every configuration once, in turn, so that slow drift in
# the kernel's state affects them alike. Then the scaling runs (uname and fork inside a
# container with many containers defined, then with many tracked tasks) and the time to
# create and destroy 10,000 containers.
REPS=${REPS:-9}
SREPS=${SREPS:-5}
N=${N:-100}
BATCHES=${BATCHES:-10}
# Address-space randomisation changes each process's layout, and with it what fork copies:
# off, so that repetitions measure the same work.
echo 0 > /proc/sys/kernel/randomize_va_space
OPS="getpid:2000 uname:1000 fork-exit-wait:$N exec-tiny:20 bind-close:200 bind-close-addr:200
     connect:100 send64k:50 mmap-munmap:500 open-close:500 write4k:500"
run() {
    config=$1; shift
    "$@" sh -c 'for spec in $3; do
            ctntest bench "${spec%%:*}" --iterations "${spec#*:}" --batches "$2"
        done' sh "$N" "$BATCHES" "$OPS" | while read -r op ns; do echo "RESULT $config $op $ns"; done
}
# The peer: new UTS and network namespaces (loopback up), as LXC and Docker give identity.
NS="unshare -u -n sh -c 'hostname peer; ip link set lo up; exec \"\$@\"' sh"
# Every limit set, none reached (a CPU share of the whole CPU cannot be exceeded).
LIMITS="--max-tasks 10000 --max-memory 1G --max-files 100000 --max-disk 100G
        --max-cpu-time 10h --cpu-share 100% --max-net-rate 10G"
r=0
while [ $r -lt "$REPS" ]; do
    run native
    eval "run namespaces $NS"
    insmod /ctn/ctn.ko
    run loaded_no_container
    ctnctl create bench --ip 127.0.10.1 >/dev/null
    run outside
    run inside ctnctl exec bench --
    ctnctl host --cpu-reserve 100 >/dev/null
    ctnctl create limited --ip 127.0.11.1 $LIMITS >/dev/null || echo "cannot create limited"
    run inside_limits ctnctl exec limited --
    ctnctl destroy limited >/dev/null
    ctnctl destroy bench >/dev/null
    rmmod ctn
    r=$((r + 1))
done

# --- traffic between a container and the host ---------------------------------------------
# A host echo service; request/response (1 byte) and a 64 KiB round trip on one connection.
# ctn's containers share the host's stack and reach it over loopback; the namespace peer
# reaches it through a veth pair, addressed from 198.18.0.0/15 (the range RFC 2544 sets
# aside for benchmarks; this VM has no network device, nothing leaves it).
ctntest net echo 7100 > /tmp/echo.out &
echo_pid=$!
until grep -q listening /tmp/echo.out 2>/dev/null; do sleep 0.1; done
unshare -u -n sh -c 'echo $$ > /tmp/ns.pid; exec sleep 100000' &
ns_holder=$!
until [ -s /tmp/ns.pid ]; do sleep 0.1; done
NSPID=$(cat /tmp/ns.pid)
ip link add ctnv0 type veth peer name ctnv1
peer_if=ctnv1; ip link show ctnv1 >/dev/null 2>&1 || peer_if=veth0 # busybox names the peer
ip link set "$peer_if" netns "$NSPID"
ip addr add 198.18.0.1/24 dev ctnv0 && ip link set ctnv0 up
nsenter -t "$NSPID" -n sh -c "ip addr add 198.18.0.2/24 dev $peer_if && ip link set $peer_if up && ip link set lo up"
TRAFFIC="rr:1000 stream64k:50"
traffic() {
    config=$1 peer=$2; shift 2
    "$@" sh -c 'for spec in $3; do
            ctntest bench "${spec%%:*}" --iterations "${spec#*:}" --batches "$2" --peer "$1"
        done' sh "$peer" "$BATCHES" "$TRAFFIC" | while read -r op ns; do echo "RESULT $config $op $ns"; done
}
r=0
while [ $r -lt "$REPS" ]; do
    traffic native 127.0.0.1:7100
    traffic namespaces 198.18.0.1:7100 nsenter -t "$NSPID" -n
    insmod /ctn/ctn.ko
    traffic loaded_no_container 127.0.0.1:7100
    ctnctl create bench --ip 127.0.10.1 >/dev/null
    traffic outside 127.0.0.1:7100
    # 127.0.99.1: a host address (all of 127/8 is the host's loopback), not the container's
    traffic inside 127.0.99.1:7100 ctnctl exec bench --
    ctnctl destroy bench >/dev/null
    rmmod ctn
    r=$((r + 1))
done
kill "$ns_holder" "$echo_pid"
ip link del ctnv0

# --- scaling -------------------------------------------------------------------------------
scale_run() {
    r=0
    while [ $r -lt "$SREPS" ]; do
        ctnctl exec bench -- sh -c '
            ctntest bench uname --iterations 1000 --batches "$1"
            ctntest bench fork-exit-wait --iterations "$2" --batches "$1"' sh "$BATCHES" "$N" |
            while read -r op ns; do echo "RESULT $1 $op $ns"; done
        r=$((r + 1))
    done
}
insmod /ctn/ctn.ko
ctnctl create bench --ip 127.0.10.1 >/dev/null
have=1
for n in 1 100 1000 10000; do
    [ $n -le $have ] || ctntest populate --from $have --to $n >/dev/null || echo "populate $n failed"
    have=$n
    scale_run containers_$n
done
ctntest populate --from 1 --to 10000 --destroy >/dev/null
for t in 100 1000 10000; do
    rm -f /tmp/family
    ctnctl exec bench -- ctntest family --children 0 --threads $t --out /tmp/family &
    fam=$!
    i=0; until [ -f /tmp/family ] || [ $i -gt 600 ]; do sleep 0.1; i=$((i + 1)); done
    scale_run tasks_$t
    kill -USR1 $fam; sleep 0.2; kill -USR2 $fam; wait $fam
done
ctnctl destroy bench >/dev/null
ctnctl create keeper >/dev/null
r=0
while [ $r -lt "$SREPS" ]; do
    set -- $(ctntest populate --prefix c --to 10000); echo "RESULT lifecycle create_10000 $2"
    set -- $(ctntest populate --prefix c --to 10000 --destroy); echo "RESULT lifecycle destroy_10000 $2"
    r=$((r + 1))
done
# A container's whole life, ctn against namespaces (ctntest bench ctn-lifecycle and
# ns-lifecycle), with another container defined, as on a host that runs containers (the
# hooks stay armed). Then the first container's: it arms every hook and destroying it (the
# last) parks them; and the first container after loading the module, which installs them
# (unloading removes them).
r=0
while [ $r -lt "$REPS" ]; do
    ctntest bench ctn-lifecycle --iterations 20 --batches "$BATCHES" |
        while read -r op ns; do echo "RESULT lifecycle $op $ns"; done
    ctntest bench ns-lifecycle --iterations 20 --batches "$BATCHES" |
        while read -r op ns; do echo "RESULT lifecycle $op $ns"; done
    r=$((r + 1))
done
ctnctl destroy keeper >/dev/null
r=0
while [ $r -lt 3 ]; do
    set -- $(ctntest bench ctn-lifecycle --iterations 1 --batches 1)
    echo "RESULT lifecycle first_container_hooks $2"
    r=$((r + 1))
done
r=0
while [ $r -lt 3 ]; do
    rmmod ctn && insmod /ctn/ctn.ko
    set -- $(ctntest bench ctn-lifecycle --iterations 1 --batches 1)
    echo "RESULT lifecycle first_container_after_load $2"
    r=$((r + 1))
done
rmmod ctn
