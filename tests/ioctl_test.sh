#!/bin/sh
# Every container request refuses malformed input with a clear errno: wrong sizes, unknown
# flags, reserved bits, bad names, bad pointers, bad array geometry, missing privilege.
. "$(dirname "$0")/lib.sh"
ktap_plan 11
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }
ctnctl create t1 >/dev/null && ctnctl create t2 >/dev/null && ctnctl create t3 >/dev/null
ctnctl create rec --record-files >/dev/null && ctnctl exec rec -- cat /tests/lib.sh >/dev/null

OPS="create destroy attach list info ps events kill set-identity get-identity set-limits get-usage host record files caps"
# The arguments that make a well-formed request of each kind (on t1, or a new name).
args_for() {
    case $1 in
        create) echo "--name fresh" ;;
        list|host) echo "" ;;
        attach) echo "--name t1 --pid 1" ;;
        record) echo "--name t1 --signal 9" ;;
        files) echo "--name rec" ;;
        *) echo "--name t1" ;;
    esac
}
# expect_call WHAT EXPECTED OP ARGS...
expect_call() { what=$1 want=$2; shift 2; expect_eq "$what: ctntest call $*" "$want" "$(ctntest call "$@")"; }

t_sizes() {
    for op in $OPS; do
        for size in 0 4 1000000; do
            expect_call "size $size" errno=EINVAL $op $(args_for $op) --size $size
        done
    done
}
t_reserved() {
    for op in $OPS; do
        expect_call "reserved" errno=EINVAL $op $(args_for $op) --reserved
    done
    for op in destroy info ps events kill set-identity get-identity set-limits get-usage record files caps; do
        expect_call "target reserved0" errno=EINVAL $op --name t1 --target-reserved
    done
    expect_call "attach reserved0" errno=EINVAL attach --name t1 --pid 1 --flags 1
}
t_flags() {
    for op in destroy list info ps events get-identity get-usage record files; do
        expect_call "flags" errno=EINVAL $op $(args_for $op) --flags 1
    done
    expect_call "unknown create flag" errno=EINVAL create --name fresh --flags 2
    expect_call "unknown kill flag" errno=EINVAL kill --name t1 --flags 2
    expect_call "unknown host flag" errno=EINVAL host --flags 2
    expect_call "unknown caps flag" errno=EINVAL caps --name t1 --flags 2
}
t_pointers() {
    for op in $OPS; do
        for p in null wild kernel page-edge; do
            expect_call "pointer $p" errno=EFAULT $op $(args_for $op) --ptr $p
        done
    done
}
t_names() {
    expect_call "64 bytes, no NUL" errno=EINVAL create --name "$(printf '%064d' 0)"
    expect_call "space" errno=EINVAL create --name "a b"
    expect_call "empty" errno=EINVAL create --name ""
    expect_call "dot" errno=EINVAL create --name .
    expect_call "dot dot" errno=EINVAL create --name ..
    expect_call "junk after NUL" errno=EINVAL create --name ok --junk-after-nul
    expect_call "duplicate" errno=EEXIST create --name t1
    expect_call "unknown name" errno=ENOENT info --name nosuch
    expect_call "unknown id" errno=ENOENT info --id 12345
    expect_call "id and name" errno=EINVAL info --id 1 --name t1
    id=$(ctntest call info --name t1 | sed -n 's/^ok id=\([0-9]*\) .*/\1/p')
    expect_call "by id" "ok id=$id tasks=0" info --id "$id"
}
t_values() {
    expect_call "history too large" errno=EINVAL create --name big --history 65537
    expect_call "signal out of range" errno=EINVAL kill --name t1 --signal 65
    expect_call "no such process" errno=ESRCH attach --name t1 --pid 999999
    expect_call "pid out of range" errno=EINVAL attach --name t1 --pid 4294967295
    expect_call "kernel thread" errno=EINVAL attach --name t1 --pid 2
    expect_call "host reserved0" errno=EINVAL host --target-reserved
    expect_call "record: an unknown event kind" errno=EINVAL record --name t1 --signal 3
    expect_call "record: a negative pid" errno=EINVAL record --name t1 --signal 9 --pid 4294967295
    expect_call "record: started" ok record --name t1 --signal 9 --pid 1
    expect_call "files of a container that does not record" errno=ENODATA files --name t1
    expect_match "files of one that records" '^ok count=[1-9][0-9]* recorded=[1-9][0-9]* dropped=0$' "$(ctntest call files --name rec)"
    for pct in 0 101 4294967295; do
        expect_call "CPU reserve $pct%" errno=EINVAL host --flags 1 --reserve-pct $pct
    done
    expect_call "CPU share beyond the host's CPUs" errno=EINVAL set-limits --name t1 --flags 32 --cpu-share 100000
    expect_call "a huge CPU share" errno=EINVAL set-limits --name t1 --flags 32 --cpu-share 0xffffffffffffffff
    expect_eq "a container's process cannot read the host" errno=EPERM "$(ctnctl exec t1 -- ctntest call host)"
}
t_buffers() {
    # A member in t1, so that ps has an entry to write (an empty answer writes nothing).
    ctnctl exec t1 -- sleep 300 &
    wait_for "a process in t1" tasks_in t1 1
    expect_call "list, room for all" "ok count=4 total=4" list --capacity 64
    expect_call "list, room for one" "ok count=1 total=4" list --capacity 1
    expect_call "list, no room" "ok count=0 total=4" list --capacity 0
    for op in list ps events files; do
        a=$(args_for $op)
        expect_call "$op wrong entry size" errno=EINVAL $op $a --entry-size 7
        expect_call "$op NULL array" errno=EFAULT $op $a --buf null
        expect_call "$op unmapped array" errno=EFAULT $op $a --buf wild
        expect_call "$op kernel array" errno=EFAULT $op $a --buf kernel
    done
    expect_call "events, room for one" "ok count=1 next=1 lost=0" events --name t1 --capacity 1
    expect_call "ps, room for one" "ok count=1 total=1" ps --name t1 --capacity 1
    ctnctl kill t1 --signal KILL >/dev/null
    wait
}
t_unprivileged_fd() {
    # Root opens the device, then drops to uid 1000 (no capabilities): mutations refused,
    # queries allowed.
    for op in create destroy attach kill set-identity set-limits record; do
        expect_call "$op without CAP_SYS_ADMIN" errno=EPERM $op $(args_for $op) --as-uid 1000
    done
    expect_call "setting capabilities without CAP_SYS_ADMIN" errno=EPERM caps --name t1 --flags 1 --caps 0 --as-uid 1000
    expect_call "setting the CPU reserve without CAP_SYS_ADMIN" errno=EPERM host --flags 1 --reserve-pct 50 --as-uid 1000
    expect_match "reading the host without it" '^ok cpus=[0-9]+ reserve=90 ' "$(ctntest call host --as-uid 1000)"
    expect_call "info without CAP_SYS_ADMIN" "ok id=$(ctntest call info --name t1 | sed -n 's/^ok id=\([0-9]*\) .*/\1/p') tasks=0" info --name t1 --as-uid 1000
}
t_caps() {
    expect_call "a new container has the default set" "ok caps=0xa00405fb" caps --name t1
    expect_call "a bit past the last capability" errno=EINVAL caps --name t1 --flags 1 --caps 0x20000000000
    expect_call "caps given without CTN_CAPS_SET" errno=EINVAL caps --name t1 --caps 1
    expect_call "set every capability" "ok caps=0x1ffffffffff" caps --name t1 --flags 1 --caps 0x1ffffffffff
    expect_call "reported as set" "ok caps=0x1ffffffffff" caps --name t1
    expect_eq "a member cannot set its own" errno=EPERM "$(ctnctl exec t1 -- ctntest call caps --name t1 --flags 1 --caps 0)"
    expect_eq "a member reads its own" "ok caps=0x1ffffffffff" "$(ctnctl exec t1 -- ctntest call caps --name t1)"
    expect_eq "not another container's" errno=ENOENT "$(ctnctl exec t1 -- ctntest call caps --name t2)"
    expect_call "back to the default" "ok caps=0xa00405fb" caps --name t1 --flags 1 --caps 0xa00405fb
}
t_unknown_ioctl() {
    # CTN_IOC_CREATE is 0xc090c701: the same number with another size, and unused numbers.
    for cmd in 0xc091c701 0x4090c701 0xc090c709 0xc090c7ff 0x0000c709; do
        expect_eq "ioctl $cmd" "errno=ENOTTY" "$(ctntest ioctl $cmd)"
    done
}
t_still_clean() {
    expect_eq "containers after all that" "4" "$(ctnctl list | tail -n +2 | wc -l)"
}

run_case "wrong size field: EINVAL for every request" t_sizes
run_case "non-zero reserved fields: EINVAL" t_reserved
run_case "unknown flags: EINVAL" t_flags
run_case "NULL, unmapped, kernel and page-crossing pointers: EFAULT" t_pointers
run_case "bad names and targets: EINVAL / EEXIST / ENOENT" t_names
run_case "out-of-range values: EINVAL / ESRCH" t_values
run_case "array geometry: partial fills, EINVAL, EFAULT" t_buffers
run_case "descriptor without CAP_SYS_ADMIN: EPERM for mutations" t_unprivileged_fd
run_case "capability sets: default, range, set and read, members read their own only" t_caps
run_case "unknown ioctl numbers: ENOTTY" t_unknown_ioctl
run_case "nothing changed by refused requests" t_still_clean
ctn_unload
ktap_finish
