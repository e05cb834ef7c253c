#!/usr/bin/env bash
# Submits one Gen-neG iteration to Slurm: an array of SHARDS draw tasks, then the merge-and-train job that starts
# only when every task succeeded. Prints the two job ids.
#   deploy/slurm/submit-iteration.sh RUN_FOLDER SHARDS [extra sbatch options...]
# Assumes RUN_FOLDER (with a trained baseline) is on a file system every node sees, and genneg on every node's PATH
# (or GENNEG=/path/to/genneg in the environment).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="$(realpath "${1:?usage: submit-iteration.sh RUN_FOLDER SHARDS [sbatch options]}")"
shards="${2:?usage: submit-iteration.sh RUN_FOLDER SHARDS [sbatch options]}"
shift 2
export GENNEG_RUN="$run"
draw=$(sbatch --parsable --array="0-$((shards - 1))" --chdir="$run" --export=ALL "$@" "$here/draw-shards.sbatch")
draw="${draw%%;*}"
train=$(sbatch --parsable --dependency="afterok:$draw" --kill-on-invalid-dep=yes --chdir="$run" --export=ALL "$@" "$here/merge-and-train.sbatch")
echo "$draw $train"
