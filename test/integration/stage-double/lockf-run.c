/* lockf-run FILE CMD [ARG...]: runs CMD while holding a POSIX record lock (lockf F_LOCK, an fcntl
 * lock) on FILE, and exits with CMD's status (128+N when a signal N ended it).
 *
 * The lock is Portage's: locks.py lockfile() opens FILE with O_CREAT|O_RDWR, mode 0660, and takes
 * fcntl.lockf on it (_get_lock_fn); when the file it locked was unlinked by the previous holder in
 * the meantime (_lockfile_was_removed), it starts over. unlockfile() unlocks, then takes the lock
 * again without waiting and, if nobody queued for it, unlinks FILE. Built statically for the test
 * stage, whose busybox has no lock applet, and run on the host to hold the lock from outside. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int lock_file(const char *path) {
  for (;;) {
    int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0660);
    if (fd < 0) return -1;
    while (lockf(fd, F_LOCK, 0) != 0) {
      if (errno != EINTR) { close(fd); return -1; }
    }
    struct stat held, now;
    if (fstat(fd, &held) == 0 && held.st_nlink > 0 && stat(path, &now) == 0 &&
        now.st_dev == held.st_dev && now.st_ino == held.st_ino)
      return fd;
    close(fd); /* the previous holder unlinked it: lock the new file */
  }
}

static void unlock_file(const char *path, int fd) {
  struct stat held;
  lockf(fd, F_ULOCK, 0);
  if (lockf(fd, F_TLOCK, 0) == 0 && fstat(fd, &held) == 0 && held.st_nlink == 1) unlink(path);
  close(fd);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: lockf-run FILE CMD [ARG...]\n");
    return 2;
  }
  int fd = lock_file(argv[1]);
  if (fd < 0) {
    fprintf(stderr, "lockf-run: cannot lock %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  pid_t child = fork();
  if (child == 0) {
    execvp(argv[2], argv + 2);
    fprintf(stderr, "lockf-run: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  unlock_file(argv[1], fd);
  if (child < 0) return 1;
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
