"The training template run by papermill at a tiny size, resumed, and the transfer CLI on its checkpoint."
import json, subprocess, sys
from pathlib import Path

import numpy as np
import papermill as pm
import soundfile as sf
from timbrelab.synth import random_score, render


def train(repo_root, run, **params):
    pm.execute_notebook(str(repo_root / 'nbs' / 'train.ipynb'), str(run / f"run-{params.get('steps', 3)}.ipynb"),
                        parameters=dict(run_dir=str(run), **params), cwd=str(repo_root / 'nbs'), progress_bar=False)


def test_train_run_resume_and_transfer(repo_root, tmp_path):
    run = tmp_path / 'run'
    run.mkdir()
    train(repo_root, run, steps=3, sample_every=2)
    metrics = json.loads((run / 'metrics.json').read_text())
    assert {r['system'] for r in metrics['rows']} == {'identity', 'oracle', 'model'} and metrics['steps'] == 3
    for f in ('ckpt/last.pt', 'losses.jsonl', 'figures/losses.png', 'samples/step-000002/fake_b.wav', 'samples/step-000003/spectrograms.png',
              'audio/transfer.wav', 'env.json'):
        assert (run / f).is_file(), f
    train(repo_root, run, steps=5, resume=True, eval_pairs=0)       # continues from step 3
    steps = [json.loads(l)['step'] for l in (run / 'losses.jsonl').read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5]

    source = tmp_path / 'long.wav'                                    # 9 s at 22.05 kHz stereo: several chunks
    audio = render(random_score(1, 9.0), 'clarinet', sr=22050)
    sf.write(source, np.stack([audio, 0.5 * audio], 1), 22050)
    exe = Path(sys.executable).parent / 'timbrelab-transfer'
    r = subprocess.run([str(exe), str(source), str(tmp_path / 'out.wav'), '--checkpoint', str(run / 'ckpt' / 'last.pt')],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out, sr = sf.read(tmp_path / 'out.wav')
    assert sr == 22050 and abs(len(out) - len(audio)) <= 1 and np.isfinite(out).all() and np.abs(out).max() > 0
    r = subprocess.run([str(exe), str(source), str(tmp_path / 'x.wav'), '--checkpoint', str(tmp_path / 'missing.pt')],
                       capture_output=True, text=True)
    assert r.returncode != 0 and 'missing.pt' in r.stderr
