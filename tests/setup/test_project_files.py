"""Docker cannot run on our machines, so the compose file is parsed and checked here."""

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services_with_health_checks():
    services = _compose()["services"]
    assert set(services) == {"proxy", "web", "worker", "beat", "db", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service["healthcheck"]["test"], name


def test_compose_images_and_commands():
    services = _compose()["services"]
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_keeps_the_database_in_a_named_volume():
    compose = _compose()
    assert "pgdata" in compose["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]


def test_env_example_names_every_required_production_variable():
    names = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), flags=re.M))
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"} <= names


def test_no_page_asset_comes_from_a_cdn():
    base = (ROOT / "templates" / "base.html").read_text()
    assert not re.search(r'(src|href)="(https?:)?//', base)
    for asset in re.findall(r"{% static '([^']+)' %}", base):
        assert (ROOT / "static" / asset).is_file(), asset


def test_dependencies_are_pinned():
    for req in ("requirements/base.txt", "requirements/dev.txt"):
        for line in (ROOT / req).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, f"{req}: {line} is not pinned"


# What the running application imports must be installed by requirements/base.txt, the only file the Docker image
# installs: pypdf once joined the report's parts while pinned in dev.txt alone, so the image could not import it.
NOT_APPLICATION = {"tests", "bench", "docs", "scripts", "deploy", "static", "templates", "requirements"}


def _application_imports() -> dict[str, set[Path]]:
    local = {path.name for path in ROOT.iterdir() if path.is_dir()} | {"manage"}
    found: dict[str, set[Path]] = {}
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_APPLICATION or relative.parts[0].startswith("."):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in local and top != "__future__":
                    found.setdefault(top, set()).add(relative)
    return found


def _installed_by_base() -> set[str]:
    """The distributions base.txt installs: its pins and, recursively, what they require (with the extras named)."""
    wanted = [
        Requirement(line.split("#")[0].strip())
        for line in (ROOT / "requirements/base.txt").read_text().splitlines()
        if line.split("#")[0].strip() and not line.startswith("-")
    ]
    installed: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        if name in installed:
            continue
        installed.add(name)
        for spec in metadata.requires(requirement.name) or []:
            needed = Requirement(spec)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras):
                wanted.append(needed)
    return installed


def test_every_package_the_application_imports_is_installed_by_base_requirements():
    providers = metadata.packages_distributions()
    installed = _installed_by_base()
    missing = {
        module: sorted(str(path) for path in paths)[:3]
        for module, paths in _application_imports().items()
        if not any(canonicalize_name(dist) in installed for dist in providers.get(module, []))
    }
    assert missing == {}, f"imported by the application but not installed by requirements/base.txt: {missing}"
