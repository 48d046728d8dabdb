# lit configuration for pmatomic.  Substitutions:
#   %opt-pma     opt with the plugin loaded (add -passes=pmatomic yourself)
#   %plugin      absolute path of libpmatomic.so
#   %clang       clang-19
#   %cc-pma      clang-19 with the plugin, include dir (compile only: add -c/-S)
#   %link-pma    linker flags for the runtime (libpmatomic_rt, libpmem, pthreads)
#   %link-pma-static  the same with the static runtime (its hidden internals callable)
#   %cc-unit     clang-19 for a unit test of runtime internals (test/unit), no plugin
#   %include     the include/ directory
#   %python      the Python running lit
#   %crashloop   the SIGKILL crash-loop driver (test/crash/crashloop.py)
#   %pmatomic    the pmatomic command-line tool
#   %summary     file collecting the totals lines of crash tests (tee -a %summary);
#                scripts/run-tests.sh prints it after the run
import os
import lit.formats

config.name = "pmatomic"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".ll", ".c", ".cpp", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.pma_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.llvm_bin, config.pma_bindir, config.environment.get("PATH", os.environ["PATH"])])
# Knobs a developer may have set must not change test results.
for k in list(os.environ):
    if k.startswith("PMA_"):
        config.environment.pop(k, None)

clang = os.path.join(config.llvm_bin, "clang")
# make check-asan: test programs get the sanitizers the runtime was built with
# (only e2e/, crash/ and cli/ run there: IR checks would see the instrumentation).
# LeakSanitizer is on: memory still unreachable when a process exits normally
# fails its test (runs ended by SIGKILL or a simulated crash skip the check).
if getattr(config, "pma_sanitize", False):
    clang += " -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all -fno-omit-frame-pointer"
    config.environment["ASAN_OPTIONS"] = "halt_on_error=1:detect_leaks=1:abort_on_error=0"
    config.environment["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
opt = os.path.join(config.llvm_bin, "opt")
link = "-L{0} -Wl,-rpath,{0} -lpmatomic_rt -lpmem -lpthread".format(config.pma_libdir)
config.substitutions.append(("%opt-pma", "{} -load-pass-plugin={}".format(opt, config.pma_plugin)))
config.substitutions.append(("%plugin", config.pma_plugin))
config.substitutions.append(("%cc-pma", "{} -fplugin={} -I{}".format(clang, config.pma_plugin, config.pma_include)))
# %link-pma-static before %link-pma: lit substitutes in order, and the static
# runtime's hidden internals (runtime/*.h) are callable from a test, e.g. to
# recompute a header checksum after damaging a field
config.substitutions.append(("%link-pma-static", "{}/libpmatomic_rt.a -lpmem -lpthread".format(config.pma_libdir)))
config.substitutions.append(("%link-pma", link))
# %cc-unit: a unit test of runtime internals (test/unit): the runtime's
# headers and test/unit/Inputs/unit.h; link it with %link-pma-static
config.substitutions.append(("%cc-unit", "{} -O1 -g -std=gnu11 -Wall -Wextra -Werror -I{} -I{} -I{}".format(
    clang, config.pma_include, os.path.join(config.pma_src_root, "runtime"),
    os.path.join(config.pma_src_root, "test", "unit", "Inputs"))))
config.substitutions.append(("%clang", clang))
config.substitutions.append(("%include", config.pma_include))
config.substitutions.append(("%python", config.python))
config.substitutions.append(("%crashloop", "{} {}".format(
    config.python, os.path.join(config.pma_src_root, "test", "crash", "crashloop.py"))))
# FileCheck prefixes of the -Rpass remarks of the logging optimisations:
# under ASan every store gets a shadow check with its own branch, so no two
# stores share a basic block when our pass runs (after the sanitizer) and
# static batching cannot fire; the other elisions still must.
config.substitutions.append(("%logopt-remarks",
                             "REMARK" if getattr(config, "pma_sanitize", False) else "REMARK,REMARK-BATCH"))
config.substitutions.append(("%summary", os.path.join(config.pma_obj_root, "test", "crash-summary.txt")))
config.substitutions.append(("%pmatomic", os.path.join(config.pma_bindir, "pmatomic")))
