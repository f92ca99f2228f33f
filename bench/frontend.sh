#!/usr/bin/env bash
# Front-end speed against PyTorch in the same run, one thread each: DeepSpeech2 spectrogram of
# SECONDS of audio as times real time. ROUNDS rounds alternate ours and torch (REPS timed runs
# each, median per round), so that load from other processes hits both alike; the result is the
# median over rounds of each, and the ratio ours / torch.
# Usage: bench/frontend.sh [BUILD_DIR=build] [SECONDS=60] [REPS=21] [ROUNDS=3]
# The PyTorch part runs only when /usr/bin/python3 can import torch.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
seconds=${2:-60}
reps=${3:-21}
rounds=${4:-3}
export OMP_NUM_THREADS=1
bin="$build/bench_frontend"
[ -x "$bin" ] || { echo "frontend.sh: $bin not found (build first: cmake --build $build)" >&2; exit 1; }
have_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=1
echo "machine: $(lscpu | grep 'Model name' | sed 's/Model name: *//'), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ours_all="" torch_all=""
for r in $(seq "$rounds"); do
    out=$("$bin" "$seconds" "$reps")
    echo "$out" | grep -v '_xrt ' | sed "s/^/round $r: /"
    ours_all="$ours_all $(echo "$out" | awk '$1 == "spectrogram_xrt" {print $2}')"
    if [ $have_torch = 1 ]; then
        out=$(/usr/bin/python3 "$here/torch_frontend.py" "$seconds" "$reps")
        echo "$out" | grep -v '_xrt ' | sed "s/^/round $r: /"
        torch_all="$torch_all $(echo "$out" | awk '$1 == "torch_spectrogram_xrt" {print $2}')"
    fi
done
ours=$(echo $ours_all | tr ' ' '\n' | median)
echo "spectrogram ours: median over $rounds rounds ${ours}x real time"
if [ $have_torch = 1 ]; then
    torch=$(echo $torch_all | tr ' ' '\n' | median)
    awk -v o="$ours" -v t="$torch" 'BEGIN {printf "spectrogram torch: %.0fx real time; ours/torch: %.2f\n", t, o / t}'
else
    echo "frontend.sh: /usr/bin/python3 cannot import torch; PyTorch comparison skipped"
fi
