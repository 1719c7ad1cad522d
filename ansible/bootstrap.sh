#!/bin/sh
# Labdeck bootstrap: runs the bundled Ansible (site.yml) on this host, as root, locally.
#
#   sh bootstrap.sh --run-dir DIR --vars FILE [--check]
#
# DIR (made by the app; created here when missing) receives:
#   events.jsonl  one JSON object per line, appended as things happen: this script's own
#                 bootstrap_step / bootstrap_failed events, then the playbook's events from
#                 callback_plugins/labdeck_events.py. Every line is written whole, in one write.
#   output.log    everything apt-get and ansible-playbook print (the human log).
#   exit          the exit status, written last (exit.tmp, then renamed), on every path but SIGKILL.
# FILE is the variables file (JSON or YAML) handed to ansible-playbook as -e @FILE; it names the
# roles in labdeck_roles. --check previews: check mode with diffs, nothing is changed (except that
# python3 and ansible-core are installed when missing, which the preview itself needs, and that a
# package installation an earlier run left half-done is finished first).
#
# Stopping it: SIGTERM (systemctl stop of its unit; best with KillMode=mixed) or SIGINT/SIGHUP. It
# stops ansible-playbook, lets a running apt-get/dpkg finish, repairs dpkg if it was cut short,
# and writes the exit file (143/130/129).
#
# Exit status: 0 done; 2 bad arguments; 3 not a system Labdeck bootstraps (Debian/Ubuntu with
# apt, as root); 4 python3/ansible-core could not be installed; otherwise ansible-playbook's
# (1 error, 2 a task failed, 4 unreachable, 99 interrupted, …); 129/130/143 stopped by
# HUP/INT/TERM.
#
# For tests: LABDECK_OS_RELEASE names another os-release file to judge the system by.
#
# POSIX sh (dash, busybox ash); ShellCheck-clean with `shellcheck -s sh`.

set -u
umask 022

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# Ansible wants a UTF-8 locale that exists: C.UTF-8 always does (a forwarded LANG may not yet).
LANG=C.UTF-8
LC_ALL=C.UTF-8
export LANG LC_ALL
unset LANGUAGE 2>/dev/null || true

HERE=$(cd "$(dirname "$0")" && pwd -P) || exit 2
RUN_DIR=
VARS_FILE=
CHECK=0
EVENTS=
LOG=
CHILD=
TAB=$(printf '\t')
CR=$(printf '\r')

usage() {
    echo "usage: sh bootstrap.sh --run-dir DIR --vars FILE [--check]" >&2
}

# --- Time and JSON ------------------------------------------------------------------------------

# Milliseconds since the epoch (whole seconds × 1000 where date has no %N).
now_ms() {
    ns=$(date +%s%N 2>/dev/null)
    case $ns in
        '' | *[!0-9]*) echo "$(date +%s)000" ;;
        *) echo "${ns%??????}" ;;
    esac
}

# Epoch seconds with milliseconds (e.g. 1764070000.123) from now_ms's output.
seconds_of() {
    printf '%s.%s' "${1%???}" "${1#"${1%???}"}"
}

# A JSON string (with its quotes) holding $1: backslashes, quotes, tabs, CRs and newlines escaped,
# other control characters dropped.
jstr() {
    printf '"'
    printf '%s' "$1" |
        tr -d '\000-\010\013\014\016-\037' |
        sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$TAB/\\\\t/g" -e "s/$CR/\\\\r/g" |
        awk 'NR > 1 { printf "%s", "\\n" } { printf "%s", $0 }'
    printf '"'
}

# emit EVENT [JSON-FIELDS]: appends {"event":EVENT,"t":…,FIELDS} as one line, in one write.
emit() {
    [ -n "$EVENTS" ] || return 0
    line="{\"event\":\"$1\",\"t\":$(seconds_of "$(now_ms)")${2:+,$2}}"
    printf '%s\n' "$line" >>"$EVENTS"
}

# log LINE: a line of our own in the human log.
log() {
    [ -n "$LOG" ] || return 0
    printf 'labdeck: %s\n' "$1" >>"$LOG"
}

# tail_since OFFSET: the last lines the log got after byte OFFSET (for error messages).
tail_since() {
    tail -c +"$(($1 + 1))" "$LOG" | grep -v '^[[:space:]]*$' | tail -n 12 | cut -c1-300
}

# fail STATUS MESSAGE [JSON-FIELDS]: a bootstrap_failed event, the message in the log, then exit.
fail() {
    emit bootstrap_failed "\"msg\":$(jstr "$2")${3:+,$3}"
    log "bootstrap failed: $2"
    echo "bootstrap.sh: $2" >&2
    exit "$1"
}

# --- The exit file, on every path -----------------------------------------------------------------

# shellcheck disable=SC2317  # called by the traps below
on_exit() {
    status=$?
    trap - EXIT
    if [ -n "$RUN_DIR" ] && [ -d "$RUN_DIR" ]; then
        printf '%s\n' "$status" >"$RUN_DIR/exit.tmp" && mv -f "$RUN_DIR/exit.tmp" "$RUN_DIR/exit"
    fi
    exit "$status"
}

# A signal stops ansible-playbook too (SIGINT: it cleans up its workers), then we exit 128+N.
# A signal stops ansible-playbook too (SIGTERM: it starts no further task; SIGINT would be ignored,
# as by every background command of a non-interactive shell). A module already running (apt-get,
# dpkg) is let finish, for up to two minutes; a package installation cut short anyway is repaired,
# so the host's apt keeps working. Then we exit 128+N. (Under systemd-run, KillMode=mixed sends
# SIGTERM to this script only and lets this happen in order; with the default KillMode every
# process gets SIGTERM at once and the repair does the rest.)
# shellcheck disable=SC2317  # called by the traps below
on_signal() {
    trap '' HUP INT TERM
    if [ -n "$CHILD" ]; then
        kill -s TERM "$CHILD" 2>/dev/null
        wait "$CHILD" 2>/dev/null
    fi
    log "stopped by SIG$1"
    waited=0
    while package_tools_running && [ "$waited" -lt 120 ]; do
        sleep 1
        waited=$((waited + 1))
    done
    if dpkg_needs_repair; then
        repair_dpkg_step "a package installation was cut short by the stop"
    fi
    exit "$2"
}

# Whether dpkg, apt-get or apt runs on this host now.
# shellcheck disable=SC2317  # called from on_signal
package_tools_running() {
    for p in /proc/[0-9]*; do
        { read -r comm <"$p/comm"; } 2>/dev/null || continue
        case $comm in dpkg | apt-get | apt) return 0 ;; esac
    done
    return 1
}

# Packages dpkg left half-done: half-installed, unpacked, half-configured, awaiting triggers, or
# marked "reinstallation required".
dpkg_broken_packages() {
    dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package}\n' 2>/dev/null |
        awk 'substr($0, 2, 1) ~ /[HUFWt]/ || substr($0, 3, 1) == "R" { print $NF }'
}

# Whether dpkg was stopped in the middle of its work ("dpkg was interrupted", or packages left
# half-done).
dpkg_needs_repair() {
    command -v dpkg-query >/dev/null 2>&1 || return 1
    if [ -d /var/lib/dpkg/updates ] && [ -n "$(ls -A /var/lib/dpkg/updates 2>/dev/null)" ]; then
        return 0
    fi
    [ -n "$(dpkg_broken_packages)" ]
}

# dpkg --configure -a (retried while another dpkg holds the lock), then a reinstall of what is
# still half-installed, from this host's apt sources (usually still in apt's cache).
repair_dpkg() {
    tries=0
    until DEBIAN_FRONTEND=noninteractive dpkg --force-confdef --force-confold --configure -a \
        >>"$LOG" 2>&1 </dev/null; do
        tries=$((tries + 1))
        [ "$tries" -lt 15 ] || return 1
        sleep 2
    done
    broken=$(dpkg_broken_packages)
    if [ -n "$broken" ]; then
        log "reinstalling what dpkg left half-installed: $(echo "$broken" | tr '\n' ' ')"
        # shellcheck disable=SC2086  # one word per package
        DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            --no-install-recommends install --reinstall $broken >>"$LOG" 2>&1 </dev/null || return 1
    fi
    ! dpkg_needs_repair
}

# repair_dpkg_step WHY: repair_dpkg with its events; a failure is reported and the run goes on
# (apt then says what is wrong, in its own words).
repair_dpkg_step() {
    emit bootstrap_step "\"step\":\"repair-dpkg\",\"msg\":$(jstr "Finishing a package installation that was interrupted (dpkg --configure -a)")"
    log "$1: repairing with dpkg --configure -a"
    repair_started=$(now_ms)
    repair_offset=$(wc -c <"$LOG")
    if repair_dpkg; then
        emit bootstrap_step "\"step\":\"repair-dpkg\",\"status\":\"done\",\"duration_ms\":$(($(now_ms) - repair_started))"
    else
        emit bootstrap_step "\"step\":\"repair-dpkg\",\"status\":\"failed\",\"duration_ms\":$(($(now_ms) - repair_started)),\"msg\":$(jstr "dpkg could not finish the interrupted installation:
$(tail_since "$repair_offset")")"
    fi
}

trap on_exit EXIT
trap 'on_signal HUP 129' HUP
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

# --- Arguments --------------------------------------------------------------------------------------

while [ $# -gt 0 ]; do
    case $1 in
        --run-dir) [ $# -ge 2 ] || { usage; exit 2; }; RUN_DIR=$2; shift 2 ;;
        --run-dir=*) RUN_DIR=${1#--run-dir=}; shift ;;
        --vars) [ $# -ge 2 ] || { usage; exit 2; }; VARS_FILE=$2; shift 2 ;;
        --vars=*) VARS_FILE=${1#--vars=}; shift ;;
        --check) CHECK=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bootstrap.sh: unknown argument: $1" >&2; usage; exit 2 ;;
    esac
done

if [ -z "$RUN_DIR" ]; then
    echo "bootstrap.sh: --run-dir is required" >&2
    usage
    exit 2
fi
case $RUN_DIR in /*) ;; *) RUN_DIR=$(pwd -P)/$RUN_DIR ;; esac
if ! mkdir -p "$RUN_DIR" 2>/dev/null || [ ! -w "$RUN_DIR" ]; then
    echo "bootstrap.sh: cannot write to the run directory $RUN_DIR" >&2
    RUN_DIR=
    exit 2
fi
EVENTS=$RUN_DIR/events.jsonl
LOG=$RUN_DIR/output.log
: >>"$EVENTS"
: >>"$LOG"

if [ -z "$VARS_FILE" ]; then
    fail 2 "bootstrap.sh was started without --vars FILE (the variables file naming the roles)"
fi
case $VARS_FILE in /*) ;; *) VARS_FILE=$(pwd -P)/$VARS_FILE ;; esac
if [ ! -f "$VARS_FILE" ] || [ ! -r "$VARS_FILE" ]; then
    fail 2 "The variables file $VARS_FILE does not exist or cannot be read"
fi

# --- Is this a system Labdeck bootstraps? -------------------------------------------------------

OS_RELEASE=${LABDECK_OS_RELEASE:-/etc/os-release}
if [ -z "${LABDECK_OS_RELEASE:-}" ] && [ ! -r "$OS_RELEASE" ] && [ -r /usr/lib/os-release ]; then
    OS_RELEASE=/usr/lib/os-release
fi
case $OS_RELEASE in */*) ;; *) OS_RELEASE=./$OS_RELEASE ;; esac

# os_field NAME: a field of the os-release file (read in a subshell, so it cannot touch ours).
# shellcheck disable=SC2153,SC2154  # the fields come from the sourced file
os_field() {
    (
        unset ID ID_LIKE NAME PRETTY_NAME VERSION_ID
        # shellcheck disable=SC1090
        . "$OS_RELEASE" >/dev/null 2>&1
        case $1 in
            ID) printf '%s' "${ID:-}" ;;
            ID_LIKE) printf '%s' "${ID_LIKE:-}" ;;
            NAME) printf '%s' "${NAME:-}" ;;
            PRETTY_NAME) printf '%s' "${PRETTY_NAME:-}" ;;
            VERSION_ID) printf '%s' "${VERSION_ID:-}" ;;
        esac
    )
}

if [ ! -r "$OS_RELEASE" ]; then
    fail 3 "Labdeck bootstraps Debian and Ubuntu; this host has no $OS_RELEASE saying what it runs"
fi
OS_ID=$(os_field ID)
OS_LIKE=$(os_field ID_LIKE)
OS_PRETTY=$(os_field PRETTY_NAME)
[ -n "$OS_PRETTY" ] || OS_PRETTY="$(os_field NAME) $(os_field VERSION_ID)"
[ -n "${OS_PRETTY% }" ] || OS_PRETTY="an unnamed system"

supported=0
for word in $OS_ID $OS_LIKE; do
    case $word in debian | ubuntu) supported=1 ;; esac
done
if [ "$supported" -ne 1 ]; then
    fail 3 "Labdeck bootstraps Debian and Ubuntu; this host runs ${OS_PRETTY% } (ID=${OS_ID:-unknown})"
fi
if ! command -v apt-get >/dev/null 2>&1; then
    fail 3 "Labdeck bootstraps Debian and Ubuntu with apt; this host runs ${OS_PRETTY% } but has no apt-get"
fi
uid=$(id -u)
if [ "$uid" != 0 ]; then
    fail 3 "bootstrap.sh must run as root; it runs as $(id -un 2>/dev/null || echo "uid $uid")"
fi
log "system: ${OS_PRETTY% } (ID=$OS_ID${OS_LIKE:+, ID_LIKE=$OS_LIKE})"

# --- A package installation an earlier run left unfinished -----------------------------------------

if dpkg_needs_repair; then
    repair_dpkg_step "dpkg was interrupted earlier"
fi

# --- python3, python3-apt and ansible-core from this host's own apt sources ------------------------

have_ansible() {
    command -v python3 >/dev/null 2>&1 &&
        python3 -c 'import apt_pkg' >/dev/null 2>&1 &&
        command -v ansible-playbook >/dev/null 2>&1
}

if ! have_ansible; then
    emit bootstrap_step "\"step\":\"install-ansible\",\"msg\":$(jstr "Installing python3 and ansible-core from this host's apt sources")"
    started=$(now_ms)
    log "installing python3 python3-apt ansible-core with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    set -- -q -o DPkg::Lock::Timeout=120
    offset=$(wc -c <"$LOG")
    apt-get "$@" update >>"$LOG" 2>&1 </dev/null
    update_status=$?
    [ "$update_status" -eq 0 ] || log "apt-get update exited $update_status; trying the install anyway"
    if ! apt-cache show ansible-core >/dev/null 2>&1; then
        fail 4 "This host's apt sources offer no ansible-core package (Labdeck needs Debian 12, Ubuntu 22.04 or newer)$([ "$update_status" -eq 0 ] || printf '; apt-get update failed:\n%s' "$(tail_since "$offset")")" \
            "\"step\":\"install-ansible\""
    fi
    apt-get "$@" -y --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        install python3 python3-apt ansible-core >>"$LOG" 2>&1 </dev/null
    install_status=$?
    if [ "$install_status" -ne 0 ] || ! have_ansible; then
        fail 4 "Could not install python3, python3-apt and ansible-core with apt-get (exit $install_status):
$(tail_since "$offset")" "\"step\":\"install-ansible\""
    fi
    emit bootstrap_step "\"step\":\"install-ansible\",\"status\":\"done\",\"duration_ms\":$(($(now_ms) - started))"
fi
log "$(ansible-playbook --version 2>/dev/null | head -n 1)"

# --- The playbook -------------------------------------------------------------------------------

cd "$HERE" || fail 1 "Cannot enter $HERE"
set -- ansible-playbook -c local -i localhost, site.yml -e "@$VARS_FILE"
if [ "$CHECK" -eq 1 ]; then
    set -- "$@" --check --diff
fi

ANSIBLE_CONFIG=$HERE/ansible.cfg
LABDECK_EVENTS=$EVENTS
PYTHONUNBUFFERED=1
PYTHONDONTWRITEBYTECODE=1
ANSIBLE_NOCOLOR=1
export ANSIBLE_CONFIG LABDECK_EVENTS PYTHONUNBUFFERED PYTHONDONTWRITEBYTECODE ANSIBLE_NOCOLOR

events_before=$(wc -l <"$EVENTS")
offset=$(wc -c <"$LOG")
log "\$ $*"
"$@" >>"$LOG" 2>&1 </dev/null &
CHILD=$!
wait "$CHILD"
status=$?
CHILD=

# A playbook that stopped before its end (bad variables file, syntax error, crash) said nothing on
# the event stream: say why, from the log.
if [ "$status" -ne 0 ] &&
    ! tail -n +"$((events_before + 1))" "$EVENTS" | grep -q '"event":"playbook_end"'; then
    emit bootstrap_failed "\"msg\":$(jstr "ansible-playbook stopped (exit $status) before the end of the playbook:
$(tail_since "$offset")")"
fi
log "ansible-playbook exited $status"
exit "$status"
