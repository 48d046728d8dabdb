//===- LockRewrite.cpp -- pthread mutex calls to runtime wrappers ---------===//
//
// The runtime's __pma_mutex_* wrappers count the locks a thread holds and
// commit the failure-atomic section at the outermost release.  The pthread
// functions are not TargetLibraryInfo libfuncs, so they are found by the name
// of their declaration; replacing the uses of the declaration (not just the
// direct calls) also catches invokes, calls through the address (function
// pointers, tables of callbacks) and libstdc++'s weak references in
// gthr-posix.h.  pthread_mutex_init/destroy, cond signal/broadcast, rwlocks
// and spinlocks are left alone (other lock forms: a later issue).
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Debug.h"

using namespace llvm;

#define DEBUG_TYPE "pmatomic"

STATISTIC(NumLockCallsRewritten, "Number of pthread mutex calls rewritten");
STATISTIC(NumLockOtherUsesRewritten,
          "Number of non-call uses of pthread mutex functions rewritten");

namespace {
struct LockWrapper {
  const char *Original;
  const char *Wrapper;
  unsigned NumPtrParams; // the mutex, plus the timespec for timedlock
};

const LockWrapper LockWrappers[] = {
    {"pthread_mutex_lock", "__pma_mutex_lock", 1},
    {"pthread_mutex_trylock", "__pma_mutex_trylock", 1},
    {"pthread_mutex_timedlock", "__pma_mutex_timedlock", 2},
    {"pthread_mutex_unlock", "__pma_mutex_unlock", 1},
    // A condition wait releases its mutex inside the call: the wrappers
    // commit the FASE before waiting (design.md section 1).
    {"pthread_cond_wait", "__pma_cond_wait", 2},
    {"pthread_cond_timedwait", "__pma_cond_timedwait", 3},
};
} // namespace

// rewriteLockCalls -- replace uses of the pthread mutex declarations by the
// wrappers, except inside the runtime, whose wrappers call the real functions.
unsigned pmatomic::rewriteLockCalls(
    Module &M, DenseMap<const Function *, unsigned> &CallsPerFunction) {
  LLVMContext &Ctx = M.getContext();
  unsigned Rewritten = 0;
  for (const LockWrapper &W : LockWrappers) {
    Function *Original = M.getFunction(W.Original);
    // A definition is a pthread implementation or an interposer: not ours.
    if (!Original || !Original->isDeclaration())
      continue;

    bool Existed = M.getFunction(W.Wrapper) != nullptr;
    SmallVector<Type *, 2> Params(W.NumPtrParams, PointerType::getUnqual(Ctx));
    FunctionCallee Wrapper = M.getOrInsertFunction(
        W.Wrapper, FunctionType::get(Type::getInt32Ty(Ctx), Params, false));
    // Keep what the headers said (nounwind from __THROW, nonnull mutex): the
    // wrapper has the same contract.  Linkage is not copied: a weak reference
    // (gthr-posix.h) must become a strong one, the runtime is always linked.
    if (auto *WrapperFn = dyn_cast<Function>(Wrapper.getCallee());
        WrapperFn && !Existed) {
      WrapperFn->setAttributes(Original->getAttributes());
      WrapperFn->setCallingConv(Original->getCallingConv());
    }

    Original->replaceUsesWithIf(Wrapper.getCallee(), [&](Use &U) {
      auto *I = dyn_cast<Instruction>(U.getUser());
      if (I && isRuntimeFunction(*I->getFunction()))
        return false;
      auto *CB = dyn_cast_or_null<CallBase>(I);
      if (CB && CB->isCallee(&U)) {
        ++CallsPerFunction[CB->getFunction()];
        ++NumLockCallsRewritten;
      } else {
        ++NumLockOtherUsesRewritten;
      }
      LLVM_DEBUG(dbgs() << "pmatomic: " << W.Original << " -> " << W.Wrapper
                        << " in " << *U.getUser() << "\n");
      ++Rewritten;
      return true;
    });
    if (Original->use_empty())
      Original->eraseFromParent();
  }
  return Rewritten;
}
