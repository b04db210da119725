#!/usr/bin/env bash
# Delight against its two peers, back to back, on the same workloads and model sizes:
#   Delight (delight bench, default threads and 1 thread), TorchSharp / LibTorch (../shared/bench/torchsharp, 1 and 2
#   threads) and PyTorch eager (../shared/bench/torch_ref.py, 1 and 2 threads), then the size matrix (learner step
#   at d = 64 … 512) for Delight and TorchSharp. Raw JSON goes to benchmarks/compare/<UTC time>/, and the side-by-side
#   tables (docs/benchmarks.md's) are printed and written to table.md there.
#
#   benchmarks/compare.sh                 everything (about 20 minutes on an idle 2-core machine)
#   QUICK=1 benchmarks/compare.sh         delight --quick, sizes up to d = 256 (a smoke run)
#   SIZES=0,1,2 benchmarks/compare.sh     only these rows of the size matrix (0 = d 64 … 4 = d 512)
#
# Needs: the .NET SDK; for the PyTorch column `apt-get install -y python3-torch python3-numpy libopenblas0-pthread`
# (Debian's PyTorch 1.13, run with /usr/bin/python3); the TorchSharp peer restores TorchSharp-cpu from NuGet.
# The machine is measured as it is: compare ratios from one sitting, and repeat.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
peers="${PEERS:-$root/../shared/bench}"
out="$root/benchmarks/compare/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
quick=()
sizes="${SIZES:-0,1,2,3,4}"
if [[ "${QUICK:-}" == 1 ]]; then quick=(--quick); sizes="${SIZES:-0,1,2}"; fi

echo "building Delight and the TorchSharp peer" >&2
dotnet build "$root/src/Delight.Cli" -c Release -v q -nologo >&2
delight="$root/src/Delight.Cli/bin/Release/net10.0/delight"
tsdir="$(mktemp -d)"
trap 'rm -rf "$tsdir"' EXIT
cp -r "$peers/torchsharp/Program.cs" "$peers/torchsharp/ts-bench.csproj" "$peers/torchsharp/tools" "$tsdir/"
dotnet build "$tsdir" -c Release -v q -nologo -o "$tsdir/out" >&2
ts=(dotnet "$tsdir/out/ts-bench.dll")
python=/usr/bin/python3

lscpu > "$out/machine.txt"; uptime >> "$out/machine.txt"; dotnet --version >> "$out/machine.txt"
for threads in 2 1; do
  echo "delight bench, $threads thread(s)" >&2
  DELIGHT_THREADS=$threads "$delight" bench --json "${quick[@]}" > "$out/delight-$threads.json"
  echo "torchsharp bench, $threads thread(s)" >&2
  "${ts[@]}" bench "$threads" > "$out/torchsharp-$threads.json"
  if "$python" -c "import torch" 2>/dev/null; then
    echo "pytorch bench, $threads thread(s)" >&2
    "$python" "$peers/torch_ref.py" "$threads" > "$out/pytorch-$threads.json"
  fi
done
IFS=, read -ra rows <<< "$sizes"
for i in "${rows[@]}"; do
  size=$("$python" -c "print(['64,3,4,128,20','128,4,4,512,20','256,6,8,1024,20','256,6,8,1024,64','512,6,8,2048,64'][$i])")
  echo "size $size: delight, then torchsharp (2 threads)" >&2
  "$delight" bench --size "$size" --json "${quick[@]}" > "$out/delight-size-$i.json"
  "${ts[@]}" scale 2 "$i" > "$out/torchsharp-size-$i.json"
done
"$python" "$root/benchmarks/compare_table.py" "$out" | tee "$out/table.md"
