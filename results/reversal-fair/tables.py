#!/usr/bin/env python3
"""Tables for RESULTS.md's reversal-fair section (issue 14, deliverables 3-4), from the run folders that
results/reversal-fair/run.sh writes and from reversal-frictions' committed summary.csv (seeds 0-2 of the claimed bug
model and the baselines' defaults, whose run folders are not kept). Mean ± s.e. (sample s.d. / sqrt n) over seeds, as
SeedStatistics. Usage: python3 results/reversal-fair/tables.py (from the repository root)."""
import csv, glob, json, math, os

ROOT = 'results/reversal-fair/sweep'
OLD = 'results/reversal-frictions/sweep'


def seeds(folder):
    """(sampled error, greedy sequence error) of every finished seed in a configuration folder."""
    out = []
    for run in sorted(glob.glob(os.path.join(folder, 'seed=*'))):
        path = os.path.join(run, 'summary.json')
        if os.path.exists(path):
            final = json.load(open(path))['final']
            out.append((final['error'], final['greedy_sequence_error']))
    return out


def stats(values):
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    se = 0.0 if n == 1 else math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n)
    return mean, se, n


def cell(s):
    return '—' if s is None else f'{100 * s[0]:.2f} ± {100 * s[1]:.2f} % (n = {s[2]})'


def old_row(setting, method):
    for row in csv.DictReader(open(os.path.join(OLD, setting, 'summary.csv'))):
        if row['method'] == method:
            return float(row['final_error_mean']), float(row['final_error_se']), int(row['n'])


def pooled(old, new):
    """Mean ± s.e. over old seeds (known by mean, s.e., n) and new seed values, exactly as over all of them."""
    m, se, n = old
    total, squares = n * m, (n - 1) * (se * se * n) + n * m * m
    total += sum(new)
    squares += sum(v * v for v in new)
    count = n + len(new)
    mean = total / count
    variance = max(0.0, (squares - count * mean * mean) / (count - 1))
    return mean, math.sqrt(variance / count), count


def bug_table():
    methods = ['pg', 'is-pg', 'ppo', 'pmpo', 'vaco', 'dg']
    print('| method | claimed: sampled error | claimed: greedy sequence error (seeds 3–4) | actual: sampled error | actual: greedy sequence error |')
    print('|---|---|---|---|---|')
    for m in methods:
        extra = seeds(os.path.join(ROOT, 'bug-claimed-seeds-3-4', f'method={m}'))
        claimed = pooled(old_row('bug', m), [e for e, _ in extra]) if extra else old_row('bug', m)
        claimed_greedy = stats([g for _, g in extra])
        if m in ('pg', 'dg'):
            actual, actual_greedy = 'same runs as claimed (never reads behaviour log-probs)', '—'
        else:
            runs = seeds(os.path.join(ROOT, 'bug-actual', f'method={m}'))
            actual, actual_greedy = cell(stats([e for e, _ in runs])), cell(stats([g for _, g in runs]))
        print(f'| {m} | {cell(claimed)} | {cell(claimed_greedy)} | {actual} | {actual_greedy} |')


def grid_table(setting, sweeps):
    print('| method | setting | sampled error | greedy sequence error |')
    print('|---|---|---|---|')
    for method, default, sweep in sweeps:
        print(f'| {method} | default ({default}) | {cell(old_row(setting, method))} | not kept (seeds 0–2 of reversal-frictions) |')
        for folder in sorted(glob.glob(os.path.join(ROOT, sweep, '*=*'))):
            runs = seeds(folder)
            if runs:
                label = os.path.basename(folder).replace(',', ', ')
                print(f'| {method} | {label} | {cell(stats([e for e, _ in runs]))} | {cell(stats([g for _, g in runs]))} |')


def ten_seed_table():
    """All four frictions, every method at its default and PMPO at the launchers' α = 1, β = 0, seeds 0-9 run afresh."""
    print('| method | setting | sampled error | greedy sequence error |')
    print('|---|---|---|---|')
    rows = []
    for folder in sorted(glob.glob(os.path.join(ROOT, 'all-four-10-seeds', 'method=*'))):
        rows.append((os.path.basename(folder).split('=', 1)[1], 'default', seeds(folder)))
    # One method, no grid: the sweep keeps its seeds at the top.
    rows.append(('pmpo', 'α = 1, β = 0 (the launchers\')', seeds(os.path.join(ROOT, 'all-four-10-seeds-pmpo-tuned'))))
    rows = [(stats([e for e, _ in runs])[0], method, setting, runs) for method, setting, runs in rows if runs]
    for _, method, setting, runs in sorted(rows):
        print(f'| {method} | {setting} | {cell(stats([e for e, _ in runs]))} | {cell(stats([g for _, g in runs]))} |')


if __name__ == '__main__':
    print('### bug (p = 0.05) under both bug models\n')
    bug_table()
    print('\n### all four frictions: each baseline\'s knob\n')
    grid_table('all-four', [('ppo', 'ε = 0.2', 'all-four-ppo'), ('pmpo', 'α = 0.5, β = 0.1', 'all-four-pmpo'),
                            ('is-pg', 'no truncation', 'all-four-is-pg'), ('vaco', 'δ = 0.2', 'all-four-vaco')])
    print('\n### no friction: pmpo\'s knobs\n')
    grid_table('none', [('pmpo', 'α = 0.5, β = 0.1', 'none-pmpo')])
    if glob.glob(os.path.join(ROOT, 'all-four-10-seeds', '*=*')):
        print('\n### all four frictions, 10 seeds\n')
        ten_seed_table()
