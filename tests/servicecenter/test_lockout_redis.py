"""The lockout as production runs it: failures counted in Redis, shared by every web process."""

import os

import pytest
import redis
from axes.handlers.proxy import AxesProxyHandler
from django.core.cache import caches
from django.test import Client

from servicecenter.roles import Role
from tests.conftest import PASSWORD


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.fail("TEST_REDIS_URL is not set: run the suite with `make test`, which starts Redis.")
    url = url.rsplit("/", 1)[0] + "/3"  # a database of its own
    redis.Redis.from_url(url).flushdb()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    AxesProxyHandler.implementation = None  # axes keeps the cache it was first built with
    yield redis.Redis.from_url(url)
    caches["default"].clear()
    AxesProxyHandler.implementation = None


@pytest.mark.django_db
def test_failures_counted_in_redis_lock_the_account_for_every_web_process(redis_cache, hall, make_member):
    rep = make_member(Role.REP, hall)
    first_process = Client()
    for _ in range(5):
        first_process.post("/login/", {"username": rep.username, "password": "nope"})
    assert redis_cache.dbsize() > 0  # the counts live in Redis, not in this process
    second_process = Client()
    assert second_process.post("/login/", {"username": rep.username, "password": PASSWORD}).status_code == 429
