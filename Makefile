# Byzantine MW Studio. `make help` lists the targets. Every target is a thin layer over the `byzmw` command.
SHELL := /bin/bash
PY     := .venv/bin/python
BYZMW  := .venv/bin/byzmw
STAMP  := .venv/.installed
SYSTEM := python3 studio/system_check.py

# User variables are data, never code: no recipe below names one. Each is exported raw (`$(value ...)`: never
# expanded by make, so SCENE='$(shell ...)' runs nothing) as BYZMW_MAKE_<NAME>, and `byzmw from-make TARGET`
# reads them into its arguments as they are (studio/cli.py: args_from_make). The variables themselves are not
# exported (make would expand them to do so).
USER_VARS := SCENE QUALITY PACE SET THEME TRANSPARENT WIDTH FIGURE SWEEP NAME TRIALS SHOWCASE PDF
unexport $(USER_VARS) PYTEST_ARGS
$(foreach v,$(USER_VARS),$(eval export BYZMW_MAKE_$(v) = $$(value $(v))))
# PYTEST_ARGS reaches pytest through PYTEST_ADDOPTS, which pytest itself splits like a shell would (no shell
# runs it); after our own options, so that PYTEST_ARGS="-n 0 -k name" wins.
test: export PYTEST_ADDOPTS = -n auto $(value PYTEST_ARGS)
test-fast: export PYTEST_ADDOPTS = -n auto -q -m "not render" $(value PYTEST_ARGS)

.PHONY: setup system venv demo test test-fast lint format scenes timing render preview stills figures slides \
        sweep bench controls catalog lock clean help

help:
	@echo "make demo                     set up, render the showcase scene (MWWeightBars) and its still"
	@echo "make test                     set up, lint, and run the whole test suite on every core (pytest-xdist)"
	@echo "make test-fast                the quick loop: simulations, traces, sweeps and CLIs, nothing rendered"
	@echo "make lint | format            ruff check and format --check | ruff format and check --fix"
	@echo "make scenes                   list the scenes (talk order, key frames): what you can render"
	@echo "make timing [SCENE=Name]      each scene's video length, slides, key frames and pacing problems"
	@echo "make render SCENE=Name [QUALITY=l|m|h|p|k] [PACE=slow|normal|fast|1.3] [SET=\"eta=0.5 rounds=20\"]"
	@echo "                              talk video (+ .srt subtitles) of one scene; SET/PACE go into its name"
	@echo "make preview SCENE=Name       render at -ql and open it (without a display: prints the path)"
	@echo "make stills [SCENE=Name] [QUALITY=h] [THEME=talk|paper] [WIDTH=single|double] [TRANSPARENT=1] [SET=...]"
	@echo "                              PNG key frames into stills/<Scene>/; paper: figures (PDF, SVG, PNG) in"
	@echo "                              stills/<Scene>/paper-<width>/, cropped and sized for a journal column"
	@echo "make figures [FIGURE=name]    the paper figures (all, or the named ones) into figures/ (PNG and PDF)"
	@echo "make slides [SCENE=Name] [QUALITY=l|h] [PACE=...] [SET=...] [PDF=1]   offline HTML slides (+ a PDF)"
	@echo "make sweep SWEEP=s NAME=n [SET=\"a=1 b=0.1:1:10\"] [TRIALS=N]   a declared sweep into sweeps/NAME/"
	@echo "make bench                    benchmarks (ratios against baselines run alongside)"
	@echo "make controls                 regenerate visual-regression control frames (after an intended change)"
	@echo "make catalog                  regenerate docs/catalog.md (scenes, figures, trace kinds) from the registry"
	@echo "make setup | system | lock | clean"
	@echo "Everything here is also a byzmw command: .venv/bin/byzmw --help"

# setup: the system tools (ffmpeg, LaTeX, cairo, pango: installed with apt-get only on Debian and only when
# missing; elsewhere it prints what to install), then .venv. Targets that need no system tool depend on venv.
setup: system venv

system:
	@$(SYSTEM) --install

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(SYSTEM) --install --only build
	@echo "setup: creating .venv and installing requirements.txt (constraints.txt: every version pinned)"
	@python3 -m venv .venv
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@$(PY) -m studio.slides fetch >/dev/null
	@touch $@

demo: setup
	@$(BYZMW) from-make demo

# -n auto: one pytest worker per core (pytest-xdist); PYTEST_ARGS="-n 0 -k ..." runs serially (it comes later).
test: setup lint
	$(PY) -m pytest

test-fast: venv
	$(PY) -m pytest

lint: venv
	@$(PY) -m ruff check --quiet . && $(PY) -m ruff format --check --quiet . && echo "lint: ruff check and format clean"

format: venv
	@$(PY) -m ruff format --quiet . && $(PY) -m ruff check --quiet --fix .

scenes: venv
	@$(BYZMW) from-make scenes

timing render preview stills slides: setup
	@$(BYZMW) from-make $@

figures sweep: venv
	@$(BYZMW) from-make $@

catalog: venv
	@$(PY) -m studio.catalog

controls: setup
	$(PY) -m pytest tests/test_visual_regression.py --set_test -q

# Every benchmark runs; the ones over target are listed at the end (and make fails), not at the first miss.
bench: setup
	@missed=""; for f in bench/[!_]*.py; do echo "== $$f"; $(PY) $$f || missed="$$missed $$f"; done; \
	if [ -n "$$missed" ]; then echo "bench: over target:$$missed"; exit 1; fi; echo "bench: every benchmark on target"

# constraints.txt from .venv, after an intended upgrade (then `make controls` if the frames changed).
lock: venv
	@{ sed -n "/^#/p" constraints.txt; $(PY) -m pip freeze --all --exclude-editable --disable-pip-version-check | grep -v "^pip=="; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt && echo "lock: constraints.txt rewritten from .venv"

clean:
	rm -rf media stills figures traces slides sweeps .pytest_cache .hypothesis build
	find . -name __pycache__ -prune -not -path './.venv/*' -exec rm -rf {} +
