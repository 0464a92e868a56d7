"The demo experiment, run as a user runs it: papermill into a run folder."
import json
import papermill as pm
import soundfile as sf


def test_preview_writes_a_run_folder(repo_root, tmp_path):
    run = tmp_path / 'runs' / 'preview'
    run.mkdir(parents=True)
    pm.execute_notebook(str(repo_root / 'nbs' / 'preview.ipynb'), str(run / 'run.ipynb'),
                        parameters=dict(run_dir=str(run), n_scores=2), cwd=str(repo_root / 'nbs'), progress_bar=False)
    assert (run / 'run.ipynb').is_file()
    assert json.loads((run / 'config.json').read_text()) == dict(n_scores=2, seed=0)
    env = json.loads((run / 'env.json').read_text())
    assert env['packages']['timbrelab'] and env['devices'] == ['cpu']
    assert sorted(p.name for p in (run / 'figures').glob('*.png')) == ['preview-test-000.png', 'preview-test-001.png']
    wavs = sorted((run / 'audio').glob('*.wav'))
    assert len(wavs) == 2 * 5
    for wav in wavs:
        info = sf.info(wav)
        assert (info.samplerate, info.frames) == (16000, 64000)
    assert json.loads((run / 'metrics.json').read_text())['audio'] == 10
