//===- LibcWriters.cpp -- libc calls that write through a pointer ---------===//
//
// Library code is not compiled with the pass, so a call such as read() or
// strcpy() into the persistent heap must be logged at the call site, before
// the call.  Functions are recognised with TargetLibraryInfo (name plus
// prototype check), never by comparing names, except for the few glibc
// functions TLI does not know (explicit_bzero and the _FORTIFY_SOURCE
// variants of read/pread/fread/fgets).
//
// Where libc only gives an upper bound (read, fread, fgets, snprintf, memccpy,
// strlcpy) the whole bound is logged: the undo log then also saves bytes the
// call does not write, which is harmless unless another thread writes those
// very bytes concurrently under a different lock.
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InstrTypes.h"

using namespace llvm;
using namespace pmatomic;

namespace {
struct LibcWriterEntry {
  LibFunc Func;
  LibcWrite Write;
};

// Table-entry constructors: bytes(dst, size[, size2, signed]) and the string
// forms, whose source is the argument after the destination.
constexpr LibcWrite bytes(unsigned Dst, int Size, int Size2 = -1,
                          bool Signed = false) {
  return {LibcWriteKind::Bytes, Dst, Size, Size2, Signed};
}
constexpr LibcWrite strcpyLike() { return {LibcWriteKind::StrCpy, 0}; }
constexpr LibcWrite strcatLike() { return {LibcWriteKind::StrCat, 0}; }
constexpr LibcWrite strncatLike() { return {LibcWriteKind::StrNCat, 0, 2}; }
constexpr LibcWrite unbounded() { return {LibcWriteKind::Unbounded, 0}; }
// object(dst, size[, dst2]) -- a call that writes a whole object of a fixed
// size at an argument (a mutex it initialises, an int out-parameter).
constexpr LibcWrite object(unsigned Dst, uint64_t Size, int Dst2 = -1) {
  return {LibcWriteKind::Fixed, Dst, -1, -1, false, Size, Dst2};
}
// wide(W) -- W for wchar_t elements instead of bytes (4 bytes each on x86_64
// glibc, the target the pass supports; static_assert in runtime/hooks.c).
constexpr LibcWrite wide(LibcWrite W) {
  W.ElemSize = 4;
  return W;
}

const LibcWriterEntry LibcWriters[] = {
    // mem*: n bytes at the destination
    {LibFunc_memcpy, bytes(0, 2)},
    {LibFunc_memmove, bytes(0, 2)},
    {LibFunc_memset, bytes(0, 2)},
    {LibFunc_mempcpy, bytes(0, 2)},
    {LibFunc_memccpy, bytes(0, 3)},
    {LibFunc_memset_pattern4, bytes(0, 2)},
    {LibFunc_memset_pattern8, bytes(0, 2)},
    {LibFunc_memset_pattern16, bytes(0, 2)},
    {LibFunc_bcopy, bytes(1, 2)}, // bcopy(src, dst, n)
    {LibFunc_bzero, bytes(0, 1)},
    // str*
    {LibFunc_strncpy, bytes(0, 2)}, // pads with NULs: exactly n bytes
    {LibFunc_stpncpy, bytes(0, 2)},
    {LibFunc_strlcpy, bytes(0, 2)},
    {LibFunc_strlcat, bytes(0, 2)},
    {LibFunc_strcpy, strcpyLike()},
    {LibFunc_stpcpy, strcpyLike()},
    {LibFunc_strcat, strcatLike()},
    {LibFunc_strncat, strncatLike()},
    // stdio and system calls
    {LibFunc_read, bytes(1, 2)},
    {LibFunc_pread, bytes(1, 2)},
    {LibFunc_fread, bytes(0, 1, 2)},
    {LibFunc_fread_unlocked, bytes(0, 1, 2)},
    {LibFunc_fgets, bytes(0, 1, -1, /*Signed=*/true)},
    {LibFunc_fgets_unlocked, bytes(0, 1, -1, /*Signed=*/true)},
    {LibFunc_snprintf, bytes(0, 1)},
    {LibFunc_vsnprintf, bytes(0, 1)},
    {LibFunc_sprintf, unbounded()},
    {LibFunc_vsprintf, unbounded()},
    {LibFunc_gets, unbounded()},
    // _FORTIFY_SOURCE variants (the extra last argument is the object size)
    {LibFunc_memcpy_chk, bytes(0, 2)},
    {LibFunc_memmove_chk, bytes(0, 2)},
    {LibFunc_memset_chk, bytes(0, 2)},
    {LibFunc_mempcpy_chk, bytes(0, 2)},
    {LibFunc_memccpy_chk, bytes(0, 3)},
    {LibFunc_strncpy_chk, bytes(0, 2)},
    {LibFunc_stpncpy_chk, bytes(0, 2)},
    {LibFunc_strlcpy_chk, bytes(0, 2)},
    {LibFunc_strlcat_chk, bytes(0, 2)},
    {LibFunc_strcpy_chk, strcpyLike()},
    {LibFunc_stpcpy_chk, strcpyLike()},
    {LibFunc_strcat_chk, strcatLike()},
    {LibFunc_strncat_chk, strncatLike()},
    {LibFunc_snprintf_chk, bytes(0, 1)},
    {LibFunc_vsnprintf_chk, bytes(0, 1)},
    {LibFunc_sprintf_chk, unbounded()},
    {LibFunc_vsprintf_chk, unbounded()},
};

struct NamedWriterEntry {
  const char *Name;
  unsigned NumParams;
  LibcWrite Write;
};

// glibc functions TargetLibraryInfo does not model.
const NamedWriterEntry NamedWriters[] = {
    {"explicit_bzero", 2, bytes(0, 1)},
    {"__explicit_bzero_chk", 3, bytes(0, 1)},
    {"__read_chk", 4, bytes(1, 2)},
    {"__pread_chk", 5, bytes(1, 2)},
    {"__pread64_chk", 5, bytes(1, 2)},
    {"pread64", 4, bytes(1, 2)},
    // Wide-character writers (TargetLibraryInfo knows none of them): sizes
    // and string lengths count wchar_t elements.
    {"wmemcpy", 3, wide(bytes(0, 2))},
    {"wmemmove", 3, wide(bytes(0, 2))},
    {"wmempcpy", 3, wide(bytes(0, 2))},
    {"wmemset", 3, wide(bytes(0, 2))},
    {"wcsncpy", 3, wide(bytes(0, 2))}, // pads with L'\0': exactly n elements
    {"wcpncpy", 3, wide(bytes(0, 2))},
    {"wcscpy", 2, wide(strcpyLike())},
    {"wcpcpy", 2, wide(strcpyLike())},
    {"wcscat", 2, wide(strcatLike())},
    {"wcsncat", 3, wide(strncatLike())},
    {"__wmemcpy_chk", 4, wide(bytes(0, 2))},
    {"__wmemmove_chk", 4, wide(bytes(0, 2))},
    {"__wmempcpy_chk", 4, wide(bytes(0, 2))},
    {"__wmemset_chk", 4, wide(bytes(0, 2))},
    {"__wcsncpy_chk", 4, wide(bytes(0, 2))},
    {"__wcpncpy_chk", 4, wide(bytes(0, 2))},
    {"__wcscpy_chk", 3, wide(strcpyLike())},
    {"__wcpcpy_chk", 3, wide(strcpyLike())},
    {"__wcscat_chk", 3, wide(strcatLike())},
    {"__wcsncat_chk", 4, wide(strncatLike())},
    {"__fread_chk", 5, bytes(0, 2, 3)},
    {"__fread_unlocked_chk", 5, bytes(0, 2, 3)},
    {"__fgets_chk", 4, bytes(0, 2, -1, /*Signed=*/true)},
    {"__fgets_unlocked_chk", 4, bytes(0, 2, -1, /*Signed=*/true)},
    // Synchronisation objects: libc's stores into a mutex (its kind, its
    // owner, ...) must be undone with the FASE that initialised or destroyed
    // it, or a recovered recursive mutex comes back as a normal one.  The
    // whole object is logged; sizes are glibc's on x86_64, the target the
    // pass supports (runtime/locks.c asserts the mutex, condition variable,
    // barrier and semaphore sizes).
    {"pthread_mutex_init", 2, object(0, 40)},
    {"pthread_mutex_destroy", 1, object(0, 40)},
    {"pthread_cond_init", 2, object(0, 48)},
    {"pthread_cond_destroy", 1, object(0, 48)},
    {"pthread_rwlock_init", 2, object(0, 56)},
    {"pthread_rwlock_destroy", 1, object(0, 56)},
    {"pthread_spin_init", 2, object(0, 4)},
    {"pthread_spin_destroy", 1, object(0, 4)},
    {"pthread_barrier_init", 3, object(0, 32)},
    {"pthread_barrier_destroy", 1, object(0, 32)},
    {"sem_init", 3, object(0, 32)},
    {"sem_destroy", 1, object(0, 32)},
    {"mtx_init", 2, object(0, 40)},
    {"mtx_destroy", 1, object(0, 40)},
    {"cnd_init", 1, object(0, 48)},
    {"cnd_destroy", 1, object(0, 48)},
    // The destroy calls LockRewrite sends to the runtime's reset-only
    // wrappers (locks.c) still write their object.
    {"__pma_mutex_destroy", 1, object(0, 40)},
    {"__pma_cond_destroy", 1, object(0, 48)},
    {"__pma_barrier_destroy", 1, object(0, 32)},
    {"__pma_cnd_destroy", 1, object(0, 48)},
    {"pthread_mutexattr_init", 1, object(0, 4)},
    {"pthread_mutexattr_destroy", 1, object(0, 4)},
    {"pthread_mutexattr_settype", 2, object(0, 4)},
    {"pthread_mutexattr_setpshared", 2, object(0, 4)},
    {"pthread_mutexattr_setrobust", 2, object(0, 4)},
    {"pthread_mutexattr_setprotocol", 2, object(0, 4)},
    {"pthread_condattr_init", 1, object(0, 4)},
    {"pthread_condattr_destroy", 1, object(0, 4)},
    {"pthread_condattr_setclock", 2, object(0, 4)},
    {"pthread_condattr_setpshared", 2, object(0, 4)},
    {"pthread_rwlockattr_init", 1, object(0, 8)},
    {"pthread_rwlockattr_destroy", 1, object(0, 8)},
    {"pthread_rwlockattr_setkind_np", 2, object(0, 8)},
    {"pthread_rwlockattr_setpshared", 2, object(0, 8)},
    {"pthread_barrierattr_init", 1, object(0, 4)},
    {"pthread_barrierattr_destroy", 1, object(0, 4)},
    // Out-parameters of math and time functions (glibc x86_64 sizes: int 4,
    // double 8, long double 16, time_t 8, timespec/timeval 16, struct tm 56).
    // A null out-parameter gets a hook too: the runtime's range check drops it.
    {"frexp", 2, object(1, 4)},
    {"frexpf", 2, object(1, 4)},
    {"frexpl", 2, object(1, 4)},
    {"modf", 2, object(1, 8)},
    {"modff", 2, object(1, 4)},
    {"modfl", 2, object(1, 16)},
    {"lgamma_r", 2, object(1, 4)},
    {"lgammaf_r", 2, object(1, 4)},
    {"lgammal_r", 2, object(1, 4)},
    {"remquo", 3, object(2, 4)},
    {"remquof", 3, object(2, 4)},
    {"remquol", 3, object(2, 4)},
    {"sincos", 3, object(1, 8, 2)},
    {"sincosf", 3, object(1, 4, 2)},
    {"sincosl", 3, object(1, 16, 2)},
    {"time", 1, object(0, 8)},
    {"gettimeofday", 2, object(0, 16)},
    {"clock_gettime", 2, object(1, 16)},
    {"localtime_r", 2, object(1, 56)},
    {"gmtime_r", 2, object(1, 56)},
    // strto*: the end pointer
    {"strtol", 3, object(1, 8)},
    {"strtoul", 3, object(1, 8)},
    {"strtoll", 3, object(1, 8)},
    {"strtoull", 3, object(1, 8)},
    {"strtoimax", 3, object(1, 8)},
    {"strtoumax", 3, object(1, 8)},
    {"strtod", 2, object(1, 8)},
    {"strtof", 2, object(1, 8)},
    {"strtold", 2, object(1, 8)},
};

// fitsCall -- the call really has the arguments W talks about, with a pointer
// destination and integer sizes (a user function that merely shares a name
// with a glibc one must not be misread).
bool fitsCall(const CallBase &CB, const LibcWrite &W) {
  auto IsInt = [&](int Idx) {
    return Idx < 0 || (unsigned(Idx) < CB.arg_size() &&
                       CB.getArgOperand(Idx)->getType()->isIntegerTy());
  };
  unsigned NeededPtrs = W.DstArg + (W.Kind == LibcWriteKind::StrCpy ||
                                            W.Kind == LibcWriteKind::StrCat ||
                                            W.Kind == LibcWriteKind::StrNCat
                                        ? 2
                                        : 1);
  if (CB.arg_size() < NeededPtrs)
    return false;
  for (unsigned I = W.DstArg; I < NeededPtrs; ++I)
    if (!CB.getArgOperand(I)->getType()->isPointerTy())
      return false;
  if (W.DstArg2 >= 0 && (unsigned(W.DstArg2) >= CB.arg_size() ||
                         !CB.getArgOperand(W.DstArg2)->getType()->isPointerTy()))
    return false;
  return IsInt(W.SizeArg) && IsInt(W.SizeArg2);
}
} // namespace

// classifyLibcWriter -- see PmAtomic.h.
std::optional<LibcWrite>
pmatomic::classifyLibcWriter(const CallBase &CB, const TargetLibraryInfo &TLI) {
  const Function *Callee = resolvedCallee(CB);
  if (!Callee || Callee->isIntrinsic())
    return std::nullopt;

  // The Function overload, not the CallBase one: a nobuiltin call site
  // (-fno-builtin, -ffreestanding) still writes the same bytes.
  LibFunc LF;
  if (TLI.getLibFunc(*Callee, LF)) {
    for (const LibcWriterEntry &E : LibcWriters)
      if (E.Func == LF)
        return fitsCall(CB, E.Write) ? std::optional<LibcWrite>(E.Write)
                                     : std::nullopt;
  }

  StringRef Name = Callee->getName();
  for (const NamedWriterEntry &E : NamedWriters)
    if (Name == E.Name && Callee->arg_size() == E.NumParams &&
        fitsCall(CB, E.Write))
      return E.Write;
  return std::nullopt;
}
