//===- Registration.cpp -- options and the pass-plugin front door --------===//
//
// The options of the pass, as plugin arguments (-fplugin-arg-pmatomic-<name>,
// parsed by the Clang half) and as hidden cl::opts (-pmatomic-<name>, for opt
// and -mllvm), and the registration of the pass with a PassBuilder.
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/CommandLine.h"

using namespace llvm;
using namespace pmatomic;

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

// One hidden cl::opt per PMA_FLAG of Options.def.
#define PMA_FLAG(Id, Name, Value, Set, Desc)                                  \
  static cl::opt<bool> Cl##Id("pmatomic-" Name, cl::Hidden,                   \
                              cl::desc("pmatomic: " Desc));
#include "Options.def"

// ", a, b, c" without its first separator.
const char *const pmatomic::PluginArgNames = &(
#define PMA_FLAG(Id, Name, Value, Set, Desc) ", " Name
#include "Options.def"
    )[2];

// applyPluginArg -- see PmAtomic.h.
bool pmatomic::applyPluginArg(PmAtomicOptions &O, StringRef Arg) {
#define PMA_FLAG(Id, Name, Value, Set, Desc)                                  \
  if (Arg == Name) {                                                          \
    bool V = Value;                                                           \
    Set;                                                                      \
    return true;                                                              \
  }
#include "Options.def"
  return false;
}

// applyCommandLineOverrides -- see PmAtomic.h.
PmAtomicOptions pmatomic::applyCommandLineOverrides(PmAtomicOptions O) {
#define PMA_FLAG(Id, Name, Value, Set, Desc)                                  \
  if (Cl##Id.getNumOccurrences()) {                                           \
    bool V = Cl##Id ? Value : !Value;                                         \
    Set;                                                                      \
  }
#include "Options.def"
  return O;
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

// registerPmAtomicAtOptimizerLast -- see PmAtomic.h.
void pmatomic::registerPmAtomicAtOptimizerLast(PassBuilder &PB,
                                               const PmAtomicOptions &Opts) {
  // -print-pipeline-passes then prints "pmatomic", which -passes= accepts.
  if (PassInstrumentationCallbacks *PIC = PB.getPassInstrumentationCallbacks())
    PIC->addClassToPassName(PmAtomicPass::name(), "pmatomic");
  PB.registerOptimizerLastEPCallback(
      [Opts](ModulePassManager &MPM, OptimizationLevel) {
        MPM.addPass(PmAtomicPass(Opts));
      });
}

// llvmGetPassPluginInfo -- the opt / -fpass-plugin front door: "pmatomic" in
// -passes=, and the pass at the end of every default<Ox> pipeline.
extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "pmatomic", "0.1.0", [](PassBuilder &PB) {
            PB.registerPipelineParsingCallback(
                [](StringRef Name, ModulePassManager &MPM,
                   ArrayRef<PassBuilder::PipelineElement>) {
                  if (Name != "pmatomic")
                    return false;
                  MPM.addPass(PmAtomicPass());
                  return true;
                });
            registerPmAtomicAtOptimizerLast(PB, PmAtomicOptions());
          }};
}
