"""The deploy files are well formed and keep their promises (slim, non-root, health check)."""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_dockerfile_runs_as_non_root_with_a_health_check() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/healthz" in text


def test_compose_runs_migrations_before_prepbot_and_keeps_data_in_a_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "migrate", "prepbot"} <= set(services)
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["prepbot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "--no-migrate" in services["prepbot"]["command"]
    assert "pgdata" in compose["volumes"]
    assert services["db"]["volumes"][0].startswith("pgdata:")


def test_systemd_unit_upgrades_then_serves() -> None:
    text = (DEPLOY / "prepbot.service").read_text()
    assert "ExecStartPre=/opt/prepbot/.venv/bin/prepbot db upgrade" in text
    assert "--no-migrate" in text and "User=prepbot" in text
