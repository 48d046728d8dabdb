//===- LogOpt.cpp -- fewer hooks: fresh blocks, covered stores, batches ---===//
//
// Every hook that hits the heap inside a FASE writes an undo record and pays
// a fence.  Four static optimisations remove hooks the protocol does not need
// (docs/performance.md, "Static logging optimisations"):
//
//   fresh      a write into a block returned by pma_malloc / pma_calloc (or
//              pma_realloc(NULL, n)) in the same function, with no possible
//              FASE boundary between the call and the write, when the
//              block's size is a constant below FreshNotedMax: the block is
//              rolled back with the FASE, so its old contents do not matter,
//              and the runtime notes the whole block for flushing at commit.
//              A larger or variable-size block is not noted whole (its
//              untouched lines would all be flushed): the write keeps its
//              hook, which notes just its lines and logs nothing.
//   dominated  a write of constant size at a constant offset of a base pointer
//              whose bytes an earlier hook on the same base (same SSA value)
//              already covers, when that hook dominates it with no boundary
//              in between: the oldest saved value is the one rollback keeps.
//              A write sent to the non-temporal path (NtCopy.cpp) covers
//              nothing: its range is not noted for the commit's flush.
//   batching   stores of one basic block at constant offsets of one base, with
//              no boundary between the first and the last, whose ranges form
//              one gap-free span of at most 256 bytes: one hook for the span,
//              before the first store.  Gap-free on purpose: a byte between two
//              fields may be another lock's data, and an undo record covering
//              it could erase that lock's committed write (design.md section 2).
//   multi      the hooks still left in such a run of a block, for writes to
//              different places (stores, mem intrinsics, gap-free batches)
//              whose addresses are known before the first of them: one
//              __pma_store_v call with their exact ranges, which the runtime
//              logs as one multi-range record under one fence.
//
// A "possible FASE boundary" is any call except intrinsics without side
// effects (and memory intrinsics, which are logged writes of their own), the
// __pma_store* hooks, sanitizer runtime calls, and a few libc functions that
// cannot take or release a lock.  Calls of pma_malloc & co. are boundaries too: so an elided write
// always goes to the block of the thread's latest allocation, the one the
// runtime keeps noted (runtime/hooks.c).
//
// The dirty list that makes the covering hook's lines reach the media at
// commit can overflow and be flushed early, before the elided store runs; the
// runtime then notes again the ranges of the thread's last PMA_RECENT_HOOKS
// hook calls and its latest fresh block.  The pass keeps its side of that
// bargain: at most MaxHooksBetween hook calls on any path between the covering
// hook and the elided store (no hook inside a loop in between).
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Operator.h"
#include "llvm/Support/Debug.h"

#include <algorithm>

using namespace llvm;
using namespace pmatomic;

#define DEBUG_TYPE "pmatomic"

STATISTIC(NumElidedFresh, "Number of writes to freshly allocated blocks elided");
STATISTIC(NumElidedDominated, "Number of writes covered by an earlier hook elided");
STATISTIC(NumBatchedStores, "Number of stores logged by a batch hook");
STATISTIC(NumBatches, "Number of batch hooks");
STATISTIC(NumMultiBatches, "Number of multi-range batch hooks");
STATISTIC(NumMultiRanges, "Number of ranges logged by multi-range batch hooks");

namespace {

// Regions larger than this are not searched (compile time); the write keeps
// its hook.
constexpr unsigned MaxRegionBlocks = 256;
// Candidates a multi-range group looks at, from its first (compile time:
// the hooks between two candidates are counted afresh for each).
constexpr size_t MaxMultiScan = 64;
// One XPLine: the largest span a batch hook logs.
constexpr uint64_t MaxBatchBytes = 256;

// isQuietIntrinsic -- an intrinsic call that cannot begin or end a FASE.
bool isQuietIntrinsic(const IntrinsicInst &II) {
  if (isa<AnyMemIntrinsic>(II) || isa<DbgInfoIntrinsic>(II))
    return true;
  switch (II.getIntrinsicID()) {
  case Intrinsic::masked_store:
  case Intrinsic::masked_scatter:
  case Intrinsic::masked_compressstore:
  case Intrinsic::lifetime_start:
  case Intrinsic::lifetime_end:
  case Intrinsic::assume:
  case Intrinsic::invariant_start:
  case Intrinsic::invariant_end:
  case Intrinsic::prefetch:
  case Intrinsic::experimental_noalias_scope_decl:
  case Intrinsic::sideeffect:
  case Intrinsic::pseudoprobe:
    return true;
  default:
    return !II.mayHaveSideEffects();
  }
}

// isQuietLibcCall -- libc functions that only read or write the memory they
// are given: no lock, no callback, no allocation.
bool isQuietLibcCall(const CallBase &CB, const TargetLibraryInfo &TLI) {
  const Function *Callee = CB.getCalledFunction();
  LibFunc LF;
  if (!Callee || !Callee->isDeclaration() || !TLI.getLibFunc(*Callee, LF) ||
      !TLI.has(LF))
    return false;
  switch (LF) {
  case LibFunc_memcpy:
  case LibFunc_memmove:
  case LibFunc_memset:
  case LibFunc_memcmp:
  case LibFunc_bcmp:
  case LibFunc_memchr:
  case LibFunc_strlen:
  case LibFunc_strnlen:
  case LibFunc_strcmp:
  case LibFunc_strncmp:
  case LibFunc_strchr:
  case LibFunc_strrchr:
  case LibFunc_strcpy:
  case LibFunc_stpcpy:
  case LibFunc_strncpy:
  case LibFunc_strcat:
  case LibFunc_strncat:
  case LibFunc_memcpy_chk:
  case LibFunc_memmove_chk:
  case LibFunc_memset_chk:
  case LibFunc_strcpy_chk:
  case LibFunc_stpcpy_chk:
  case LibFunc_strncpy_chk:
  case LibFunc_strcat_chk:
  case LibFunc_strncat_chk:
    return true;
  default:
    return false;
  }
}

// A constant-offset range of a write: Size bytes at Base + Off.
struct Span {
  Value *Base;
  int64_t Off;
  uint64_t Size;
  int64_t end() const { return Off + (int64_t)Size; }
};

// A store of a gap-free batch window, with its program order in the block.
struct BatchMember {
  LoggedWrite *W;
  Span S;
  unsigned Pos;
};

// A candidate of a multi-range batch: a write keeping its own hook, or a
// gap-free batch.
struct MultiCand {
  unsigned Pos;   // position in the block
  LoggedWrite *W; // or null for a batch
  int Batch;      // index in Batches, or -1
};

class LogOptimizer {
public:
  LogOptimizer(Function &F, const TargetLibraryInfo &TLI, DominatorTree &DT,
               OptimizationRemarkEmitter &ORE, SmallVectorImpl<LoggedWrite> &W)
      : TLI(TLI), DT(DT), ORE(ORE), DL(F.getDataLayout()), Writes(W) {
    for (LoggedWrite &LW : Writes)
      HookCalls[LW.I] += LW.HookCalls;
  }
  void elideFresh();
  void elideDominated();
  void batch(Function &F, SmallVectorImpl<LogBatch> &Batches);
  void multiBatch(Function &F, SmallVectorImpl<LogBatch> &Batches);

private:
  bool mayBeFaseBoundary(const Instruction &I) const;
  bool scan(BasicBlock::iterator From, BasicBlock::iterator To,
            unsigned &Hooks) const;
  bool reach(BasicBlock *From, BasicBlock *Stop, bool Forward,
             SmallPtrSetImpl<BasicBlock *> &Seen) const;
  bool onCycle(BasicBlock *BB, const SmallPtrSetImpl<BasicBlock *> &Within) const;
  bool clearPaths(Instruction *A, Instruction *B, bool BoundHooks) const;
  std::optional<Span> spanOf(const LoggedWrite &W) const;
  bool availableAt(Value *V, Instruction *At) const;
  std::optional<LogRange> rangeAt(const LoggedWrite &W, Instruction *At) const;
  void batchWindow(MapVector<Value *, SmallVector<BatchMember, 4>> &Window,
                   ArrayRef<Instruction *> Order, SmallVectorImpl<LogBatch> &Batches);
  void multiBatchWindow(SmallVectorImpl<MultiCand> &Window,
                        ArrayRef<Instruction *> Order,
                        SmallVectorImpl<LogBatch> &Batches,
                        SmallVectorImpl<bool> &Absorbed,
                        SmallVectorImpl<LogBatch> &Made);

  const TargetLibraryInfo &TLI;
  DominatorTree &DT;
  OptimizationRemarkEmitter &ORE;
  const DataLayout &DL;
  SmallVectorImpl<LoggedWrite> &Writes;
  // Hook calls each instruction will get (0 once elided; a batch hook is
  // counted at its first store).
  DenseMap<const Instruction *, unsigned> HookCalls;
};

} // namespace

// mayBeFaseBoundary -- could I lock, unlock, wait or end a FASE?
bool LogOptimizer::mayBeFaseBoundary(const Instruction &I) const {
  auto *CB = dyn_cast<CallBase>(&I);
  if (!CB)
    return false;
  if (CB->isInlineAsm())
    return true;
  if (auto *II = dyn_cast<IntrinsicInst>(CB))
    return !isQuietIntrinsic(*II);
  if (const Function *Callee = CB->getCalledFunction()) {
    StringRef N = Callee->getName();
    if (N.starts_with("__pma_store"))
      return false;
    // Sanitizer checks (-fsanitize=address,undefined instrument before us):
    // reports and shadow bookkeeping, never a lock of the program's.
    if (N.starts_with("__asan_") || N.starts_with("__ubsan_") ||
        N.starts_with("__sanitizer_") || N.starts_with("__msan_") || N.starts_with("__tsan_"))
      return false;
  }
  return !isQuietLibcCall(*CB, TLI);
}

// scan -- no boundary in [From, To); adds the hook calls met to Hooks.
bool LogOptimizer::scan(BasicBlock::iterator From, BasicBlock::iterator To,
                        unsigned &Hooks) const {
  for (auto It = From; It != To; ++It) {
    if (mayBeFaseBoundary(*It))
      return false;
    Hooks += HookCalls.lookup(&*It);
  }
  return true;
}

// reach -- the blocks reachable from From's successors (Forward) or
// predecessors, without going through Stop; false if there are too many.
bool LogOptimizer::reach(BasicBlock *From, BasicBlock *Stop, bool Forward,
                         SmallPtrSetImpl<BasicBlock *> &Seen) const {
  SmallVector<BasicBlock *, 16> Work;
  auto Push = [&](BasicBlock *X) {
    if (Forward)
      Work.append(succ_begin(X), succ_end(X));
    else
      Work.append(pred_begin(X), pred_end(X));
  };
  Push(From);
  while (!Work.empty()) {
    BasicBlock *X = Work.pop_back_val();
    if (X == Stop || !Seen.insert(X).second)
      continue;
    if (Seen.size() > MaxRegionBlocks)
      return false;
    Push(X);
  }
  return true;
}

// onCycle -- can control leave BB and come back to it inside Within?
bool LogOptimizer::onCycle(BasicBlock *BB,
                           const SmallPtrSetImpl<BasicBlock *> &Within) const {
  SmallPtrSet<BasicBlock *, 16> Seen;
  SmallVector<BasicBlock *, 16> Work(succ_begin(BB), succ_end(BB));
  while (!Work.empty()) {
    BasicBlock *X = Work.pop_back_val();
    if (X == BB)
      return true;
    if (!Within.count(X) || !Seen.insert(X).second)
      continue;
    Work.append(succ_begin(X), succ_end(X));
  }
  return false;
}

// clearPaths -- A dominates B; no possible FASE boundary lies on any path
// from A to B (a path that comes back through A starts again there), and with
// BoundHooks at most MaxHooksBetween hook calls do.  The points on such paths:
// the rest of A's block, the start of B's block, and every block reachable
// from A and reaching B without passing A's block (B's block too, whole, when
// a cycle leads back into it).
bool LogOptimizer::clearPaths(Instruction *A, Instruction *B,
                              bool BoundHooks) const {
  unsigned Hooks = 0;
  BasicBlock *BA = A->getParent(), *BB = B->getParent();
  if (BA == BB) {
    if (!A->comesBefore(B))
      return false;
    return scan(std::next(A->getIterator()), B->getIterator(), Hooks) &&
           (!BoundHooks || Hooks <= MaxHooksBetween);
  }
  if (!scan(std::next(A->getIterator()), BA->end(), Hooks) ||
      !scan(BB->begin(), B->getIterator(), Hooks))
    return false;
  SmallPtrSet<BasicBlock *, 16> Fwd, Bwd, Middle;
  if (!reach(BA, BA, /*Forward=*/true, Fwd) || !reach(BB, BA, false, Bwd))
    return false;
  for (BasicBlock *X : Fwd)
    if (Bwd.count(X))
      Middle.insert(X);
  for (BasicBlock *X : Middle) {
    unsigned Before = Hooks;
    if (!scan(X->begin(), X->end(), Hooks))
      return false;
    if (BoundHooks && Hooks != Before && onCycle(X, Middle))
      return false;
  }
  return !BoundHooks || Hooks <= MaxHooksBetween;
}

// spanOf -- the write's bytes as a constant range of a base, if they are one.
std::optional<Span> LogOptimizer::spanOf(const LoggedWrite &W) const {
  if (!W.Dest || !W.Size || *W.Size == 0 || *W.Size > (1u << 30))
    return std::nullopt;
  APInt Off(DL.getIndexTypeSizeInBits(W.Dest->getType()), 0);
  Value *Base = W.Dest->stripAndAccumulateConstantOffsets(
      DL, Off, /*AllowNonInbounds=*/true);
  if (Base->getType() != W.Dest->getType() || Off.getSignificantBits() > 40)
    return std::nullopt;
  return Span{Base, Off.getSExtValue(), *W.Size};
}

// freshAllocation -- the pma_malloc-like call Dest points into, through GEPs
// (any offset: a write outside the block would be undefined) and bitcasts.
static CallInst *freshAllocation(Value *Dest) {
  Value *V = Dest;
  for (unsigned Depth = 0; Depth < 64; ++Depth) {
    if (auto *GEP = dyn_cast<GEPOperator>(V))
      V = GEP->getPointerOperand();
    else if (auto *BC = dyn_cast<BitCastOperator>(V))
      V = BC->getOperand(0);
    else
      break;
  }
  auto *CI = dyn_cast<CallInst>(V);
  const Function *Callee = CI ? CI->getCalledFunction() : nullptr;
  if (!Callee)
    return nullptr;
  StringRef N = Callee->getName();
  if (N == "pma_malloc" || N == "pma_calloc")
    return CI;
  // pma_realloc may return the old block, whose contents a rollback must
  // restore; only realloc(NULL, n) is an allocation.
  if (N == "pma_realloc" && CI->arg_size() == 2 &&
      isa<ConstantPointerNull>(CI->getArgOperand(0)))
    return CI;
  return nullptr;
}

// knownSmall -- the block of the allocation call CI has a constant size below
// FreshNotedMax, so the runtime notes it whole for flushing (pma_calloc: the
// product of two constants, checked for overflow).
static bool knownSmall(const CallInst *CI) {
  auto *A = dyn_cast<ConstantInt>(CI->getArgOperand(CI->arg_size() - 1));
  if (!A || A->getValue().getActiveBits() > 64)
    return false;
  uint64_t N = A->getZExtValue();
  if (CI->getCalledFunction()->getName() == "pma_calloc") {
    auto *M = dyn_cast<ConstantInt>(CI->getArgOperand(0));
    if (!M || M->getValue().getActiveBits() > 32 || N >= FreshNotedMax)
      return false;
    N *= M->getZExtValue();
  }
  return N < FreshNotedMax;
}

// describe -- "store", "'llvm.memcpy.p0.p0.i64'", ... for a remark.
static std::string describe(const Instruction *I) {
  if (isa<StoreInst>(I))
    return "store";
  if (isa<AtomicRMWInst>(I) || isa<AtomicCmpXchgInst>(I))
    return "atomic";
  if (auto *CB = dyn_cast<CallBase>(I))
    if (const Function *Callee = CB->getCalledFunction())
      return "'" + Callee->getName().str() + "'";
  return "write";
}

// elideFresh -- writes into a block allocated with no boundary since.
void LogOptimizer::elideFresh() {
  for (LoggedWrite &W : Writes) {
    if (W.Fate != WriteFate::Log || !W.MayBeFresh || W.Pinned || !W.Dest)
      continue;
    CallInst *Alloc = freshAllocation(W.Dest);
    if (!Alloc || !DT.dominates(Alloc, W.I) ||
        !clearPaths(Alloc, W.I, /*BoundHooks=*/false))
      continue;
    if (!knownSmall(Alloc)) {
      ORE.emit([&] {
        return OptimizationRemarkAnalysis(DEBUG_TYPE, "FreshNotSmall", W.I)
               << describe(W.I) << " to a block from '"
               << ore::NV("Allocator", Alloc->getCalledFunction()->getName())
               << "' keeps its hook: the block is not known to be shorter than "
               << ore::NV("Max", FreshNotedMax)
               << " bytes, so the runtime does not note it whole";
      });
      continue;
    }
    W.Fate = WriteFate::ElidedFresh;
    HookCalls[W.I] = 0;
    ++NumElidedFresh;
    ORE.emit([&] {
      return OptimizationRemarkAnalysis(DEBUG_TYPE, "ElidedFresh", W.I)
             << describe(W.I) << " to a block from '"
             << ore::NV("Allocator", Alloc->getCalledFunction()->getName())
             << "' with no FASE boundary since the allocation not instrumented";
    });
  }
}

// elideDominated -- writes whose bytes an earlier hook on the same base logs.
void LogOptimizer::elideDominated() {
  // In program order: an elision lowers the hook counts later checks see.
  MapVector<Value *, SmallVector<std::pair<LoggedWrite *, Span>, 4>> ByBase;
  for (LoggedWrite &W : Writes)
    if (W.Fate == WriteFate::Log)
      if (std::optional<Span> S = spanOf(W))
        ByBase[S->Base].push_back({&W, *S});
  // A write whose hook covers an elided one keeps its hook.
  SmallPtrSet<const LoggedWrite *, 16> Covers;
  for (auto &[Base, List] : ByBase) {
    if (List.size() < 2 || List.size() > 64)
      continue;
    for (auto &[W2, S2] : List) {
      if (Covers.count(W2) || W2->Pinned)
        continue;
      for (auto &[W1, S1] : List) {
        if (W1 == W2 || W1->Fate != WriteFate::Log || !W1->MayCover ||
            S1.Off > S2.Off ||
            S1.end() < S2.end() || !DT.dominates(W1->I, W2->I) ||
            !clearPaths(W1->I, W2->I, /*BoundHooks=*/true))
          continue;
        W2->Fate = WriteFate::ElidedDominated;
        HookCalls[W2->I] = 0;
        Covers.insert(W1);
        ++NumElidedDominated;
        ORE.emit([&] {
          OptimizationRemarkAnalysis R(DEBUG_TYPE, "ElidedDominated", W2->I);
          R << describe(W2->I)
            << " covered by the hook of an earlier write to the same object";
          if (const DebugLoc &Loc = W1->I->getDebugLoc())
            R << " (line " << ore::NV("CoveringLine", Loc.getLine()) << ")";
          return R << " not instrumented";
        });
        break;
      }
    }
  }
}

// batchWindow -- the gap-free batches of one window (a run of a block with no
// FASE boundary, its stores grouped by base): per base, the stores sorted by
// offset split into gap-free components of at most MaxBatchBytes; a
// component of two or more stores with at most MaxHooksBetween other hooks
// between its first and last store gets one hook before its first.
void LogOptimizer::batchWindow(
    MapVector<Value *, SmallVector<BatchMember, 4>> &Window,
    ArrayRef<Instruction *> Order, SmallVectorImpl<LogBatch> &Batches) {
  for (auto &[Base, Members] : Window) {
    if (Members.size() < 2)
      continue;
    // Gap-free components by address, each at most MaxBatchBytes.
    llvm::sort(Members, [](const BatchMember &A, const BatchMember &B) {
      return A.S.Off < B.S.Off || (A.S.Off == B.S.Off && A.Pos < B.Pos);
    });
    size_t I = 0;
    while (I < Members.size()) {
      size_t J = I + 1;
      int64_t Lo = Members[I].S.Off, Hi = Members[I].S.end();
      while (J < Members.size() && Members[J].S.Off <= Hi &&
             std::max(Hi, Members[J].S.end()) - Lo <= (int64_t)MaxBatchBytes) {
        Hi = std::max(Hi, Members[J].S.end());
        ++J;
      }
      ArrayRef<BatchMember> C(&Members[I], J - I);
      I = J;
      if (C.size() < 2 || Hi - Lo > (int64_t)MaxBatchBytes)
        continue;
      unsigned First = C[0].Pos, Last = C[0].Pos;
      for (const BatchMember &M : C) {
        First = std::min(First, M.Pos);
        Last = std::max(Last, M.Pos);
      }
      unsigned Hooks = 0;
      for (unsigned P = First + 1; P < Last; ++P)
        Hooks += HookCalls.lookup(Order[P]);
      for (const BatchMember &M : C)
        if (M.Pos != First && M.Pos != Last)
          Hooks -= HookCalls.lookup(M.W->I);
      Instruction *At = Order[First];
      if (Hooks > MaxHooksBetween)
        continue;
      if (auto *BaseI = dyn_cast<Instruction>(Base);
          BaseI && !DT.dominates(BaseI, At))
        continue;
      // Reuse a member's address when it is the start and already computed.
      Value *Ptr = Base;
      int64_t Off = Lo;
      for (const BatchMember &M : C) {
        auto *DestI = dyn_cast<Instruction>(M.W->Dest);
        if (M.S.Off == Lo && (!DestI || DT.dominates(DestI, At))) {
          Ptr = M.W->Dest;
          Off = 0;
          break;
        }
      }
      for (const BatchMember &M : C) {
        M.W->Fate = WriteFate::Batched;
        HookCalls[M.W->I] = 0;
      }
      HookCalls[At] = 1;
      LogBatch NB{At, {}, (unsigned)C.size()};
      NB.Ranges.push_back({Ptr, Off, (uint64_t)(Hi - Lo)});
      Batches.push_back(std::move(NB));
      NumBatchedStores += C.size();
      ++NumBatches;
      ORE.emit([&] {
        return OptimizationRemarkAnalysis(DEBUG_TYPE, "Batched", At)
               << "batched " << ore::NV("Stores", (unsigned)C.size())
               << " stores into one hook of "
               << ore::NV("Bytes", (uint64_t)(Hi - Lo)) << " bytes";
      });
    }
  }
  Window.clear();
}

// batch -- one hook for the gap-free neighbouring stores of a block.
void LogOptimizer::batch(Function &F, SmallVectorImpl<LogBatch> &Batches) {
  DenseMap<const Instruction *, LoggedWrite *> Site;
  for (LoggedWrite &W : Writes)
    if (W.Fate == WriteFate::Log && W.PlainStore)
      Site[W.I] = &W;
  if (Site.size() < 2)
    return;

  for (BasicBlock &BB : F) {
    // Windows: runs of the block with no boundary; stores grouped by base.
    unsigned Pos = 0;
    SmallVector<Instruction *, 32> Order;
    MapVector<Value *, SmallVector<BatchMember, 4>> Window;
    for (Instruction &I : BB) {
      Order.push_back(&I);
      ++Pos;
      if (mayBeFaseBoundary(I)) {
        batchWindow(Window, Order, Batches);
        continue;
      }
      auto It = Site.find(&I);
      if (It == Site.end())
        continue;
      if (std::optional<Span> S = spanOf(*It->second))
        Window[S->Base].push_back({It->second, *S, Pos - 1});
    }
    batchWindow(Window, Order, Batches);
  }
}

// availableAt -- can a hook inserted before At use V: it is defined before
// At, or it is pure arithmetic on such values (a GEP, a shift, a cast: no
// memory read) that materializeAt can recompute there.
bool LogOptimizer::availableAt(Value *V, Instruction *At) const {
  return canMaterializeAt(V, At, DT);
}

// rangeAt -- W's range in terms of values available before At, if it has one:
// its constant-offset base, or its own address; its length when not constant.
std::optional<LogRange> LogOptimizer::rangeAt(const LoggedWrite &W,
                                              Instruction *At) const {
  if (!W.Dest)
    return std::nullopt;
  LogRange R{W.Dest, 0, W.Size.value_or(0)};
  if (W.Size) {
    if (*W.Size == 0 || *W.Size > (1u << 30))
      return std::nullopt;
  } else {
    if (!W.Len || !availableAt(W.Len, At))
      return std::nullopt;
    R.Len = W.Len;
  }
  R.Nt = W.NtRouted;
  if (R.Nt && W.Size && *W.Size >= NtMinBytes)
    return std::nullopt; // written non-temporally: the runtime would skip it
  if (availableAt(W.Dest, At))
    return R;
  if (std::optional<Span> S = spanOf(W); S && availableAt(S->Base, At)) {
    R.Base = S->Base;
    R.Offset = S->Off;
    return R;
  }
  return std::nullopt;
}

// multiBatchWindow -- the multi-range batches of one window (a run of a
// block with no FASE boundary): from each unused candidate, greedily the
// later ones whose range can be computed before it, up to MaxMultiRanges and
// as long as at most MaxHooksBetween hooks stay between; a group of two or
// more ranges becomes one __pma_store_v hook (in Made), the gap-free batches
// it takes in are marked Absorbed.
void LogOptimizer::multiBatchWindow(SmallVectorImpl<MultiCand> &Window,
                                    ArrayRef<Instruction *> Order,
                                    SmallVectorImpl<LogBatch> &Batches,
                                    SmallVectorImpl<bool> &Absorbed,
                                    SmallVectorImpl<LogBatch> &Made) {
  SmallVector<bool, 16> Used(Window.size(), false);
  for (size_t S = 0; S < Window.size(); ++S) {
    if (Used[S])
      continue;
    Instruction *At = Order[Window[S].Pos];
    SmallVector<size_t, 8> Group;
    SmallVector<LogRange, 8> Ranges;
    DenseSet<unsigned> Elided; // positions of members losing their hook
    // At most MaxMultiScan candidates looked at per group (compile time).
    for (size_t K = S; K < Window.size() && K - S < MaxMultiScan &&
                       Ranges.size() < MaxMultiRanges;
         ++K) {
      if (Used[K])
        continue;
      const MultiCand &C = Window[K];
      std::optional<LogRange> R;
      if (C.W) {
        R = rangeAt(*C.W, At);
      } else {
        const LogRange &BR = Batches[C.Batch].Ranges[0];
        if (availableAt(BR.Base, At))
          R = BR;
      }
      if (!R)
        continue;
      // Hooks left between the batch hook and this write: bounded, so the
      // runtime's ring of recent ranges still holds the write's range.
      unsigned Hooks = 0;
      for (unsigned P = Window[S].Pos + 1; P < C.Pos; ++P)
        if (!Elided.count(P))
          Hooks += HookCalls.lookup(Order[P]);
      if (Hooks > MaxHooksBetween)
        break;
      Group.push_back(K);
      Ranges.push_back(*R);
      if (!C.W || !C.W->NtRouted)
        Elided.insert(C.Pos);
    }
    if (Ranges.size() < 2)
      continue;
    unsigned Members = 0;
    for (size_t K : Group) {
      Used[K] = true;
      const MultiCand &C = Window[K];
      if (C.W) {
        ++Members;
        if (!C.W->NtRouted) {
          C.W->Fate = WriteFate::Batched;
          HookCalls[C.W->I] = 0;
        }
      } else {
        Members += Batches[C.Batch].Members;
        Absorbed[C.Batch] = true;
        HookCalls[Order[C.Pos]] = 0;
      }
    }
    HookCalls[At] += Ranges.size();
    LogBatch NB{At, {}, Members, /*Multi=*/true};
    NB.Ranges.append(Ranges.begin(), Ranges.end());
    Made.push_back(std::move(NB));
    NumMultiRanges += Ranges.size();
    ++NumMultiBatches;
    ORE.emit([&] {
      return OptimizationRemarkAnalysis(DEBUG_TYPE, "BatchedMulti", At)
             << "logged " << ore::NV("Ranges", (unsigned)Ranges.size())
             << " ranges of " << ore::NV("Writes", Members)
             << " writes with one multi-range hook";
    });
  }
  Window.clear();
}

// multiBatch -- one hook for the logged writes of a block to different
// places: the hooks left in a run of a block with no possible FASE boundary
// (single stores, constant-size and variable-length mem intrinsics, the
// gap-free batches) whose addresses are known before the first of them become
// one __pma_store_v call there, which writes one multi-range undo record and
// pays one fence.  Each range is exactly what its write writes, so no byte of
// another lock's data is logged; a range logged before an earlier write of
// the run changes it keeps an older value, which is what rollback restores
// anyway (the oldest saved value wins).  A memcpy/memmove/memset sent to the
// non-temporal path keeps its call (it finds its bytes logged when short,
// logs for itself when long).
void LogOptimizer::multiBatch(Function &F, SmallVectorImpl<LogBatch> &Batches) {
  DenseMap<const Instruction *, LoggedWrite *> Site;
  for (LoggedWrite &W : Writes) {
    if (W.Fate != WriteFate::Log || !W.Dest)
      continue;
    if (auto *SI = dyn_cast<StoreInst>(W.I)) {
      if (W.PlainStore && W.Size && SI->isSimple())
        Site[W.I] = &W;
    } else if (W.MemIntrinsic && (W.Size || W.Len)) {
      Site[W.I] = &W;
    }
  }
  DenseMap<const Instruction *, int> BatchAt;
  for (size_t K = 0; K < Batches.size(); ++K)
    if (!Batches[K].Multi && Batches[K].Ranges.size() == 1)
      BatchAt[Batches[K].InsertBefore] = (int)K;
  if (Site.size() + BatchAt.size() < 2)
    return;

  SmallVector<bool, 8> Absorbed(Batches.size(), false);
  SmallVector<LogBatch, 4> Made;
  for (BasicBlock &BB : F) {
    SmallVector<Instruction *, 64> Order;
    SmallVector<MultiCand, 16> Window;
    for (Instruction &I : BB) {
      unsigned Pos = Order.size();
      Order.push_back(&I);
      if (mayBeFaseBoundary(I) && !Site.count(&I)) {
        multiBatchWindow(Window, Order, Batches, Absorbed, Made);
        continue;
      }
      if (auto It = BatchAt.find(&I); It != BatchAt.end())
        Window.push_back({Pos, nullptr, It->second});
      if (auto It = Site.find(&I); It != Site.end())
        Window.push_back({Pos, It->second, -1});
    }
    multiBatchWindow(Window, Order, Batches, Absorbed, Made);
  }
  // Drop the absorbed gap-free batches, add the multi-range ones.
  size_t Out = 0;
  for (size_t K = 0; K < Batches.size(); ++K)
    if (!Absorbed[K])
      Batches[Out++] = std::move(Batches[K]);
  Batches.resize(Out);
  for (LogBatch &B : Made)
    Batches.push_back(std::move(B));
}

// canMaterializeAt -- see PmAtomic.h.
bool pmatomic::canMaterializeAt(Value *V, Instruction *At, const DominatorTree &DT,
                                unsigned Depth) {
  auto *I = dyn_cast<Instruction>(V);
  if (!I || DT.dominates(I, At))
    return true;
  if (Depth == 0 || I->getParent() != At->getParent() || isa<PHINode>(I) ||
      I->mayReadFromMemory() || I->mayHaveSideEffects() || isa<CallBase>(I) ||
      !isSafeToSpeculativelyExecute(I))
    return false;
  for (Value *Op : I->operands())
    if (!canMaterializeAt(Op, At, DT, Depth - 1))
      return false;
  return true;
}

// materializeAt -- see PmAtomic.h.
Value *pmatomic::materializeAt(Value *V, Instruction *At, const DominatorTree &DT,
                               DenseMap<Value *, Value *> &Clones) {
  auto *I = dyn_cast<Instruction>(V);
  if (!I || DT.dominates(I, At))
    return V;
  if (Value *C = Clones.lookup(V))
    return C;
  Instruction *C = I->clone();
  for (Use &Op : C->operands())
    Op.set(materializeAt(Op.get(), At, DT, Clones));
  C->insertBefore(At);
  Clones[V] = C;
  return C;
}

// optimizeLogging -- see PmAtomic.h.
void pmatomic::optimizeLogging(Function &F, const TargetLibraryInfo &TLI,
                               DominatorTree &DT, const PmAtomicOptions &Opts,
                               OptimizationRemarkEmitter &ORE,
                               SmallVectorImpl<LoggedWrite> &Writes,
                               SmallVectorImpl<LogBatch> &Batches) {
  if (Writes.empty())
    return;
  LogOptimizer LO(F, TLI, DT, ORE, Writes);
  if (Opts.FreshElision)
    LO.elideFresh();
  if (Opts.DominatedElision)
    LO.elideDominated();
  if (Opts.Batching)
    LO.batch(F, Batches);
  if (Opts.MultiBatching)
    LO.multiBatch(F, Batches);
}
