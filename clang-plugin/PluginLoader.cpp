//===- PluginLoader.cpp -- load the Clang half when running inside clang --===//
//
// libpmatomic.so must load both into clang-19 (-fplugin=) and into opt
// (-load-pass-plugin=).  It cannot simply link libclang-cpp: in LLVM 19,
// libclang-cpp.so defines cl::opts that opt also defines (clang's
// BackendUtil and opt's NewPMDriver both register -pgo-cold-func-opt), and
// loading it into opt aborts with "Option 'pgo-cold-func-opt' registered more
// than once".  Nor can it leave clang's symbols undefined: the plugin action's
// vtable and typeinfo need them at load time, so dlopen() would fail in opt.
//
// So the clang-specific code lives in libpmatomic-clang.so, next to this
// library, linked against libclang-cpp.  This file is linked into
// libpmatomic.so; when it finds Clang's plugin registry in the process it
// dlopen()s the Clang half and hands it the pass's entry points.  In opt the
// registry is absent and nothing else happens.
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>
#include <errno.h> // program_invocation_short_name (_GNU_SOURCE)
#include <string>
#include <unistd.h>

using namespace pmatomic;

#ifndef PMA_CLANG_HALF
#error "PMA_CLANG_HALF (file name of the Clang half) must be defined"
#endif

namespace {

// llvm::Registry<clang::PluginASTAction>::add_node, defined by libclang-cpp.
constexpr const char *ClangRegistrySymbol =
    "_ZN4llvm8RegistryIN5clang15PluginASTActionEE8add_nodeEPNS3_4nodeE";

const ClangBridge Bridge = {ClangBridge::CurrentVersion, &applyPluginArg,
                            &registerPmAtomicAtOptimizerLast, PluginArgNames};

// ownDirectory -- where this library was loaded from ("." if unknown).
std::string ownDirectory() {
  Dl_info Info;
  if (!dladdr(reinterpret_cast<void *>(&ownDirectory), &Info) ||
      !Info.dli_fname)
    return ".";
  std::string Path = Info.dli_fname;
  std::string::size_type Slash = Path.rfind('/');
  return Slash == std::string::npos ? "." : Path.substr(0, Slash);
}

// ClangHalfLoader -- runs when libpmatomic.so is loaded; failing to load the
// Clang half inside clang is fatal, because -fplugin would otherwise compile
// without the pass and the program would not be failure-atomic.
struct ClangHalfLoader {
  ClangHalfLoader() {
    if (!dlsym(RTLD_DEFAULT, ClangRegistrySymbol)) {
      // A clang that does not export its registry (statically linked) would
      // otherwise compile without the pass and without a word.
      if (llvm::StringRef(program_invocation_short_name).starts_with("clang"))
        llvm::errs() << "pmatomic: this clang does not export its plugin "
                        "registry, so -fplugin cannot run the pass; use "
                        "-fpass-plugin=libpmatomic.so\n";
      return;
    }
    std::string Path = ownDirectory() + "/" PMA_CLANG_HALF;
    void *Handle = dlopen(Path.c_str(), RTLD_NOW | RTLD_LOCAL);
    auto *Init = Handle ? reinterpret_cast<void (*)(const ClangBridge *)>(
                              dlsym(Handle, PMATOMIC_CLANG_INIT_SYMBOL))
                        : nullptr;
    if (!Init) {
      llvm::errs() << "pmatomic: cannot load the Clang half of the plugin: "
                   << dlerror() << "\n";
      llvm::errs().flush();
      // _exit, not exit: we are inside dlopen(), holding the loader's lock.
      _exit(1);
    }
    Init(&Bridge);
  }
} Loader;

} // namespace
