#!/usr/bin/env bash
# Runs one Gen-neG iteration through Slurm on this machine and checks it against one process:
#   1. installs Debian's slurm-wlm and munge if missing (needs root), builds genneg;
#   2. trains a tiny baseline (tiny.yaml) and copies it: one copy for Slurm, one for the one-process reference;
#   3. starts munged, slurmctld and slurmd on localhost (one node, a partition with 2 CPUs; config in WORK/slurm);
#   4. submits the draw array (SHARDS tasks, 1 CPU each) and the dependent merge-and-train job with sbatch, waits;
#   5. draws the reference with one process (genneg draw --shard 0 --shards 1, then iterate) and compares
#      draws.bin, classifier.bin and alpha; prints sacct's job completion records; stops the daemons.
#   deploy/slurm/local-cluster.sh [WORK_FOLDER] [SHARDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mkdir -p "${1:-/tmp/genneg-slurm}" && cd "${1:-/tmp/genneg-slurm}" && pwd)"
shards="${2:-4}"
node="$(hostname -s)"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge
fi
dotnet build "$repo/src/GenNeg.Cli" -c Release -v quiet -nologo >/dev/null
export GENNEG="$repo/src/GenNeg.Cli/bin/Release/net10.0/GenNeg.Cli"

rm -rf "$work/slurm" "$work/base" "$work/sharded" "$work/reference"
mkdir -p "$work/slurm/state" "$work/slurm/spool" "$work/slurm/log"
"$GENNEG" train-baseline --config "$here/tiny.yaml" --run "$work/base" >/dev/null
cp -r "$work/base" "$work/sharded"
cp -r "$work/base" "$work/reference"

export SLURM_CONF="$work/slurm/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=genneg-local
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/slurm/state
SlurmdSpoolDir=$work/slurm/spool
SlurmctldPidFile=$work/slurm/slurmctld.pid
SlurmdPidFile=$work/slurm/slurmd.pid
SlurmctldLogFile=$work/slurm/log/slurmctld.log
SlurmdLogFile=$work/slurm/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$work/slurm/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

mkdir -p /run/munge && chown munge:munge /run/munge
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
stop() {
  for pid in "$work/slurm/slurmd.pid" "$work/slurm/slurmctld.pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
}
trap stop EXIT
for _ in $(seq 30); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo

read -r draw train < <("$here/submit-iteration.sh" "$work/sharded" "$shards")
echo "submitted draw array $draw and merge-and-train job $train"
while squeue -h -j "$draw,$train" 2>/dev/null | grep -q .; do sleep 2; done
# Job completion records (no slurmdbd here): every array task and the merge-and-train job.
sacct -c -o JobID,JobName%16,Partition,NCPUS,State,ExitCode,Start,End,Elapsed

echo "one-process reference:"
OMP_NUM_THREADS=1 "$GENNEG" draw --run "$work/reference" --shard 0 --shards 1 >/dev/null
OMP_NUM_THREADS=2 "$GENNEG" iterate --run "$work/reference"
status=0
for file in genneg-1/draws.bin genneg-1/classifier.bin; do
  if cmp -s "$work/sharded/$file" "$work/reference/$file"; then echo "identical: $file"; else echo "DIFFERENT: $file"; status=1; fi
done
alpha() { grep -o '"alpha": *[0-9.eE+-]*' "$1/manifest.json" | head -1; }
echo "alpha: Slurm $(alpha "$work/sharded"), one process $(alpha "$work/reference")"
[ "$(alpha "$work/sharded")" = "$(alpha "$work/reference")" ] || status=1
exit $status
