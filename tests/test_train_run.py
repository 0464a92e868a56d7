"The training template run by papermill at a tiny size, resumed, and the transfer CLI on its checkpoint."
import json, subprocess, sys
from pathlib import Path

import numpy as np
import papermill as pm
import pytest
import soundfile as sf
import yaml
from timbrelab.notebooks import is_trusted, run_template
from timbrelab.synth import random_score, render


def train(repo_root, run, **params):
    pm.execute_notebook(str(repo_root / 'nbs' / 'train.ipynb'), str(run / f"run-{params.get('steps', 3)}.ipynb"),
                        parameters=dict(run_dir=str(run), **params), cwd=str(repo_root / 'nbs'), progress_bar=False)


def transfer_cli(*args):
    exe = Path(sys.executable).parent / 'timbrelab-transfer'
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True)


def test_train_run_resume_and_transfer(repo_root, tmp_path):
    run = tmp_path / 'run'
    run.mkdir()
    train(repo_root, run, steps=3, sample_every=2)
    metrics = json.loads((run / 'metrics.json').read_text())
    assert {r['system'] for r in metrics['rows']} == {'identity', 'oracle', 'model'} and metrics['steps'] == 3
    for f in ('ckpt/last.pt', 'losses.jsonl', 'figures/losses.png', 'samples/step-000002/fake_b.wav', 'samples/step-000003/spectrograms.png',
              'audio/test-000/model.wav', 'audio/test-000/target.wav', 'env.json'):
        assert (run / f).is_file(), f
    config = json.loads((run / 'config.json').read_text())   # exactly the parameters cell's names, with the values used
    assert set(config) == set(pm.inspect_notebook(str(repo_root / 'nbs' / 'train.ipynb'))) and config['sample_every'] == 2
    env = json.loads((run / 'env.json').read_text())          # the threads it computed with, the CPU and its kernels
    assert config['threads'] == env['torch_threads'] >= 1 and env['cpu'] and env['cpu_capability'], (config, env)
    written = {f: (run / f).read_text() for f in ('config.json', 'env.json', 'losses.jsonl')}
    with pytest.raises(pm.PapermillExecutionError, match='already holds a run'):
        train(repo_root, run, steps=3, eval_pairs=0)                # resume off: the earlier run is not replaced
    with pytest.raises(pm.PapermillExecutionError, match='model_config.width: 4 != 8'):
        train(repo_root, run, steps=5, resume=True, eval_pairs=0, model_config={'width': 8, 'n_blocks': 1, 'd_width': 8, 'gl_iters': 8})
    assert written == {f: (run / f).read_text() for f in written}   # refused before anything was written
    train(repo_root, run, steps=5, resume=True, eval_pairs=0)       # continues from step 3
    steps = [json.loads(l)['step'] for l in (run / 'losses.jsonl').read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5]

    source = tmp_path / 'long.wav'                                    # 9 s at 22.05 kHz stereo: several chunks
    audio = render(random_score(1, 9.0), 'clarinet', sr=22050)
    sf.write(source, np.stack([audio, 0.5 * audio], 1), 22050)
    r = transfer_cli(source, tmp_path / 'out.wav', '--checkpoint', run / 'ckpt' / 'last.pt', '--target', 'violin')
    assert r.returncode == 0, r.stderr
    out, sr = sf.read(tmp_path / 'out.wav')
    assert sr == 22050 and abs(len(out) - len(audio)) <= 1 and np.isfinite(out).all() and np.abs(out).max() > 0
    assert '2 channels mixed to mono' in r.stdout and sf.info(tmp_path / 'out.wav').subtype == 'FLOAT'   # said, and not clipped
    r = transfer_cli(source, tmp_path / 'out.xyz', '--checkpoint', run / 'ckpt' / 'last.pt', '--target', 'violin')
    assert r.returncode != 0 and '.xyz is not an audio format' in r.stderr and not (tmp_path / 'out.xyz').exists()
    sf.write(tmp_path / 'blip.wav', audio[:441], 22050)                                  # 20 ms
    r = transfer_cli(tmp_path / 'blip.wav', tmp_path / 'blip-out.wav', '--checkpoint', run / 'ckpt' / 'last.pt', '--target', 'violin')
    assert r.returncode == 0 and sf.info(tmp_path / 'blip-out.wav').frames == 441, r.stderr
    (tmp_path / 'noise.pt').write_bytes(bytes(range(256)) * 64)
    r = transfer_cli(source, tmp_path / 'x.wav', '--checkpoint', tmp_path / 'noise.pt', '--target', 'violin')
    assert r.returncode != 0 and 'is not a timbrelab checkpoint' in r.stderr and 'weights_only=False' not in r.stderr
    r = transfer_cli(source, tmp_path / 'x.wav', '--checkpoint', tmp_path / 'missing.pt', '--target', 'violin')
    assert r.returncode != 0 and 'missing.pt' in r.stderr
    r = transfer_cli(source, tmp_path / 'x.wav', '--checkpoint', run / 'ckpt' / 'last.pt')
    assert r.returncode != 0 and 'clarinet, violin' in r.stderr
    r = transfer_cli(source, tmp_path / 'x.wav', '--checkpoint', run / 'ckpt' / 'last.pt', '--target', 'kazoo')
    assert r.returncode != 0 and "target domain 'kazoo'" in r.stderr
    r = transfer_cli(source, tmp_path / 'x.wav', '--checkpoint', run / 'ckpt' / 'last.pt', '--model', 'gm-kazoo')
    assert r.returncode != 0 and 'give --checkpoint' in r.stderr and '--model' in r.stderr
    r = transfer_cli(source, tmp_path / 'y.wav', '--model', 'gm-kazoo', '--target', 'violin')
    assert r.returncode != 0 and "pretrained model 'gm-kazoo'" in r.stderr and not (tmp_path / 'y.wav').exists()


def test_template_model_end_to_end(repo_root, tmp_path):
    "The template model through everything a model plugs into: trainer, checkpoint, resume, load, CLI, evaluation."
    run = tmp_path / 'eq'
    run.mkdir()
    train(repo_root, run, model='template', model_config={'gl_iters': 8}, steps=4, eval_pairs=1, checkpoint_every=2)
    rows = {r['system']: r for r in json.loads((run / 'metrics.json').read_text())['rows']}
    assert rows['identity']['rpa'] > 0.99 and rows['model']['lsd'] != rows['identity']['lsd']   # scored, and it did something
    train(repo_root, run, model='template', model_config={'gl_iters': 8}, steps=6, resume=True, eval_pairs=0)
    assert [json.loads(l)['step'] for l in (run / 'losses.jsonl').read_text().splitlines()] == list(range(1, 7))
    clip = tmp_path / 'clip.wav'
    sf.write(clip, render(random_score(2, 1.0), 'clarinet'), 16000)
    r = transfer_cli(clip, tmp_path / 'out.wav', '--checkpoint', run / 'ckpt' / 'last.pt', '--target', 'violin')
    assert r.returncode == 0, r.stderr
    heard = run_template(repo_root / 'nbs' / 'transfer.ipynb', tmp_path / 'heard', cwd=str(repo_root / 'nbs'),
                         parameters=dict(checkpoint=str(run / 'ckpt' / 'last.pt'), audio=str(clip)))
    html = json.dumps(json.loads(heard.read_text()), ensure_ascii=False)
    assert is_trusted(heard) and html.count('<audio controls') == 2 and 'transfer: clarinet → violin' in html   # any model
    assert sf.info(tmp_path / 'out.wav').frames == 16000
    scored = tmp_path / 'scored'
    scored.mkdir()
    pm.execute_notebook(str(repo_root / 'nbs' / 'evaluate.ipynb'), str(scored / 'evaluate.ipynb'), cwd=str(repo_root / 'nbs'),
                        parameters=dict(run_dir=str(scored), model=str(run / 'ckpt' / 'last.pt'), n_pairs=1), progress_bar=False)
    again = {r['system']: r for r in json.loads((scored / 'metrics.json').read_text())['rows']}
    assert again['model']['target_prob'] is not None and again['identity'] == {**rows['identity']}


def test_init_from_with_frozen_nets(repo_root, tmp_path):
    "A fresh run starts from another run's weights with nets frozen; the frozen net ends the run as it was loaded."
    import torch
    first, second = tmp_path / 'first', tmp_path / 'second'
    first.mkdir(), second.mkdir()
    train(repo_root, first, steps=2, eval_pairs=0)
    train(repo_root, second, steps=2, eval_pairs=0, init_from=str(first / 'ckpt' / 'last.pt'), freeze=['G_AB'])
    a, b = (torch.load(r / 'ckpt' / 'last.pt', weights_only=True)['model'] for r in (first, second))
    assert all(torch.equal(a[k], b[k]) for k in a if k.startswith('G_AB.'))
    assert any(not torch.equal(a[k], b[k]) for k in a if k.startswith('G_BA.'))


@pytest.mark.parametrize('notebook', ['train', 'evaluate', 'preview', 'timbretron', 'compare', 'transfer'])
def test_papermill_parses_every_parameter_line(repo_root, notebook, caplog):
    pm.inspect_notebook(str(repo_root / 'nbs' / f'{notebook}.ipynb'))
    assert not [r.getMessage() for r in caplog.records if r.levelname == 'WARNING'], caplog.text


def test_presets_are_parameters_of_the_template(repo_root):
    "Every key of every preset is a parameter of the notebook it runs (the experiment notebook of its name, else the "
    "training template), so papermill never drops one silently; the list of models that ship is checked as one."
    from timbrelab.ship import pretrained_specs
    for preset in (repo_root / 'configs').glob('*.yaml'):
        if preset.name == 'pretrained.yaml': pretrained_specs(preset); continue
        notebook = repo_root / 'nbs' / f'{preset.stem}.ipynb'
        known = set(pm.inspect_notebook(str(notebook if notebook.is_file() else repo_root / 'nbs' / 'train.ipynb')))
        assert set(yaml.safe_load(preset.read_text())) <= known, preset
