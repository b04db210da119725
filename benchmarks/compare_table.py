"""Side-by-side tables from one benchmarks/compare.sh run folder: Delight vs TorchSharp vs PyTorch."""
import glob, json, os, sys

run = sys.argv[1]

def load(name):
    path = os.path.join(run, name)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        text = f.read().strip().splitlines()
    return json.loads(text[-1] if text[-1].startswith("{") else "\n".join(text))

def fmt(x):
    if x is None:
        return "–"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"

d2, d1 = load("delight-2.json"), load("delight-1.json")
peers = {"PyTorch": [load("pytorch-1.json"), load("pytorch-2.json")],
         "TorchSharp": [load("torchsharp-1.json"), load("torchsharp-2.json")]}
# (row, Delight key, peer keys: the best of them counts, so a peer is never shown at a disadvantage)
rows = [
    ("reversal learner fwd+bwd+Adam", "reversal_learn_per_s", ["reversal_learn_per_s"]),
    ("reversal sampling (KV cache)", "reversal_sample_per_s", ["reversal_sample_per_s"]),
    ("reversal DG step", "reversal_dg_steps_per_s", ["reversal_steps_per_s"]),
    ("Kondo-10 % step", "kondo10_steps_per_s", ["kondo10_steps_per_s", "kondo10_speculative_steps_per_s"]),
    ("MNIST DG step", "mnist_dg_steps_per_s", ["mnist_steps_per_s"]),
]
print("| workload (d = 64, 3 layers), steps/s | PyTorch (best of 1, 2 threads) | TorchSharp (best of 1, 2 threads) "
      "| Delight default | Delight, 1 thread | default / 1 thread | default / best peer |")
print("|---|---|---|---|---|---|---|")
for name, key, peer_keys in rows:
    best = {}
    for peer, runs in peers.items():
        values = [r.get(k) for r in runs for k in peer_keys if r.get(k) is not None]
        best[peer] = max(values) if values else None
    top = max([v for v in best.values() if v is not None], default=None)
    a, b = d2.get(key), d1.get(key)
    print(f"| {name} | {fmt(best['PyTorch'])} | {fmt(best['TorchSharp'])} | {fmt(a)} | {fmt(b)} | "
          f"{a / b:.2f}× | {a / top:.2f}× |" if a and b and top else f"| {name} | … | … | {fmt(a)} | {fmt(b)} | | |")

print()
print("| size (d, layers, heads, ff, L) | params | Delight learn steps/s | GFLOP/s | TorchSharp (2 threads) steps/s | GFLOP/s "
      "| Delight / TorchSharp | Delight sampling /s | GFLOP/s |")
print("|---|---|---|---|---|---|---|---|---|")
for path in sorted(glob.glob(os.path.join(run, "delight-size-*.json"))):
    i = path.rsplit("-", 1)[1].split(".")[0]
    d, t = load(f"delight-size-{i}.json"), load(f"torchsharp-size-{i}.json")
    name = next(k for k in d if k.endswith("_params"))[: -len("_params")]
    learn, tlearn = d.get(name + "_learn_per_s"), t.get(name + "_steps_per_s")
    print(f"| {name} | {d[name + '_params'] / 1e6:.2f} M | {fmt(learn)} | {fmt(d.get(name + '_learn_gflops'))} | "
          f"{fmt(tlearn)} | {fmt(t.get(name + '_gflops'))} | {learn / tlearn:.2f}× | "
          f"{fmt(d.get(name + '_sample_per_s'))} | {fmt(d.get(name + '_sample_gflops'))} |" if learn and tlearn else f"| {name} | … |")
machine = os.path.join(run, "machine.txt")
if os.path.exists(machine):
    lines = open(machine).read().splitlines()
    model = next((l.split(":", 1)[1].strip() for l in lines if l.startswith("Model name")), "?")
    load_line = next((l for l in lines if "load average" in l), "")
    print(f"\nMachine: {model}; {load_line.strip()}; .NET {lines[-1]}; Delight default = {d2.get('threads', '?')} threads.")
