# Byzantine MW Studio. `make help` lists the targets.
SHELL := /bin/bash
PY    := .venv/bin/python
STAMP := .venv/.installed
SHOWCASE := MWWeightBars
# Debian packages Manim (cairo, pango, ffmpeg) and MathTex (LaTeX, dvisvgm) need.
APT_PKGS := libcairo2-dev libpango1.0-dev pkg-config ffmpeg texlive-latex-base texlive-latex-recommended \
            texlive-latex-extra texlive-fonts-recommended dvisvgm fonts-dejavu-core
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# User variables reach the shell only through these: $(call sh_quote,SCENE) is the variable's raw value (never
# expanded by make, so no $(shell ...)) in single quotes; $(call sh_or,QUALITY,l) is the same, or a default.
sh_quote = '$(subst ','\'',$(value $(1)))'
sh_or    = $(if $(value $(1)),$(call sh_quote,$(1)),$(2))
# ... and not through the environment (exporting would expand them: SCENE='$(shell ...)' would run).
unexport SCENE QUALITY TRANSPARENT SET THEME PACE NAME SWEEP PDF JOBS SCHEDULER CACHE
# JOBS=N: segments on N local processes; SCHEDULER=tcp://HOST:PORT: on a Dask cluster; CACHE=off: a cold render.
par_args = $(if $(value JOBS),--jobs $(call sh_quote,JOBS)) $(if $(value SCHEDULER),--scheduler $(call sh_quote,SCHEDULER)) $(if $(filter off,$(value CACHE)),--no-cache)

.PHONY: setup apt demo test test-fast lint format scenes timing render talk preview stills figures slides sweep bench controls catalog clean help

help:
	@echo "make demo                     set up, render the showcase scene ($(SHOWCASE)) and its still"
	@echo "make test                     set up, lint, and run the whole test suite on every core (pytest-xdist)"
	@echo "make test-fast                the quick loop: simulations, traces, sweeps and CLIs, nothing rendered"
	@echo "make lint | format            ruff check and format --check | ruff format and check --fix"
	@echo "make scenes                   list the scenes (talk order, key frames): what you can render"
	@echo "make timing [SCENE=Name]      each scene's video length, slides, key frames and pacing problems"
	@echo "make render SCENE=Name [QUALITY=l|m|h|p|k] [PACE=slow|normal|fast|1.3] [SET=\"eta=0.5 rounds=20\"]"
	@echo "                              talk video (+ .srt subtitles) of one scene; SET/PACE go into its name"
	@echo "     ... [JOBS=N] [SCHEDULER=tcp://HOST:PORT] [CACHE=off]   segments on N processes / Dask; cold render"
	@echo "make talk [QUALITY=h] [JOBS=N] every scene's video, as one job (also SCHEDULER=, CACHE=off)"
	@echo "make preview SCENE=Name       render at -ql and open it (without a display: prints the path)"
	@echo "make stills [SCENE=Name] [QUALITY=h] [THEME=talk|paper] [TRANSPARENT=1] [SET=...]"
	@echo "                              PNG key frames into stills/<Scene>/ (paper: stills/<Scene>/paper/)"
	@echo "make figures                  every paper figure into figures/ (PNG and PDF)"
	@echo "make slides [SCENE=Name] [QUALITY=l|h] [PACE=...] [SET=...] [PDF=1]   offline HTML slides (+ PDF)"
	@echo "make sweep SWEEP=s NAME=n [SET=\"a=1 b=0.1:1:10\"] [TRIALS=N]   a declared sweep into sweeps/NAME/"
	@echo "make bench                    benchmarks (ratios against baselines run alongside)"
	@echo "make controls                 regenerate visual-regression control frames (after an intended change)"
	@echo "make catalog                  regenerate docs/catalog.md (scenes, figures, trace kinds) from the registry"
	@echo "make setup | clean"

setup: apt $(STAMP)

apt:
	@missing=""; \
	for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	python3 -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v gcc >/dev/null || missing="$$missing build-essential"; \
	[ -f "$$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ] || missing="$$missing python3-dev"; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(STAMP): requirements.txt pyproject.toml
	@echo "setup: creating .venv and installing requirements.txt"
	@python3 -m venv .venv
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@$(PY) -m studio.slides fetch >/dev/null
	@touch $@

demo: setup
	@$(PY) -m studio demo $(SHOWCASE)

# -n auto: one pytest worker per core (pytest-xdist); PYTEST_ARGS="-n 0 -k ..." runs serially.
test: setup lint
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -n auto -q -m "not render" $(PYTEST_ARGS)

lint: setup
	@$(PY) -m ruff check --quiet . && $(PY) -m ruff format --check --quiet . && echo "lint: ruff check and format clean"

format: setup
	@$(PY) -m ruff format --quiet . && $(PY) -m ruff check --quiet --fix .

define need_scene
	@if [ -z $(call sh_quote,SCENE) ]; then echo "error: SCENE=Name is required; available:"; $(PY) -m studio scenes; exit 2; fi
endef

scenes: setup
	@$(PY) -m studio scenes

timing: setup
	@$(PY) -m studio timing $(if $(value SCENE),$(call sh_quote,SCENE))

render: setup
	$(need_scene)
	@$(PY) -m studio render $(call sh_quote,SCENE) -q $(call sh_or,QUALITY,l) --pace $(call sh_quote,PACE) --set $(call sh_quote,SET) $(par_args)

talk: setup
	@$(PY) -m studio render -q $(call sh_or,QUALITY,l) --pace $(call sh_quote,PACE) $(par_args)

preview: setup
	$(need_scene)
	@$(PY) -m studio preview $(call sh_quote,SCENE) --pace $(call sh_quote,PACE) --set $(call sh_quote,SET)

stills: setup
	@$(PY) -m studio stills $(if $(value SCENE),$(call sh_quote,SCENE)) -q $(call sh_or,QUALITY,h) --theme $(call sh_quote,THEME) --set $(call sh_quote,SET) $(if $(value TRANSPARENT),--transparent)

figures: setup
	@$(PY) -m studio figures

slides: setup
	@$(PY) -m studio slides $(if $(value SCENE),$(call sh_quote,SCENE)) -q $(call sh_or,QUALITY,l) --pace $(call sh_quote,PACE) --set $(call sh_quote,SET) $(if $(value PDF),--pdf) $(par_args)

# SWEEP, NAME, SET, TRIALS reach the shell single-quoted and unexpanded ($(value)): text, never code.
sq = '$(subst ','\'',$(value $(1)))'
unexport SWEEP NAME SET TRIALS
sweep: setup
	@sweep=$(call sq,SWEEP); name=$(call sq,NAME); set=$(call sq,SET); trials=$(call sq,TRIALS); \
	if [ -z "$$sweep" ]; then echo "error: SWEEP=name is required; available:"; $(PY) -m studio.sweep list; exit 2; fi; \
	args=(run "$$sweep" --name "$${name:-$$sweep}"); read -r -a sets <<< "$$set"; \
	for s in "$${sets[@]}"; do args+=(--set "$$s"); done; \
	if [ -n "$$trials" ]; then args+=(--trials "$$trials"); fi; \
	$(PY) -m studio.sweep "$${args[@]}"

catalog: setup   ## regenerate docs/catalog.md from the registry
	@$(PY) -m studio.catalog

controls: setup   ## regenerate the visual-regression control frames after an intended visual change
	$(PY) -m pytest tests/test_visual_regression.py --set_test -q

bench: setup
	@for f in bench/[!_]*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf media stills figures traces slides sweeps .pytest_cache .hypothesis
	find . -name __pycache__ -prune -not -path './.venv/*' -exec rm -rf {} +
