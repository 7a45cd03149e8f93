# The few commands people run. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Airflow state for local runs lives in the project (SQLite), never in ~/airflow.
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AWS_EC2_METADATA_DISABLED := true

.PHONY: run test lint bench profile fuzz audit report docs serve-sample settings airflow clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## run: the daily pipeline over the offline sample site, lake in ./lake, then a report
run: $(STAMP)
	$(PY) -m newslake sample-run

## test: the whole test suite
test: $(STAMP)
	$(PY) -m pytest

## lint: ruff, including the Airflow 3 rules (AIR3)
lint: $(STAMP)
	$(VENV)/bin/ruff check include dags tests bench tools plugins

## bench: every benchmark (each after the time it starts), then one table of newslake against its baselines (docs/PERFORMANCE.md); JSON in bench-results/
BENCH_RESULTS := bench-results
bench: $(STAMP)
	mkdir -p $(BENCH_RESULTS)
	@date +"== %T"
	$(PY) bench/fetch_politeness.py --json $(BENCH_RESULTS)/fetch_politeness.json
	@date +"== %T"
	$(PY) bench/extraction.py --passes 2 --json $(BENCH_RESULTS)/extraction.json
	@date +"== %T"
	$(PY) bench/end_to_end.py --rss-pages 500 --json $(BENCH_RESULTS)/end_to_end.json
	@date +"== %T"
	$(PY) bench/end_to_end.py --weight real --rss-pages --sample 100 --json $(BENCH_RESULTS)/end_to_end_real_weight.json
	@date +"== %T"
	$(PY) bench/raw_zone.py --json $(BENCH_RESULTS)/raw_zone.json
	@date +"== %T"
	$(PY) bench/http_client.py --rounds 2 --json $(BENCH_RESULTS)/http_client.json
	@date +"== %T"
	$(PY) bench/dag_parse.py --json $(BENCH_RESULTS)/dag_parse.json
	@date +"== %T"
	$(PY) bench/storage_query.py --json $(BENCH_RESULTS)/storage_query.json
	@date +"== %T"
	$(PY) bench/parallel_workers.py --copies 1 --rounds 1 --json $(BENCH_RESULTS)/parallel_workers.json
	@date +"== %T"
	$(PY) bench/lake_health.py --days 90 --repeat 3 --json $(BENCH_RESULTS)/lake_health.json
	@date +"== %T"
	$(PY) bench/summary.py --results $(BENCH_RESULTS)

## profile: a py-spy sampling profile of every process of the day of real weight's run (not in bench: ~2 minutes), then where its time went
profile: $(STAMP)
	mkdir -p $(BENCH_RESULTS)
	$(VENV)/bin/py-spy record --subprocesses --idle --rate 50 --format raw --output $(BENCH_RESULTS)/end_to_end_real_weight.pyspy -- \
		$(PY) bench/end_to_end.py --weight real --rss-pages --sample 20
	$(PY) bench/pyspy_summary.py $(BENCH_RESULTS)/end_to_end_real_weight.pyspy --rate 50 --json $(BENCH_RESULTS)/pyspy_summary.json

## fuzz: >= 100,000 generated inputs over the extractor, listings, robots.txt, sources loader and URLs (table at the end), then atheris
fuzz: $(STAMP)
	$(PY) tests/fuzz_all.py --jobs 2
	$(PY) tests/atheris_extractor.py -max_total_time=180

## audit: known vulnerabilities of the pinned and installed dependencies (pip-audit); a report, never a failure
audit: $(STAMP)
	$(PY) tools/audit_dependencies.py --installed

## report: what the lake holds (outcomes, validation, a query)
report: $(STAMP)
	$(PY) -m newslake report

## docs: the lake's Great Expectations Data Docs on http://127.0.0.1:8766/ until Ctrl-C (an S3 lake's copied to .data_docs/)
docs: $(STAMP)
	$(PY) -m newslake docs

## serve-sample: the offline sample news site on http://127.0.0.1:8765/
serve-sample: $(STAMP)
	$(PY) -m newslake serve-sample

## settings: load airflow_settings.yaml (Astro CLI format) into plain Airflow's metadata DB
SETTINGS ?= airflow_settings.yaml
settings: $(STAMP)
	$(PY) -m newslake apply-settings $(SETTINGS)

## airflow: Airflow's UI on http://127.0.0.1:8080/ (api-server, scheduler, dag-processor, triggerer) until Ctrl-C
##   make airflow PORT=8081 DB_URL=postgresql+psycopg2://user:pass@127.0.0.1:5432/airflow
PORT ?= 8080
DB_URL ?=
airflow: $(STAMP)
	$(PY) -m newslake airflow --port $(PORT) $(if $(DB_URL),--db-url '$(DB_URL)')

clean:
	rm -rf lake .airflow test-output .data_docs bench-results
