#!/usr/bin/env bash
# `config` on generated projects of 50, 200 and 500 services, tscompose side by
# side with Debian's docker-compose v1 in one hyperfine run each; prints the
# ratio tscompose/v1 per size and tscompose's growth from 50 to 500.
#   npm run bench            (installs hyperfine and docker-compose with apt if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v docker-compose >/dev/null || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; fi
[ -f dist/bench/gen-project.js ] || npx tsc -p tsconfig.json

out=bench/out
rm -rf "$out" && mkdir -p "$out"
declare -A ts_mean v1_mean
for n in 50 200 500; do
  dir="$out/p$n"
  node dist/bench/gen-project.js "$dir" "$n"
  hyperfine --warmup 2 --runs "${RUNS:-10}" --export-json "$out/$n.json" \
    -n "tscompose-$n" "node bin/tscompose.js --project-directory $dir -f $dir/docker-compose.yml -f $dir/docker-compose.override.yml config" \
    -n "compose-v1-$n" "docker-compose --project-directory $dir -f $dir/docker-compose.yml -f $dir/docker-compose.override.yml config" \
    >"$out/$n.txt"
  ts_mean[$n]=$(node -e "const r=require('./$out/$n.json').results;console.log(r[0].mean)")
  v1_mean[$n]=$(node -e "const r=require('./$out/$n.json').results;console.log(r[1].mean)")
done
echo "services  tscompose(s)  v1(s)    ratio tscompose/v1"
for n in 50 200 500; do
  node -e "const t=${ts_mean[$n]},v=${v1_mean[$n]};console.log('$n'.padEnd(10)+t.toFixed(3).padEnd(14)+v.toFixed(3).padEnd(9)+(t/v).toFixed(3))"
done
node -e "const a=${ts_mean[50]},b=${ts_mean[500]};console.log('tscompose growth 50 -> 500 services: x'+(b/a).toFixed(2)+' for x10 services (linear would be x10)')"
