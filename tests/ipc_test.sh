#!/bin/sh
# IPC belongs to a container: SysV shared memory, message queues and semaphores by key and by
# id, abstract unix socket names and POSIX message queues. Two containers (a, b) and the host use the same key
# and the same name at once, each reaching its own object; a member reaches no object of
# the host or of another container (not found: ENOENT by key, EINVAL by id, ECONNREFUSED by
# name); the host reaches every container's objects by id.
. "$(dirname "$0")/lib.sh"
ktap_plan 8
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }
ctnctl create a >/dev/null && ctnctl create b >/dev/null
in_a() { ctnctl exec a -- ctntest ipc "$@"; }
in_b() { ctnctl exec b -- ctntest ipc "$@"; }
id_of() { printf '%s\n' "$1" | sed -n 's/^id=\([0-9]*\).*/\1/p'; }
KEY=0x5eed

t_shm_same_key() {
    H=$(id_of "$(ctntest ipc shm-put $KEY host-secret)")
    [ -n "$H" ] || fail "the host makes a segment"
    expect_eq "a finds no segment under the host's key" errno=ENOENT "$(in_a shm-get $KEY)"
    A=$(id_of "$(in_a shm-put $KEY a-text)") B=$(id_of "$(in_b shm-put $KEY b-text)")
    [ -n "$A" ] && [ -n "$B" ] || fail "a and b make their own segments (a=$A b=$B)"
    [ "$A" != "$H" ] && [ "$B" != "$H" ] && [ "$A" != "$B" ] || fail "three segments: $H $A $B"
    expect_eq "a finds its own" "id=$A text=a-text" "$(in_a shm-get $KEY)"
    expect_eq "b finds its own" "id=$B text=b-text" "$(in_b shm-get $KEY)"
    expect_eq "the host finds its own" "id=$H text=host-secret" "$(ctntest ipc shm-get $KEY)"
    echo "$H $A $B" > /tmp/ipc.ids
}
t_shm_by_id() {
    read -r H A B < /tmp/ipc.ids
    expect_eq "a attaches the host's segment by id" errno=EINVAL "$(in_a shm-at $H)"
    expect_eq "a attaches b's" errno=EINVAL "$(in_a shm-at $B)"
    expect_eq "a stats the host's" errno=EINVAL "$(in_a shm-ctl $H stat)"
    expect_eq "a removes the host's" errno=EINVAL "$(in_a shm-ctl $H rmid)"
    expect_eq "a removes b's" errno=EINVAL "$(in_a shm-ctl $B rmid)"
    expect_eq "a attaches its own" text=a-text "$(in_a shm-at $A)"
    expect_eq "the host's is still there" "id=$H text=host-secret" "$(ctntest ipc shm-get $KEY)"
    expect_eq "b's is still there" "id=$B text=b-text" "$(in_b shm-get $KEY)"
    expect_eq "the host attaches a's" text=a-text "$(ctntest ipc shm-at $A)"
    # ipcs walks the indexes with SHM_STAT: a lists its own segment only.
    expect_eq "a lists its own segments" "ids=$A" "$(in_a shm-list)"
    expect_match "the host lists all three" "ids=.*$A" "$(ctntest ipc shm-list)"
    expect_match "the host lists all three" "ids=.*$B" "$(ctntest ipc shm-list)"
}
t_msg() {
    Q=$(id_of "$(ctntest ipc msg-put 0x7e57 host-msg)")
    [ -n "$Q" ] || fail "the host makes a queue"
    expect_eq "a finds no queue under the host's key" errno=ENOENT "$(in_a msg-get 0x7e57)"
    expect_eq "a sends to the host's queue by id" errno=EINVAL "$(in_a msg-snd $Q spoofed)"
    QA=$(id_of "$(in_a msg-put 0x7e57 a-msg)")
    [ -n "$QA" ] && [ "$QA" != "$Q" ] || fail "a makes its own queue ($QA, the host's $Q)"
    expect_eq "a takes its own message" "id=$QA text=a-msg" "$(in_a msg-get 0x7e57)"
    expect_eq "the host's queue holds its own message only" "id=$Q text=host-msg" "$(ctntest ipc msg-get 0x7e57)"
}
t_sem() {
    S=$(id_of "$(ctntest ipc sem-put 0x5e3a)")
    [ -n "$S" ] || fail "the host makes a semaphore set"
    expect_eq "a operates the host's semaphore by id" errno=EINVAL "$(in_a sem-op $S)"
    SA=$(id_of "$(in_a sem-put 0x5e3a)")
    [ -n "$SA" ] && [ "$SA" != "$S" ] || fail "a makes its own set ($SA, the host's $S)"
    expect_eq "a operates its own" ok "$(in_a sem-op $SA)"
}
t_abstract_same_name() {
    rm -f /tmp/ipc.host /tmp/ipc.a /tmp/ipc.b
    ctntest ipc abstract-serve ctn-test host > /tmp/ipc.host &
    in_a abstract-serve ctn-test from-a > /tmp/ipc.a &
    in_b abstract-serve ctn-test from-b > /tmp/ipc.b &
    wait_for "the host's service" has_line /tmp/ipc.host listening
    wait_for "a's service (the same name)" has_line /tmp/ipc.a listening
    wait_for "b's service (the same name)" has_line /tmp/ipc.b listening
    expect_eq "a reaches its own" reply=from-a "$(in_a abstract-connect ctn-test)"
    expect_eq "b reaches its own" reply=from-b "$(in_b abstract-connect ctn-test)"
    expect_eq "the host reaches its own" reply=host "$(ctntest ipc abstract-connect ctn-test)"
}
t_abstract_reach() {
    ctntest ipc abstract-serve host-only nope > /tmp/ipc.host2 &
    wait_for "a host-only service" has_line /tmp/ipc.host2 listening
    expect_eq "a connects to a host-only name" errno=ECONNREFUSED "$(in_a abstract-connect host-only)"
    expect_eq "a sends a datagram to it" errno=ECONNREFUSED "$(in_a abstract-send host-only)"
    # What a member is given back carries its prefix; naming it again stays its own.
    name=$(in_a abstract-name mine)
    expect_match "getsockname shows the container's prefix" '^name=ctn\.[0-9a-f]{16}/mine$' "$name"
    long=$(printf '%090d' 0)
    expect_eq "a name too long for the prefix" errno=EINVAL "$(in_a abstract-name "$long")"
    # The host names a member's socket by its prefixed name.
    in_a abstract-serve pub from-a > /tmp/ipc.a2 &
    wait_for "a's second service" has_line /tmp/ipc.a2 listening
    prefix=${name#name=}; prefix=${prefix%mine}
    expect_eq "the host reaches a's socket by its prefixed name" reply=from-a \
        "$(ctntest ipc abstract-connect "${prefix}pub")"
    ctntest ipc abstract-connect host-only >/dev/null
}
t_mq_same_name() {
    [ -e /proc/sys/fs/mqueue ] || skip "no POSIX message queues (CONFIG_POSIX_MQUEUE)"
    grep -q ' /dev/mqueue ' /proc/mounts || { mkdir -p /dev/mqueue && mount -t mqueue mqueue /dev/mqueue; }
    ctntest ipc mq-put /ctn-q host-text >/dev/null || fail "the host makes /ctn-q"
    expect_eq "a finds no queue under the host's name" errno=ENOENT "$(in_a mq-get /ctn-q)"
    expect_eq "a makes its own /ctn-q" ok "$(in_a mq-put /ctn-q a-text)"
    expect_eq "b makes its own /ctn-q" ok "$(in_b mq-put /ctn-q b-text)"
    expect_eq "three queues of that name" 3 "$(ls /dev/mqueue | grep -c 'ctn-q$')"
    expect_eq "a takes its own message" text=a-text "$(in_a mq-get /ctn-q)"
    expect_eq "b takes its own message" text=b-text "$(in_b mq-get /ctn-q)"
    expect_eq "the host takes its own" text=host-text "$(ctntest ipc mq-get /ctn-q)"
    expect_eq "a removes its own" ok "$(in_a mq-unlink /ctn-q)"
    expect_eq "b's is still there" 2 "$(ls /dev/mqueue | grep -c 'ctn-q$')"
    expect_eq "b removes its own" ok "$(in_b mq-unlink /ctn-q)"
    expect_eq "the host's is still there" ok "$(ctntest ipc mq-unlink /ctn-q)"
}
t_destroyed() {
    read -r H A B < /tmp/ipc.ids
    # a's objects outlive it, belonging to no container: a container made in its place
    # (the same slot) does not inherit them.
    ctnctl destroy a >/dev/null || fail "destroy a"
    ctnctl create c >/dev/null
    expect_eq "a new container attaches a's old segment" errno=EINVAL "$(ctnctl exec c -- ctntest ipc shm-at $A)"
    expect_eq "nor finds it by key" errno=ENOENT "$(ctnctl exec c -- ctntest ipc shm-get $KEY)"
    expect_eq "the host still reaches it" text=a-text "$(ctntest ipc shm-at $A)"
    for id in $H $A $B; do ctntest ipc shm-ctl $id rmid >/dev/null || fail "the host removes $id"; done
}

run_case "the same SysV key in two containers and on the host: each its own segment" t_shm_same_key
run_case "segments of the host and of another container by id: EINVAL" t_shm_by_id
run_case "message queues: by key ENOENT, by id EINVAL, own queue works" t_msg
run_case "semaphores: by id EINVAL, own set works" t_sem
run_case "the same abstract socket name in two containers and on the host" t_abstract_same_name
run_case "abstract names of the host: ECONNREFUSED; too long: EINVAL" t_abstract_reach
run_case "the same POSIX queue name in two containers and on the host: each its own" t_mq_same_name
run_case "a destroyed container's objects go to no container" t_destroyed
ktap_finish
