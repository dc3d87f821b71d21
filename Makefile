# The two commands of the README: `make run` (the demo) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench lint format install install-test chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

# Debian's chromium (and a CJK font, so pages render Chinese) for the browser tests;
# never `playwright install` (it downloads, and these machines have no such access).
chromium:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "cjk"; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -q chromium fonts-noto-cjk || (apt-get update -q && apt-get install -y -q chromium fonts-noto-cjk)) >/dev/null; \
	  else echo "chromium or a CJK font is missing and cannot be installed here: browser tests will skip"; fi; \
	fi

# The demo: the city, its sensors fed by the simulator (set ONEMAP_SIMULATOR=false to stop it).
run: install
	ONEMAP_SIMULATOR=$${ONEMAP_SIMULATOR:-true} $(BIN)/onemap run

test: install-test chromium
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile

# Figures, not pass/fail: the map's speed beside folium (needs npm for local Leaflet copies).
bench: install-test chromium
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/map.py

lint:
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
