#!/bin/sh
# Container identity through uname: what processes inside see, what they may change, and
# that the host sees nothing different.
. "$(dirname "$0")/lib.sh"
ktap_plan 9
host_uname_before=$(uname -a)
host_names_before=$(ctntest uname)
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }

# expect_call WHAT EXPECTED ARGS...: ctntest call ARGS... prints EXPECTED
expect_call() { what=$1 want=$2; shift 2; expect_eq "$what: ctntest call $*" "$want" "$(ctntest call "$@")"; }

t_default() {
    ctnctl create web0 >/dev/null
    expect_eq "uname in a new container" "nodename=web0 domainname=(none) clean=true" "$(ctnctl exec web0 -- ctntest uname)"
    expect_eq "hostname(1)" "web0" "$(ctnctl exec web0 -- hostname)"
    expect_eq "uname -n" "web0" "$(ctnctl exec web0 -- uname -n)"
}
t_given() {
    ctnctl create web1 --hostname web1.example --domainname example.org >/dev/null || fail "create"
    ctnctl create web2 --hostname web2.example >/dev/null || fail "create"
    expect_eq "web1" "nodename=web1.example domainname=example.org clean=true" "$(ctnctl exec web1 -- ctntest uname)"
    expect_eq "web2" "nodename=web2.example domainname=(none) clean=true" "$(ctnctl exec web2 -- ctntest uname)"
    expect_eq "a child's child" "web1.example" "$(ctnctl exec web1 -- sh -c 'sh -c hostname; true')"
    expect_match "show" 'hostname: +web1\.example' "$(ctnctl show web1)"
    expect_match "show --json" '"domainname": "example.org"' "$(ctnctl --json show web1)"
}
t_host_unchanged() {
    expect_eq "uname -a on the host" "$host_uname_before" "$(uname -a)"
    expect_eq "uname(2) on the host" "$host_names_before" "$(ctntest uname)"
}
t_sethostname_inside() {
    expect_eq "sethostname in web1" ok "$(ctnctl exec web1 -- ctntest sethostname renamed)"
    expect_eq "setdomainname in web1" ok "$(ctnctl exec web1 -- ctntest setdomainname other.org)"
    expect_eq "web1 sees it" "nodename=renamed domainname=other.org clean=true" "$(ctnctl exec web1 -- ctntest uname)"
    expect_eq "web2 does not" "nodename=web2.example domainname=(none) clean=true" "$(ctnctl exec web2 -- ctntest uname)"
    expect_eq "the host does not" "$host_names_before" "$(ctntest uname)"
    expect_match "show has it" 'hostname: +renamed' "$(ctnctl show web1)"
    # busybox hostname(1) uses the same call
    ctnctl exec web1 -- hostname viabusybox || fail "hostname NAME inside"
    expect_eq "hostname(1) set" "viabusybox" "$(ctnctl exec web1 -- hostname)"
}
t_sethostname_refusals() {
    long=$(printf 'h%.0s' $(seq 65))
    expect_eq "65 bytes" "errno=EINVAL" "$(ctnctl exec web1 -- ctntest sethostname "$long")"
    expect_eq "negative length" "errno=EINVAL" "$(ctnctl exec web1 -- ctntest sethostname x --len=-1)"
    expect_eq "domain 65 bytes" "errno=EINVAL" "$(ctnctl exec web1 -- ctntest setdomainname "$long")"
    expect_eq "unprivileged" "errno=EPERM" "$(ctnctl exec web1 -- ctntest as-user 1000 ctntest sethostname x)"
    expect_eq "unprivileged domain" "errno=EPERM" "$(ctnctl exec web1 -- ctntest as-user 1000 ctntest setdomainname x)"
    expect_eq "64 bytes is fine" "ok" "$(ctnctl exec web1 -- ctntest sethostname "$(printf 'h%.0s' $(seq 64))")"
}
t_set_live() {
    ctnctl exec web2 -- sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; hostname > /tmp/web2.name' &
    wait_for "a process in web2" tasks_at_least web2 1
    expect_match "set" '^web2: hostname live-name, domainname \(none\), ip none,' "$(ctnctl set web2 --hostname live-name)"
    touch /tmp/go; wait
    expect_eq "running process sees the new name" "live-name" "$(cat /tmp/web2.name)"
    ctnctl set web2 --hostname "" >/dev/null
    expect_eq "empty restores the container name" "web2" "$(ctnctl exec web2 -- hostname)"
}
t_cli_refusals() {
    ctnctl set web2 >/dev/null 2>&1; expect_eq "set without options" 2 $?
    out=$(ctnctl set web2 --hostname "a b" 2>&1); rc=$?
    expect_eq "hostname with a space" 2 $rc
    expect_match "message" "invalid hostname" "$out"
    ctnctl create bad --hostname "$(printf 'h%.0s' $(seq 65))" >/dev/null 2>&1; expect_eq "create with a 65-byte hostname" 2 $?
    ! ctnctl list | grep -q bad || fail "a container was left behind"
}
t_ioctl_refusals() {
    expect_call "space" errno=EINVAL set-identity --name web2 --flags 1 --hostname "a b"
    expect_call "65 bytes, no NUL" errno=EINVAL set-identity --name web2 --flags 1 --hostname "$(printf 'h%.0s' $(seq 65))"
    expect_call "unknown flag" errno=EINVAL set-identity --name web2 --flags 16
    expect_call "reserved" errno=EINVAL set-identity --name web2 --flags 1 --reserved
    expect_call "wrong size" errno=EINVAL set-identity --name web2 --flags 1 --size 8
    expect_call "NULL" errno=EFAULT set-identity --name web2 --flags 1 --ptr null
    expect_call "unknown container" errno=ENOENT set-identity --name nosuch --flags 1 --hostname x
    expect_call "without CAP_SYS_ADMIN" errno=EPERM set-identity --name web2 --flags 1 --hostname x --as-uid 1000
    expect_eq "from inside" errno=EPERM "$(ctnctl exec web2 -- ctntest call set-identity --name web2 --flags 1 --hostname x)"
    expect_call "get with flags" errno=EINVAL get-identity --name web2 --flags 1
    expect_call "get" "ok hostname=web2 domainname=(none) ipv4=0.0.0.0 loopback=0.0.0.0 mac=00:00:00:00:00:00" get-identity --name web2
}
t_cleanup() {
    for c in web0 web1 web2; do ctnctl destroy "$c" >/dev/null || fail "destroy $c"; done
    expect_eq "host names after everything" "$host_names_before" "$(ctntest uname)"
}

run_case "a new container shows its name as hostname, (none) as domain" t_default
run_case "hostname and domainname given at create; inherited by children" t_given
run_case "the host's uname is unchanged" t_host_unchanged
run_case "sethostname/setdomainname inside change that container only" t_sethostname_inside
run_case "sethostname refusals inside: EINVAL, EPERM" t_sethostname_refusals
run_case "ctnctl set changes a running container" t_set_live
run_case "ctnctl refuses bad names with exit 2" t_cli_refusals
run_case "CTN_IOC_SET/GET_IDENTITY refuse malformed requests" t_ioctl_refusals
run_case "destroy; the host's names stay" t_cleanup
ctn_unload
ktap_finish
