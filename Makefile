# pmatomic -- top-level entry points.  `make demo` and `make check` install the
# Debian packages they need (scripts/install-deps.sh), configure and build.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build check check-asan check-mutants soak fuzz fuzz-long demo bench bench-quick real-programs clean

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

# The e2e, crash and cli suites with AddressSanitizer + LeakSanitizer + UBSan
# (runtime, tool and test programs; any report, a leak too, fails the test).
# Own build tree: $(ASAN_BUILD).
ASAN_BUILD ?= build-asan
check-asan: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_FLAGS) -DPMA_SANITIZE=ON -DCMAKE_C_COMPILER=clang-19
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv $(ASAN_BUILD)/test/e2e $(ASAN_BUILD)/test/crash $(ASAN_BUILD)/test/cli

# Mutation testing of the power-failure crash tests (docs/crashtest.md): each
# seeded protocol bug of runtime/mutants.h must make a test/sim program fail.
# Own build tree with the mutant runtime: $(MUTANT_BUILD).  ~15 min on 2 cores.
MUTANT_BUILD ?= build-mutants
check-mutants: deps
	cmake -S . -B $(MUTANT_BUILD) $(CMAKE_FLAGS) -DPMA_MUTANTS=ON
	cmake --build $(MUTANT_BUILD) -j$(JOBS)
	python3 test/sim/simdriver.py mutants $(MUTANT_BUILD) --jobs $(JOBS)

# At least SOAK_IMAGES crash images over the test/sim programs, every policy,
# fresh seeds (printed): ~7 min on 2 cores for the default 50,000.
SOAK_IMAGES ?= 50000
soak: build
	python3 test/sim/simdriver.py soak $(BUILD) --images $(SOAK_IMAGES) --jobs $(JOBS)

# libFuzzer on heap images through pmatomic check/info and pma_open
# (fuzz/fuzz_open.c; seeds are real heaps made at start-up, nothing committed).
# `make fuzz`: 30 s, bounded, CI-style; `make fuzz-long`: FUZZ_LONG seconds.
FUZZ_BUILD ?= build-fuzz
FUZZ_LONG ?= 1800
fuzz: deps
	@fuzz/run.sh 30 $(FUZZ_BUILD)

fuzz-long: deps
	@fuzz/run.sh $(FUZZ_LONG) $(FUZZ_BUILD)

# The crash story: a multi-threaded bank killed repeatedly, with and without pmatomic.
demo: build
	@examples/demo.sh $(BUILD)

# The benchmark suite (docs/performance.md): about 10 minutes; results in
# bench/results/.  `make bench-quick` (or BENCH_ARGS=--quick) takes under 2.
bench: build
	@python3 bench/run.py --build $(BUILD) $(BENCH_ARGS)

bench-quick: build
	@python3 bench/run.py --build $(BUILD) --quick $(BENCH_ARGS)

# Real programs from Debian bookworm source packages (pbzip2, xz-utils,
# memcached; pigz when the archive serves it) built in whole-heap mode: their
# own test suites, byte-identical outputs, overhead, the memcached crash story
# (docs/real-programs.md).  Needs network to the Debian archive; ~15 min;
# not part of `make check` or CI.  Sources and builds in build-real/.
real-programs: build
	@scripts/real/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(MUTANT_BUILD)
