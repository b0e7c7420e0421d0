#!/bin/sh
# Stops the daemons tests/slurm/start-cluster.sh started (by the process
# ids in their pid files), and munged if that script started it.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
dir=${CONCURRA_SLURM_DIR:-/run/concurra-slurm}

stop () {
  if [ -s "$1" ]; then
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
      sleep 0.1
      i=$((i + 1))
    done
    rm -f "$1"
  fi
}

stop "$dir/slurmd.pid"
stop "$dir/slurmctld.pid"
if [ -e "$dir/started-munged" ]; then
  stop /run/munge/munged.pid
  rm -f "$dir/started-munged"
fi
echo "stop-cluster.sh: stopped"
