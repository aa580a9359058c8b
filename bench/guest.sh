#!/bin/sh
# Runs inside the benchmark VM (QEMU -icount: guest time follows executed instructions).
# Prints "RESULT CONFIG OPERATION NS" lines for scripts/bench. Each repetition runs every
# configuration once, in turn, so that slow drift in the kernel's state affects them alike.
REPS=${REPS:-15}
# Address-space randomisation changes each process's layout, and with it what fork copies:
# off, so that repetitions measure the same work.
echo 0 > /proc/sys/kernel/randomize_va_space
N=${N:-100}
BATCHES=${BATCHES:-20}
run() {
    config=$1; shift
    "$@" sh -c '
        ctntest bench getpid --iterations 2000 --batches "$2"
        ctntest bench uname --iterations 1000 --batches "$2"
        ctntest bench fork-exit-wait --iterations "$1" --batches "$2"
        ctntest bench bind-close --iterations 200 --batches "$2"
        ctntest bench bind-close-addr --iterations 200 --batches "$2"
        ctntest bench mmap-munmap --iterations 500 --batches "$2"
        ctntest bench open-close --iterations 500 --batches "$2"
        ctntest bench write4k --iterations 500 --batches "$2"
    ' sh "$N" "$BATCHES" | while read -r op ns; do echo "RESULT $config $op $ns"; done
}
r=0
while [ $r -lt "$REPS" ]; do
    run native
    insmod /ctn/ctn.ko
    run loaded_no_container
    ctnctl create bench --ip 127.0.10.1 >/dev/null
    run outside
    run inside ctnctl exec bench --
    ctnctl destroy bench >/dev/null
    rmmod ctn
    r=$((r + 1))
done
