//===- LockRewrite.cpp -- lock calls to runtime wrappers -------------------===//
//
// The runtime's __pma_* lock wrappers count the locks a thread holds and
// commit the failure-atomic section at the outermost release.  The pthread
// functions are not TargetLibraryInfo libfuncs, so they are found by the name
// of their declaration; replacing the uses of the declaration (not just the
// direct calls) also catches invokes, calls through the address (function
// pointers, tables of callbacks) and libstdc++'s weak references in
// gthr-posix.h.  Calls on condition variables, barriers and semaphores go
// to wrappers too: they delimit no FASE, but the first one on an in-heap
// object resets what a crashed process left in it.  Initialisation and
// everything else are left alone.
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/IRBuilder.h"
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
};

// Every lock form the runtime tracks (design.md section 1).  The wrapper has
// the original's signature and return values.
const LockWrapper LockWrappers[] = {
    {"pthread_mutex_lock", "__pma_mutex_lock"},
    {"pthread_mutex_trylock", "__pma_mutex_trylock"},
    {"pthread_mutex_timedlock", "__pma_mutex_timedlock"},
    {"pthread_mutex_clocklock", "__pma_mutex_clocklock"},
    {"pthread_mutex_unlock", "__pma_mutex_unlock"},
    // A condition wait releases its mutex inside the call: the wrappers
    // commit the FASE before waiting.
    {"pthread_cond_wait", "__pma_cond_wait"},
    {"pthread_cond_timedwait", "__pma_cond_timedwait"},
    {"pthread_cond_clockwait", "__pma_cond_clockwait"},
    {"pthread_rwlock_rdlock", "__pma_rwlock_rdlock"},
    {"pthread_rwlock_tryrdlock", "__pma_rwlock_tryrdlock"},
    {"pthread_rwlock_timedrdlock", "__pma_rwlock_timedrdlock"},
    {"pthread_rwlock_clockrdlock", "__pma_rwlock_clockrdlock"},
    {"pthread_rwlock_wrlock", "__pma_rwlock_wrlock"},
    {"pthread_rwlock_trywrlock", "__pma_rwlock_trywrlock"},
    {"pthread_rwlock_timedwrlock", "__pma_rwlock_timedwrlock"},
    {"pthread_rwlock_clockwrlock", "__pma_rwlock_clockwrlock"},
    {"pthread_rwlock_unlock", "__pma_rwlock_unlock"},
    {"pthread_spin_lock", "__pma_spin_lock"},
    {"pthread_spin_trylock", "__pma_spin_trylock"},
    {"pthread_spin_unlock", "__pma_spin_unlock"},
    // C11 <threads.h>
    {"mtx_lock", "__pma_mtx_lock"},
    {"mtx_trylock", "__pma_mtx_trylock"},
    {"mtx_timedlock", "__pma_mtx_timedlock"},
    {"mtx_unlock", "__pma_mtx_unlock"},
    {"cnd_wait", "__pma_cnd_wait"},
    {"cnd_timedwait", "__pma_cnd_timedwait"},
    // No FASE boundary: only the lazy reset of an in-heap object that a
    // crashed process left held or waited on (design.md section 1).
    {"pthread_mutex_destroy", "__pma_mutex_destroy"},
    {"pthread_cond_signal", "__pma_cond_signal"},
    {"pthread_cond_broadcast", "__pma_cond_broadcast"},
    {"pthread_cond_destroy", "__pma_cond_destroy"},
    {"cnd_signal", "__pma_cnd_signal"},
    {"cnd_broadcast", "__pma_cnd_broadcast"},
    {"cnd_destroy", "__pma_cnd_destroy"},
    {"pthread_barrier_wait", "__pma_barrier_wait"},
    {"pthread_barrier_destroy", "__pma_barrier_destroy"},
    {"sem_wait", "__pma_sem_wait"},
    {"sem_trywait", "__pma_sem_trywait"},
    {"sem_timedwait", "__pma_sem_timedwait"},
    {"sem_clockwait", "__pma_sem_clockwait"},
    {"sem_post", "__pma_sem_post"},
};

// Condition waits compiled into libstdc++.so, where the pass cannot rewrite
// the pthread_cond_wait inside: a call to __pma_before_wait() goes in front
// of each call, committing the FASE before the mutex is released.  (wait_for
// and wait_until are inline templates that reach pthread_cond_clockwait or
// pthread_cond_timedwait, which the table above already covers.)
const char *const OutOfLineWaits[] = {
    "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE",
};

// The std::condition_variable members compiled into libstdc++.so, each
// taking the object (whose first member is its pthread_cond_t) as its first
// argument: a call to __pma_cond_use(this) goes in front of each, so that
// the runtime's lazy reset of an in-heap condition variable sees them too.
const char *const OutOfLineCondUses[] = {
    "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE",
    "_ZNSt18condition_variable10notify_oneEv",
    "_ZNSt18condition_variable10notify_allEv",
    "_ZNSt18condition_variableD1Ev",
    "_ZNSt18condition_variableD2Ev",
};
} // namespace

// outOfLineCalls -- the direct calls of Name outside the runtime
static SmallVector<CallBase *, 8> outOfLineCalls(Module &M, const char *Name) {
  SmallVector<CallBase *, 8> Calls;
  Function *F = M.getFunction(Name);
  if (!F)
    return Calls;
  for (User *U : F->users())
    if (auto *CB = dyn_cast<CallBase>(U);
        CB && CB->getCalledOperand() == F && CB->arg_size() >= 1 &&
        !pmatomic::isRuntimeFunction(*CB->getFunction()))
      Calls.push_back(CB);
  return Calls;
}

// callBeforeOutOfLine -- insert a call of Hook before each call of the
// functions Names: Hook() (__pma_before_wait), or Hook(object) with the
// call's first argument (__pma_cond_use); returns how many calls it guarded
static unsigned callBeforeOutOfLine(Module &M, ArrayRef<const char *> Names,
                                    StringRef Hook, bool WithObject,
                                    DenseMap<const Function *, unsigned> &CallsPerFunction) {
  unsigned Guarded = 0;
  for (const char *Name : Names) {
    SmallVector<CallBase *, 8> Calls = outOfLineCalls(M, Name);
    if (Calls.empty())
      continue;
    LLVMContext &C = M.getContext();
    FunctionType *Ty =
        WithObject ? FunctionType::get(Type::getVoidTy(C), {PointerType::getUnqual(C)}, false)
                   : FunctionType::get(Type::getVoidTy(C), false);
    FunctionCallee H = M.getOrInsertFunction(Hook, Ty);
    if (auto *F = dyn_cast<Function>(H.getCallee()))
      F->setDoesNotThrow();
    for (CallBase *CB : Calls) {
      IRBuilder<> B(CB);
      CallInst *I = WithObject ? B.CreateCall(H, {CB->getArgOperand(0)}) : B.CreateCall(H);
      I->setDebugLoc(CB->getDebugLoc());
      ++CallsPerFunction[CB->getFunction()];
      ++NumLockCallsRewritten;
      ++Guarded;
    }
  }
  return Guarded;
}

// rewriteLockCalls -- replace uses of the pthread mutex declarations by the
// wrappers, except inside the runtime, whose wrappers call the real functions.
unsigned pmatomic::rewriteLockCalls(
    Module &M, DenseMap<const Function *, unsigned> &CallsPerFunction) {
  unsigned Rewritten = 0;
  for (const LockWrapper &W : LockWrappers) {
    Function *Original = M.getFunction(W.Original);
    // A definition is a pthread implementation or an interposer: not ours.
    if (!Original || !Original->isDeclaration())
      continue;

    bool Existed = M.getFunction(W.Wrapper) != nullptr;
    // Same type as the declaration the program was compiled against.
    FunctionCallee Wrapper =
        M.getOrInsertFunction(W.Wrapper, Original->getFunctionType());
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
  // Commit before the wait, then the reset of its condition variable.
  return Rewritten +
         callBeforeOutOfLine(M, OutOfLineWaits, "__pma_before_wait", false, CallsPerFunction) +
         callBeforeOutOfLine(M, OutOfLineCondUses, "__pma_cond_use", true, CallsPerFunction);
}
