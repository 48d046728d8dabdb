//===- PmAtomic.cpp -- instrument stores, rewrite locks -------------------===//
//
// Collect, filter, instrument -- the ThreadSanitizer shape:
//   chooseInstructionsToInstrument  finds every instruction that writes memory
//                                   and drops the writes that cannot reach the
//                                   persistent heap (elision, below);
//   instrumentStore/Atomic/MemIntrinsic/LibcWriter/...  put the hook call
//                                   right before the write.
// The runtime's range check is the final word on what is persistent; elision
// only saves the call where the compiler can prove the answer is "no":
//   - the write goes to a stack slot that does not escape the function
//     (an escaped slot could in principle be a user-level thread's stack
//     carved out of the heap, so it is left to the range check);
//   - the write goes to a global or thread-local variable (the heap is an
//     mmap, never a variable of the program);
//   - with volatile-malloc (the default), the write goes to memory returned by
//     libc malloc & co.  Only libc allocators that return the pointer are
//     trusted, recognised through TargetLibraryInfo and only as declarations:
//     a user allocator -- and pma_malloc above all -- never matches.
// Then the writes that may reach the heap go through the static logging
// optimisations of LogOpt.cpp (fresh blocks, covered stores, batches), which
// decide which of them need a hook of their own; the mem* writes among those
// that are large or of variable length become calls of __pma_memcpy & co.
// instead (NtCopy.cpp).
//
// Remarks (pass name "pmatomic"), chosen so that -Rpass=pmatomic on a real
// program prints one line per function, not one per store:
//   -Rpass           one summary per function that the pass changed or elided
//                    something in ("instrumented 3 stores, ..."), and one more
//                    where a logging optimisation fired ("elided 2 writes to
//                    fresh blocks, ...").
//   -Rpass-missed    each write that may reach the heap but cannot be logged:
//                    unbounded libc writers (sprintf, gets), unknown
//                    memory-writing intrinsics, non-default address spaces,
//                    calls through unresolved function pointers and inline
//                    asm that may write memory (Unlogged.cpp).
//   -Rpass-analysis  each elided write, with the reason, to check an elision.
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Analysis/CaptureTracking.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Transforms/Instrumentation.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

using namespace llvm;
using namespace pmatomic;

#define DEBUG_TYPE "pmatomic"

//===----------------------------------------------------------------------===//
// Statistics
//===----------------------------------------------------------------------===//

STATISTIC(NumInstrumentedStores, "Number of stores instrumented");
STATISTIC(NumInstrumentedAtomics,
          "Number of atomic stores, atomicrmw and cmpxchg instrumented");
STATISTIC(NumInstrumentedAtomicLoads, "Number of atomic loads instrumented");
STATISTIC(NumInstrumentedLoads, "Number of plain loads instrumented (track-loads)");
STATISTIC(NumInstrumentedMemIntrinsics,
          "Number of memset/memcpy/memmove intrinsics instrumented");
STATISTIC(NumInstrumentedLibcWriters, "Number of libc writer calls instrumented");
STATISTIC(NumNtCalls, "Number of memcpy/memmove/memset sent to the non-temporal "
                      "entry points");
STATISTIC(NumInstrumentedMaskedStores,
          "Number of masked store/scatter/compressstore intrinsics instrumented");
STATISTIC(NumInstrumentedAsmOutputs, "Number of inline asm memory outputs instrumented");
STATISTIC(NumElidedStack, "Number of writes to non-escaping stack slots elided");
STATISTIC(NumElidedGlobal, "Number of writes to global variables elided");
STATISTIC(NumElidedMalloc, "Number of writes to libc malloc memory elided");
STATISTIC(NumMissedUnbounded, "Number of unbounded libc writers not logged");
STATISTIC(NumMissedIntrinsics, "Number of unknown writing intrinsics not logged");
STATISTIC(NumMissedAddrSpace, "Number of writes in other address spaces not logged");

//===----------------------------------------------------------------------===//
// The instrumenter
//===----------------------------------------------------------------------===//

namespace {

// Marks a module the pass has run on, so loading the library both as -fplugin
// and -fpass-plugin, or feeding instrumented IR back in, never logs twice.
constexpr const char *MarkerName = "pmatomic.instrumented";

enum class WriteKind { Store, Atomic, MemIntrinsic, LibcWriter, Masked, AsmOutput };
enum class Elision { None, Stack, Global, Malloc };

// One write to instrument.  Dest is the address that decides elision; it is
// null for writes with several addresses (masked.scatter).
struct WriteSite {
  Instruction *I;
  WriteKind Kind;
  Value *Dest;
  LibcWrite Libc = {};       // LibcWriter
  Type *AsmElemTy = nullptr; // AsmOutput
};

// Per-function counts for the summary remark.
struct FunctionCounts {
  unsigned Stores = 0, Atomics = 0, MemIntrinsics = 0, LibcWriters = 0;
  unsigned AtomicLoads = 0, Loads = 0;
  unsigned ElidedStack = 0, ElidedGlobal = 0, ElidedMalloc = 0;
  unsigned LockCalls = 0;
  // The static logging optimisations (LogOpt.cpp), in a remark of their own.
  unsigned ElidedFresh = 0, ElidedDominated = 0, Batched = 0, Batches = 0,
           MultiBatches = 0;
  // Mem intrinsics and libc writers among the above sent to __pma_mem*
  // (NtCopy.cpp), in a remark of their own too.
  unsigned NtCalls = 0;

  bool any() const {
    return Stores || Atomics || AtomicLoads || Loads || MemIntrinsics || LibcWriters || ElidedStack ||
           ElidedGlobal || ElidedMalloc || LockCalls || anyLogOpt();
  }
  bool anyLogOpt() const { return ElidedFresh || ElidedDominated || Batched; }
};

class PmAtomicInstrumenter {
public:
  explicit PmAtomicInstrumenter(const PmAtomicOptions &Opts) : Opts(Opts) {}
  bool run(Module &M, ModuleAnalysisManager &MAM);

private:
  void initialize(Module &M);
  void dropUnusedHooks();
  bool instrumentFunction(Function &F, const TargetLibraryInfo &TLI,
                          DominatorTree &DT, OptimizationRemarkEmitter &ORE,
                          FunctionCounts &C);
  LoggedWrite describeForLogOpt(const WriteSite &W) const;
  void chooseInstructionsToInstrument(Function &F, const TargetLibraryInfo &TLI,
                                      OptimizationRemarkEmitter &ORE,
                                      SmallVectorImpl<WriteSite> &Sites,
                                      SmallVectorImpl<LoadInst *> &Loads,
                                      FunctionCounts &C);
  void collectIntrinsic(IntrinsicInst *II, OptimizationRemarkEmitter &ORE,
                        SmallVectorImpl<WriteSite> &Sites);
  void collectInlineAsm(CallBase *CB, SmallVectorImpl<WriteSite> &Sites);
  Elision whyElide(const Value *Dest, const TargetLibraryInfo &TLI);
  Elision classifyObject(const Value *Obj, const TargetLibraryInfo &TLI);
  bool isNonEscapingAlloca(const AllocaInst *AI);

  bool instrumentStore(StoreInst *SI);
  bool instrumentAtomic(Instruction *I);
  void instrumentLoad(LoadInst *LI);
  bool instrumentMemIntrinsic(AnyMemIntrinsic *MI);
  bool instrumentLibcWriter(CallBase *CB, const LibcWrite &W);
  bool instrumentMasked(IntrinsicInst *II);
  bool instrumentAsmOutput(CallBase *CB, Value *Ptr, Type *ElemTy);
  bool emitRangeHook(IRBuilder<> &IRB, Value *Ptr, TypeSize Size);
  Value *sizeArg(IRBuilder<> &IRB, Value *V, bool Signed);

  const PmAtomicOptions &Opts;
  const DataLayout *DL = nullptr;
  Type *IntptrTy = nullptr;
  // Sized hooks indexed by log2(size): __pma_store1/2/4/8/16.
  static constexpr unsigned NumSizes = 5;
  FunctionCallee StoreFn[NumSizes];
  FunctionCallee StoreNFn, StoreVFn, StrcpyFn, StrcatFn, StrncatFn;
  FunctionCallee WcscpyFn, WcscatFn, WcsncatFn; // wchar_t forms of the above
  FunctionCallee NtFn[3]; // __pma_memcpy/memmove/memset, by NtCall - 1
  // __pma_atomic_begin/end around atomic writes, __pma_atomic_load after
  // atomic loads, __pma_load after plain loads (track-loads).
  FunctionCallee AtomicBeginFn, AtomicEndFn, AtomicLoadFn, LoadFn;
  DenseMap<const AllocaInst *, bool> NonEscaping;
};

} // namespace

// isRuntimeFunction -- see PmAtomic.h.
// Not by name: a user function called pma_helper is the program's and must be
// instrumented.  The runtime is not built with the pass; code that must see
// raw stores and raw pthread calls says so with
// __attribute__((disable_sanitizer_instrumentation)), as for TSan.
bool pmatomic::isRuntimeFunction(const Function &F) {
  return F.hasFnAttribute(Attribute::DisableSanitizerInstrumentation);
}

// initialize -- declare the hooks of pmatomic_interface.h; nounwind because the
// runtime is C, so an inserted call never needs an invoke.
void PmAtomicInstrumenter::initialize(Module &M) {
  LLVMContext &Ctx = M.getContext();
  DL = &M.getDataLayout();
  IntptrTy = DL->getIntPtrType(Ctx);
  Type *VoidTy = Type::getVoidTy(Ctx);
  Type *PtrTy = PointerType::getUnqual(Ctx);
  AttributeList Attr =
      AttributeList().addFnAttribute(Ctx, Attribute::NoUnwind);
  for (unsigned I = 0; I < NumSizes; ++I)
    StoreFn[I] = M.getOrInsertFunction("__pma_store" + utostr(1u << I), Attr,
                                       VoidTy, PtrTy);
  StoreNFn = M.getOrInsertFunction("__pma_store_n", Attr, VoidTy, PtrTy, IntptrTy);
  StoreVFn = M.getOrInsertFunction("__pma_store_v", Attr, VoidTy, PtrTy, IntptrTy);
  StrcpyFn = M.getOrInsertFunction("__pma_store_strcpy", Attr, VoidTy, PtrTy, PtrTy);
  StrcatFn = M.getOrInsertFunction("__pma_store_strcat", Attr, VoidTy, PtrTy, PtrTy);
  StrncatFn = M.getOrInsertFunction("__pma_store_strncat", Attr, VoidTy, PtrTy,
                                    PtrTy, IntptrTy);
  WcscpyFn = M.getOrInsertFunction("__pma_store_wcscpy", Attr, VoidTy, PtrTy, PtrTy);
  WcscatFn = M.getOrInsertFunction("__pma_store_wcscat", Attr, VoidTy, PtrTy, PtrTy);
  WcsncatFn = M.getOrInsertFunction("__pma_store_wcsncat", Attr, VoidTy, PtrTy,
                                    PtrTy, IntptrTy);
  NtFn[0] = M.getOrInsertFunction("__pma_memcpy", Attr, PtrTy, PtrTy, PtrTy, IntptrTy);
  NtFn[1] = M.getOrInsertFunction("__pma_memmove", Attr, PtrTy, PtrTy, PtrTy, IntptrTy);
  NtFn[2] = M.getOrInsertFunction("__pma_memset", Attr, PtrTy, PtrTy,
                                  Type::getInt32Ty(Ctx), IntptrTy);
  AtomicBeginFn = M.getOrInsertFunction("__pma_atomic_begin", Attr, VoidTy, PtrTy, IntptrTy);
  AtomicEndFn = M.getOrInsertFunction("__pma_atomic_end", Attr, VoidTy);
  AtomicLoadFn = M.getOrInsertFunction("__pma_atomic_load", Attr, VoidTy, PtrTy, IntptrTy);
  LoadFn = M.getOrInsertFunction("__pma_load", Attr, VoidTy, PtrTy, IntptrTy);
}

// dropUnusedHooks -- a module with no persistent writes keeps no hook
// declarations, so its IR reads as if the pass had not touched it.
void PmAtomicInstrumenter::dropUnusedHooks() {
  SmallVector<FunctionCallee, 16> Hooks(std::begin(StoreFn), std::end(StoreFn));
  Hooks.append({StoreNFn, StoreVFn, StrcpyFn, StrcatFn, StrncatFn, WcscpyFn,
                WcscatFn, WcsncatFn});
  Hooks.append(std::begin(NtFn), std::end(NtFn));
  Hooks.append({AtomicBeginFn, AtomicEndFn, AtomicLoadFn, LoadFn});
  for (FunctionCallee &H : Hooks)
    if (auto *F = dyn_cast_or_null<Function>(H.getCallee()))
      if (F->isDeclaration() && F->use_empty())
        F->eraseFromParent();
}

// run -- rewrite locks module-wide, then instrument function by function.
bool PmAtomicInstrumenter::run(Module &M, ModuleAnalysisManager &MAM) {
  if (M.getNamedMetadata(MarkerName)) {
    LLVM_DEBUG(dbgs() << "pmatomic: " << M.getName() << " already instrumented\n");
    return false;
  }
  initialize(M);

  bool Changed = false;
  DenseMap<const Function *, unsigned> LockCalls;
  if (Opts.RewriteLocks)
    Changed |= rewriteLockCalls(M, LockCalls) != 0;

  FunctionAnalysisManager &FAM =
      MAM.getResult<FunctionAnalysisManagerModuleProxy>(M).getManager();
  for (Function &F : M) {
    if (F.isDeclaration() || isRuntimeFunction(F))
      continue;
    FunctionCounts C;
    C.LockCalls = LockCalls.lookup(&F);
    auto &ORE = FAM.getResult<OptimizationRemarkEmitterAnalysis>(F);
    // A naked function is all inline asm with no frame to call from.
    if (Opts.Instrument && !F.hasFnAttribute(Attribute::Naked))
      Changed |= instrumentFunction(F, FAM.getResult<TargetLibraryAnalysis>(F),
                                    FAM.getResult<DominatorTreeAnalysis>(F),
                                    ORE, C);
    if (C.any())
      ORE.emit([&] {
        using NV = ore::NV;
        return OptimizationRemark(DEBUG_TYPE, "Summary", &F)
               << "instrumented " << NV("Stores", C.Stores) << " stores, "
               << NV("Atomics", C.Atomics) << " atomics, "
               << NV("MemIntrinsics", C.MemIntrinsics) << " mem intrinsics, "
               << NV("LibcWriters", C.LibcWriters) << " libc writers; elided "
               << NV("ElidedStack", C.ElidedStack) << " non-escaping stack, "
               << NV("ElidedGlobal", C.ElidedGlobal) << " global, "
               << NV("ElidedMalloc", C.ElidedMalloc)
               << " malloc writes; rewrote " << NV("LockCalls", C.LockCalls)
               << " lock calls";
      });
    if (C.anyLogOpt())
      ORE.emit([&] {
        using NV = ore::NV;
        return OptimizationRemark(DEBUG_TYPE, "LogOpt", &F)
               << "elided " << NV("ElidedFresh", C.ElidedFresh)
               << " writes to fresh blocks, "
               << NV("ElidedDominated", C.ElidedDominated)
               << " covered writes; batched " << NV("Batched", C.Batched)
               << " stores into " << NV("Batches", C.Batches) << " hooks, "
               << NV("MultiBatches", C.MultiBatches) << " of them multi-range";
      });
    if (C.NtCalls)
      ORE.emit([&] {
        return OptimizationRemark(DEBUG_TYPE, "NtCopy", &F)
               << "sent " << ore::NV("NtCalls", C.NtCalls)
               << " memcpy/memmove/memset to the non-temporal path";
      });
  }

  // The load-tracking mode: the runtime must also name the writers of plain
  // stores, from before the first FASE (a constructor; every module
  // compiled so has one, and calling it twice does no harm).
  if (Opts.TrackLoads && Opts.Instrument) {
    FunctionCallee Init = M.getOrInsertFunction(
        "__pma_track_loads_init",
        AttributeList().addFnAttribute(M.getContext(), Attribute::NoUnwind),
        Type::getVoidTy(M.getContext()));
    appendToGlobalCtors(M, cast<Function>(Init.getCallee()), 101);
    Changed = true;
  }
  dropUnusedHooks();
  M.getOrInsertNamedMetadata(MarkerName);
  return Changed;
}

namespace {
// LocalCaptureTracker -- PointerMayBeCaptured with StoreCaptures, except that
// a volatile load or store *through* the slot does not capture it: capture
// tracking treats every volatile access as escaping, which put hooks on
// volatile local loop counters (PARSEC's spin barrier).  Storing the slot's
// address (volatile or not) still captures it.
struct LocalCaptureTracker : CaptureTracker {
  bool Captured = false;
  void tooManyUses() override { Captured = true; }
  bool captured(const Use *U) override {
    const User *I = U->getUser();
    if (auto *LI = dyn_cast<LoadInst>(I); LI && LI->isVolatile())
      return false;
    if (auto *SI = dyn_cast<StoreInst>(I);
        SI && SI->isVolatile() && U->getOperandNo() == SI->getPointerOperandIndex())
      return false;
    Captured = true;
    return true;
  }
};
} // namespace

// isNonEscapingAlloca -- cached, because every store to a local asks again.
bool PmAtomicInstrumenter::isNonEscapingAlloca(const AllocaInst *AI) {
  auto [It, Inserted] = NonEscaping.try_emplace(AI, false);
  if (Inserted) {
    LocalCaptureTracker T;
    PointerMayBeCaptured(AI, &T);
    It->second = !T.Captured;
  }
  return It->second;
}

// classifyObject -- why a write into the underlying object Obj can never
// reach the heap, if it cannot.
Elision PmAtomicInstrumenter::classifyObject(const Value *Obj,
                                             const TargetLibraryInfo &TLI) {
  if (auto *AI = dyn_cast<AllocaInst>(Obj))
    return Opts.EscapeElision && isNonEscapingAlloca(AI) ? Elision::Stack
                                                         : Elision::None;
  if (auto *GA = dyn_cast<GlobalAlias>(Obj))
    Obj = GA->getAliaseeObject();
  if (isa_and_nonnull<GlobalVariable>(Obj))
    return Opts.GlobalElision ? Elision::Global : Elision::None;
  if (auto *II = dyn_cast<IntrinsicInst>(Obj);
      II && II->getIntrinsicID() == Intrinsic::threadlocal_address)
    return Opts.GlobalElision ? Elision::Global : Elision::None;

  auto *CB = dyn_cast<CallBase>(Obj);
  if (!Opts.VolatileMalloc || !CB)
    return Elision::None;
  const Function *Callee = CB->getCalledFunction();
  LibFunc LF;
  // A definition named malloc is the program's own allocator: not trusted.
  if (!Callee || !Callee->isDeclaration() || !TLI.getLibFunc(*Callee, LF))
    return Elision::None;
  switch (LF) {
  case LibFunc_malloc:
  case LibFunc_calloc:
  case LibFunc_realloc:
  case LibFunc_reallocf:
  case LibFunc_valloc:
  case LibFunc_memalign:
  case LibFunc_aligned_alloc:
  case LibFunc_strdup:
  case LibFunc_strndup:
  case LibFunc_dunder_strdup:
  case LibFunc_dunder_strndup:
    return Elision::Malloc;
  default:
    return Elision::None;
  }
}

// whyElide -- a write is elided only if every object it may write is elidable
// (phis and selects may merge a local with a heap pointer).
Elision PmAtomicInstrumenter::whyElide(const Value *Dest,
                                       const TargetLibraryInfo &TLI) {
  if (!Dest)
    return Elision::None;
  SmallVector<const Value *, 4> Objs;
  getUnderlyingObjects(Dest, Objs);
  Elision Reason = Elision::None;
  for (const Value *Obj : Objs) {
    Elision E = classifyObject(Obj, TLI);
    if (E == Elision::None)
      return Elision::None;
    if (Reason == Elision::None)
      Reason = E;
  }
  return Reason;
}

// describeWrite -- the start of a remark about I ("store", "call to 'read'").
static std::string describeWrite(const WriteSite &W) {
  switch (W.Kind) {
  case WriteKind::Store:
    return "store";
  case WriteKind::Atomic:
    return "atomic";
  case WriteKind::MemIntrinsic:
  case WriteKind::Masked:
    return "'" + cast<CallBase>(W.I)->getCalledFunction()->getName().str() + "'";
  case WriteKind::LibcWriter:
    return "call to '" + resolvedCallee(*cast<CallBase>(W.I))->getName().str() + "'";
  case WriteKind::AsmOutput:
    return "inline asm output";
  }
  llvm_unreachable("bad WriteKind");
}

// describeObject -- what a remark calls the object a write was elided for.
static std::string describeObject(const Value *Dest, Elision E) {
  const Value *Obj = getUnderlyingObject(Dest);
  std::string Name = Obj->hasName() ? " '" + Obj->getName().str() + "'" : "";
  switch (E) {
  case Elision::Stack:
    return "non-escaping stack object" + Name;
  case Elision::Global: {
    if (auto *II = dyn_cast<IntrinsicInst>(Obj))
      Obj = II->getArgOperand(0)->stripPointerCasts();
    if (auto *GA = dyn_cast<GlobalAlias>(Obj))
      Obj = GA->getAliaseeObject();
    auto *GV = dyn_cast_or_null<GlobalVariable>(Obj);
    std::string VarName = GV ? " '" + GV->getName().str() + "'" : Name;
    return (GV && GV->isThreadLocal() ? "thread-local variable" : "global") +
           VarName;
  }
  case Elision::Malloc:
    if (auto *CB = dyn_cast<CallBase>(Obj))
      if (const Function *Callee = CB->getCalledFunction())
        return "memory from '" + Callee->getName().str() + "'";
    return "memory from malloc";
  case Elision::None:
    break;
  }
  llvm_unreachable("not elided");
}

// collectIntrinsic -- masked vector stores are instrumented; any other
// intrinsic that may write memory the program can see is reported as missed.
void PmAtomicInstrumenter::collectIntrinsic(IntrinsicInst *II,
                                            OptimizationRemarkEmitter &ORE,
                                            SmallVectorImpl<WriteSite> &Sites) {
  switch (II->getIntrinsicID()) {
  case Intrinsic::masked_store:
  case Intrinsic::masked_compressstore:
    Sites.push_back({II, WriteKind::Masked, II->getArgOperand(1)});
    return;
  case Intrinsic::masked_scatter:
    Sites.push_back({II, WriteKind::Masked, nullptr});
    return;
  // Writes only the stack, compiler-private or profiling state, or nothing a
  // crash could leave half done in the heap.
  case Intrinsic::lifetime_start:
  case Intrinsic::lifetime_end:
  case Intrinsic::invariant_start:
  case Intrinsic::invariant_end:
  case Intrinsic::launder_invariant_group:
  case Intrinsic::strip_invariant_group:
  case Intrinsic::vastart:
  case Intrinsic::vaend:
  case Intrinsic::vacopy:
  case Intrinsic::stacksave:
  case Intrinsic::stackrestore:
  case Intrinsic::stackprotector:
  case Intrinsic::prefetch:
  case Intrinsic::clear_cache:
  case Intrinsic::instrprof_increment:
  case Intrinsic::instrprof_increment_step:
  case Intrinsic::instrprof_cover:
  case Intrinsic::instrprof_timestamp:
  case Intrinsic::instrprof_value_profile:
    return;
  default:
    break;
  }
  if (!II->mayWriteToMemory() || II->onlyAccessesInaccessibleMemory())
    return;
  ++NumMissedIntrinsics;
  ORE.emit([&] {
    return OptimizationRemarkMissed(DEBUG_TYPE, "UnknownWriter", II)
           << "call to '" << ore::NV("Callee", II->getCalledFunction())
           << "' may write memory and is not logged";
  });
}

// collectInlineAsm -- indirect outputs ("=m" operands) are writes of their
// elementtype to a pointer argument; "memory" clobbers cannot be bounded.
void PmAtomicInstrumenter::collectInlineAsm(CallBase *CB,
                                            SmallVectorImpl<WriteSite> &Sites) {
  auto *IA = cast<InlineAsm>(CB->getCalledOperand());
  unsigned ArgNo = 0;
  for (const InlineAsm::ConstraintInfo &CI : IA->ParseConstraints()) {
    if (CI.Type == InlineAsm::isOutput && CI.isIndirect) {
      if (ArgNo >= CB->arg_size())
        return;
      Type *ElemTy = CB->getParamElementType(ArgNo);
      if (ElemTy && ElemTy->isSized())
        Sites.push_back({CB, WriteKind::AsmOutput, CB->getArgOperand(ArgNo), {},
                         ElemTy});
      ++ArgNo;
    } else if (CI.Type == InlineAsm::isInput) {
      ++ArgNo;
    }
  }
}

// chooseInstructionsToInstrument -- every write in F that may reach the heap.
void PmAtomicInstrumenter::chooseInstructionsToInstrument(
    Function &F, const TargetLibraryInfo &TLI, OptimizationRemarkEmitter &ORE,
    SmallVectorImpl<WriteSite> &Sites, SmallVectorImpl<LoadInst *> &Loads,
    FunctionCounts &C) {
  SmallVector<WriteSite, 32> All;
  for (Instruction &I : instructions(F)) {
    if (auto *SI = dyn_cast<StoreInst>(&I)) {
      if (!SI->getPointerOperand()->isSwiftError())
        All.push_back({SI, SI->isAtomic() ? WriteKind::Atomic : WriteKind::Store,
                       SI->getPointerOperand()});
    } else if (auto *LI = dyn_cast<LoadInst>(&I)) {
      // An atomic load links the FASE to the one that wrote what it reads;
      // so does any load in the load-tracking mode.  Elided like a write.
      Value *P = LI->getPointerOperand();
      if ((LI->isAtomic() || Opts.TrackLoads) && !P->isSwiftError() &&
          P->getType()->getPointerAddressSpace() == 0 &&
          whyElide(P, TLI) == Elision::None)
        Loads.push_back(LI);
    } else if (auto *RMW = dyn_cast<AtomicRMWInst>(&I)) {
      All.push_back({RMW, WriteKind::Atomic, RMW->getPointerOperand()});
    } else if (auto *CX = dyn_cast<AtomicCmpXchgInst>(&I)) {
      All.push_back({CX, WriteKind::Atomic, CX->getPointerOperand()});
    } else if (auto *MI = dyn_cast<AnyMemIntrinsic>(&I)) {
      All.push_back({MI, WriteKind::MemIntrinsic, MI->getRawDest()});
    } else if (auto *II = dyn_cast<IntrinsicInst>(&I)) {
      collectIntrinsic(II, ORE, All);
    } else if (auto *CB = dyn_cast<CallBase>(&I)) {
      if (CB->isInlineAsm()) {
        collectInlineAsm(CB, All);
        remarkUnloggedAsm(*CB, ORE);
      } else if (std::optional<LibcWrite> W = classifyLibcWriter(*CB, TLI)) {
        if (W->Kind == LibcWriteKind::Unbounded) {
          ++NumMissedUnbounded;
          ORE.emit([&] {
            return OptimizationRemarkMissed(DEBUG_TYPE, "UnboundedWriter", CB)
                   << "call to '" << ore::NV("Callee", resolvedCallee(*CB))
                   << "' writes a range only known after the call and is not "
                      "logged";
          });
        } else {
          All.push_back({CB, WriteKind::LibcWriter,
                         CB->getArgOperand(W->DstArg), *W});
        }
      } else {
        remarkIndirectCall(
            *CB, [&](const Value *P) { return whyElide(P, TLI) == Elision::None; },
            ORE);
      }
    }
  }

  for (WriteSite &W : All) {
    // The hooks take a generic pointer; another address space (x86 fs/gs
    // segments, GPU memories) is never the heap mapping.
    if (W.Dest && W.Dest->getType()->getPointerAddressSpace() != 0) {
      ++NumMissedAddrSpace;
      ORE.emit([&] {
        return OptimizationRemarkMissed(DEBUG_TYPE, "AddressSpace", W.I)
               << describeWrite(W) << " to address space "
               << ore::NV("AddrSpace",
                          W.Dest->getType()->getPointerAddressSpace())
               << " not instrumented";
      });
      continue;
    }
    Elision E = whyElide(W.Dest, TLI);
    if (E == Elision::None) {
      Sites.push_back(W);
      continue;
    }
    StringRef RemarkName;
    switch (E) {
    case Elision::Stack:
      ++C.ElidedStack, ++NumElidedStack, RemarkName = "ElidedStack";
      break;
    case Elision::Global:
      ++C.ElidedGlobal, ++NumElidedGlobal, RemarkName = "ElidedGlobal";
      break;
    case Elision::Malloc:
      ++C.ElidedMalloc, ++NumElidedMalloc, RemarkName = "ElidedMalloc";
      break;
    case Elision::None:
      llvm_unreachable("handled above");
    }
    ORE.emit([&] {
      return OptimizationRemarkAnalysis(DEBUG_TYPE, RemarkName, W.I)
             << describeWrite(W) << " to " << describeObject(W.Dest, E)
             << " not instrumented";
    });
  }
}

// describeForLogOpt -- what LogOpt.cpp needs to know about a write.
LoggedWrite PmAtomicInstrumenter::describeForLogOpt(const WriteSite &W) const {
  LoggedWrite L{W.I, W.Dest, std::nullopt, W.Kind == WriteKind::Store,
                W.Kind != WriteKind::AsmOutput};
  auto Fixed = [&](Type *Ty) -> std::optional<uint64_t> {
    TypeSize TS = DL->getTypeStoreSize(Ty);
    if (TS.isScalable())
      return std::nullopt;
    return TS.getFixedValue();
  };
  switch (W.Kind) {
  case WriteKind::Store:
    L.Size = Fixed(cast<StoreInst>(W.I)->getValueOperand()->getType());
    break;
  case WriteKind::Atomic:
    if (auto *RMW = dyn_cast<AtomicRMWInst>(W.I))
      L.Size = Fixed(RMW->getValOperand()->getType());
    else if (auto *SI = dyn_cast<StoreInst>(W.I))
      L.Size = Fixed(SI->getValueOperand()->getType());
    else
      L.Size = Fixed(cast<AtomicCmpXchgInst>(W.I)->getNewValOperand()->getType());
    L.Pinned = true;
    break;
  case WriteKind::MemIntrinsic:
    if (auto *Len = dyn_cast<ConstantInt>(cast<AnyMemIntrinsic>(W.I)->getLength()))
      L.Size = Len->getZExtValue();
    else
      L.Len = cast<AnyMemIntrinsic>(W.I)->getLength();
    L.MemIntrinsic = isa<MemIntrinsic>(W.I); // not the element-wise atomic ones
    break;
  case WriteKind::Masked:
    L.HookCalls = MaxHooksBetween + 1; // a hook per lane: never in between
    break;
  case WriteKind::LibcWriter:
  case WriteKind::AsmOutput:
    break;
  }
  return L;
}

// instrumentFunction -- collect first, then insert: the inserted calls are
// never themselves candidates.
bool PmAtomicInstrumenter::instrumentFunction(Function &F,
                                              const TargetLibraryInfo &TLI,
                                              DominatorTree &DT,
                                              OptimizationRemarkEmitter &ORE,
                                              FunctionCounts &C) {
  SmallVector<WriteSite, 32> Sites;
  SmallVector<LoadInst *, 32> Loads;
  NonEscaping.clear();
  chooseInstructionsToInstrument(F, TLI, ORE, Sites, Loads, C);

  SmallVector<LoggedWrite, 32> Logged;
  SmallVector<LogBatch, 8> Batches;
  SmallVector<NtCall, 32> Nt;
  for (const WriteSite &W : Sites) {
    Logged.push_back(describeForLogOpt(W));
    bool MemWrite = W.Kind == WriteKind::MemIntrinsic ||
                    (W.Kind == WriteKind::LibcWriter &&
                     W.Libc.Kind == LibcWriteKind::Bytes);
    Nt.push_back(Opts.NtCopy && MemWrite ? classifyNtCall(*W.I, TLI)
                                         : NtCall::None);
    // Its range is not noted for the commit's flush: nothing may rely on it.
    if (Nt.back() != NtCall::None) {
      Logged.back().MayCover = false;
      Logged.back().NtRouted = true;
    }
  }
  optimizeLogging(F, TLI, DT, Opts, ORE, Logged, Batches);

  bool Changed = false;
  AllocaInst *Spans = nullptr; // the __pma_store_v argument array, reused
  for (const LogBatch &B : Batches) {
    InstrumentationIRBuilder IRB(B.InsertBefore);
    DenseMap<Value *, Value *> Clones;
    auto Addr = [&](const LogRange &R) -> Value * {
      Value *Base = materializeAt(R.Base, B.InsertBefore, DT, Clones);
      return R.Offset ? IRB.CreatePtrAdd(Base, ConstantInt::get(IntptrTy, R.Offset)) : Base;
    };
    C.Batched += B.Members, ++C.Batches;
    if (!B.Multi) {
      Changed |= emitRangeHook(IRB, Addr(B.Ranges[0]), TypeSize::getFixed(B.Ranges[0].Size));
      continue;
    }
    ++C.MultiBatches;
    if (!Spans) {
      IRBuilder<> EB(&*F.getEntryBlock().getFirstInsertionPt());
      Spans = EB.CreateAlloca(ArrayType::get(IntptrTy, PMA_SPAN_WORDS * MaxMultiRanges),
                              nullptr, "pma.spans");
    }
    // struct __pma_span by the word indices pmatomic_interface.h asserts.
    uint64_t W = DL->getTypeStoreSize(IntptrTy);
    auto Field = [&](size_t K, unsigned Word) -> Value * {
      uint64_t Off = (K * PMA_SPAN_WORDS + Word) * W;
      return Off ? IRB.CreateConstInBoundsGEP1_64(IRB.getInt8Ty(), Spans, Off) : Spans;
    };
    for (size_t K = 0; K < B.Ranges.size(); ++K) {
      const LogRange &R = B.Ranges[K];
      Value *Len = R.Len ? IRB.CreateZExtOrTrunc(materializeAt(R.Len, B.InsertBefore, DT, Clones),
                                                 IntptrTy)
                         : ConstantInt::get(IntptrTy, R.Size);
      if (R.Nt) // PMA_SPAN_NT, the sign bit of len (asserted in the header)
        Len = IRB.CreateOr(Len, ConstantInt::get(IntptrTy, APInt::getSignMask(
                                                              IntptrTy->getIntegerBitWidth())));
      IRB.CreateStore(Addr(R), Field(K, PMA_SPAN_ADDR_WORD));
      IRB.CreateStore(Len, Field(K, PMA_SPAN_LEN_WORD));
    }
    IRB.CreateCall(StoreVFn, {Spans, ConstantInt::get(IntptrTy, B.Ranges.size())});
    Changed = true;
  }
  for (size_t K = 0; K < Sites.size(); ++K) {
    WriteSite &W = Sites[K];
    switch (Logged[K].Fate) {
    case WriteFate::Log:
      break;
    case WriteFate::ElidedFresh:
      ++C.ElidedFresh;
      continue;
    case WriteFate::ElidedDominated:
      ++C.ElidedDominated;
      continue;
    case WriteFate::Batched:
      continue;
    }
    if (Nt[K] != NtCall::None) {
      emitNtCall(W.I, Nt[K], NtFn[unsigned(Nt[K]) - 1], IntptrTy, ORE);
      if (W.Kind == WriteKind::MemIntrinsic)
        ++C.MemIntrinsics, ++NumInstrumentedMemIntrinsics;
      else
        ++C.LibcWriters, ++NumInstrumentedLibcWriters;
      ++C.NtCalls, ++NumNtCalls;
      Changed = true;
      continue;
    }
    bool Done = false;
    switch (W.Kind) {
    case WriteKind::Store:
      if ((Done = instrumentStore(cast<StoreInst>(W.I))))
        ++C.Stores, ++NumInstrumentedStores;
      break;
    case WriteKind::Atomic:
      if ((Done = instrumentAtomic(W.I)))
        ++C.Atomics, ++NumInstrumentedAtomics;
      break;
    case WriteKind::MemIntrinsic:
      if ((Done = instrumentMemIntrinsic(cast<AnyMemIntrinsic>(W.I))))
        ++C.MemIntrinsics, ++NumInstrumentedMemIntrinsics;
      break;
    case WriteKind::LibcWriter:
      if ((Done = instrumentLibcWriter(cast<CallBase>(W.I), W.Libc)))
        ++C.LibcWriters, ++NumInstrumentedLibcWriters;
      break;
    case WriteKind::Masked:
      if ((Done = instrumentMasked(cast<IntrinsicInst>(W.I))))
        ++C.Stores, ++NumInstrumentedMaskedStores;
      break;
    case WriteKind::AsmOutput:
      if ((Done = instrumentAsmOutput(cast<CallBase>(W.I), W.Dest, W.AsmElemTy)))
        ++C.Stores, ++NumInstrumentedAsmOutputs;
      break;
    }
    Changed |= Done;
  }
  for (LoadInst *LI : Loads) {
    instrumentLoad(LI);
    if (LI->isAtomic())
      ++C.AtomicLoads, ++NumInstrumentedAtomicLoads;
    else
      ++C.Loads, ++NumInstrumentedLoads;
    Changed = true;
  }
  return Changed;
}

// emitRangeHook -- log Size bytes at Ptr: a sized hook when one exists, else
// __pma_store_n (odd sizes, large aggregates, scalable vectors).
bool PmAtomicInstrumenter::emitRangeHook(IRBuilder<> &IRB, Value *Ptr,
                                         TypeSize Size) {
  if (Size.isScalable()) {
    IRB.CreateCall(StoreNFn, {Ptr, IRB.CreateTypeSize(IntptrTy, Size)});
    return true;
  }
  uint64_t N = Size.getFixedValue();
  if (N == 0)
    return false;
  if (isPowerOf2_64(N) && Log2_64(N) < NumSizes)
    IRB.CreateCall(StoreFn[Log2_64(N)], {Ptr});
  else
    IRB.CreateCall(StoreNFn, {Ptr, ConstantInt::get(IntptrTy, N)});
  return true;
}

// sizeArg -- a libc size argument as size_t; a signed one (fgets' int) that
// is not positive means nothing is written.
Value *PmAtomicInstrumenter::sizeArg(IRBuilder<> &IRB, Value *V, bool Signed) {
  if (!Signed)
    return IRB.CreateZExtOrTrunc(V, IntptrTy);
  Value *Positive = IRB.CreateICmpSGT(V, ConstantInt::get(V->getType(), 0));
  return IRB.CreateSelect(Positive, IRB.CreateSExtOrTrunc(V, IntptrTy),
                          ConstantInt::get(IntptrTy, 0));
}

// instrumentStore -- the DataLayout store size is what the store overwrites
// (10 bytes for x86_fp80, 12 for <3 x float>, not the alloc size).
bool PmAtomicInstrumenter::instrumentStore(StoreInst *SI) {
  InstrumentationIRBuilder IRB(SI);
  return emitRangeHook(IRB, SI->getPointerOperand(),
                       DL->getTypeStoreSize(SI->getValueOperand()->getType()));
}

// instrumentAtomic -- atomic store, atomicrmw and cmpxchg: __pma_atomic_begin
// before (it logs, links the FASE to the bytes' last atomic writer and holds
// them against other atomic writers), __pma_atomic_end right after.  A
// cmpxchg is logged even if it fails: the hook runs before the outcome is
// known, and logging bytes that end up unchanged is harmless.
bool PmAtomicInstrumenter::instrumentAtomic(Instruction *I) {
  Value *Ptr;
  Type *Ty;
  if (auto *RMW = dyn_cast<AtomicRMWInst>(I))
    Ptr = RMW->getPointerOperand(), Ty = RMW->getValOperand()->getType();
  else if (auto *SI = dyn_cast<StoreInst>(I))
    Ptr = SI->getPointerOperand(), Ty = SI->getValueOperand()->getType();
  else
    Ptr = cast<AtomicCmpXchgInst>(I)->getPointerOperand(),
    Ty = cast<AtomicCmpXchgInst>(I)->getNewValOperand()->getType();
  TypeSize Size = DL->getTypeStoreSize(Ty);
  if (Size.isScalable() || Size.getFixedValue() == 0)
    return false;
  InstrumentationIRBuilder IRB(I);
  IRB.CreateCall(AtomicBeginFn, {Ptr, ConstantInt::get(IntptrTy, Size.getFixedValue())});
  DebugLoc Loc = IRB.getCurrentDebugLocation();
  IRB.SetInsertPoint(I->getNextNode());
  IRB.SetCurrentDebugLocation(Loc);
  IRB.CreateCall(AtomicEndFn, {});
  return true;
}

// instrumentLoad -- __pma_atomic_load (or __pma_load) right after the load:
// it must see the writer of the value the load returned, which names itself
// before it writes.
void PmAtomicInstrumenter::instrumentLoad(LoadInst *LI) {
  InstrumentationIRBuilder IRB(LI);
  DebugLoc Loc = IRB.getCurrentDebugLocation();
  IRB.SetInsertPoint(LI->getNextNode());
  IRB.SetCurrentDebugLocation(Loc);
  TypeSize Size = DL->getTypeStoreSize(LI->getType());
  IRB.CreateCall(LI->isAtomic() ? AtomicLoadFn : LoadFn,
                 {LI->getPointerOperand(), IRB.CreateTypeSize(IntptrTy, Size)});
}

// instrumentMemIntrinsic -- memset/memcpy/memmove, their .inline and
// element-wise atomic forms: len bytes at the destination.
bool PmAtomicInstrumenter::instrumentMemIntrinsic(AnyMemIntrinsic *MI) {
  if (auto *Len = dyn_cast<ConstantInt>(MI->getLength()); Len && Len->isZero())
    return false;
  InstrumentationIRBuilder IRB(MI);
  IRB.CreateCall(StoreNFn, {MI->getRawDest(),
                            IRB.CreateZExtOrTrunc(MI->getLength(), IntptrTy)});
  return true;
}

// instrumentLibcWriter -- n-byte writers get __pma_store_n; the string
// writers get hooks that measure the strings before the call.
bool PmAtomicInstrumenter::instrumentLibcWriter(CallBase *CB, const LibcWrite &W) {
  InstrumentationIRBuilder IRB(CB);
  Value *Dst = CB->getArgOperand(W.DstArg);
  bool Wide = W.ElemSize != 1;
  switch (W.Kind) {
  case LibcWriteKind::Bytes: {
    Value *Size = sizeArg(IRB, CB->getArgOperand(W.SizeArg), W.SizeSigned);
    if (W.SizeArg2 >= 0)
      Size = IRB.CreateMul(Size, sizeArg(IRB, CB->getArgOperand(W.SizeArg2),
                                         W.SizeSigned));
    if (Wide)
      Size = IRB.CreateMul(Size, ConstantInt::get(IntptrTy, W.ElemSize));
    IRB.CreateCall(StoreNFn, {Dst, Size});
    return true;
  }
  case LibcWriteKind::StrCpy:
    IRB.CreateCall(Wide ? WcscpyFn : StrcpyFn,
                   {Dst, CB->getArgOperand(W.DstArg + 1)});
    return true;
  case LibcWriteKind::StrCat:
    IRB.CreateCall(Wide ? WcscatFn : StrcatFn,
                   {Dst, CB->getArgOperand(W.DstArg + 1)});
    return true;
  case LibcWriteKind::StrNCat:
    IRB.CreateCall(Wide ? WcsncatFn : StrncatFn, {Dst, CB->getArgOperand(W.DstArg + 1),
                               sizeArg(IRB, CB->getArgOperand(W.SizeArg), false)});
    return true;
  case LibcWriteKind::Fixed:
    emitRangeHook(IRB, Dst, TypeSize::getFixed(W.FixedSize));
    if (W.DstArg2 >= 0)
      emitRangeHook(IRB, CB->getArgOperand(W.DstArg2),
                    TypeSize::getFixed(W.FixedSize));
    return true;
  case LibcWriteKind::Unbounded:
    break;
  }
  return false;
}

// instrumentMasked -- log exactly the enabled lanes: a disabled lane may hold
// another thread's data (logging it would let a rollback erase that write).
// A lane whose mask is not a constant gets __pma_store_n with size 0 when off.
bool PmAtomicInstrumenter::instrumentMasked(IntrinsicInst *II) {
  InstrumentationIRBuilder IRB(II);
  bool Scatter = II->getIntrinsicID() == Intrinsic::masked_scatter;
  bool Compress = II->getIntrinsicID() == Intrinsic::masked_compressstore;
  auto *VecTy = cast<VectorType>(II->getArgOperand(0)->getType());
  Value *Ptrs = II->getArgOperand(1);
  Value *Mask = II->getArgOperand(Compress ? 2 : 3);
  Type *EltTy = VecTy->getElementType();
  if (Scatter && Ptrs->getType()->getScalarType()->getPointerAddressSpace())
    return false;
  uint64_t EltSize = DL->getTypeStoreSize(EltTy);
  auto *FixedTy = dyn_cast<FixedVectorType>(VecTy);

  // Lanes are not byte-addressable (i1, x86_fp80 elements) or their number is
  // only known at run time: log the whole vector (not for scatter, which has
  // one address per lane and is only generated for ordinary element types).
  if (!FixedTy || DL->getTypeAllocSize(EltTy) != EltSize) {
    if (Scatter)
      return false;
    return emitRangeHook(IRB, Ptrs, DL->getTypeStoreSize(VecTy));
  }

  if (Compress) {
    // The enabled elements are stored contiguously from the pointer.
    Value *Bits = IRB.CreateBitCast(
        Mask, IRB.getIntNTy(FixedTy->getNumElements()));
    Value *Count = IRB.CreateZExtOrTrunc(
        IRB.CreateUnaryIntrinsic(Intrinsic::ctpop, Bits), IntptrTy);
    IRB.CreateCall(StoreNFn,
                   {Ptrs, IRB.CreateMul(Count, ConstantInt::get(IntptrTy, EltSize))});
    return true;
  }

  bool Any = false;
  for (unsigned Lane = 0, E = FixedTy->getNumElements(); Lane < E; ++Lane) {
    Value *On = IRB.CreateExtractElement(Mask, Lane);
    if (auto *C = dyn_cast<ConstantInt>(On); C && C->isZero())
      continue;
    Value *LanePtr = Scatter    ? IRB.CreateExtractElement(Ptrs, Lane)
                     : Lane == 0 ? Ptrs
                                 : IRB.CreateConstInBoundsGEP1_64(EltTy, Ptrs, Lane);
    if (isa<ConstantInt>(On)) {
      Any |= emitRangeHook(IRB, LanePtr, TypeSize::getFixed(EltSize));
      continue;
    }
    Value *Size = IRB.CreateSelect(On, ConstantInt::get(IntptrTy, EltSize),
                                   ConstantInt::get(IntptrTy, 0));
    IRB.CreateCall(StoreNFn, {LanePtr, Size});
    Any = true;
  }
  return Any;
}

// instrumentAsmOutput -- an "=m" output writes its whole element type.
bool PmAtomicInstrumenter::instrumentAsmOutput(CallBase *CB, Value *Ptr,
                                               Type *ElemTy) {
  InstrumentationIRBuilder IRB(CB);
  return emitRangeHook(IRB, Ptr, DL->getTypeStoreSize(ElemTy));
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

// run -- options from the front door, overridden by explicit -pmatomic-* flags.
PreservedAnalyses PmAtomicPass::run(Module &M, ModuleAnalysisManager &MAM) {
  PmAtomicOptions Effective = applyCommandLineOverrides(Opts);
  PmAtomicInstrumenter Instrumenter(Effective);
  return Instrumenter.run(M, MAM) ? PreservedAnalyses::none()
                                  : PreservedAnalyses::all();
}
