# pmatomic -- top-level entry points.  `make demo` and `make check` install the
# Debian packages they need (scripts/install-deps.sh), configure and build.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build check demo clean

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

clean:
	rm -rf $(BUILD)
