// C++: a thread that writes the heap under a std::mutex and then parks in
// std::condition_variable::wait has committed its FASE: killing the process
// while it waits keeps the write (without the commit it would roll back, and
// another thread could have read it meanwhile).
// RUN: %cc-pma -x c++ -std=c++17 -O2 %s -o %t %link-pma -lstdc++ && %t %t.heap | FileCheck %s
// CHECK: x=5 kept across a kill during cv.wait, rolled back 0 FASEs
#include <pmatomic.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

static std::mutex m;
static std::condition_variable cv;

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  unlink(argv[1]);
  if (fork() == 0) {
    pma_heap *h = pma_open(argv[1], 1u << 20);
    if (!h) {
      std::printf("child: %s\n", pma_errormsg());
      _exit(1);
    }
    long *x = static_cast<long *>(pma_root(h, sizeof(long)));
    std::atomic<bool> wrote{false};
    std::thread t([x, &wrote] {
      std::unique_lock<std::mutex> l(m);
      *x = 5;
      wrote = true;
      cv.wait(l); /* never notified */
    });
    while (!wrote)
      usleep(1000);
    m.lock(); /* only possible once cv.wait has released m: the thread is waiting */
    m.unlock();
    kill(getpid(), SIGKILL);
  }
  wait(nullptr);
  pma_heap *h = pma_open(argv[1], 1u << 20);
  if (!h) {
    std::printf("reopen: %s\n", pma_errormsg());
    return 1;
  }
  long *x = static_cast<long *>(pma_root(h, sizeof(long)));
  long v = *x;
  std::printf("x=%ld %s across a kill during cv.wait, rolled back %llu FASEs\n", v,
              v == 5 ? "kept" : "LOST", (unsigned long long)pma_recovery(h)->fases_rolled_back);
  pma_close(h);
  return v != 5;
}
