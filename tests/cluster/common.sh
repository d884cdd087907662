# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this
# Shared by tests/cluster/slurm-up and slurm-down (sourced, not run): where the single-node SLURM
# keeps everything, and how to tell its daemons from any other SLURM or MUNGE on the machine.
#
# KURSK_SLURM_DIR   the cluster's one folder: config, munge key and socket, state, spool, logs,
#                   pid files (default /tmp/kursk-slurm). Nothing is written outside it.

DIR="${KURSK_SLURM_DIR:-/tmp/kursk-slurm}"
case "$DIR" in
    /*) ;;
    *) echo "KURSK_SLURM_DIR must be an absolute path, got '$DIR'" >&2; exit 2 ;;
esac
DIR="${DIR%/}"
CONF="$DIR/slurm.conf"
MUNGE_DIR="$DIR/munge"
SOCKET="$MUNGE_DIR/munged.socket"
RUN="$DIR/run"
MARK="# Written by tests/cluster/slurm-up"      # first line of a slurm.conf this project wrote
export SLURM_CONF="$CONF"

# ours NAME PIDFILE: print the pid of daemon NAME if the pid file names a live process of that name
# started with this cluster's folder on its command line (never another cluster's, never a pid
# that was reused by something else); fail otherwise.
ours() {
    local name="$1" pidfile="$2" pid
    [ -r "$pidfile" ] || return 1
    pid="$(tr -dc 0-9 < "$pidfile")"
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in "$name"*) ;; *) return 1 ;; esac
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR/" || return 1
    echo "$pid"
}
