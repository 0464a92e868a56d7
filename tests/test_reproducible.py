"A run's numbers depend on its config, seed, threads and CPU, not on what else the machine is doing."
import json, os, subprocess, sys

import torch
import yaml
from timbrelab.bench import busy_neighbour
from timbrelab.runs import threads_for


def demo_steps(repo_root, run, steps=30):
    "The demo preset for `steps` steps through the training entry point, with default settings (the threads included)."
    preset = yaml.safe_load((repo_root / 'configs' / 'demo.yaml').read_text())
    config = run.parent / f'{run.name}.yaml'
    config.write_text(yaml.safe_dump(dict(preset, steps=steps, checkpoint_every=steps, sample_every=0, run_dir=str(run))))
    env = {k: v for k, v in os.environ.items() if k != 'OMP_NUM_THREADS'}   # the machine's choice, as `make demo` has it
    done = subprocess.run([sys.executable, '-m', 'timbrelab.train', '--config', str(config)], capture_output=True,
                          text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return run


def tensors(x, prefix=''):
    "Every tensor inside nested dicts and lists, by its path."
    if torch.is_tensor(x): return {prefix: x}
    items = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, (list, tuple)) else []
    return {k: t for key, v in items for k, t in tensors(v, f'{prefix}/{key}').items()}


def test_demo_is_the_same_run_beside_a_busy_neighbour(repo_root, tmp_path):
    alone = demo_steps(repo_root, tmp_path / 'alone')
    with busy_neighbour() as neighbour:
        beside = demo_steps(repo_root, tmp_path / 'beside')
        assert neighbour.poll() is None                                 # it was busy all along
    env = json.loads((alone / 'env.json').read_text())
    assert env['torch_threads'] == threads_for(1) == json.loads((alone / 'config.json').read_text())['threads']
    assert (alone / 'losses.jsonl').read_text() == (beside / 'losses.jsonl').read_text()
    a, b = (torch.load(r / 'ckpt' / 'last.pt', weights_only=True) for r in (alone, beside))
    assert a['step'] == b['step'] == 30 and a['threads'] == b['threads'] == env['torch_threads']
    ta, tb = (tensors({k: c[k] for k in ('model', 'optimizers', 'rng')}) for c in (a, b))
    assert ta.keys() == tb.keys() and len(ta) > 50
    assert not [k for k in ta if not torch.equal(ta[k], tb[k])]         # every weight, moment and random state, to the bit
