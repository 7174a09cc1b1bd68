"""The deploy files are well formed and keep their promises: pinned, non-root by number, one image."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from bot.settings import Settings, load

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
ALIASES = {str(field.alias) for field in Settings.model_fields.values()}


def test_dockerfile_runs_as_a_numeric_non_root_user_from_the_lock_file() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users and re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1])  # uid:gid, not a name, not 0
    assert "--require-hashes -r requirements/lock.txt" in text
    assert "pip install --no-cache-dir --no-deps ." in text  # prepbot itself adds no unpinned package
    assert "HEALTHCHECK" in text and "/healthz" in text


def test_dockerignore_keeps_the_venv_git_and_databases_out_of_the_context() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert lines[[line.strip() for line in lines].index("*")]  # everything out, then only what is needed
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert {"pyproject.toml", "requirements/lock.txt", "bot", "adapters", "scheduler", "content"} <= allowed
    assert not allowed & {".venv", ".git", ".env", "tests"}
    copied = re.findall(r"^COPY (?!--from)(\S+)", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    assert {path.rstrip("/") for path in copied} <= allowed  # every COPY finds its files


def test_the_lock_files_pin_every_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
    for lock, extra in (("lock.txt", []), ("lock-dev.txt", project["optional-dependencies"]["dev"])):
        text = (ROOT / "requirements" / lock).read_text()
        pinned = {_normal(m) for m in re.findall(r"^([A-Za-z0-9_.-]+)==", text, re.M)}
        for requirement in [*project["dependencies"], *extra]:
            name = _normal(re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0])
            assert name in pinned, (lock, name)
        assert text.count("==") == len(pinned) and "--hash=sha256:" in text


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def test_compose_builds_one_image_for_both_services_and_says_which_compose_it_needs() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    assert "Docker Compose 2.24" in text
    compose = yaml.safe_load(text)
    services = compose["services"]
    assert {"db", "migrate", "prepbot"} <= set(services)
    assert [name for name, service in services.items() if "build" in service] == ["migrate"]
    assert services["prepbot"]["image"] == services["migrate"]["image"]
    assert services["prepbot"]["pull_policy"] == "never"
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["prepbot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "--no-migrate" in services["prepbot"]["command"]
    assert "pgdata" in compose["volumes"]
    assert services["db"]["volumes"][0].startswith("pgdata:")


def test_systemd_template_serves_its_instance_with_a_state_directory() -> None:
    text = (DEPLOY / "prepbot@.service").read_text()
    assert "ExecStartPre=/opt/prepbot/.venv/bin/prepbot db upgrade" in text
    assert "ExecStart=/opt/prepbot/.venv/bin/prepbot serve %i --no-migrate" in text
    assert "User=prepbot" in text and "StateDirectory=prepbot" in text
    assert "WorkingDirectory=/var/lib/prepbot" in text and "ProtectSystem=strict" in text
    assert "RestartPreventExitStatus=2" in text
    assert "useradd --system" in text and "install -m 0600" in text  # how to make the user and env file


def test_env_example_lists_every_variable_with_a_comment_and_loads(tmp_path: Path) -> None:
    text = (ROOT / ".env.example").read_text()
    lines = text.splitlines()
    names = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    assert sorted(names) == sorted(ALIASES)
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = number - 1
            while lines[above] and not lines[above].startswith("#"):
                above -= 1  # variables that share one comment
            assert lines[above].startswith("# "), f"{line.split('=')[0]} has no comment above it"
    settings = load(ROOT / ".env.example")  # the template's values are all valid
    assert settings.port == 3000 and settings.slack_bot_token is None and settings.voting_hours is None
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_docs_install_from_the_clone_and_name_every_setting() -> None:
    docs = {
        path: path.read_text() for path in [ROOT / "README.md", *DEPLOY.glob("*.md"), *DEPLOY.glob("*@*")]
    }
    for path, text in docs.items():
        assert "pip install prepbot" not in text and "pip install -U prepbot" not in text, path
    readme, operations = (ROOT / "README.md").read_text(), (DEPLOY / "OPERATIONS.md").read_text()
    assert "pip install --require-hashes -r requirements/lock.txt" in readme and "pipx install ." in readme
    for variable in ALIASES:
        assert f"`{variable}`" in operations, variable
    assert "## Rollback" in operations and "prepbot db downgrade" in operations
