/* Guarded file mappings (base/filemap.h): the table, the SIGBUS handler, map and unmap. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/filemap.h"
#include "filemap_callset.h"

/* A slot is FREE, CLAIMED (being filled or emptied: the handler skips it) or LIVE. `inside`
 * counts handlers looking at it, so that an unmap waits for them rather than the handler
 * waiting for a lock some interrupted thread holds. */
enum { FREE, CLAIMED, LIVE };
enum { SLOTS = 64 };

typedef struct slot {
  atomic_int state;
  atomic_int inside;
  atomic_int truncated;
  atomic_uintptr_t lo, hi; /* the mapped pages: [lo, hi) */
  int prot;
} slot;

static slot slots[SLOTS];
static atomic_int installed; /* 0 no, 1 installing, 2 yes */
static struct sigaction previous;
static uintptr_t page_mask;

/* Not ours: what would have happened without us. */
static void chain(int sig, siginfo_t *si, void *uc) {
  if (previous.sa_flags & SA_SIGINFO) {
    if (previous.sa_sigaction) previous.sa_sigaction(sig, si, uc);
    return;
  }
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(sig);
    return;
  }
  struct sigaction dfl = {0};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  /* A fault runs again on return and now ends the process; a signal sent by someone must be
   * sent again. */
  if (si->si_code <= 0) kill(getpid(), sig);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
  uintptr_t a = (uintptr_t)si->si_addr;
  for (int i = 0; i < SLOTS; i++) {
    slot *s = &slots[i];
    atomic_fetch_add(&s->inside, 1);
    /* The state first: its range was stored before it became LIVE. */
    bool live = atomic_load(&s->state) == LIVE;
    uintptr_t lo = atomic_load(&s->lo), hi = atomic_load(&s->hi);
    if (live && a >= lo && a < hi) {
      /* Past the file's end: zeros from here to the mapping's end (all of it lies past the end
       * too), in place, so the read that faulted goes on. mmap is a system call: safe here. */
      uintptr_t page = a & page_mask;
      void *p = mmap((void *)page, hi - page, s->prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      if (p != MAP_FAILED) {
        atomic_store(&s->truncated, 1);
        atomic_fetch_sub(&s->inside, 1);
        return;
      }
    }
    atomic_fetch_sub(&s->inside, 1);
  }
  chain(sig, si, uc);
}

static void install(void) {
  int want = 0;
  if (atomic_compare_exchange_strong(&installed, &want, 1)) {
    page_mask = ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &previous);
    atomic_store(&installed, 2);
  }
  while (atomic_load(&installed) != 2) {
  }
}

static int claim(void) {
  for (int i = 0; i < SLOTS; i++) {
    int want = FREE;
    if (atomic_compare_exchange_strong(&slots[i].state, &want, CLAIMED)) return i;
  }
  return -1;
}

/* Waits out the handlers that may have read the slot before it changed. */
static void quiesce(slot *s) {
  while (atomic_load(&s->inside) != 0) {
  }
}

int base_filemap_open(base_filemap *m, int fd, unsigned flags) {
  *m = (base_filemap){NULL, 0, 0, -1};
  struct stat st;
  if (fstat(fd, &st) != 0) return ERR_EIO;
  if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > SIZE_MAX) return ERR_ENOTSUP;
  int i = claim();
  if (i < 0) return ERR_ELIMIT;
  size_t size = (size_t)st.st_size;
  int prot = PROT_READ | (flags & BASE_FILEMAP_WRITABLE ? PROT_WRITE : 0);
  int e = 0;
  void *p = filemap_mmap(fd, size, prot, flags & BASE_FILEMAP_POPULATE, &e);
  if (p == MAP_FAILED) {
    atomic_store(&slots[i].state, FREE);
    return e == ENOMEM ? ERR_ENOMEM : e == ENOTSUP || e == ENOSYS || e == ENODEV ? ERR_ENOTSUP : ERR_EIO;
  }
  install(); /* with the first mapping: a system that maps no files never needs it */
  slot *s = &slots[i];
  s->prot = prot;
  atomic_store(&s->truncated, 0);
  atomic_store(&s->lo, (uintptr_t)p);
  atomic_store(&s->hi, ((uintptr_t)p + size + ~page_mask) & page_mask);
  atomic_store(&s->state, LIVE);
  *m = (base_filemap){p, size, 0, i};
  return 0;
}

bool base_filemap_truncated(const base_filemap *m) {
  return m->slot >= 0 && atomic_load(&slots[m->slot].truncated) != 0;
}

void base_filemap_release(base_filemap *m, size_t upto) {
  upto &= ~(size_t)0xFFFFF; /* a 1 MiB boundary: a multiple of any page size */
  if (!m->data || m->slot < 0 || upto <= m->released || upto >= m->size) return;
  slot *s = &slots[m->slot];
  /* The range shrinks before the pages go, so that a fault at an address the system hands out
   * again is never taken for ours (zeros mapped over someone else's pages). */
  atomic_store(&s->lo, (uintptr_t)m->data + upto);
  quiesce(s);
  if (munmap((void *)(m->data + m->released), upto - m->released) == 0) m->released = upto;
  else atomic_store(&s->lo, (uintptr_t)m->data + m->released);
}

int base_filemap_prefetch(base_filemap *m, size_t from, size_t len) {
#ifdef MADV_POPULATE_READ
  if (!m->data) return ERR_ENOTSUP;
  if (from < m->released) from = m->released;
  if (from >= m->size) return 0;
  if (len > m->size - from) len = m->size - from;
  /* A file that shrank meanwhile fails here (EFAULT), with no signal: its reader finds out. */
  if (madvise((void *)(m->data + from), len, MADV_POPULATE_READ) != 0 && errno != EFAULT) return ERR_ENOTSUP;
  return 0;
#else
  (void)m, (void)from, (void)len;
  return ERR_ENOTSUP;
#endif
}

void base_filemap_close(base_filemap *m) {
  if (m->data) {
    slot *s = &slots[m->slot];
    atomic_store(&s->state, CLAIMED);
    quiesce(s);
    munmap((void *)(m->data + m->released), m->size - m->released);
    atomic_store(&s->truncated, 0);
    atomic_store(&s->state, FREE);
  }
  *m = (base_filemap){NULL, 0, 0, -1};
}
