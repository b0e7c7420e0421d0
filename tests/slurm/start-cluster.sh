#!/bin/sh
# Starts a single-node Slurm cluster on this machine, for concurra-glib's
# Slurm tests and benchmarks: munged, slurmctld and slurmd on localhost,
# the node's CPUs and memory taken from the host (slurmd -C). Run as root
# on Debian 12 with slurm-wlm and munge installed (.ci/install-deps does
# that). Waits until the node is idle; tests/slurm/stop-cluster.sh stops
# what this started.
#
# The configuration goes to /etc/slurm/slurm.conf, where srun finds it
# without SLURM_CONF, unless a configuration this script did not write is
# there already; daemon state and logs go to $CONCURRA_SLURM_DIR
# (/run/concurra-slurm by default).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

dir=${CONCURRA_SLURM_DIR:-/run/concurra-slurm}
conf=/etc/slurm/slurm.conf
marker="# written by concurra-glib tests/slurm/start-cluster.sh"

for program in munged slurmctld slurmd srun sinfo; do
  command -v "$program" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
  command -v "$program" >/dev/null 2>&1 || {
    echo "start-cluster.sh: $program is missing: apt-get install slurm-wlm munge" >&2
    exit 1
  }
done
if [ "$(id -u)" != 0 ]; then
  echo "start-cluster.sh: the daemons run as root: run this as root" >&2
  exit 1
fi
if [ -e "$conf" ] && ! grep -qF "$marker" "$conf"; then
  echo "start-cluster.sh: $conf exists and was not written by this script; not touching it" >&2
  exit 1
fi

mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
node=$(hostname -s)
# "NodeName=vm CPUs=2 Boards=1 ... RealMemory=24105", the host as slurmd sees it
hardware=$(slurmd -C | head -n 1)
cpus=$(echo "$hardware" | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p')
memory=$(echo "$hardware" | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')

cat > "$conf" <<CONF
$marker
ClusterName=concurra
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=$((memory / cpus))
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
InactiveLimit=0
KillWait=5
MinJobAge=60
$hardware
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
sed -i '/^UpTime=/d' "$conf"

alive () {
  [ -s "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null
}

# munged: the key the package generated, a socket in its usual place; one
# already running is used (and left running by stop-cluster.sh)
mkdir -p /run/munge
chown munge:munge /run/munge 2>/dev/null || true
if ! alive /run/munge/munged.pid; then
  if id munge >/dev/null 2>&1; then
    runuser -u munge -- munged
  else
    munged --force
  fi
  touch "$dir/started-munged"
fi

# a cluster this script started before is restarted, to read the new
# configuration
for daemon in slurmd slurmctld; do
  if alive "$dir/$daemon.pid"; then
    kill "$(cat "$dir/$daemon.pid")"
    while alive "$dir/$daemon.pid"; do sleep 0.1; done
  fi
done
# a fresh cluster: jobs an earlier run left (one still completing would
# keep the node busy) are not carried over (-c clears the saved state)
slurmctld -c
slurmd

# until the node is idle (at most 120 s)
i=0
while [ "$(sinfo -h -n "$node" -o %t 2>/dev/null)" != idle ]; do
  i=$((i + 1))
  if [ $i -gt 600 ]; then
    echo "start-cluster.sh: the node did not become idle; see $dir/slurmctld.log and $dir/slurmd.log" >&2
    sinfo >&2 || true
    exit 1
  fi
  sleep 0.2
done
echo "start-cluster.sh: node $node idle ($cpus CPUs, $memory MB); state in $dir"
