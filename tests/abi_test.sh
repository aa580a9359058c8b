#!/bin/sh
# The ioctl ABI of /dev/ctn: the version call, and a clear errno for every malformed request.
. "$(dirname "$0")/lib.sh"
ktap_plan 8
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }

t_version() {
    expect_eq "CTN_IOC_VERSION" "abi=14 module=0.14.0 reserved_clear=true" "$(ctntest version)"
}
t_unknown_ioctl() {
    # Neighbours of the real number, another type byte, and 0.
    for cmd in 0xc048c701 0xc048c7ff 0x0000c700 0xc0485400 0; do
        expect_eq "ioctl $cmd" "errno=ENOTTY" "$(ctntest ioctl $cmd)"
    done
}
t_wrong_size_field() {
    for size in 0 1 71 73 4096 4294967295; do
        expect_eq "size=$size" "errno=EINVAL" "$(ctntest version --size $size)"
    done
}
t_reserved_nonzero() {
    for i in 0 1 2 3; do
        expect_eq "reserved[$i]=1" "errno=EINVAL" "$(ctntest version --reserved $i)"
    done
}
t_null() { expect_eq "NULL argument" "errno=EFAULT" "$(ctntest version --ptr null)"; }
t_wild() { expect_eq "unmapped argument" "errno=EFAULT" "$(ctntest version --ptr wild)"; }
t_kernel_ptr() { expect_eq "kernel address" "errno=EFAULT" "$(ctntest version --ptr kernel)"; }
t_page_edge() { expect_eq "struct across an unmapped page" "errno=EFAULT" "$(ctntest version --ptr page-edge)"; }

run_case "CTN_IOC_VERSION reports the ABI and module versions" t_version
run_case "unknown ioctl numbers give ENOTTY" t_unknown_ioctl
run_case "a wrong size field gives EINVAL" t_wrong_size_field
run_case "non-zero reserved fields give EINVAL" t_reserved_nonzero
run_case "NULL argument gives EFAULT" t_null
run_case "unmapped argument gives EFAULT" t_wild
run_case "kernel-address argument gives EFAULT" t_kernel_ptr
run_case "argument running into an unmapped page gives EFAULT" t_page_edge
ctn_unload
ktap_finish
