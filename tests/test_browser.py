"""JupyterLab in headless Chromium, used as a researcher uses it: the tour and the transfer notebook run top to bottom,
their widgets answer clicks, every player has audio, the run folder the tour wrote opens with live audio and widgets,
the listening test still works after Run All, and saving the notebooks leaves git as it was.

Needs Debian's `chromium` and `chromium-driver` (CI installs them). TIMBRELAB_SCREENSHOTS=folder keeps screenshots."""
import os, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest
import soundfile as sf
from timbrelab.synth import random_score, render

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, DRIVER = Path('/usr/bin/chromium'), Path('/usr/bin/chromedriver')
TOKEN = 'timbrelab-browser-test'
CHROMIUM_FLAGS = ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic',
                  '--window-size=1400,1800', '--autoplay-policy=no-user-gesture-required')


def wait_for(condition, timeout: float, what: str, every: float = 0.5):
    "Poll `condition()` until it returns something truthy; fail naming `what` after `timeout` seconds."
    end = time.time() + timeout
    while time.time() < end:
        value = condition()
        if value: return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    "A JupyterLab server on this checkout and a headless Chromium driving it."
    if not (CHROMIUM.exists() and DRIVER.exists()):
        message = "needs /usr/bin/chromium and /usr/bin/chromedriver: apt-get install chromium chromium-driver"
        pytest.fail(message) if os.environ.get('CI') else pytest.skip(message)
    from selenium import webdriver
    home, port = tmp_path_factory.mktemp('lab'), free_port()
    for extension, settings in (('apputils-extension/notification', '{"fetchNews": "false"}'),   # no news pop-up
                                ('notebook-extension/tracker', '{"windowingMode": "none"}')):   # every cell in the page
        path = home / 'settings' / '@jupyterlab' / f'{extension}.jupyterlab-settings'
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(settings)
    log = open(home / 'server.log', 'w')
    server = subprocess.Popen(
        [sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1',
         f'--IdentityProvider.token={TOKEN}', f'--ServerApp.root_dir={ROOT}', '--LabApp.expose_app_in_browser=True',
         f'--LabApp.workspaces_dir={home / "workspaces"}', f'--LabApp.user_settings_dir={home / "settings"}',
         *(['--allow-root'] if os.geteuid() == 0 else [])],
        env=dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / 'runtime')), stdout=log, stderr=subprocess.STDOUT)

    def up():
        if server.poll() is not None: raise RuntimeError(f"JupyterLab exited: see {home / 'server.log'}")
        try: return urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={TOKEN}', timeout=2).status == 200
        except OSError: return False
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS + (f'--user-data-dir={home / "chromium"}',): options.add_argument(flag)
    try:
        wait_for(up, 90, 'the JupyterLab server')
        driver = webdriver.Chrome(service=webdriver.ChromeService(str(DRIVER)), options=options)
        yield driver, port, home
        driver.quit()
    finally:
        server.terminate(); server.wait(30); log.close()


def js(driver, script: str, *args):
    return driver.execute_script(script, *args)


CURRENT = "const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"


def open_notebook(driver, port: int, path: str):
    "Open `path` (relative to the checkout) in JupyterLab and wait for its kernel to be idle."
    driver.get(f'http://127.0.0.1:{port}/lab/tree/{path}?token={TOKEN}')
    wait_for(lambda: js(driver, CURRENT + f"return !!(w && w.context && w.context.path === {path!r} && "
                                          "w.content.widgets.length && w.sessionContext.session && "
                                          "w.sessionContext.session.kernel && "
                                          "w.sessionContext.session.kernel.status === 'idle')"), 120, f'{path} to open')


def run_all(driver, timeout: float):
    "Run → Run All Cells, clicked in the menu bar; wait until every code cell has run or the run stopped."
    driver.find_element('xpath', "//li[contains(@class,'lm-MenuBar-item')][normalize-space()='Run']").click()
    driver.find_element('xpath', "//li[contains(@class,'lm-Menu-item')][.//div[normalize-space()='Run All Cells']]").click()
    status = CURRENT + "return w.sessionContext.session.kernel.status;"
    queued = CURRENT + "return w.content.widgets.some(c => c.model.type === 'code' && c.promptNode.textContent.includes('*'));"
    wait_for(lambda: js(driver, queued) or js(driver, status) == 'busy', 30, 'the cells to start')
    wait_for(lambda: not js(driver, queued) and js(driver, status) == 'idle'
             and (time.sleep(1.5) or (not js(driver, queued) and js(driver, status) == 'idle')), timeout, 'Run All')


PAGE = """
const root = window.jupyterapp.shell.currentWidget.node;   // the notebook in front, not those in other tabs
const outputs = [...root.querySelectorAll('.jp-OutputArea-output')];
return {
  errors: [...root.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')]
            .map(e => e.textContent.slice(0, 300)),
  fallbacks: outputs.map(o => o.textContent.trim()).filter(t => /^(VBox|HBox|Output|Dropdown|Button|HTML|FloatProgress)\\(/.test(t)),
  widgets: root.querySelectorAll('.jupyter-widgets').length,
  audio: [...root.querySelectorAll('audio')].map(a => ({src: (a.currentSrc || a.src).slice(0, 22),
                                                                       ready: a.readyState, seconds: a.duration})),
  unrun: [...root.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
            .map(p => p.textContent.trim()).filter(t => !/\\[\\d+\\]/.test(t)).length,
};"""


def page(driver) -> dict:
    "What the open notebook shows: error outputs, widgets shown as text, rendered widgets, players."
    return js(driver, PAGE)


def check_page(driver, what: str, min_audio: int, ran: bool = True) -> dict:
    "No error output, widgets rendered as widgets, at least `min_audio` players, each with playable audio."
    loaded = lambda p: len(p['audio']) >= min_audio and all(a['ready'] >= 1 for a in p['audio'])
    try: shown = wait_for(lambda: (lambda p: p if loaded(p) else None)(page(driver)), 60, f'the players of {what}')
    except AssertionError: shown = page(driver)
    assert shown['errors'] == [], f"{what} shows error output: {shown['errors']}"
    assert shown['fallbacks'] == [], f"{what} shows widgets as text: {shown['fallbacks']}"
    assert len(shown['audio']) >= min_audio, f"{what}: {len(shown['audio'])} players, expected >= {min_audio}"
    for a in shown['audio']:
        assert a['src'].startswith(('data:audio/wav', 'blob:')) and a['seconds'] > 0, f"{what}: a player without audio: {a}"
    assert not ran or shown['unrun'] == 0, f"{what}: {shown['unrun']} code cells did not run"
    return shown


def click(driver, xpath: str):
    element = driver.find_element('xpath', xpath)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def answer_listening_trial(driver, what: str):
    "Answer the displayed listening test's first trial (first option of every question) and press Next."
    trial = "(//div[contains(@class,'widget-vbox')][.//b[starts-with(normalize-space(),'Trial 1 of')]])[last()]"
    for group in driver.find_elements('xpath', trial + "//div[contains(@class,'widget-toggle-buttons')]"):
        button = group.find_element('css selector', 'button')
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        button.click()
    click(driver, trial + "//button[normalize-space()='Next']")
    wait_for(lambda: driver.find_elements('xpath', "//b[starts-with(normalize-space(),'Trial 2 of')]"), 20,
             f'the listening test of {what} to move to trial 2')


UPLOAD = """
const click = HTMLInputElement.prototype.click;   // the upload button clicks a file input that is not in the page:
HTMLInputElement.prototype.click = function () {  // put it in the page instead of opening a file dialog
  if (this.type !== 'file') return click.call(this);
  this.id = 'timbrelab-upload'; this.style.display = 'block'; document.body.appendChild(this);
  HTMLInputElement.prototype.click = click;
};"""


def upload(driver, path: Path):
    "Choose `path` in the notebook's upload widget, as a file dialog would."
    js(driver, UPLOAD)
    click(driver, "//button[contains(@class,'widget-upload')]")
    driver.find_element('id', 'timbrelab-upload').send_keys(str(path))


def save(driver):
    "File → Save, as a person would; wait until the notebook is no longer dirty."
    js(driver, "return window.jupyterapp.commands.execute('docmanager:save');")
    wait_for(lambda: js(driver, CURRENT + "return !w.context.model.dirty;"), 30, 'the save')


def screenshot(driver, xpath: str, name: str):
    folder = os.environ.get('TIMBRELAB_SCREENSHOTS')
    if not folder: return
    element = driver.find_element('xpath', xpath)
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'}); const panel = "
                          "arguments[0].closest('.jp-WindowedPanel-outer'); if (panel) panel.scrollBy(0, -60);", element)
    time.sleep(1)
    driver.save_screenshot(str(Path(folder) / name))


def git_status() -> str:
    return subprocess.run(['git', '-C', str(ROOT), 'status', '--porcelain'], capture_output=True, text=True).stdout


def test_workbench_in_a_real_browser(lab):
    driver, port, home = lab
    before = git_status()

    open_notebook(driver, port, 'nbs/tour.ipynb')                   # the tour: trains, transfers, scores, listens
    run_all(driver, 600)
    tour = check_page(driver, 'the tour', min_audio=5 + 3 + 3)
    assert tour['widgets'] > 0
    answer_listening_trial(driver, 'the tour')
    screenshot(driver, "//h2[starts-with(normalize-space(),'3. Transfer a clip')]", 'tour.png')
    save(driver)

    open_notebook(driver, port, 'nbs/transfer.ipynb')               # hear the tour's model
    run_all(driver, 300)
    shown = len(check_page(driver, 'the transfer notebook', min_audio=3)['audio'])
    screenshot(driver, "(//table[contains(@class,'timbrelab-clips')])[1]", 'transfer.png')
    click(driver, "//button[normalize-space()='Transfer']")
    wait_for(lambda: len(page(driver)['audio']) >= shown + 3, 120, 'Transfer to show a test clip')
    recording = home / 'my-recording.wav'
    sf.write(recording, render(random_score(7, 3.0), 'clarinet', seed=3), 16000)      # not one of the test clips
    upload(driver, recording)
    wait_for(lambda: driver.find_elements('xpath', "//button[contains(@class,'mod-active')][normalize-space()='uploaded file']"),
             20, 'the upload to be taken as the input')
    click(driver, "//button[normalize-space()='Transfer']")
    wait_for(lambda: driver.find_elements('xpath', "//*[contains(text(),'my-recording.wav')]"), 120, 'the uploaded transfer')
    check_page(driver, 'the transfer notebook after the upload', min_audio=shown + 2)   # replaces the first
    save(driver)

    open_notebook(driver, port, 'runs/tour/run.ipynb')              # a papermill run folder, opened, not re-run
    check_page(driver, 'the run folder notebook', min_audio=4 + 2 * 4, ran=False)
    wait_for(lambda: js(driver, CURRENT + "return w.node.querySelectorAll('.widget-hprogress').length;"), 60,
             "the run's training progress bar, restored as a widget from the saved widget state")
    assert not driver.find_elements('xpath', "//*[contains(text(),'| 0/120')]"), "the finished bar, not a text fallback"

    open_notebook(driver, port, 'nbs/51_listening.ipynb')           # Run All, then answer the listening test shown
    run_all(driver, 300)
    check_page(driver, 'the listening-test notebook', min_audio=1)
    answer_listening_trial(driver, 'the listening-test notebook')
    save(driver)

    assert git_status() == before, f"opening, running and saving notebooks changed git:\n{git_status()}"
