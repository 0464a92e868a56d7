"The evaluation template, run as a user runs it, on the two reference systems."
import json

import papermill as pm
import pytest


@pytest.mark.parametrize('model', ['identity', 'oracle'])
def test_evaluate_writes_the_table(repo_root, tmp_path, model):
    "The table of either reference scored as the model; the untouched input, with check_transfer, also fails the "
    "run once the table is written: the assertion can fail."
    run = tmp_path / model
    run.mkdir()
    execute = lambda: pm.execute_notebook(str(repo_root / 'nbs' / 'evaluate.ipynb'), str(run / 'evaluate.ipynb'),
                                          parameters=dict(run_dir=str(run), model=model, n_pairs=2,
                                                          check_transfer=model == 'identity'),
                                          cwd=str(repo_root / 'nbs'), progress_bar=False)
    if model == 'identity':
        with pytest.raises(pm.PapermillExecutionError, match='did not reach the transfer bar'): execute()
    else: execute()
    metrics = json.loads((run / 'metrics.json').read_text())
    rows = {r['system']: r for r in metrics['rows']}
    assert set(rows) == {'identity', 'oracle', 'model'} and metrics['n_pairs'] == 2
    assert {r['judge'] for r in metrics['judges']} == {'cnn', 'spectral', 'harmonic'}
    knows = [r for r in metrics['judges'] if r['audio'] == 'clean' and r['measure'] == 'accuracy']
    assert len(knows) == 3 and all(r['all'] >= 0.95 for r in knows)                   # validated before they judge
    assert all(r['all'] >= 0.8 for r in metrics['judges'] if r['measure'] == 'P(own label)')   # and sure of the real thing
    assert rows['oracle']['target_prob'] == min(rows['oracle'][f'target_prob_{j}'] for j in ('cnn', 'spectral', 'harmonic'))
    assert rows['model'] == {**rows[model], 'system': 'model'}
    assert rows['identity']['rpa'] > 0.99 and rows['identity']['target_prob'] < 0.05
    assert rows['oracle']['target_prob'] > 0.8 and rows['oracle']['lsd'] < rows['identity']['lsd']
    assert (run / 'figures' / 'evaluation.png').is_file() and (run / 'env.json').is_file()

