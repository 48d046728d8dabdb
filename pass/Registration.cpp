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

static cl::opt<bool> ClNoEscapeElision(
    "pmatomic-no-escape-elision", cl::Hidden,
    cl::desc("pmatomic: instrument stores to non-escaping stack slots too"));
static cl::opt<bool> ClNoGlobalElision(
    "pmatomic-no-global-elision", cl::Hidden,
    cl::desc("pmatomic: instrument stores to global variables too"));
static cl::opt<bool> ClVolatileMalloc(
    "pmatomic-volatile-malloc", cl::Hidden, cl::init(true),
    cl::desc("pmatomic: memory from libc malloc & co. is not persistent"));
static cl::opt<bool> ClNoVolatileMalloc(
    "pmatomic-no-volatile-malloc", cl::Hidden,
    cl::desc("pmatomic: instrument stores to libc malloc memory too"));
static cl::opt<bool> ClNoLocks(
    "pmatomic-no-locks", cl::Hidden,
    cl::desc("pmatomic: do not rewrite pthread mutex calls"));
static cl::opt<bool> ClNoInstrument(
    "pmatomic-no-instrument", cl::Hidden,
    cl::desc("pmatomic: only rewrite pthread mutex calls"));

static cl::opt<bool> ClNoFreshElision(
    "pmatomic-no-fresh-elision", cl::Hidden,
    cl::desc("pmatomic: instrument stores into blocks just pma_malloc'ed too"));
static cl::opt<bool> ClNoDominatedElision(
    "pmatomic-no-dominated-elision", cl::Hidden,
    cl::desc("pmatomic: instrument stores an earlier hook already covers too"));
static cl::opt<bool> ClNoBatching(
    "pmatomic-no-batching", cl::Hidden,
    cl::desc("pmatomic: one hook per store, no batch hooks"));
static cl::opt<bool> ClNoMultiBatching(
    "pmatomic-no-multi-batching", cl::Hidden,
    cl::desc("pmatomic: no multi-range batch hooks (__pma_store_v) for the "
             "stores of a block to different places"));
static cl::opt<bool> ClNoNtCopy(
    "pmatomic-no-nt-copy", cl::Hidden,
    cl::desc("pmatomic: keep large memcpy/memmove/memset as hook + write, no "
             "__pma_memcpy/memmove/memset (non-temporal path)"));
static cl::opt<bool> ClTrackLoads(
    "pmatomic-track-loads", cl::Hidden,
    cl::desc("pmatomic: hook plain loads that may read the heap too, so FASEs "
             "that read what another FASE wrote without a lock are linked"));
static cl::opt<bool> ClNoOpt(
    "pmatomic-no-opt", cl::Hidden,
    cl::desc("pmatomic: no fresh-block or dominated-store elision, no "
             "batching of any kind, no non-temporal mem* path (the per-store "
             "baseline)"));

const char *const pmatomic::PluginArgNames =
    "no-escape-elision, no-global-elision, volatile-malloc, "
    "no-volatile-malloc, no-locks, no-instrument, no-fresh-elision, "
    "no-dominated-elision, no-batching, no-multi-batching, no-nt-copy, no-opt, "
    "track-loads";

// applyPluginArg -- see PmAtomic.h.
bool pmatomic::applyPluginArg(PmAtomicOptions &Opts, StringRef Arg) {
  if (Arg == "no-escape-elision")
    Opts.EscapeElision = false;
  else if (Arg == "no-global-elision")
    Opts.GlobalElision = false;
  else if (Arg == "volatile-malloc")
    Opts.VolatileMalloc = true;
  else if (Arg == "no-volatile-malloc")
    Opts.VolatileMalloc = false;
  else if (Arg == "no-locks")
    Opts.RewriteLocks = false;
  else if (Arg == "no-instrument")
    Opts.Instrument = false;
  else if (Arg == "no-fresh-elision")
    Opts.FreshElision = false;
  else if (Arg == "no-dominated-elision")
    Opts.DominatedElision = false;
  else if (Arg == "no-batching")
    Opts.Batching = false;
  else if (Arg == "no-multi-batching")
    Opts.MultiBatching = false;
  else if (Arg == "no-nt-copy")
    Opts.NtCopy = false;
  else if (Arg == "track-loads")
    Opts.TrackLoads = true;
  else if (Arg == "no-opt")
    Opts.FreshElision = Opts.DominatedElision = Opts.Batching =
        Opts.MultiBatching = Opts.NtCopy = false;
  else
    return false;
  return true;
}

// applyCommandLineOverrides -- see PmAtomic.h.
PmAtomicOptions pmatomic::applyCommandLineOverrides(PmAtomicOptions Opts) {
  if (ClNoEscapeElision.getNumOccurrences())
    Opts.EscapeElision = !ClNoEscapeElision;
  if (ClNoGlobalElision.getNumOccurrences())
    Opts.GlobalElision = !ClNoGlobalElision;
  if (ClVolatileMalloc.getNumOccurrences())
    Opts.VolatileMalloc = ClVolatileMalloc;
  if (ClNoVolatileMalloc.getNumOccurrences())
    Opts.VolatileMalloc = !ClNoVolatileMalloc;
  if (ClNoLocks.getNumOccurrences())
    Opts.RewriteLocks = !ClNoLocks;
  if (ClNoInstrument.getNumOccurrences())
    Opts.Instrument = !ClNoInstrument;
  if (ClNoOpt.getNumOccurrences())
    Opts.FreshElision = Opts.DominatedElision = Opts.Batching =
        Opts.MultiBatching = Opts.NtCopy = !ClNoOpt;
  if (ClNoFreshElision.getNumOccurrences())
    Opts.FreshElision = !ClNoFreshElision;
  if (ClNoDominatedElision.getNumOccurrences())
    Opts.DominatedElision = !ClNoDominatedElision;
  if (ClNoBatching.getNumOccurrences())
    Opts.Batching = !ClNoBatching;
  if (ClNoMultiBatching.getNumOccurrences())
    Opts.MultiBatching = !ClNoMultiBatching;
  if (ClNoNtCopy.getNumOccurrences())
    Opts.NtCopy = !ClNoNtCopy;
  if (ClTrackLoads.getNumOccurrences())
    Opts.TrackLoads = ClTrackLoads;
  return Opts;
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
