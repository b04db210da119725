#!/bin/bash
# Issue 14 (deliverables 3-4): the bug-model and baseline-grid sweeps behind RESULTS.md's reversal-fair section, one
# run at a time (the machine is shared). Finished runs are skipped on rerun. DELIGHT: the delight binary.
# Then: python3 results/reversal-fair/tables.py
set -u
D="${DELIGHT:-delight}"
cd "$(dirname "$0")/../.."
B="--task reversal --prompt-length 10 --vocab 2 --steps 1000 --eval-every 100 --jobs 1"
ALL4="--staleness 10 --bug-prob 0.05 --reward-flip-prob 0.05 --discovery-prob 0.01"
O=results/reversal-fair/sweep
# Bugs alone under the actual bug model (pg and dg never read behaviour log-probs: their runs are the claimed model's).
$D sweep $B --bug-prob 0.05 --bug-logprobs actual --methods is-pg,ppo,pmpo,vaco --seeds 5 --out $O/bug-actual
# The claimed model's seeds 3-4 (seeds 0-2 are reversal-frictions' sweep/bug).
$D sweep $B --bug-prob 0.05 --methods pg,is-pg,ppo,pmpo,vaco,dg --seed-list 3,4 --out $O/bug-claimed-seeds-3-4
# Each baseline's knob at the reference launchers' value (or the other side of the default), all four frictions.
$D sweep $B $ALL4 --method ppo --grid epsilon=1 --seeds 3 --out $O/all-four-ppo
$D sweep $B $ALL4 --method pmpo --grid alpha=1 --grid beta=0 --seeds 3 --out $O/all-four-pmpo
$D sweep $B $ALL4 --method is-pg --grid truncation=1 --seeds 3 --out $O/all-four-is-pg
$D sweep $B $ALL4 --method vaco --grid delta=0.05 --seeds 3 --out $O/all-four-vaco
# No friction: only pmpo's knobs can matter (on-policy every ratio is 1, so ε, truncation and δ change nothing).
$D sweep $B --method pmpo --grid alpha=1 --grid beta=0 --seeds 3 --out $O/none-pmpo
