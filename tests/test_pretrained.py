"The models that ship: listed, described by their cards, and transferring by name from the command line and in the "
"transfer notebook, without training."
import os, shutil, subprocess, sys
from pathlib import Path

import papermill as pm
import pytest
import soundfile as sf
from timbrelab.models import PRETRAINED, pretrained
from timbrelab.ship import pretrained_specs


def test_every_entry_of_the_spec_ships_with_its_card(repo_root):
    specs, shipped = pretrained_specs(repo_root / 'configs' / 'pretrained.yaml'), pretrained()
    assert set(specs) == set(shipped), (list(specs), list(shipped))
    for name, spec in specs.items():
        card = shipped[name]
        assert card['pairs'] == spec['pairs'] and card['trained']['seed'] == spec['params']['seed'], name
        assert all({'identity', 'oracle', 'model'} == {r['system'] for r in e['rows']} for e in card['evaluations'])
        source = spec['pairs'][0][0]
        assert (PRETRAINED / f'{name}.{source}.flac').is_file(), name
    assert sum(p.stat().st_size for p in PRETRAINED.iterdir()) < 10e6, "a few MB in all"


def test_transfer_by_name_from_the_command_line(tmp_path):
    name, card = next(iter(pretrained().items()))
    source, target = card['pairs'][0]
    example, out = PRETRAINED / f'{name}.{source}.flac', tmp_path / 'out.wav'
    exe = Path(sys.executable).parent / 'timbrelab-transfer'
    r = subprocess.run([str(exe), str(example), str(out), '--model', name, '--source', source, '--target', target],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert sf.info(str(out)).frames == sf.info(str(example)).frames and f'as {target}' in r.stdout
    r = subprocess.run([str(exe), str(example), str(out), '--model', 'nosuchmodel', '--target', target],
                       capture_output=True, text=True)
    assert r.returncode != 0 and 'nosuchmodel' in r.stderr and name in r.stderr, r.stderr


def test_the_transfer_notebook_offers_a_pretrained_model(repo_root, tmp_path):
    "Its test clips and judges come from the model's corpus, General MIDI: rendered by FluidSynth (CI installs it)."
    if not shutil.which('fluidsynth'):
        message = "FluidSynth is not installed: apt-get install fluidsynth fluid-soundfont-gm"
        pytest.fail(message) if os.environ.get('CI') else pytest.skip(message)
    name = next(iter(pretrained()))
    out = tmp_path / 'transfer.ipynb'
    pm.execute_notebook(str(repo_root / 'nbs' / 'transfer.ipynb'), str(out), cwd=str(repo_root / 'nbs'),
                        parameters=dict(checkpoint=name, seconds=2.0), progress_bar=False)
    text = out.read_text()
    assert f'model {name}: DDSP' in text and text.count('<audio ') >= 3
