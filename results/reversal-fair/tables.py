#!/usr/bin/env python3
"""Tables for RESULTS.md's reversal-fair section (issue 14, deliverables 3-4).

Defaults and both bug models come from reversal-frictions' committed summary.csv (10 seeds, written by
`delight reproduce reversal-frictions`); the knob grids and PMPO's tuned 10 seeds from the run folders that
results/reversal-fair/run.sh writes (each run's summary.json is committed). Mean ± s.e. (sample s.d. / sqrt n) over
seeds, as SeedStatistics. Usage: python3 results/reversal-fair/tables.py (from the repository root)."""
import csv, glob, json, math, os

ROOT = 'results/reversal-fair/sweep'
FRICTIONS = 'results/reversal-frictions/sweep'
METHODS = ['pg', 'is-pg', 'ppo', 'pmpo', 'vaco', 'dg']


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


def frictions_row(setting, method):
    """(sampled, greedy) statistics of one method's default in reversal-frictions' summary.csv."""
    for row in csv.DictReader(open(os.path.join(FRICTIONS, setting, 'summary.csv'))):
        if row['method'] == method:
            n = int(row['n'])
            return ((float(row['final_error_mean']), float(row['final_error_se']), n),
                    (float(row['final_greedy_sequence_error_mean']), float(row['final_greedy_sequence_error_se']), n))
    raise KeyError(f'{setting}/{method}')


def bug_table():
    print('| method | claimed: sampled error | claimed: greedy sequence error | actual: sampled error | actual: greedy sequence error |')
    print('|---|---|---|---|---|')
    for m in METHODS:
        claimed, claimed_greedy = frictions_row('bug', m)
        actual, actual_greedy = frictions_row('bug-actual', m)
        print(f'| {m} | {cell(claimed)} | {cell(claimed_greedy)} | {cell(actual)} | {cell(actual_greedy)} |')


def grid_rows(setting, method, default, sweeps):
    """The default (reversal-frictions, 10 seeds) and every knob value of the sweeps (3 seeds), best sampled error first."""
    sampled, greedy = frictions_row(setting, method)
    rows = [(sampled, greedy, f'default ({default})')]
    for sweep in sweeps:
        for folder in sorted(glob.glob(os.path.join(ROOT, sweep, '*=*'))):
            runs = seeds(folder)
            if runs:
                rows.append((stats([e for e, _ in runs]), stats([g for _, g in runs]), os.path.basename(folder).replace(',', ', ')))
    return sorted(rows, key=lambda r: r[0][0])


def grid_table(setting, knobs):
    print('| method | setting | sampled error | greedy sequence error | best? |')
    print('|---|---|---|---|---|')
    for method, default, sweeps in knobs:
        rows = grid_rows(setting, method, default, sweeps)
        for i, (sampled, greedy, label) in enumerate(rows):
            print(f'| {method} | {label} | {cell(sampled)} | {cell(greedy)} | {"best" if i == 0 else ""} |')


def ten_seed_table():
    """All four frictions at 10 seeds: every method at its default (reversal-frictions) and PMPO at α = 1, β = 0."""
    print('| method | setting | sampled error | greedy sequence error |')
    print('|---|---|---|---|')
    rows = [(frictions_row('all-four', m), m, 'default') for m in METHODS]
    tuned = seeds(os.path.join(ROOT, 'all-four-10-seeds-pmpo-tuned'))
    rows.append(((stats([e for e, _ in tuned]), stats([g for _, g in tuned])), 'pmpo', 'α = 1, β = 0 (the launchers\')'))
    for (sampled, greedy), method, setting in sorted(rows, key=lambda r: r[0][0][0]):
        print(f'| {method} | {setting} | {cell(sampled)} | {cell(greedy)} |')


if __name__ == '__main__':
    print('### bug (p = 0.05) under both bug models\n')
    bug_table()
    print('\n### all four frictions: each baseline\'s knob\n')
    grid_table('all-four', [('ppo', 'ε = 0.2', ['all-four-ppo', 'all-four-ppo-grid']),
                            ('pmpo', 'α = 0.5, β = 0.1', ['all-four-pmpo-grid']),
                            ('is-pg', 'no truncation', ['all-four-is-pg', 'all-four-is-pg-grid']),
                            ('vaco', 'δ = 0.2', ['all-four-vaco', 'all-four-vaco-grid'])])
    print('\n### no friction: pmpo\'s knobs\n')
    grid_table('none', [('pmpo', 'α = 0.5, β = 0.1', ['none-pmpo-grid'])])
    print('\n### all four frictions, 10 seeds\n')
    ten_seed_table()
