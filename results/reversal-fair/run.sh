#!/bin/bash
# Issue 14 experiments, one run at a time (the machine is shared). Finished runs are skipped on rerun.
set -u
D="${DELIGHT:-delight}"
cd /work/wt/science
B="--task reversal --prompt-length 10 --vocab 2 --steps 1000 --eval-every 100 --jobs 1"
ALL4="--staleness 10 --bug-prob 0.05 --reward-flip-prob 0.05 --discovery-prob 0.01"
O=results/reversal-fair/sweep
$D sweep $B --bug-prob 0.05 --bug-logprobs actual --methods is-pg,ppo,pmpo,vaco --seeds 5 --out $O/bug-actual
$D sweep $B --bug-prob 0.05 --methods pg,is-pg,ppo,pmpo,vaco,dg --seed-list 3,4 --out $O/bug-claimed-seeds-3-4
$D sweep $B $ALL4 --method ppo --grid epsilon=0.1,1 --seeds 3 --out $O/all-four-ppo
$D sweep $B $ALL4 --method pmpo --grid alpha=0.5,1 --grid beta=0 --seeds 3 --out $O/all-four-pmpo
$D sweep $B $ALL4 --method is-pg --grid truncation=1,10 --seeds 3 --out $O/all-four-is-pg
$D sweep $B $ALL4 --method vaco --grid delta=0.05,1 --seeds 3 --out $O/all-four-vaco
$D sweep $B --method pmpo --grid alpha=0.5,1 --grid beta=0 --seeds 3 --out $O/none-pmpo
echo ALL-DONE
