/* readyboard: one host's readiness verdicts shared by its processes, and one probe at a time per dependency. */
#include "core/readyboard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

/* The file: a magic number with the layout's size, then the struct. Another build's file is ignored. */
#define BOARD_MAGIC (0x52445942u ^ (uint32_t)sizeof(struct readiness))

struct board_file {
	uint32_t magic;
	uint32_t pad;
	struct readiness r;
};

void readyboard_init(struct readyboard *b, const char *dir, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->lock_fd = -1;
	if (!dir || !*dir)
		return;
	if (snprintf(b->path, sizeof(b->path), "%s/readiness-%s", dir, name) >= (int)sizeof(b->path) ||
	    snprintf(b->lock_path, sizeof(b->lock_path), "%s.lock", b->path) >= (int)sizeof(b->lock_path)) {
		log_warn("readiness: folder '%s' is too long; each process keeps its own verdict", dir);
		return;
	}
	b->shared = true;
}

bool readyboard_load(struct readyboard *b, struct readiness *r)
{
	struct board_file f;
	ssize_t n;
	int fd;

	if (!b->shared)
		return false;
	fd = open(b->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, &f, sizeof(f));
	close(fd);
	if (n != (ssize_t)sizeof(f) || f.magic != BOARD_MAGIC)
		return false;
	f.r.error[sizeof(f.r.error) - 1] = '\0';
	*r = f.r;
	return true;
}

int readyboard_try_lock(struct readyboard *b)
{
	if (!b->shared)
		return 1;
	if (b->lock_fd < 0) {
		b->lock_fd = open(b->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (b->lock_fd < 0) {
			log_warn("readiness: cannot open '%s': %s; each process keeps its own verdict", b->lock_path,
				 strerror(errno));
			b->shared = false;
			return -1;
		}
	}
	if (flock(b->lock_fd, LOCK_EX | LOCK_NB) == 0) {
		b->locked = true;
		return 1;
	}
	if (errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	log_warn("readiness: cannot lock '%s': %s", b->lock_path, strerror(errno));
	return -1;
}

void readyboard_store(struct readyboard *b, const struct readiness *r)
{
	struct board_file f;
	char tmp[520];
	int fd;

	if (!b->shared)
		return;
	memset(&f, 0, sizeof(f));
	f.magic = BOARD_MAGIC;
	f.r = *r;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", b->path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, &f, sizeof(f)) != (ssize_t)sizeof(f)) {
		log_warn("readiness: cannot write '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	if (rename(tmp, b->path) < 0) {
		log_warn("readiness: cannot rename '%s': %s", tmp, strerror(errno));
		unlink(tmp);
	}
}

void readyboard_unlock(struct readyboard *b)
{
	if (b->locked && b->lock_fd >= 0)
		flock(b->lock_fd, LOCK_UN);
	b->locked = false;
}

void readyboard_release(struct readyboard *b)
{
	readyboard_unlock(b);
	if (b->lock_fd >= 0)
		close(b->lock_fd);
	b->lock_fd = -1;
}
