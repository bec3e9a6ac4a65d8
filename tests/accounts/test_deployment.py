"""Issue 15 point 9 (first half): gunicorn was published on every interface beside the proxy. Docker cannot run
here, so the compose file itself is read: only the proxy publishes ports, gunicorn binds inside the compose
network, and the app is told how many proxies stand in front of it."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_only_the_proxy_publishes_a_port():
    services = _compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert all(service.get("network_mode") != "host" for service in services.values())
    assert {str(port).split(":")[-1] for port in services["proxy"]["ports"]} == {"80", "443"}


def test_gunicorn_listens_on_the_compose_network_and_the_proxy_forwards_to_it():
    services = _compose()["services"]
    web = services["web"]
    assert "ports" not in web and [str(port) for port in web["expose"]] == ["8000"]
    bind = re.search(r"gunicorn \S+ --bind (\S+)", web["command"]).group(1)
    assert bind == "0.0.0.0:8000"  # inside the container: only loopback and the compose network exist there
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile
    assert any(volume.startswith("./deploy/Caddyfile:") for volume in services["proxy"]["volumes"])
    # Nothing else listens outside either.
    assert "ports" not in services["db"] and "ports" not in services["redis"]


def test_the_trusted_proxy_count_is_set_for_the_one_proxy():
    compose = _compose()
    for name in ("web", "worker", "beat"):
        assert str(compose["services"][name]["environment"]["TRUSTED_PROXY_COUNT"]) == "1"
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^TRUSTED_PROXY_COUNT=1$", example, re.MULTILINE)
    assert "X-Forwarded-For" in example


def test_production_reads_the_scheme_from_the_proxy():
    source = (ROOT / "config" / "settings" / "production.py").read_text()
    assert 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")' in source
    assert "header_up X-Forwarded-Proto {scheme}" in (ROOT / "deploy" / "Caddyfile").read_text()


def test_the_proxy_refuses_request_bodies_larger_than_any_upload_before_gunicorn_sees_them(settings):
    caddyfile = (ROOT / "deploy/Caddyfile").read_text()
    limit = re.search(r"request_body\s*\{\s*max_size\s+(\d+)MB\s*\}", caddyfile)
    assert limit, "the proxy sets no request body limit"
    assert settings.SPREADSHEET_UPLOAD_MAX_MB < int(limit.group(1)) <= 4 * settings.SPREADSHEET_UPLOAD_MAX_MB
