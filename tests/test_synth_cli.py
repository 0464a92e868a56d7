"The `timbrelab-synth` console script builds the same dataset as `build_dataset`."
import csv, subprocess, sys
from pathlib import Path

import pytest
from timbrelab.synth import build_dataset


def run_cli(*args):
    exe = Path(sys.executable).parent / 'timbrelab-synth'
    return subprocess.run([str(exe), *args], capture_output=True, text=True)


def test_cli_builds_the_dataset_build_dataset_builds(tmp_path):
    r = run_cli(str(tmp_path / 'cli'), '--instruments', 'violin,piano', '--n_train', '2', '--n_test', '1',
                '--seconds', '1', '--sr', '8000', '--seed', '3')
    assert r.returncode == 0, r.stderr
    assert 'wrote 6 clips' in r.stdout
    ref = build_dataset(tmp_path / 'ref', ['violin', 'piano'], n_train=2, n_test=1, seconds=1, sr=8000, seed=3)
    files = sorted(p.relative_to(ref) for p in ref.rglob('*') if p.is_file())
    assert len(files) == 7
    for f in files: assert (tmp_path / 'cli' / f).read_bytes() == (ref / f).read_bytes(), f
    rows = list(csv.DictReader(open(tmp_path / 'cli' / 'metadata.csv')))
    assert {r['split'] for r in rows} == {'train', 'test'} and {r['instrument'] for r in rows} == {'violin', 'piano'}


@pytest.mark.parametrize('args, message', [
    (['--instruments', 'kazoo'], 'known instruments'),
    (['--seconds', '0'], 'seconds'),
    (['--sr', '-1'], 'sr'),
])
def test_cli_rejects_bad_options(tmp_path, args, message):
    r = run_cli(str(tmp_path / 'out'), *args)
    assert r.returncode != 0 and message in r.stderr


def test_cli_help_lists_options():
    r = run_cli('--help')
    assert r.returncode == 0
    for option in ('--instruments', '--n_train', '--n_test', '--seconds', '--sr', '--seed'): assert option in r.stdout
