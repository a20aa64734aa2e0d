#!/bin/bash
# Stop the daemons that start.sh started (and only those), by their PID files.
# Jobs still in this private cluster are cancelled first so no slurmstepd is left behind.
# Leaves packages, /etc/slurm/slurm.conf, the munge key and $SLURM_LOCAL_DIR/state in place
# (pass --purge-state to delete $SLURM_LOCAL_DIR/state and logs as well).
set -uo pipefail

DIR=${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/single-node-slurm}
RUN=$DIR/run
log() { echo "[stop-slurm] $*"; }

[ -f "$RUN/started.list" ] || { log "nothing recorded in $RUN/started.list; nothing to stop"; exit 0; }

alive_pid() {  # alive_pid PID NAME
  [ -n "$1" ] && [ -r "/proc/$1/comm" ] && [[ "$(cat "/proc/$1/comm")" == "$2"* ]]
}

stop_one() {  # stop_one NAME PIDFILE
  local name=$1 pidfile=$2 pid
  grep -qx "$name" "$RUN/started.list" || { log "$name: not started by us, left alone"; return; }
  pid=$(cat "$pidfile" 2> /dev/null || true)
  if ! alive_pid "$pid" "$name"; then
    log "$name: not running"
  else
    kill -TERM "$pid"
    for _ in $(seq 150); do alive_pid "$pid" "$name" || break; sleep 0.2; done
    if alive_pid "$pid" "$name"; then
      log "$name (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL"
      kill -KILL "$pid"
    fi
    log "$name (pid $pid) stopped"
  fi
  sed -i "/^$name\$/d" "$RUN/started.list"
  rm -f "$pidfile"
}

# Cancel whatever is still queued/running in this cluster (it is ours), then give steps a moment.
if grep -qx slurmctld "$RUN/started.list" && alive_pid "$(cat "$RUN/slurmctld.pid" 2> /dev/null)" slurmctld; then
  jobs=$(squeue -h -o %F 2> /dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    log "cancelling jobs still in the cluster: $jobs"
    scancel $jobs 2> /dev/null || true
    for _ in $(seq 60); do [ -z "$(squeue -h -o %i 2> /dev/null)" ] && break; sleep 1; done
  fi
fi

stop_one slurmd "$RUN/slurmd.pid"
stop_one slurmctld "$RUN/slurmctld.pid"
stop_one munged "$RUN/munged.pid"
[ -s "$RUN/started.list" ] || rm -f "$RUN/started.list"

if [ "${1:-}" = "--purge-state" ]; then
  rm -rf "$DIR/state" "$DIR/log"
  log "removed $DIR/state and $DIR/log"
fi
