# Shared helpers for ctn's kselftest-style tests (busybox sh). Source it from a test script:
#
#   . "$(dirname "$0")/lib.sh"
#   ktap_plan 2
#   t_loads() { ctn_load || fail "cannot load"; [ -c /dev/ctn ] || fail "no /dev/ctn"; }
#   run_case "module loads" t_loads
#   ...
#   ktap_finish
#
# A case is a shell function run in a subshell. It passes when it reaches its end (or its
# last command succeeds); `fail MESSAGE` (and every expect_* helper) ends it as failed
# wherever it stands, `skip REASON` ends it as skipped. A fail that runs in a nested subshell
# ($(...), a pipeline, a background job) cannot end the case from there, so it also leaves
# its message in the case's mark file: run_case counts the case as failed whatever the case
# did afterwards. A case's output is shown as KTAP diagnostics ("# ...") when it does not
# pass. Exit status of a test script: 0 all passed, 1 something failed (or the plan was not
# kept), 4 everything was skipped (kselftest's KSFT_SKIP).

CTN_KO=${CTN_KO:-/ctn/ctn.ko}
KSFT_SKIP=4
_ktap_n=0 _ktap_pass=0 _ktap_fail=0 _ktap_skip=0 _ktap_planned=
_ktap_script=$(basename "$0" .sh)

ktap_plan() { _ktap_planned=$1; echo "KTAP version 1"; echo "1..$1"; }

# note MESSAGE: a KTAP diagnostic line shown whatever the case's result (a measured figure).
exec 3>&1
note() { echo "# $*" >&3; }
# fail MESSAGE: the case fails here, saying why.
fail() {
    echo "$*"
    [ -z "${_ktap_mark:-}" ] || echo "$*" >> "$_ktap_mark"
    exit 1
}
# skip REASON: the case is skipped here.
skip() { echo "SKIP: $*"; exit $KSFT_SKIP; }

run_case() {
    name=$1; shift
    _ktap_n=$((_ktap_n + 1))
    out=$(mktemp) _ktap_mark=$(mktemp)
    ( "$@" ) >"$out" 2>&1
    rc=$?
    # A fail from a nested subshell fails the case, whatever its status.
    if [ -s "$_ktap_mark" ] && { [ $rc -eq 0 ] || [ $rc -eq $KSFT_SKIP ]; }; then
        rc=1
        sed 's/^/failed in a subshell: /' "$_ktap_mark" >> "$out"
    fi
    if [ $rc -eq 0 ]; then
        echo "ok $_ktap_n $name"; _ktap_pass=$((_ktap_pass + 1))
    elif [ $rc -eq $KSFT_SKIP ]; then
        reason=$(sed -n 's/^SKIP: //p' "$out" | tail -n 1)
        echo "ok $_ktap_n $name # SKIP ${reason:-skipped}"; _ktap_skip=$((_ktap_skip + 1))
    else
        sed 's/^/# /' "$out"
        echo "not ok $_ktap_n $name"; _ktap_fail=$((_ktap_fail + 1))
    fi
    rm -f "$out" "$_ktap_mark"
    _ktap_mark=
}

ktap_finish() {
    echo "# $_ktap_pass passed, $_ktap_fail failed, $_ktap_skip skipped"
    if [ "$_ktap_n" != "$_ktap_planned" ]; then
        echo "# the plan was ${_ktap_planned:-missing} cases, $_ktap_n ran"
        exit 1
    fi
    [ $_ktap_fail -eq 0 ] || exit 1
    [ $_ktap_pass -gt 0 ] || [ $_ktap_skip -eq 0 ] || exit $KSFT_SKIP
    exit 0
}

# --- waiting ------------------------------------------------------------------------------
# wait_for [-t SECONDS] WHAT CMD...: run CMD every 0.05 s until it succeeds; after SECONDS
# (default 30) the case fails, saying WHAT it waited for. A test waits for a condition this
# way, never with a bare sleep.
wait_for() {
    _secs=30
    [ "$1" != -t ] || { _secs=$2; shift 2; }
    _what=$1; shift
    _tries=$((_secs * 20))
    until "$@"; do
        _tries=$((_tries - 1))
        [ $_tries -gt 0 ] || fail "gave up after $_secs s waiting for $_what"
        sleep 0.05
    done
}
# tasks_in NAME N: container NAME has exactly N tasks; tasks_at_least NAME N: N or more (for
# wait_for).
tasks_of() { ctnctl --json show "$1" 2>/dev/null | sed -n 's/^ *"tasks": \([0-9]*\),$/\1/p'; }
tasks_in() { [ "$(tasks_of "$1")" = "$2" ]; }
tasks_at_least() { _t=$(tasks_of "$1"); [ -n "$_t" ] && [ "$_t" -ge "$2" ]; }
# listening PORT N: N or more TCP sockets listen on PORT, at any address (for wait_for).
listening() {
    _p=$(printf ':%04X' "$1")
    [ "$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v p="$_p" 'substr($2, length($2) - 4) == p && $4 == "0A"' | wc -l)" -ge "$2" ]
}
# has_line FILE PATTERN: FILE has a line matching PATTERN (grep -E; for wait_for).
has_line() { grep -Eq -- "$2" "$1" 2>/dev/null; }
# gone PID: process PID no longer exists (for wait_for).
gone() { ! kill -0 "$1" 2>/dev/null; }
# children_are PID N: process PID has exactly N children (for wait_for).
children_are() {
    [ "$(grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null | wc -l)" -eq "$2" ]
}

# --- the kernel log -----------------------------------------------------------------------
# klog_mark: a mark in the kernel log; klog_since: the kernel log from the last mark this
# case made on. A check of the kernel log reads only what the step after the mark produced.
klog_mark() {
    _klog_n=$(( ${_klog_n:-0} + 1 ))
    KLOG_MARK="ctn-test: $_ktap_script case $_ktap_n mark $_klog_n"
    echo "$KLOG_MARK" > /dev/kmsg
}
klog_since() {
    [ -n "${KLOG_MARK:-}" ] || fail "klog_since without klog_mark"
    dmesg | sed -n "/$KLOG_MARK\$/,\$p"
}
# expect_unload_clean WHAT: since the mark, the module reported its unload with every
# live-object count at zero.
expect_unload_clean() {
    _report=$(klog_since | grep 'live objects at unload' | tail -n 1)
    [ -n "$_report" ] || fail "$1: no unload report in the kernel log since the mark"
    printf '%s\n' "$_report" |
        grep -Eq 'unload: 0 containers, 0 hooks, 0 hook sets, 0 probe sets, 0 task refs$' ||
        fail "$1: live objects left: $_report"
}

# --- module -------------------------------------------------------------------------------
ctn_loaded() { grep -q '^ctn ' /proc/modules; }
ctn_load() { ctn_loaded || insmod "$CTN_KO"; }
ctn_unload() { ! ctn_loaded || rmmod ctn; }

# --- assertions -----------------------------------------------------------------------------
# expect_eq WHAT EXPECTED ACTUAL
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }
# expect_match WHAT PATTERN TEXT (grep -E)
expect_match() { printf '%s\n' "$3" | grep -Eq -- "$2" || fail "$1: '$3' does not match /$2/"; }
# as_user CMD...: run a command as the unprivileged user (uid/gid 1000, no capabilities)
as_user() { ctntest as-user 1000 "$@"; }
