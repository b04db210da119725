#!/bin/bash
# Issue 14 (deliverable 4): each baseline's main knob, the sweeps behind RESULTS.md's reversal-fair section. The
# defaults and both bug models at 10 seeds are reversal-frictions' (delight reproduce reversal-frictions --scale full
# --seeds 10). Finished runs are skipped on rerun. DELIGHT: the delight binary; JOBS: runs at once (default 1).
# Then: python3 results/reversal-fair/tables.py
set -u
D="${DELIGHT:-delight}"
cd "$(dirname "$0")/../.."
B="--task reversal --prompt-length 10 --vocab 2 --steps 1000 --eval-every 100 --jobs ${JOBS:-1}"
ALL4="--staleness 10 --bug-prob 0.05 --reward-flip-prob 0.05 --discovery-prob 0.01"
O=results/reversal-fair/sweep
# All four frictions: a small grid of each baseline's knob, 3 seeds (the first single values, then the rest of the grid).
$D sweep $B $ALL4 --method ppo --grid epsilon=1 --seeds 3 --out $O/all-four-ppo
$D sweep $B $ALL4 --method ppo --grid epsilon=0.1,0.5 --seeds 3 --out $O/all-four-ppo-grid
$D sweep $B $ALL4 --method is-pg --grid truncation=1 --seeds 3 --out $O/all-four-is-pg
$D sweep $B $ALL4 --method is-pg --grid truncation=2,10 --seeds 3 --out $O/all-four-is-pg-grid
$D sweep $B $ALL4 --method vaco --grid delta=0.05 --seeds 3 --out $O/all-four-vaco
$D sweep $B $ALL4 --method vaco --grid delta=0.1,0.5 --seeds 3 --out $O/all-four-vaco-grid
$D sweep $B $ALL4 --method pmpo --grid alpha=0.5,0.75,1 --grid beta=0,0.1 --seeds 3 --out $O/all-four-pmpo-grid
# PMPO at the reference launchers' α = 1, β = 0, 10 seeds (the best of its grid).
$D sweep $B $ALL4 --method pmpo --alpha 1 --beta 0 --seeds 10 --out $O/all-four-10-seeds-pmpo-tuned
# No friction: only pmpo's knobs can matter (on-policy every ratio is 1, so ε, truncation and δ change nothing).
$D sweep $B --method pmpo --grid alpha=0.5,0.75,1 --grid beta=0,0.1 --seeds 3 --out $O/none-pmpo-grid
