# servicecenter — the two commands that matter are `make run` and `make test` (see README.md).
.PHONY: run test lint format bench messages env migrate seed clean

PY := .venv/bin/python

env:
	@scripts/bootstrap.sh

run: env
	@scripts/system-packages.sh libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk espeak-ng
	$(PY) scripts/compilemessages.py
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test:
	@scripts/test.sh

lint: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: env
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: env
	$(PY) bench/run.py

# Refresh the zh_Hans catalogue from the source strings (needs gettext), then translate and commit the .po.
messages: env
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --add-location=file -i ".venv/*" -i ".tools/*"

clean:
	rm -rf .venv .tools staticfiles
