# pmatomic -- top-level entry points.  `make demo` and `make check` install the
# Debian packages they need (scripts/install-deps.sh), configure and build.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build check demo bench bench-quick clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# Every test: lit over test/ (pass, clang, e2e, crash).
check: build
	@scripts/run-tests.sh $(BUILD)

# The crash story: a multi-threaded bank killed repeatedly, with and without pmatomic.
demo: build
	@examples/demo.sh $(BUILD)

# The benchmark suite (docs/performance.md): about 10 minutes; results in
# bench/results/.  `make bench-quick` (or BENCH_ARGS=--quick) takes under 2.
bench: build
	@python3 bench/run.py --build $(BUILD) $(BENCH_ARGS)

bench-quick: build
	@python3 bench/run.py --build $(BUILD) --quick $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)
