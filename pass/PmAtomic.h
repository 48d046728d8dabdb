//===- PmAtomic.h -- the pmatomic instrumentation pass ----------*- C++ -*-===//
//
// The pass makes lock-based code failure-atomic on a persistent heap: every
// store that may reach the heap gets a call to a __pma_store* hook before it,
// and pthread mutex calls are redirected to the runtime's __pma_mutex_*
// wrappers, which delimit failure-atomic sections.  The hook names and
// signatures are the contract in include/pmatomic_interface.h.
//
// Two front doors build the same pass, both through libpmatomic.so: the Clang
// plugin (-fplugin=, options from -fplugin-arg-pmatomic-*, implemented by the
// Clang half libpmatomic-clang.so, see clang-plugin/PluginLoader.cpp) and the
// pass-plugin entry point (opt -load-pass-plugin= -passes=pmatomic, clang
// -fpass-plugin=; options from the -pmatomic-* cl::opts).
//
//===----------------------------------------------------------------------===//
#ifndef PMATOMIC_PASS_PMATOMIC_H
#define PMATOMIC_PASS_PMATOMIC_H

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/PassManager.h"

#include "../include/pmatomic_interface.h"

#include <optional>

namespace llvm {
class CallBase;
class DominatorTree;
class Instruction;
class OptimizationRemarkEmitter;
class Function;
class Module;
class PassBuilder;
class TargetLibraryInfo;
class Value;
} // namespace llvm

namespace pmatomic {

// Everything the user can change about the pass, one field per PMA_OPTION of
// Options.def.  The Clang plugin fills it from -fplugin-arg-pmatomic-<name>;
// in opt (or with -mllvm) a -pmatomic-<name> cl::opt given explicitly
// overrides the field.
struct PmAtomicOptions {
#define PMA_OPTION(Field, Default) bool Field = Default;
#include "Options.def"
};

// The names accepted after -fplugin-arg-pmatomic-, comma-separated, for the
// error message on an unknown one.
extern const char *const PluginArgNames;

// applyPluginArg -- set the option named by one -fplugin-arg-pmatomic-<Arg>;
// false if Arg names no option.
bool applyPluginArg(PmAtomicOptions &Opts, llvm::StringRef Arg);

// applyCommandLineOverrides -- let explicitly given -pmatomic-* cl::opts win.
PmAtomicOptions applyCommandLineOverrides(PmAtomicOptions Opts);

// The module pass.  Like ThreadSanitizerPass it only wraps the instrumenter;
// it is required so that it also runs on optnone (-O0) functions.
class PmAtomicPass : public llvm::PassInfoMixin<PmAtomicPass> {
public:
  explicit PmAtomicPass(PmAtomicOptions Opts = {}) : Opts(Opts) {}
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &MAM);
  static bool isRequired() { return true; }

private:
  PmAtomicOptions Opts;
};

// registerPmAtomicAtOptimizerLast -- run the pass at the end of the default
// pipelines (all levels, -O0 included), after inlining and store
// optimisations, so it instruments the stores that are really executed.
void registerPmAtomicAtOptimizerLast(llvm::PassBuilder &PB,
                                     const PmAtomicOptions &Opts);

// What libpmatomic.so hands to its Clang half, libpmatomic-clang.so (see
// clang-plugin/PluginLoader.cpp for why there are two files).  The Clang half
// reaches the pass only through these pointers, so the pass, its cl::opts and
// statistics exist once in the process.
struct ClangBridge {
  static constexpr unsigned CurrentVersion = 1;
  unsigned Version;
  bool (*ApplyPluginArg)(PmAtomicOptions &, llvm::StringRef);
  void (*RegisterAtOptimizerLast)(llvm::PassBuilder &, const PmAtomicOptions &);
  const char *PluginArgNames;
};

// The C entry point of libpmatomic-clang.so that receives the bridge.
#define PMATOMIC_CLANG_INIT_SYMBOL "pmatomic_clang_init"

//===----------------------------------------------------------------------===//
// Internals shared by the pass's source files.
//===----------------------------------------------------------------------===//

// isRuntimeFunction -- true for runtime code, which must see raw stores and
// raw pthread calls: functions with disable_sanitizer_instrumentation.
bool isRuntimeFunction(const llvm::Function &F);

// Hook calls are built with llvm::InstrumentationIRBuilder
// (llvm/Transforms/Instrumentation.h): placed right before the write, they
// take its debug location, and a write without one (possible after
// optimisation) gives its hook line 0 of the function, because once LTO links
// in a runtime built with -g, a call without !dbg to a hook with debug info
// fails verification.

// How a libc call that writes through a pointer says how much it writes.
enum class LibcWriteKind {
  Bytes,      // SizeArg elements (times SizeArg2 if set) at DstArg
  StrCpy,     // strcpy-like: strlen(src) + 1 elements, src is argument DstArg + 1
  StrCat,     // strcat-like: appends strlen(src) + 1 elements
  StrNCat,    // strncat-like: appends at most SizeArg elements plus a NUL
  Unbounded,  // length known only after the call (sprintf, gets): not logged
  Fixed,      // FixedSize bytes at DstArg (and at DstArg2): an object or out-parameter
};

struct LibcWrite {
  LibcWriteKind Kind = LibcWriteKind::Bytes;
  unsigned DstArg = 0;
  int SizeArg = -1;
  int SizeArg2 = -1;       // fread: size * nmemb
  bool SizeSigned = false; // fgets takes an int; <= 0 means nothing written
  uint64_t FixedSize = 0;  // Fixed
  int DstArg2 = -1;        // Fixed: a second out-parameter of the same size (sincos)
  // Bytes per element of the sizes and strings above: 1, or 4 for the
  // wchar_t functions (wmemcpy, wcscpy, ...; glibc's wchar_t on x86_64).
  unsigned ElemSize = 1;
};

// classifyLibcWriter -- how much the libc call CB writes, or nothing if CB
// does not call a known libc function that writes through a pointer.
std::optional<LibcWrite> classifyLibcWriter(const llvm::CallBase &CB,
                                            const llvm::TargetLibraryInfo &TLI);

// resolvedCallee -- the function CB calls, also through a cast or an alias of
// it; null for a call through a pointer the pass cannot resolve.
const llvm::Function *resolvedCallee(const llvm::CallBase &CB);

// remarkIndirectCall -- a -Rpass-missed remark if CB calls through a pointer
// the pass cannot resolve and may write memory the heap could hold
// (MayReachHeap: a pointer argument might point into it); Unlogged.cpp.
bool remarkIndirectCall(const llvm::CallBase &CB,
                        llvm::function_ref<bool(const llvm::Value *)> MayReachHeap,
                        llvm::OptimizationRemarkEmitter &ORE);

// remarkUnloggedAsm -- a -Rpass-missed remark if the inline asm call CB may
// write memory besides its sized "=*m" outputs (a "memory" clobber on asm that
// is not a mere barrier, an output of unknown size); Unlogged.cpp.
bool remarkUnloggedAsm(const llvm::CallBase &CB,
                       llvm::OptimizationRemarkEmitter &ORE);

// rewriteLockCalls -- redirect pthread_mutex_{lock,trylock,timedlock,unlock}
// to the runtime wrappers; adds the number of rewritten call sites per calling
// function to CallsPerFunction and returns the total number of uses rewritten.
unsigned rewriteLockCalls(
    llvm::Module &M,
    llvm::DenseMap<const llvm::Function *, unsigned> &CallsPerFunction);

// What the static logging optimisations (LogOpt.cpp) see of one write the
// pass would log, and what they decide for it.
enum class WriteFate {
  Log,              // gets its own hook
  ElidedFresh,      // writes a block pma_malloc'ed with no FASE boundary since
  ElidedDominated,  // an earlier hook covers its bytes, no boundary since
  Batched,          // logged by the hook of its batch
};

struct LoggedWrite {
  llvm::Instruction *I;
  llvm::Value *Dest;             // null for writes with several addresses
  std::optional<uint64_t> Size;  // bytes, when a compile-time constant
  bool PlainStore;               // a StoreInst: may join a batch
  bool MayBeFresh;               // may be elided as a write to a fresh block
  unsigned HookCalls = 1;        // hook calls it gets (masked: up to one per lane)
  // Its hook notes its range for the commit's flush, so it may cover later
  // writes; not so for a write sent to the non-temporal path (NtCopy.cpp).
  bool MayCover = true;
  // A memcpy/memmove/memset intrinsic (not element-wise atomic): may join a
  // multi-range batch, with Len its length when that is not a constant.
  bool MemIntrinsic = false;
  llvm::Value *Len = nullptr;
  // Sent to __pma_memcpy & co. (NtCopy.cpp), which log for themselves: in a
  // multi-range batch its range is flagged PMA_SPAN_NT and its call stays.
  bool NtRouted = false;
  // An atomic: its hook also links FASEs through the written bytes
  // (__pma_atomic_begin), so it is never elided as fresh or covered.
  bool Pinned = false;
  WriteFate Fate = WriteFate::Log;
};

// One range a batch hook logs: Size bytes (or Len, when not a constant) at
// Base + Offset; Nt marks the destination of a call that still goes to
// __pma_memcpy & co.
struct LogRange {
  llvm::Value *Base;
  int64_t Offset;
  uint64_t Size;
  llvm::Value *Len = nullptr;
  bool Nt = false;
};

// One hook for several writes, inserted right before InsertBefore (the first
// write of the batch): a single gap-free range (a sized hook or
// __pma_store_n), or several ranges in the order they are written
// (__pma_store_v: one multi-range undo record, one fence).
struct LogBatch {
  llvm::Instruction *InsertBefore;
  llvm::SmallVector<LogRange, 4> Ranges;
  unsigned Members;
  bool Multi = false;
};

// The bounds shared with the runtime are defined once, in
// include/pmatomic_interface.h, which also asserts the rules between them;
// the asserts here name what the pass relies on.
//
// The most ranges one __pma_store_v call logs (PMA_PASS_MULTI_RANGES, at
// most the runtime's PMA_MULTI_MAX): the call notes one range per entry in
// the runtime's ring of recent hook ranges, so at most MaxMultiRanges - 1
// entries follow the one a write relies on.
constexpr unsigned MaxMultiRanges = PMA_PASS_MULTI_RANGES;

// The runtime re-notes the ranges of a thread's last PMA_RECENT_HOOKS hook
// calls when its dirty list overflows and is flushed early, so a hook's range
// stays noted for flushing across at most MaxHooksBetween later hook calls on
// each of the two legs (batch hook -> covering store, covering store -> elided
// store).
constexpr unsigned MaxHooksBetween = PMA_PASS_HOOKS_BETWEEN;

static_assert(MaxMultiRanges <= PMA_MULTI_MAX,
              "a multi-range batch must fit one undo record of the runtime");
static_assert(MaxMultiRanges - 1 + 3 * MaxHooksBetween < PMA_RECENT_HOOKS,
              "the runtime's ring of recent hooks must outlast the hooks "
              "LogOpt lets run between a hook and a write relying on it");

// The runtime notes a fresh block whole for the commit's flush only when it
// is shorter than PMA_FRESH_NOTE_MAX; a longer block gets no note, so
// fresh-block elision applies only to blocks whose size is a constant below
// it (a write into any other fresh block keeps its hook, which the runtime
// turns into a note of the lines written, without an undo record:
// docs/design.md section 6).
constexpr uint64_t FreshNotedMax = PMA_FRESH_NOTE_MAX;

// optimizeLogging -- decide the fate of each write of F (all with Fate Log on
// entry) and append the batch hooks to emit; remarks per decision.
void optimizeLogging(llvm::Function &F, const llvm::TargetLibraryInfo &TLI,
                     llvm::DominatorTree &DT, const PmAtomicOptions &Opts,
                     llvm::OptimizationRemarkEmitter &ORE,
                     llvm::SmallVectorImpl<LoggedWrite> &Writes,
                     llvm::SmallVectorImpl<LogBatch> &Batches);

// canMaterializeAt -- can code inserted before At use V: V is defined before
// At, or it is pure arithmetic (no memory read, no side effect, safe to
// speculate) of the same block, at most Depth deep, on such values.
bool canMaterializeAt(llvm::Value *V, llvm::Instruction *At,
                      const llvm::DominatorTree &DT, unsigned Depth = 4);

// materializeAt -- V, or a copy of its arithmetic computed before At (V must
// pass canMaterializeAt); Clones keeps the copies made for one insertion point.
llvm::Value *materializeAt(llvm::Value *V, llvm::Instruction *At,
                           const llvm::DominatorTree &DT,
                           llvm::DenseMap<llvm::Value *, llvm::Value *> &Clones);

// The entry point that replaces a memcpy/memmove/memset (NtCopy.cpp).
enum class NtCall { None, Memcpy, Memmove, Memset };

// Constant lengths below this keep the hook and the write: the backend turns
// them into a few moves, and the runtime's default threshold (PMA_NT_THRESHOLD)
// would not write them non-temporally anyway.
constexpr uint64_t NtMinBytes = 1024;

// classifyNtCall -- the entry point that should replace I, a write of the
// heap, or None if I keeps its hook.
NtCall classifyNtCall(const llvm::Instruction &I, const llvm::TargetLibraryInfo &TLI);

// emitNtCall -- replace I (classified as Kind) by a call of Fn, the runtime
// entry point for Kind, with the same arguments (an analysis remark says so);
// returns the new call.
llvm::CallInst *emitNtCall(llvm::Instruction *I, NtCall Kind,
                           llvm::FunctionCallee Fn, llvm::Type *IntptrTy,
                           llvm::OptimizationRemarkEmitter &ORE);

} // namespace pmatomic

#endif // PMATOMIC_PASS_PMATOMIC_H
