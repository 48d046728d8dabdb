//===- NtCopy.cpp -- large mem* writes through the non-temporal path ------===//
//
// A memcpy/memmove/memset that may reach the heap would get a __pma_store_n
// hook before it: the old bytes are logged, the new ones written through the
// cache, and the commit flushes every line of them, one clwb per 64 bytes.
// Instead, the pass replaces the write by a call of __pma_memcpy,
// __pma_memmove or __pma_memset with the same arguments, and the runtime
// decides at run time (runtime/hooks.c): inside a FASE, in pmem and sim modes,
// a write of at least PMA_NT_THRESHOLD bytes that lies in the heap is logged
// and then written with non-temporal stores that the commit's fence drains, no
// clwb needed; anything else is the hook and the libc function, as before.
//
// Candidates: llvm.memcpy / llvm.memmove / llvm.memset and calls of libc
// memcpy / memmove / memset, whose length is not a constant below NtMinBytes.
// Kept on the hook path:
//   - constant lengths below NtMinBytes: the backend turns them into a few
//     moves, which a call would only slow down;
//   - volatile intrinsics: their accesses must stay as the program wrote them;
//   - llvm.memcpy.inline / llvm.memset.inline: they must never become a call;
//   - the element-wise atomic forms: the runtime's copy is not element-wise
//     atomic;
//   - the _FORTIFY_SOURCE forms (__memcpy_chk ...): the call does the check;
//   - a source in another address space, and libc calls made with invoke or
//     musttail, which a plain call cannot replace;
//   - calls of a memcpy/memmove/memset the module defines itself, and every
//     write inside functions named memcpy/memmove/memset: the runtime calls
//     libc's, and a program's own memcpy would interpose it (recursion).
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Transforms/Instrumentation.h"

using namespace llvm;
using namespace pmatomic;

#define DEBUG_TYPE "pmatomic"

// longEnough -- the length is not a constant below NtMinBytes.
static bool longEnough(const Value *Len) {
  auto *C = dyn_cast<ConstantInt>(Len);
  return !C || C->getValue().uge(NtMinBytes);
}

// classifyNtCall -- see PmAtomic.h.
NtCall pmatomic::classifyNtCall(const Instruction &I,
                                const TargetLibraryInfo &TLI) {
  StringRef In = I.getFunction()->getName();
  if (In == "memcpy" || In == "memmove" || In == "memset")
    return NtCall::None;
  if (auto *MI = dyn_cast<MemIntrinsic>(&I)) {
    if (MI->isVolatile() || isa<MemCpyInlineInst>(MI) ||
        isa<MemSetInlineInst>(MI) || !longEnough(MI->getLength()))
      return NtCall::None;
    if (auto *MT = dyn_cast<MemTransferInst>(MI)) {
      if (MT->getSourceAddressSpace() != 0)
        return NtCall::None;
      return isa<MemMoveInst>(MT) ? NtCall::Memmove : NtCall::Memcpy;
    }
    return isa<MemSetInst>(MI) ? NtCall::Memset : NtCall::None;
  }

  auto *CB = dyn_cast<CallInst>(&I);
  const Function *Callee = CB ? CB->getCalledFunction() : nullptr;
  LibFunc LF;
  // The Function overload: a nobuiltin call site writes the same bytes.
  if (!Callee || !Callee->isDeclaration() || Callee->isIntrinsic() ||
      CB->isMustTailCall() ||
      !TLI.getLibFunc(*Callee, LF) || CB->arg_size() != 3 ||
      !CB->getArgOperand(0)->getType()->isPointerTy() ||
      !CB->getArgOperand(2)->getType()->isIntegerTy() ||
      !longEnough(CB->getArgOperand(2)))
    return NtCall::None;
  Type *Arg1 = CB->getArgOperand(1)->getType();
  switch (LF) {
  case LibFunc_memcpy:
  case LibFunc_memmove:
    if (!Arg1->isPointerTy() || Arg1->getPointerAddressSpace() != 0)
      return NtCall::None;
    return LF == LibFunc_memcpy ? NtCall::Memcpy : NtCall::Memmove;
  case LibFunc_memset:
    return Arg1->isIntegerTy() ? NtCall::Memset : NtCall::None;
  default:
    return NtCall::None;
  }
}

// emitNtCall -- see PmAtomic.h.  An intrinsic returns nothing; a libc call's
// result (dst) is the entry point's result.
CallInst *pmatomic::emitNtCall(Instruction *I, NtCall Kind, FunctionCallee Fn,
                               Type *IntptrTy, OptimizationRemarkEmitter &ORE) {
  auto *CB = cast<CallBase>(I);
  ORE.emit([&] {
    return OptimizationRemarkAnalysis(DEBUG_TYPE, "NtCopy", I)
           << (isa<IntrinsicInst>(I) ? "'" : "call to '")
           << ore::NV("Write", CB->getCalledFunction()) << "' replaced by '"
           << ore::NV("Callee", Fn.getCallee()->getName())
           << "' (non-temporal when large, in the heap and in a FASE)";
  });
  InstrumentationIRBuilder IRB(I);
  Value *Dst, *Arg1, *Len;
  if (auto *MI = dyn_cast<MemIntrinsic>(I)) {
    Dst = MI->getRawDest();
    Len = MI->getLength();
    if (auto *MS = dyn_cast<MemSetInst>(MI))
      Arg1 = IRB.CreateZExt(MS->getValue(), IRB.getInt32Ty());
    else
      Arg1 = cast<MemTransferInst>(MI)->getRawSource();
  } else {
    Dst = CB->getArgOperand(0);
    Arg1 = CB->getArgOperand(1);
    Len = CB->getArgOperand(2);
    if (Kind == NtCall::Memset)
      Arg1 = IRB.CreateSExtOrTrunc(Arg1, IRB.getInt32Ty());
  }
  CallInst *New =
      IRB.CreateCall(Fn, {Dst, Arg1, IRB.CreateZExtOrTrunc(Len, IntptrTy)});
  if (!I->use_empty())
    I->replaceAllUsesWith(New);
  I->eraseFromParent();
  return New;
}
