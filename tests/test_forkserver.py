"""The fork server (snippet_runner/forkserver.py): a script run in a child forked from a warm
interpreter gives what the same script gives as a plain subprocess, started the way the runner
starts it (``runner._execute``).

Real runs, no mocks. The page scripts run both ways and their cleaned output must be identical;
the mechanics (environment, working directory, argv, tracebacks, exit codes, time-outs, runs side
by side) are checked on small scripts written here, against a plain subprocess too, mostly on a
server that preloads nothing (it starts at once; forking works the same).

``FORKSERVER_COMPARE_ALL=1`` also compares every run the pages declare (several minutes).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from snippet_runner import forkserver, output, runner

REPO = Path(__file__).resolve().parent.parent
SNIPPETS = REPO / "snippets"

# Scripts the pages run with plain options: (script, the exit code the page expects).
PAGE_SCRIPTS = [
    ("installation/check_install.py", 0),
    ("errata/zero_grad_fixed.py", 0),
    ("errata/zero_grad.py", 1),
    ("multi-device/sampler_split.py", 0),
    ("from-pytorch-to-lightning/train_pytorch.py", 0),
    ("from-pytorch-to-lightning/train_lightning.py", 0),
    ("tensorboard/log_lightning.py", 0),
]
RUN_TIME = re.compile(r"\b\d+(\.\d+)?\s?(s|sec|seconds|ms)\b")
# TensorBoard's event files are named after the time, the host and the process id.
EVENT_FILE = re.compile(r"tfevents\.\d+\.[^\s/]+\.\d+\.\d+")


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    return runner.script_environment(extra or {})


def plain(script, args=(), *, cwd, env, timeout=300) -> forkserver.Result:
    """The script as runner._execute starts it: a plain subprocess in a session of its own."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        raw, _ = process.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:
            pass
    return forkserver.Result(process.returncode, raw, time.perf_counter() - started)


def workdir(parent: Path, name: str) -> Path:
    """A scratch folder with a ``data`` link to the site's MNIST files, as the runner makes."""
    folder = parent / name
    folder.mkdir(parents=True)
    (folder / "data").symlink_to(runner.data_root().resolve(), target_is_directory=True)
    return folder


def cleaned(script: str, raw: bytes, folder: Path) -> str:
    """What the page would show, through the runner's own cleaning, with run times masked."""
    fields = dict(
        script=script,
        output=raw.decode("utf-8", "replace"),
        seconds=0.0,
        versions={},
        workdir=folder,
        ran_in=str(folder),
    )
    result_class = getattr(runner, "Result", None) or runner.Run  # the runner's record of a run
    try:
        result = result_class(**fields)
    except TypeError:
        result = types.SimpleNamespace(**fields, cached=False)
    return EVENT_FILE.sub("tfevents.<time>.<host>.<pid>.0", RUN_TIME.sub("<time>", output.clean(result)))


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


@pytest.fixture(scope="module")
def warm():
    """The real server: torch, torchvision, Lightning and TensorBoard imported once."""
    server = forkserver.ForkServer(environment())
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def light():
    """A server that preloads nothing: the same forking, at no start-up cost."""
    server = forkserver.ForkServer(environment(), preload=())
    yield server
    server.close()


# --- the page scripts, both ways ----------------------------------------------------------


def test_the_server_imported_everything_and_nothing_else(warm):
    assert warm.info["imported"] == list(forkserver.PRELOAD)
    assert warm.info["warnings"] == []  # a warning at import would be missing from forked outputs
    # The caller never imports torch: a warm rebuild stays light.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, snippet_runner.forkserver; print(sorted({'torch', 'pytorch_lightning'} & set(sys.modules)))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "[]", probe.stderr


@pytest.mark.parametrize("script, returncode", PAGE_SCRIPTS, ids=[s for s, _ in PAGE_SCRIPTS])
def test_a_page_script_prints_the_same_forked(warm, tmp_path, script, returncode):
    path = SNIPPETS / script
    assert forkserver.can_fork(path.read_text())
    env = environment()
    before = plain(path, cwd=workdir(tmp_path, "plain"), env=env)
    after = warm.run(path, cwd=workdir(tmp_path, "forked"), env=env, timeout=300)
    assert (before.returncode, after.returncode) == (returncode, returncode), after.output.decode()[-3000:]
    assert cleaned(script, after.output, tmp_path / "forked") == cleaned(script, before.output, tmp_path / "plain")


def test_a_failing_script_shows_its_own_frames_only(warm, tmp_path):
    path = SNIPPETS / "errata" / "zero_grad.py"
    forked = warm.run(path, cwd=workdir(tmp_path, "forked"), env=environment(), timeout=60)
    text = forked.output.decode()
    assert forked.returncode == 1
    assert text.startswith("Traceback (most recent call last):\n")
    frames = re.findall(r'^  File "([^"]+)"', text, flags=re.M)
    assert frames == [str(path)], text
    assert "runpy" not in text and "forkserver" not in text
    # Byte for byte what `python zero_grad.py` prints.
    assert forked.output == plain(path, cwd=workdir(tmp_path, "plain"), env=environment()).output


def test_the_variables_imports_set_are_set_when_the_script_imports_them(warm, tmp_path):
    # Lightning sets PYTORCH_NVML_BASED_CUDA_CHECK=1 and torchvision TORCHINDUCTOR_CACHE_DIR when
    # imported: a forked script sees them only once it imports those, as a plain one does.
    env = environment()
    for module in ("torch", "pytorch_lightning"):
        script = write(
            tmp_path,
            f"env_after_{module}.py",
            f"""\
            import json, os
            before = dict(os.environ)
            import {module}
            print(json.dumps([before, dict(os.environ)], sort_keys=True))
            """,
        )
        forked = warm.run(script, cwd=tmp_path, env=env, timeout=60)
        assert forked.returncode == 0, forked.output.decode()
        assert json.loads(forked.output) == json.loads(plain(script, cwd=tmp_path, env=env).output)
    assert {"PYTORCH_NVML_BASED_CUDA_CHECK", "TORCHINDUCTOR_CACHE_DIR"} <= set(warm.info["env_set_by_imports"])


# --- the mechanics, against a plain subprocess ---------------------------------------------

FACTS = """\
import atexit, json, os, signal, sys, threading, time
import helper  # a module beside the script

print("to stdout")
print("to stderr", file=sys.stderr)
print("to stdout again")
main = sys.modules["__main__"]
facts = {
    "cwd": os.getcwd(),
    "argv": sys.argv,
    "path0": sys.path[0],
    "name": __name__,
    "file": __file__,
    "spec": repr(__spec__),
    "loader": type(__loader__).__name__,
    "main_is_this_module": main.__dict__ is globals(),
    "helper": helper.WHERE,
    "environ": dict(os.environ),
    "stdin": sys.stdin.read(),
    "streams": [(s.isatty(), s.line_buffering, s.write_through, s.encoding, s.errors) for s in (sys.stdout, sys.stderr)],
    "own_session": (os.getsid(0), os.getpgid(0)) == (os.getpid(), os.getpid()),
    "hash": hash("a string"),
    "dont_write_bytecode": sys.dont_write_bytecode,
    "sigint": getattr(signal.getsignal(signal.SIGINT), "__name__", str(signal.getsignal(signal.SIGINT))),
    "sigchld": str(signal.getsignal(signal.SIGCHLD)),
    "sigpipe": str(signal.getsignal(signal.SIGPIPE)),
    "threads": threading.active_count(),
    "argv0_abs": os.path.abspath(sys.argv[0]),
}
print(json.dumps(facts, sort_keys=True))
# What the interpreter does at exit: join threads, run atexit, flush what was left open.
atexit.register(lambda: print("atexit ran"))
threading.Thread(target=lambda: (time.sleep(0.2), print("thread finished"))).start()
left_open = open("left_open.txt", "w")
left_open.write("flushed at exit")
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""


def facts_script(folder: Path) -> Path:
    scripts = folder / "scripts"
    scripts.mkdir()
    write(scripts, "helper.py", "import os\nWHERE = os.path.dirname(os.path.abspath(__file__))\n")
    return write(scripts, "facts.py", FACTS)


def test_env_cwd_argv_and_the_main_module_are_the_scripts_own(light, tmp_path):
    script = facts_script(tmp_path)
    env = environment({"SNIPPET_FORK_TEST": "a value", "CUDA_VISIBLE_DEVICES": ""})
    env.pop("HOME", None)  # a variable the server has and the script must not
    both = []
    for way in ("plain", "forked"):
        cwd = tmp_path / way
        cwd.mkdir()
        args = ("3", "an argument")
        if way == "plain":
            result = plain(script, args, cwd=cwd, env=env)
        else:
            result = light.run(script, args, cwd=cwd, env=env, timeout=60)
        assert result.returncode == 3, result.output.decode()
        lines = result.output.decode().splitlines()
        assert lines[:3] == ["to stdout", "to stderr", "to stdout again"]  # one pipe, unbuffered, in order
        assert lines[4:] == ["thread finished", "atexit ran"]
        facts = json.loads(lines[3])
        assert facts["cwd"] == str(cwd)
        assert (cwd / "left_open.txt").read_text() == "flushed at exit"
        both.append(facts)
    forked = both[1]
    assert forked["environ"] == env  # exactly the given environment
    assert forked["argv"] == [str(script), "3", "an argument"]
    assert forked["path0"] == str(script.parent) and forked["helper"] == str(script.parent)
    assert forked["name"] == "__main__" and forked["main_is_this_module"]
    assert forked["stdin"] == "" and forked["own_session"]
    both[0]["cwd"] = both[1]["cwd"] = "."
    assert both[1] == both[0]


def test_a_server_started_without_a_locale_adds_what_python_adds(tmp_path):
    # With no LANG, Python coerces the C locale and sets LC_CTYPE for itself and its children.
    script = write(tmp_path, "env.py", "import json, os\nprint(json.dumps(dict(os.environ), sort_keys=True))\n")
    env = {"PATH": os.environ["PATH"], "PYTHONHASHSEED": "0", "PYTHONUNBUFFERED": "1"}
    with forkserver.ForkServer(env, preload=()) as server:
        forked = server.run(script, cwd=tmp_path, env=env, timeout=60)
        assert server.info["env_added_at_start"] == ["LC_CTYPE"]
    assert json.loads(forked.output) == json.loads(plain(script, cwd=tmp_path, env=env).output)


ENDINGS = {
    "nested": """\
        def inner():
            raise ValueError("deep")

        def outer():
            try:
                inner()
            except ValueError as error:
                raise RuntimeError("while handling") from error

        print("before")
        outer()
        """,
    "syntax": "print('never'\nx = 1\n",
    "exit_message": "import sys\nprint('bye')\nsys.exit('a message')\n",
    "exit_none": "raise SystemExit\n",
    "exit_big": "import sys\nsys.exit(258)\n",
    "keyboard": "raise KeyboardInterrupt\n",
    "excepthook": """\
        import sys
        sys.excepthook = lambda kind, value, tb: print("hook:", kind.__name__, value, tb.tb_frame.f_code.co_name)
        1 / 0
        """,
}


@pytest.mark.parametrize("name", list(ENDINGS))
def test_the_end_of_a_script_is_what_python_makes_of_it(light, tmp_path, name):
    script = write(tmp_path, f"{name}.py", ENDINGS[name])
    env = environment()
    expected = plain(script, cwd=tmp_path, env=env)
    forked = light.run(script, cwd=tmp_path, env=env, timeout=60)
    assert (forked.returncode, forked.output.decode()) == (expected.returncode, expected.output.decode())


def test_a_missing_script_and_a_broken_exit_leave_the_server_serving(light, tmp_path):
    env = environment()
    missing = tmp_path / "missing.py"
    expected = plain(missing, cwd=tmp_path, env=env)
    forked = light.run(missing, cwd=tmp_path, env=env, timeout=60)
    assert (forked.returncode, forked.output) == (expected.returncode, expected.output) == (2, expected.output)
    with pytest.raises(forkserver.ForkServerError, match="set-up failed") as error:
        light.run(missing, cwd=tmp_path / "no-such-folder", env=env, timeout=60)
    assert not error.value.started  # the caller runs it plain, and Popen says what is wrong
    rude = write(tmp_path, "rude.py", "import sys\nprint('bye')\nsys.stdout = sys.stderr = None\nsys.exit(5)\n")
    assert light.run(rude, cwd=tmp_path, env=env, timeout=60) == (5, b"bye\n", pytest.approx(0, abs=60))
    assert light.run(rude, cwd=tmp_path, env=env, timeout=60).returncode == 5  # still serving


def test_a_time_out_kills_the_script_and_what_it_started(light, tmp_path):
    script = write(
        tmp_path,
        "sleeper.py",
        """\
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        with open("pids", "w") as f:
            f.write(f"{os.getpid()} {child.pid}")
        print("started a child", flush=True)
        time.sleep(120)
        """,
    )
    started = time.perf_counter()
    with pytest.raises(forkserver.ForkTimeout) as timeout:
        light.run(script, cwd=tmp_path, env=environment(), timeout=3)
    assert time.perf_counter() - started < 3 + forkserver.DRAIN_SECONDS
    assert isinstance(timeout.value, subprocess.TimeoutExpired)  # what runner._execute already catches
    assert timeout.value.output == b"started a child\n" and timeout.value.returncode == -9
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in pids), pids


def test_runs_side_by_side(light, tmp_path):
    script = write(
        tmp_path,
        "slow.py",
        """\
        import os, sys, time
        print("start", sys.argv[1])
        time.sleep(1.5)
        print("end", sys.argv[1], os.getcwd())
        sys.exit(int(sys.argv[1]))
        """,
    )
    env = environment()
    light.start()

    def one(n: int):
        cwd = tmp_path / f"run{n}"
        cwd.mkdir()
        return n, cwd, light.run(script, [str(n)], cwd=cwd, env=env, timeout=60)

    started = time.perf_counter()
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(one, range(6)))
    assert time.perf_counter() - started < 6 * 1.5 / 2  # they overlapped
    for n, cwd, result in results:
        assert result.returncode == n
        assert result.output.decode() == f"start {n}\nend {n} {cwd}\n"


def test_closing_the_server_ends_the_runs_still_going(tmp_path):
    script = write(tmp_path, "forever.py", "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(120)\n")
    server = forkserver.ForkServer(environment(), preload=())
    server.start()
    outcome = {}

    def run():
        try:
            outcome["result"] = server.run(script, cwd=tmp_path, env=environment(), timeout=60)
        except forkserver.ForkServerError as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(1)
    server.close()
    thread.join(timeout=30)
    assert not thread.is_alive()
    # The server killed it on its way out, and told the caller its end.
    assert outcome.get("result", None) is not None and outcome["result"].returncode == -9, outcome


# --- what cannot be forked -------------------------------------------------------------------


def test_a_server_that_cannot_start_fails_fast_and_says_why(tmp_path):
    with forkserver.ForkServer(environment(), preload=("no_such_module_here",)) as server:
        with pytest.raises(forkserver.ForkServerError) as error:
            server.run(tmp_path / "x.py", cwd=tmp_path, env=environment())
        assert not error.value.started and "no_such_module_here" in str(error.value)
        started = time.perf_counter()
        with pytest.raises(forkserver.ForkServerError):
            server.run(tmp_path / "x.py", cwd=tmp_path, env=environment())
        assert time.perf_counter() - started < 0.5  # no second attempt at the imports


def test_a_server_with_threads_refuses_to_fork(tmp_path):
    write(
        tmp_path,
        "starts_a_thread.py",
        "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n",
    )
    env = environment({"PYTHONPATH": str(tmp_path)})
    with forkserver.ForkServer(env, preload=("starts_a_thread",)) as server:
        with pytest.raises(forkserver.ForkServerError, match="threads"):
            server.start()


def test_other_start_up_variables_need_another_server(light, tmp_path):
    env = environment({"PYTHONHASHSEED": "1"})
    with pytest.raises(forkserver.NotForkable, match="PYTHONHASHSEED"):
        light.run(tmp_path / "x.py", cwd=tmp_path, env=env)
    assert forkserver.shared_server(env, preload=()) is not forkserver.shared_server(environment(), preload=())
    assert forkserver.shared_server(env, preload=()) is forkserver.shared_server(dict(env, OTHER="x"), preload=())
    forkserver.close_all()


def test_forking_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv(forkserver.SWITCH, "0")
    with pytest.raises(forkserver.ForkServerError, match="switched off") as error:
        forkserver.run(tmp_path / "x.py", cwd=tmp_path, env=environment())
    assert not error.value.started


def test_which_scripts_run_plain():
    reasons = {
        path.relative_to(SNIPPETS).as_posix(): forkserver.unforkable_reason(path.read_text())
        for path in sorted(SNIPPETS.glob("*/*.py"))
    }
    assert reasons["parity/benchmark.py"] is not None  # it measures time: it runs plain, as a reader runs it
    for forkable in (
        "from-pytorch-to-lightning/train_lightning.py",
        "multi-device/train_ddp.py",
        "checkpoints/resume.py",
    ):
        assert reasons[forkable] is None, forkable
    assert not forkserver.can_fork("import time\nstart = time.perf_counter()\n")
    assert not forkserver.can_fork("import resource\n")
    assert not forkserver.can_fork("import sys\nprint('torch' in sys.modules)\n")
    assert forkserver.can_fork("import subprocess, sys\nsubprocess.run([sys.executable, 'other.py'])\n")
    assert forkserver.can_fork("import time\ntime.sleep(1)\n")
    assert not forkserver.can_fork("import pytorch_lightning as pl\npl.Trainer(detect_anomaly=True)\n")
    assert not forkserver.can_fork("import torch\nwith torch.autograd.detect_anomaly():\n    pass\n")


# --- every declared run (opt-in: several minutes) ------------------------------------------


def declared_runs() -> list:
    import importlib
    import pkgutil

    try:
        import pages
    except ImportError:
        return []
    found = []

    def collect(value):
        if isinstance(value, runner.Run) and all(value is not r for r in found):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, (tuple, list)):
            for v in value:
                collect(v)

    for info in pkgutil.iter_modules(pages.__path__):
        module = importlib.import_module(f"pages.{info.name}")
        for value in vars(module).values():
            collect(value)
    return found


@pytest.mark.skipif(
    not os.environ.get("FORKSERVER_COMPARE_ALL"), reason="set FORKSERVER_COMPARE_ALL=1 (several minutes)"
)
def test_every_declared_run_prints_the_same_forked(warm, tmp_path):
    import difflib
    import shutil

    plain_dirs: dict[int, Path] = {}
    differences, timings = [], []

    def prepare(run, name: str) -> Path:
        folder = workdir(tmp_path / f"{len(plain_dirs)}-{Path(run.script).stem}", name)
        for earlier in run.starts_from:
            top = plain_dirs[id(earlier)]
            skip_data = lambda d, n, top=str(top): ["data"] if d == top else []  # noqa: E731 - the link is there
            shutil.copytree(top, folder, symlinks=True, dirs_exist_ok=True, ignore=skip_data)
        return folder

    for run in declared_runs():
        if any(callable(a) for a in run.args) or any(id(e) not in plain_dirs for e in run.starts_from):
            continue  # an argument that an earlier run printed: the page's own build covers it
        if not forkserver.can_fork((REPO / run.script).read_text()):
            continue
        env = environment(dict(run.env))
        folder = prepare(run, "plain")
        before = plain(REPO / run.script, run.args, cwd=folder, env=env)
        plain_dirs[id(run)] = folder
        forked_folder = prepare(run, "forked")
        after = warm.run(REPO / run.script, run.args, cwd=forked_folder, env=env, timeout=run.timeout)
        timings.append(f"{run.script} {' '.join(run.args)}: {before.seconds:.2f} s -> {after.seconds:.2f} s")
        a, b = cleaned(run.script, before.output, folder), cleaned(run.script, after.output, forked_folder)
        if "multi-device" in run.script:  # pids, ports and the order of two processes' lines vary run to run
            a, b = (sorted(re.sub(r"(pid |PORT=)\d+", r"\1N", t).splitlines()) for t in (a, b))
        if (before.returncode, a) != (run.returncode, b) or after.returncode != run.returncode:
            lines = [x if isinstance(x, str) else str(x) for x in (a, b)]
            diff = "\n".join(difflib.unified_diff(*(t.splitlines() for t in lines), "plain", "forked", lineterm=""))
            differences.append(f"{run.script} {run.args}: exit codes {before.returncode}, {after.returncode}\n{diff}")
    print("\n".join(timings))
    assert not differences, "\n\n".join(differences)
