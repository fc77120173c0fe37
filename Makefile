# Everything runs from here. The two set-up commands on a fresh machine are `make local` and `make test`.
#
# Python: the Lambda runtime is python3.13, so the venv uses Python 3.13 from pyenv when pyenv has one,
# and falls back to `python3` (with a warning) otherwise. SAM CLI lives in its own venv because it hard-pins
# boto3, pydantic and cfn-lint versions that would otherwise drag the project's libraries back.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      ?= .venv
SAM_VENV  ?= .venv-sam
# checkov pins its own boto3, so it lives in its own venv as SAM CLI does (requirements-checkov.txt).
CHECKOV_VENV ?= .venv-checkov
SAM_CLI_VERSION := 1.170.0
# uv installs the pinned requirements in seconds instead of minutes (make test's budget includes a cold venv).
UV_VERSION := 0.13.8
export AWS_DEFAULT_REGION ?= ap-south-1
export SAM_CLI_TELEMETRY := 0

PY313 := $(shell scripts/find-python 3.13)
PY     := $(VENV)/bin/python
ASL_FILES := $(wildcard statemachines/*.asl.json)
SAM    := $(SAM_VENV)/bin/sam
CHECKOV := $(CHECKOV_VENV)/bin/checkov
# Template checks run on the source template and on what `sam build` makes of it (what is deployed).
BUILT_TEMPLATE := .aws-sam/build/template.yaml
# sam build validates that the runtime's interpreter is on PATH.
SAM_PATH := $(dir $(PY313)):$(PATH)

.PHONY: help venv local demo test lint template-checks cfn-lint-templates checkov-templates unit build deploy clean bench openapi soak reconcile

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

$(VENV)/.stamp: requirements-dev.txt requirements-nodeps.txt layers/common/requirements.txt
	@echo "venv: $(PY313)"
	$(PY313) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.txt
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -r requirements-nodeps.txt
	@# The layer's package and the local stack import from the checkout, as the Lambda layer would provide them.
	printf '%s\n' "$(CURDIR)/layers/common" "$(CURDIR)" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/paybridge-checkout.pth"
	touch $@

$(SAM_VENV)/.stamp:
	$(PY313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	$(SAM_VENV)/bin/uv pip install --quiet --python $(SAM_VENV)/bin/python aws-sam-cli==$(SAM_CLI_VERSION)
	touch $@

$(CHECKOV_VENV)/.stamp: requirements-checkov.txt
	$(PY313) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	$(CHECKOV_VENV)/bin/uv pip install --quiet --python $(CHECKOV_VENV)/bin/python -r requirements-checkov.txt
	touch $@

venv: $(VENV)/.stamp $(SAM_VENV)/.stamp $(CHECKOV_VENV)/.stamp ## create the venvs (project, SAM CLI, checkov)

local: $(VENV)/.stamp ## run the whole system locally (emulated AWS + simulated Juspay); Ctrl-C stops
	$(PY) -m paybridge_local

# `make demo DEMO_ARGS="--only split,storm"`; `.venv/bin/python -m demo --help` lists the options.
DEMO_ARGS ?=
demo: $(VENV)/.stamp ## every scenario end to end on a fresh local stack (free ports), with a report; exit 1 if one fails
	$(PY) -m demo $(DEMO_ARGS)

lint: $(VENV)/.stamp $(SAM_VENV)/.stamp ## ruff, mypy, sam validate --lint, statelint, then template-checks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(SAM) validate --lint --region $(AWS_DEFAULT_REGION)
	$(if $(ASL_FILES),$(VENV)/bin/statelint --ignore=FLOAT $(ASL_FILES),@echo "statelint: no state machine definitions")
	$(MAKE) --no-print-directory template-checks

# Zero findings: a check that does not apply is skipped in the resource's Metadata with its reason
# (tests/contract/test_template_hardening.py refuses a skip without one).
template-checks: $(VENV)/.stamp $(CHECKOV_VENV)/.stamp build ## sam build, layer check, cfn-lint (+I, +serverless rules) and checkov on template.yaml and the build
	$(PY) scripts/check_layer.py .aws-sam/build/CommonLayer
	@# The two linters take ~10 s of CPU each: side by side on CI's two cores.
	$(MAKE) --no-print-directory -j2 --output-sync=target cfn-lint-templates checkov-templates

cfn-lint-templates:
	$(VENV)/bin/cfn-lint --include-checks I --append-rules cfn_lint_serverless.rules -- template.yaml $(BUILT_TEMPLATE)

checkov-templates:
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation -f template.yaml -f $(BUILT_TEMPLATE)

unit: $(VENV)/.stamp ## pytest only (all suites, with the coverage floor)
	$(PY) -m pytest

test: lint unit ## every check: lint, types, template, state machines, all test suites

build: $(SAM_VENV)/.stamp ## sam build (arm64, python3.13)
	PATH="$(SAM_PATH)" $(SAM) build

deploy: build ## sam deploy --config-env $(ENV) (ENV=dev|prod)
	$(SAM) deploy --config-env $(or $(ENV),dev)

reconcile: $(VENV)/.stamp ## reconcile orders with Juspay now: the local stack, or STACK=paybridge-dev; HOURS=n or SINCE=/UNTIL=
	$(PY) -m paybridge_ops reconcile $(if $(STACK),--stack $(STACK)) $(if $(HOURS),--hours $(HOURS)) \
		$(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL))

openapi: $(VENV)/.stamp ## regenerate docs/openapi.json from the handlers and template.yaml
	$(PY) -m paybridge_local.openapi

# The soak's size and seed: `make soak ORDERS=60 CONCURRENCY=8 SEED=3`; SOAK_ARGS adds options
# (`SOAK_ARGS="--json soak.json"`; `.venv/bin/python -m tests.soak --help` lists them).
ORDERS      ?= 500
CONCURRENCY ?= 16
SEED        ?= 7
SOAK_ARGS   ?=
soak: $(VENV)/.stamp ## bounded soak of the local stack (ORDERS, CONCURRENCY, SEED); exits 1 on a violation
	$(PY) -m tests.soak --orders $(ORDERS) --concurrency $(CONCURRENCY) --seed $(SEED) --follow-to-deadline $(SOAK_ARGS)

bench: $(VENV)/.stamp ## benchmarks (ratios against a baseline measured in the same run)
	$(PY) -m bench

clean: ## remove venvs, build output and local state
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .local .pytest_cache .mypy_cache .ruff_cache .coverage
