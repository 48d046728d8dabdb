//===- Unlogged.cpp -- writes the pass can see but cannot log -------------===//
//
// Two kinds of call may write the persistent heap with no hook the pass could
// place before them, so they get a -Rpass-missed=pmatomic remark instead:
//
//   - a call through a function pointer the pass cannot resolve.  A callee
//     compiled with the plugin logs its own stores, but the pointer may hold a
//     libc function (void *(*f)(void *, const void *, size_t) = memcpy) or
//     any other uninstrumented code, and the pass cannot know which.  Not
//     remarked: calls whose attributes say they write no memory (memory(none),
//     readonly, memory(inaccessiblemem: ...)), and calls that may write only
//     their pointer arguments when every such argument is a stack slot that
//     does not escape, a global or libc malloc memory (the elision rules of
//     PmAtomic.cpp).  A callee that resolves to a function (a call through a
//     cast of it) is a direct call and is handled as one.
//   - inline asm that may write memory other than its "=*m" outputs (those
//     are logged, PmAtomic.cpp collectInlineAsm): a "memory" clobber, or a
//     memory output whose size is unknown.  Not remarked: a "memory" clobber
//     on asm whose text is empty or only fences, pause or nop -- a compiler
//     or CPU barrier that writes nothing.
//
// Every function the pass instruments may run inside a FASE (any function can
// be called with a lock held), so the rule does not depend on where the call
// is; runtime code (disable_sanitizer_instrumentation) is never instrumented
// and never remarked.
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstrTypes.h"

using namespace llvm;
using namespace pmatomic;

#define DEBUG_TYPE "pmatomic"

STATISTIC(NumMissedIndirectCalls,
          "Number of indirect calls that may write the heap unlogged");
STATISTIC(NumMissedAsm, "Number of inline asm statements that may write memory "
                        "unlogged");

// resolvedCallee -- see PmAtomic.h.
const Function *pmatomic::resolvedCallee(const CallBase &CB) {
  return dyn_cast<Function>(CB.getCalledOperand()->stripPointerCastsAndAliases());
}

// remarkIndirectCall -- see PmAtomic.h.
bool pmatomic::remarkIndirectCall(const CallBase &CB,
                                  function_ref<bool(const Value *)> MayReachHeap,
                                  OptimizationRemarkEmitter &ORE) {
  if (CB.isInlineAsm() || resolvedCallee(CB) || !CB.mayWriteToMemory() ||
      CB.onlyAccessesInaccessibleMemory())
    return false;
  if (CB.onlyAccessesInaccessibleMemOrArgMem()) {
    bool Any = false;
    for (const Use &A : CB.args())
      if (A->getType()->isPointerTy() &&
          !CB.onlyReadsMemory(CB.getArgOperandNo(&A)) && MayReachHeap(A.get()))
        Any = true;
    if (!Any)
      return false;
  }
  ++NumMissedIndirectCalls;
  ORE.emit([&] {
    return OptimizationRemarkMissed(DEBUG_TYPE, "IndirectCall", &CB)
           << "indirect call may write memory: if its callee is not compiled "
              "with the plugin (libc through a pointer), its writes are not "
              "logged";
  });
  return true;
}

// writesNothing -- asm text that is empty or only barriers: a "memory"
// clobber there orders memory accesses, it does not write any.
static bool writesNothing(StringRef Asm) {
  SmallVector<StringRef, 4> Insns;
  SplitString(Asm, Insns, ";\n");
  for (StringRef Insn : Insns) {
    Insn = Insn.trim();
    // "rep; nop" is pause; a "rep" before any other instruction is not split
    // from it by ';' and fails the mnemonic test below.
    if (Insn.empty() || Insn.starts_with("#") || Insn == "rep")
      continue;
    StringRef Mnemonic = Insn.split(' ').first.split('\t').first;
    if (!is_contained({"mfence", "lfence", "sfence", "pause", "nop"},
                      Mnemonic.lower()))
      return false;
  }
  return true;
}

// remarkUnloggedAsm -- see PmAtomic.h.
bool pmatomic::remarkUnloggedAsm(const CallBase &CB,
                                 OptimizationRemarkEmitter &ORE) {
  auto *IA = cast<InlineAsm>(CB.getCalledOperand());
  bool Clobber = false, Unsized = false;
  unsigned ArgNo = 0;
  for (const InlineAsm::ConstraintInfo &CI : IA->ParseConstraints()) {
    if (CI.Type == InlineAsm::isClobber) {
      Clobber |= is_contained(CI.Codes, "{memory}");
    } else if (CI.Type == InlineAsm::isOutput && CI.isIndirect) {
      Type *ElemTy =
          ArgNo < CB.arg_size() ? CB.getParamElementType(ArgNo) : nullptr;
      Unsized |= !ElemTy || !ElemTy->isSized();
      ++ArgNo;
    } else if (CI.Type == InlineAsm::isInput) {
      ++ArgNo;
    }
  }
  if (Clobber && writesNothing(IA->getAsmString()))
    Clobber = false;
  if (!Clobber && !Unsized)
    return false;
  ++NumMissedAsm;
  ORE.emit([&] {
    return OptimizationRemarkMissed(DEBUG_TYPE, "InlineAsm", &CB)
           << (Clobber ? "inline asm with a \"memory\" clobber"
                       : "inline asm memory output of unknown size")
           << " may write memory and is not logged";
  });
  return true;
}
