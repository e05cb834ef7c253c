#!/usr/bin/env bash
# Checks the Kubernetes manifests without a cluster, with whatever tools are installed, and says what it skipped:
#   1. kubectl, offline: each manifest decodes into the API's typed objects (`kubectl set env --local`, which refuses a
#      wrong type), and that decoding drops no field (compared with jq: a dropped field is unknown or misspelt, or a
#      zero value the API omits);
#   2. kubectl apply --dry-run=client --validate=false, only when kubectl reaches an API server: it needs its discovery;
#   3. the Kubernetes OpenAPI schema (types, enums, required fields) through the npm package kubernetes-models
#      (schema-check.mjs), from K8S_CHECK_TOOLS (default ~/.cache/genneg-k8s-check); --install puts it there with npm;
#   4. kubeconform -strict, or kubernetes-validate --strict, when on the PATH (the Kubernetes JSON schema).
#   deploy/kubernetes/check.sh [--install] [MANIFEST...]      (default: every *.yaml beside this script)
# Exits 1 when a check that ran failed; a skipped check does not fail.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${K8S_CHECK_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/genneg-k8s-check}"
if [[ "${1:-}" == "--install" ]]; then
  shift
  mkdir -p "$tools" && npm install --prefix "$tools" --no-audit --no-fund --loglevel=error kubernetes-models@5.1.0 js-yaml@4.1.0 >/dev/null || exit 1
fi
if (($# == 0)); then set -- "$here"/*.yaml; fi
failed=0 ran=0
skip() { echo "SKIPPED $1"; }
fail() { echo "FAIL $1"; failed=1; }

if command -v kubectl >/dev/null && command -v jq >/dev/null; then
  ran=1
  echo "== kubectl $(kubectl version --client -o json 2>/dev/null | jq -r .clientVersion.gitVersion): typed decoding, no field dropped"
  for f in "$@"; do
    typed="$(kubectl set env --local -f "$f" GENNEG_CHECK=1 -o json 2>&1)" || { fail "$f: $typed"; continue; }
    plain="$(kubectl annotate --local -f "$f" genneg-check=1 -o json 2>&1)" || { fail "$f: $plain"; continue; }
    dropped="$(comm -23 <(jq -c 'del(.. | .annotations? // empty | .["genneg-check"]) | paths(scalars)' <<<"$plain" | sort) \
      <(jq -c 'paths(scalars)' <<<"$typed" | sort))"
    if [[ -n "$dropped" ]]; then fail "$f: fields the API does not know (or zero values it omits): $(tr '\n' ' ' <<<"$dropped")"; else echo "ok   $f"; fi
  done
else
  skip "kubectl typed decoding: needs kubectl and jq on the PATH"
fi

if command -v kubectl >/dev/null && kubectl --request-timeout=5s api-versions >/dev/null 2>&1; then
  ran=1
  echo "== kubectl apply --dry-run=client --validate=false"
  for f in "$@"; do
    out="$(kubectl apply --dry-run=client --validate=false -f "$f" 2>&1)" && echo "ok   $f: $out" || fail "$f: $out"
  done
else
  skip "kubectl apply --dry-run=client: no API server reachable (kubectl needs the server's discovery even for a client dry run)"
fi

if command -v node >/dev/null && [[ -f "$tools/node_modules/kubernetes-models/package.json" && -f "$tools/node_modules/js-yaml/package.json" ]]; then
  ran=1
  echo "== OpenAPI schema: kubernetes-models $(jq -r .version "$tools/node_modules/kubernetes-models/package.json" 2>/dev/null)"
  node "$here/schema-check.mjs" "$tools" "$@" || failed=1
else
  skip "OpenAPI schema: needs node and kubernetes-models in $tools (deploy/kubernetes/check.sh --install, with npm)"
fi

if command -v kubeconform >/dev/null; then
  ran=1
  echo "== kubeconform -strict"
  kubeconform -strict -summary "$@" || failed=1
elif command -v kubernetes-validate >/dev/null; then
  ran=1
  echo "== kubernetes-validate --strict"
  kubernetes-validate --strict "$@" || failed=1
else
  skip "JSON schema, strict: neither kubeconform nor kubernetes-validate is on the PATH"
fi

((ran)) || echo "no check ran"
exit "$failed"
