"""The wheel is the whole product: built with ``pip wheel``, installed (not editable) into a fresh
venv, it runs with its data — LLM prompts, message catalogues, the classifier lexicon, the Alembic
migrations — as the Docker image's ``pip install .`` does.

Offline and quick: the wheel is built without build isolation and installed with ``--no-deps``;
the fresh venv finds the dependencies through a ``.pth`` line naming the test venv's site-packages
(appended after its own, and without running that directory's ``.pth`` files, so the editable
checkout never shadows the installed package).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes.llm_server import FakeLLMServer, FakeReply

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "bot", "handlers", "storage")
ANSWER = {"intent": "repair", "category": "water", "severity": "normal", "location": "1802", "confidence": 0.8}


@dataclass(frozen=True)
class Installed:
    venv: Path
    home: Path  # an empty working directory (no .env, no ./data of the checkout)

    @property
    def dutydesk(self) -> str:
        return str(self.venv / "bin" / "dutydesk")

    def env(self, **values: str) -> dict[str, str]:
        base = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.home), "PYTHONIOENCODING": "utf-8"}
        return {**base, **values}


def _check(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy: building in the checkout would leave build/ and egg-info
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = work / "dist"
    _check(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, source)
    [wheel] = dist.glob("dutydesk-*.whl")
    venv = work / "venv"
    _check(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _check(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel)
    own = _check(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    Path(own, "dutydesk_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    home = work / "home"
    home.mkdir()
    where = _check(python, "-c", "import bot, handlers, storage; print(bot.__file__, storage.__file__)", cwd=home)
    assert str(ROOT) not in where and where.startswith(own)  # the wheel, not the checkout
    return Installed(venv, home)


@pytest.fixture
async def llm() -> AsyncIterator[FakeLLMServer]:
    server = await FakeLLMServer().start()
    try:
        yield server
    finally:
        await server.close()


def test_help_lists_the_verbs(installed: Installed) -> None:
    done = subprocess.run(
        [installed.dutydesk, "--help"], capture_output=True, text=True, cwd=installed.home, env=installed.env()
    )
    assert done.returncode == 0
    assert all(verb in done.stdout for verb in ("run", "classify", "export"))


async def test_installed_classify_asks_the_llm_with_the_shipped_prompts(
    installed: Installed, llm: FakeLLMServer
) -> None:
    llm.default = FakeReply.answer(ANSWER)
    process = await asyncio.create_subprocess_exec(
        installed.dutydesk,
        "classify",
        "1802 厨房天花有水渗出",
        cwd=installed.home,
        env=installed.env(LLM_BASE_URL=llm.base_url, LLM_THRESHOLD="1.01"),  # always ask the LLM
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    answer = json.loads(out.decode())
    assert answer["source"] == "llm" and answer["category"] == "water"
    [request] = llm.requests
    assert "1802 厨房天花有水渗出" in request.user_message
    assert request.body["messages"][0]["role"] == "system" and "water" in request.body["messages"][0]["content"]


def test_installed_migrations_and_catalogues_work_on_a_fresh_database(installed: Installed) -> None:
    database = installed.home / "fresh.db"
    done = subprocess.run(
        [installed.dutydesk, "export", "incidents", "--format", "csv"],
        capture_output=True,
        text=True,
        cwd=installed.home,
        env=installed.env(DATABASE_URL=f"sqlite+aiosqlite:///{database}"),
    )
    assert done.returncode == 0, done.stderr
    # CSV starts with a BOM, for Excel
    # said from the installed command-line catalogue, in DUTYDESK_LANGUAGE's default (zh-Hans)
    assert "已导出 0 条 incidents" in done.stderr and done.stdout.startswith("\ufeffnumber,")
    assert database.is_file()
    check_catalogues = (
        "from handlers.core.i18n import Translator; from bot.classifier.rules import RuleClassifier; "
        "RuleClassifier.load(None); print(Translator('en')('button.stale'))"
    )
    text = _check(installed.venv / "bin" / "python", "-c", check_catalogues, cwd=installed.home)
    assert text.strip() and "button.stale" not in text


def test_every_data_file_of_the_checkout_is_in_the_wheel(installed: Installed) -> None:
    """Prompts, catalogues (shared and per feature), lexicon, migrations: nothing left behind."""
    python = installed.venv / "bin" / "python"
    site = Path(_check(python, "-c", "import bot, pathlib; print(pathlib.Path(bot.__file__).parent.parent)").strip())
    data = ("bot/prompts/*", "handlers/*/locales/*.toml", "bot/classifier/lexicon/*.toml", "storage/migrations/**/*.py")
    for pattern in data:
        expected = {p.relative_to(ROOT) for p in ROOT.glob(pattern) if "__pycache__" not in p.parts}
        assert expected, pattern
        missing = {p for p in expected if not (site / p).is_file()}
        assert not missing, f"not in the wheel: {sorted(map(str, missing))}"
