# scaling-out.py: commands as Slurm jobs from Python's TaskRunner, with the
# resources each needs. Without a reachable cluster the same tasks run here.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import shutil
import subprocess

import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra  # noqa: E402

have_cluster = (shutil.which("sinfo") is not None
                and subprocess.run(["sinfo", "-h"], capture_output=True).returncode == 0)

# every command is a Slurm job: 1 CPU and 100 MB unless it says more
runner = Concurra.TaskRunner(launcher="slurm" if have_cluster else "local",
                             slurm={"cpus": 1, "mem": "100M"},
                             progress_stats=False)
runner.add_shell_command('echo "simulating with ${SLURM_CPUS_PER_TASK:-all} CPUs"',
                         label="simulate", slurm={"cpus": 2})
runner.add_shell_command("echo report", label="report", depends_on="simulate")
results = runner.run()

print("simulate:", results["simulate"]["result"]["stdout"], end="")
print("job id:", results["simulate"]["result"].get("slurm_job_id", "none (ran here)"))
assert results["report"]["status"] == "Successful"
