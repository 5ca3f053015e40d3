"""Production configuration: check --deploy, the embedded default, docker-compose and the Dockerfile."""

import http.server
import json
import os
import re
import subprocess
import sys
import threading

import yaml

from tests.conftest import ROOT

PROD_ENV = {
    "SECRET_KEY": "k8#Qv2$Lr9@Zp4!Wm7^Tx1&Bn6*Hc3(Jf5)Gd0_Ys8+Ue2-Ai4=Ok7",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "kefu.example.com",
    "DATABASE_URL": "postgres://sc:pw@db.example.com:5432/servicecenter",
    "REDIS_URL": "redis://redis.example.com:6379/0",
}


def run_manage(*args, env):
    # Only the variables under test: nothing of the test run's own (database, Redis, browser flags).
    dropped = ("CELERY_", "CACHE_", "DJANGO_ALLOW_ASYNC_UNSAFE", "TEST_")
    clean = {k: v for k, v in os.environ.items() if k not in PROD_ENV and not k.startswith(dropped)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_dump(env) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
        "'conn_max_age': s.DATABASES['default'].get('CONN_MAX_AGE'), 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
        "'cache': s.CACHES['default']['BACKEND'], 'broker': s.CELERY_BROKER_URL, "
        "'language': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'use_tz': s.USE_TZ, "
        "'languages': [c for c, _ in s.LANGUAGES], "
        "'static': s.STORAGES['staticfiles']['BACKEND']}))"
    )
    result = run_manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_in_production():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_environment_switches_everything():
    s = settings_dump(PROD_ENV)
    assert s["debug"] is False
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["conn_max_age"] and s["conn_max_age"] > 0  # persistent connections
    assert s["eager"] is False and s["broker"] == PROD_ENV["REDIS_URL"]
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert s["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_no_environment_runs_on_sqlite_in_process():
    s = settings_dump({})
    assert s["debug"] is True
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["eager"] is True
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert (s["language"], s["tz"], s["use_tz"]) == ("zh-hans", "Asia/Shanghai", True)
    assert s["languages"] == ["zh-hans", "en"]


def test_production_without_a_secret_key_refuses_to_start():
    result = run_manage("check", env={"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_audit_retention_below_180_days_is_refused():
    result = run_manage("check", env={"AUDIT_RETENTION_DAYS": "90"})
    assert result.returncode != 0
    assert "AUDIT_RETENTION_DAYS" in result.stderr


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_on_the_right_images():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "."
        assert services[name]["image"] == "servicecenter:latest"


def test_compose_wires_the_app_to_postgres_and_redis():
    services = compose()["services"]
    db_env = services["db"]["environment"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        url = env["DATABASE_URL"]
        assert re.fullmatch(
            r"postgres://servicecenter:\$\{POSTGRES_PASSWORD[^}]*\}@db:5432/servicecenter", url
        )
        assert db_env["POSTGRES_USER"] == "servicecenter" and db_env["POSTGRES_DB"] == "servicecenter"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["env_file"] == ".env"
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_compose_commands_migrate_then_serve_and_run_worker_and_beat():
    services = compose()["services"]
    web = " ".join(services["web"]["command"])
    assert web.index("migrate --noinput") < web.index("gunicorn servicecenter.wsgi")
    assert services["worker"]["command"][:4] == ["celery", "-A", "servicecenter", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "servicecenter", "beat"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_web_is_published_on_loopback_behind_the_proxy_and_healthchecked_with_an_allowed_host():
    services = compose()["services"]
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert services["web"]["environment"]["BEHIND_PROXY"] == "1"
    # Run the health check's own code against a stand-in server to see which Host it asks for.
    check = services["web"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    seen = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen["host"], seen["path"] = self.headers["Host"], self.path
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    code = check[3].replace("127.0.0.1:8000", f"127.0.0.1:{server.server_port}")
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "ALLOWED_HOSTS": "kefu.example.com,other"},
        timeout=30,
    )
    thread.join(timeout=10)
    server.server_close()
    assert result.returncode == 0
    assert seen == {"host": "kefu.example.com", "path": "/healthz"}


def test_the_image_gets_no_local_secrets_or_databases():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", "db.sqlite3", ".venv", ".git", "media"):
        assert entry in ignored


def test_dockerfile_has_cjk_fonts_and_weasyprint_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11" in dockerfile
    for package in ("fonts-noto-cjk", "libpango-1.0-0", "libpangoft2-1.0-0"):
        assert package in dockerfile
    assert "uv sync --frozen" in dockerfile and "collectstatic" in dockerfile


def test_env_example_lists_every_variable_settings_reads():
    settings_src = (ROOT / "servicecenter" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_src))
    example = (ROOT / ".env.example").read_text()
    missing = [name for name in sorted(read) if name not in example]
    assert missing == []


def test_no_asset_comes_from_a_cdn():
    offenders = []
    for path in list((ROOT / "templates").rglob("*.html")):
        for url in re.findall(r'(?:src|href)="([^"]+)"', path.read_text()):
            if url.startswith(("http:", "https:", "//")):
                offenders.append(f"{path.name}: {url}")
    assert offenders == []
