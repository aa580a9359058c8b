# Shared helpers for ctn's kselftest-style tests (busybox sh). Source it from a test script:
#
#   . "$(dirname "$0")/lib.sh"
#   ktap_plan 2
#   t_loads() { ctn_load && [ -c /dev/ctn ] || fail "no /dev/ctn"; }
#   run_case "module loads" t_loads
#   ...
#   ktap_finish
#
# A case is a shell function: return 0 = pass, 4 = skip (say why with `skip REASON`),
# anything else = fail (say why with `fail MESSAGE`). Its output is shown as KTAP diagnostics
# ("# ...") when it does not pass. Exit status of a test script: 0 all passed, 1 something
# failed, 4 everything was skipped (kselftest's KSFT_SKIP).

CTN_KO=${CTN_KO:-/ctn/ctn.ko}
KSFT_SKIP=4
_ktap_n=0 _ktap_pass=0 _ktap_fail=0 _ktap_skip=0

ktap_plan() { echo "KTAP version 1"; echo "1..$1"; }

# note MESSAGE: a KTAP diagnostic line shown whatever the case's result (a measured figure).
exec 3>&1
note() { echo "# $*" >&3; }
# fail MESSAGE: print why a case fails and return 1 (use as `... || fail "why"`; `return` after it).
fail() { echo "$*"; return 1; }
# skip REASON: mark the case skipped.
skip() { echo "SKIP: $*"; return $KSFT_SKIP; }

run_case() {
    name=$1; shift
    _ktap_n=$((_ktap_n + 1))
    out=$(mktemp)
    ( "$@" ) >"$out" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok $_ktap_n $name"; _ktap_pass=$((_ktap_pass + 1))
    elif [ $rc -eq $KSFT_SKIP ]; then
        reason=$(sed -n 's/^SKIP: //p' "$out" | tail -n 1)
        echo "ok $_ktap_n $name # SKIP ${reason:-skipped}"; _ktap_skip=$((_ktap_skip + 1))
    else
        sed 's/^/# /' "$out"
        echo "not ok $_ktap_n $name"; _ktap_fail=$((_ktap_fail + 1))
    fi
    rm -f "$out"
}

ktap_finish() {
    echo "# $_ktap_pass passed, $_ktap_fail failed, $_ktap_skip skipped"
    [ $_ktap_fail -eq 0 ] || exit 1
    [ $_ktap_pass -gt 0 ] || [ $_ktap_skip -eq 0 ] || exit $KSFT_SKIP
    exit 0
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
