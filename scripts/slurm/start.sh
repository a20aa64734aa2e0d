#!/bin/bash
# Stand up a single-node SLURM cluster on this machine (Debian/Ubuntu, run as root, no systemd
# needed): installs slurmctld/slurmd/slurm-client/munge if missing, writes a munge key and
# /etc/slurm/slurm.conf, starts munged, slurmctld and slurmd by hand, and waits until `sinfo`
# shows the node idle. Idempotent: daemons already started by this script are left running.
#
# Everything this script starts is recorded under $SLURM_LOCAL_DIR/run (PID files + started.list)
# so that stop.sh stops exactly those processes and nothing else.
#
# Environment knobs:
#   SLURM_LOCAL_DIR   state, logs, PID files            (default $TMPDIR/single-node-slurm, TMPDIR defaulting to /tmp)
#   SLURM_PARTITION   partition name                    (default debug)
#   SLURM_MEM_MB      RealMemory of the node            (default 85% of MemTotal)
#   SLURM_CPUS        CPUs of the node                  (default nproc)
#   SLURM_WAIT_S      how long to wait for `idle`       (default 120)
#   SLURM_KILL_WAIT_S seconds from SIGTERM to SIGKILL   (default 30, as in SLURM)
set -euo pipefail

DIR=${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/single-node-slurm}
PARTITION=${SLURM_PARTITION:-debug}
# (nproc without OMP_* limits: it honours OMP_NUM_THREADS, which test runners often set to 1)
CPUS=${SLURM_CPUS:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)}
MEM_MB=${SLURM_MEM_MB:-$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.85}' /proc/meminfo)}
WAIT_S=${SLURM_WAIT_S:-120}
CONF=/etc/slurm/slurm.conf
MARK="# managed by spectral-harness scripts/slurm/start.sh"
RUN=$DIR/run
T0=$(date +%s.%N)

log() { printf "[start-slurm %6.1fs] %s\n" "$(awk -v t0="$T0" -v t1="$(date +%s.%N)" "BEGIN { print t1 - t0 }")" "$*"; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"

# alive PIDFILE NAME: the PID in PIDFILE is a running process whose comm starts with NAME
alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [ -r "/proc/$pid/comm" ] && [[ "$(cat "/proc/$pid/comm")" == "$2"* ]]
}
record_started() { grep -qx "$1" "$RUN/started.list" 2>/dev/null || echo "$1" >> "$RUN/started.list"; }

# 1. packages ---------------------------------------------------------------------------------
missing=()
for pair in slurmctld:slurmctld slurmd:slurmd sinfo:slurm-client munged:munge; do
  command -v "${pair%%:*}" > /dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "missing ${missing[*]}: apt-get install slurmctld slurmd slurm-client munge"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    slurmctld slurmd slurm-client munge > "${TMPDIR:-/tmp}/start_slurm_apt.log" 2>&1 \
    || { tail -20 "${TMPDIR:-/tmp}/start_slurm_apt.log"; die "apt-get install failed"; }
  log "installed"
else
  log "packages present ($(slurmctld -V))"
fi
mkdir -p "$RUN" "$DIR/log" "$DIR/state/ctld" "$DIR/state/d"

# 2. munge --------------------------------------------------------------------------------------
if [ ! -s /etc/munge/munge.key ]; then
  log "creating /etc/munge/munge.key"
  mkdir -p /etc/munge
  mungekey --create --keyfile=/etc/munge/munge.key --force 2> /dev/null \
    || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge /etc/munge/munge.key
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge
if munge -n 2> /dev/null | unmunge > /dev/null 2>&1; then
  log "munged already answering"
else
  [ -S /run/munge/munge.socket.2 ] && ! alive /run/munge/munged.pid munged \
    && rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  cp /run/munge/munged.pid "$RUN/munged.pid"
  record_started munged
  for _ in $(seq 50); do munge -n 2> /dev/null | unmunge > /dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge > /dev/null || die "munged does not answer (see /var/log/munge/munged.log)"
  log "munged started (pid $(cat "$RUN/munged.pid"))"
fi

# 3. slurm.conf -----------------------------------------------------------------------------------
new_conf=$(cat <<EOF
$MARK
ClusterName=local
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$DIR/state/ctld
SlurmdSpoolDir=$DIR/state/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
# keep finished jobs visible to scontrol for an hour (the sacct shim below reads them)
MinJobAge=3600
# refuse at submit time a job that asks for more CPUs/memory than the node has
EnforcePartLimits=ALL
# scancel and time limits: SIGTERM, then SIGKILL this many seconds later (SLURM's default is 30)
KillWait=${SLURM_KILL_WAIT_S:-30}
NodeName=localhost CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
)
mkdir -p /etc/slurm
if [ -f "$CONF" ] && ! head -1 "$CONF" | grep -qx "$MARK"; then
  cp -p "$CONF" "$CONF.bak.$(date +%s)"
  log "an existing $CONF (not ours) was backed up to $CONF.bak.*"
fi
if [ "$(cat "$CONF" 2> /dev/null)" != "$new_conf" ]; then
  printf '%s\n' "$new_conf" > "$CONF"
  conf_changed=1
  log "wrote $CONF (CPUs=$CPUS RealMemory=$MEM_MB partition=$PARTITION)"
else
  conf_changed=0
fi

# 4. a stand-in for `sacct` (no accounting here): submitit polls `sacct` for job states; without
#    it a job that dies before writing its result (scancel, OOM, node failure) hangs the launcher
#    forever. Not put on the system PATH: prepend $DIR/bin to PATH where you run the launcher.
mkdir -p "$DIR/bin"
install -m 0755 "$(dirname "$0")/sacct" "$DIR/bin/sacct"

# 5. daemons --------------------------------------------------------------------------------------
# A changed node definition needs the daemons restarted (`scontrol reconfigure` refuses it).
if [ "$conf_changed" = 1 ]; then
  for name in slurmd slurmctld; do
    if alive "$RUN/$name.pid" "$name"; then
      pid=$(cat "$RUN/$name.pid")
      kill -TERM "$pid"
      for _ in $(seq 100); do alive "$RUN/$name.pid" "$name" || break; sleep 0.1; done
      log "$name (pid $pid) stopped to apply the new $CONF"
    fi
  done
fi
if alive "$RUN/slurmctld.pid" slurmctld; then
  log "slurmctld already running (pid $(cat "$RUN/slurmctld.pid"))"
else
  /usr/sbin/slurmctld   # daemonises; writes SlurmctldPidFile
  for _ in $(seq 100); do alive "$RUN/slurmctld.pid" slurmctld && break; sleep 0.1; done
  alive "$RUN/slurmctld.pid" slurmctld || die "slurmctld did not start (see $DIR/log/slurmctld.log)"
  record_started slurmctld
  log "slurmctld started (pid $(cat "$RUN/slurmctld.pid"))"
fi
if alive "$RUN/slurmd.pid" slurmd; then
  log "slurmd already running (pid $(cat "$RUN/slurmd.pid"))"
else
  /usr/sbin/slurmd      # daemonises; writes SlurmdPidFile
  for _ in $(seq 100); do alive "$RUN/slurmd.pid" slurmd && break; sleep 0.1; done
  alive "$RUN/slurmd.pid" slurmd || die "slurmd did not start (see $DIR/log/slurmd.log)"
  record_started slurmd
  log "slurmd started (pid $(cat "$RUN/slurmd.pid"))"
fi

# 6. wait for the node to be idle ------------------------------------------------------------------
end=$(( $(date +%s) + WAIT_S ))
state=""
while [ "$(date +%s)" -lt "$end" ]; do
  state=$(sinfo -h -N -n localhost -o %T 2> /dev/null | head -1 || true)
  case "$state" in
    idle|mixed|allocated) break ;;
    drained|draining|down|down\*|drained\*) scontrol update nodename=localhost state=resume 2> /dev/null || true ;;
  esac
  sleep 0.5
done
case "$state" in
  idle|mixed|allocated) ;;
  *) sinfo; die "node not idle after ${WAIT_S}s (state '$state'); see $DIR/log/" ;;
esac
sinfo
# end-to-end check: a job step really runs (munge, slurmctld, slurmd and the spool dir all work)
timeout 60 srun -N1 -n1 -t 1 true || die "node is $state but 'srun true' failed; see $DIR/log/"
log "node localhost is $state and runs jobs; cluster ready"
echo "To let submitit see job states (scancel/timeouts), run the launcher with: export PATH=$DIR/bin:\$PATH"
