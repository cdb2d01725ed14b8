# Two commands for a fresh machine; each sets up everything it needs (venv, packages, data).
#   make run    install zoo (no test extras, no example plugin), then train the seed's VAE
#               on Fashion-MNIST (zoo run vae ...)
#   make test   install with test extras and the example plugin, then run the tests
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
DATA    := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
EMOJI   := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
EMOJI_GROUPS := /usr/share/unicode/emoji/emoji-test.txt
# the browser that tests/plugins/zoo_demo/test_browser.py drives (headless, through Playwright)
CHROMIUM := /usr/bin/chromium
# two pytest workers (pytest-xdist), each test taken by whichever worker is free (a contract
# class's tiny run trains at most once per worker: ModelContractTests.keep_tiny_run)
PYTEST_ARGS ?= -m "not slow" -n 2 --dist worksteal

.PHONY: run test test-all coverage install setup data browser bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip "setuptools>=68"

# what a user needs: zoo and its plugins, nothing the tests add
install: $(BIN)/python
	$(BIN)/pip install -e .

# a developer's set-up: the test extras, and the third-party example plugin the tests load
setup: $(BIN)/python
	$(BIN)/pip install -e ".[test]" -e examples/zoo-example

# Debian's packages of the built-in datasets (need root, as on CI): Fashion-MNIST, and the
# Noto Color Emoji font with Unicode's emoji list for the colour dataset `emoji`
data:
	@test -f $(DATA) -a -f $(EMOJI) -a -f $(EMOJI_GROUPS) || { apt-get update && \
	  apt-get install -y dataset-fashion-mnist fonts-noto-color-emoji unicode-data; }

# Debian's Chromium, for the tests only: the demo page's browser test drives it headless
browser:
	@test -x $(CHROMIUM) || { apt-get update && apt-get install -y chromium; }

run: install data
	$(BIN)/zoo run vae --dataset fashion_mnist

test: setup data browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-all: PYTEST_ARGS =
test-all: test

# line coverage of zoo_core/ and plugins/ over the fast suite, printed per module
coverage: setup data
	$(BIN)/python -m coverage run --source=zoo_core,plugins -m pytest -m "not slow" -q
	$(BIN)/python -m coverage report --skip-empty

bench: setup data
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/load_fashion_mnist.py
	$(BIN)/python bench/manifold.py
	$(BIN)/python bench/vae_throughput.py --rounds 3 --configs f32,bf16
	$(BIN)/python bench/gan_throughput.py
	$(BIN)/python bench/dqn_cartpole.py
	$(BIN)/python bench/sample_metrics.py
	$(BIN)/python bench/iwae.py --repeats 3
	$(BIN)/python bench/ddpm_throughput.py --model flow_matching
	$(BIN)/python bench/samplers.py pretrained:ddpm pretrained:flow_matching --n 1000
	$(BIN)/python bench/demo.py latency --repeats 30
	@test -d /tmp/folder50k || $(BIN)/python bench/image_folder.py make /tmp/folder50k
	$(BIN)/python bench/image_folder.py compare /tmp/folder50k
	$(BIN)/python bench/summary.py

clean:
	rm -rf $(VENV) runs *.egg-info
