// SPDX-License-Identifier: GPL-2.0
/*
 * hm-hotplug-fuzz SEED COUNT CG_A CG_B BLOCK...
 *
 * Write COUNT generated inputs to CG_A's or CG_B's memory.hotplug,
 * memory.hotplug.policy and memory.hotplug.evict (token soups, huge and
 * negative numbers, overflow, repeats, mixed signs, control bytes, very long
 * writes, bare block ids), naming BLOCKs (memory block ids the test
 * plugged), a boot block (the first BLOCK minus one is never ours) and
 * made-up ids.  After every write that fails, the state (both cgroups'
 * memory.hotplug, memory.hotplug.blocks, memory.hotplug.effective and
 * policy, each BLOCK's state and hotplug_owner) must be exactly what it was
 * before; after one that succeeds it becomes the new reference.  Prints
 *   writes=N rejected=N accepted=N
 * and exits 0, or prints the write that changed the state and exits 1.
 * Every file stays open for the whole run (a write to an open cgroup file
 * is a write like any other; a read at offset 0 of a seq_file regenerates
 * it), so that the kernel's side, not opening files, takes the time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXW 16384

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned int pick(unsigned int n)
{
	return (unsigned int)(next() % n);
}

static char *cg[2];
static long *blocks;
static int nblocks;

/* the state's files, in snapshot order, and the files written to */
static int *state_fd, nstate;
static char **state_path;
enum { W_HOTPLUG, W_POLICY, W_EVICT, NR_W };
static const char *const write_name[NR_W] = {
	"memory.hotplug", "memory.hotplug.policy", "memory.hotplug.evict",
};
static int write_fd[2][NR_W];
static char write_path[2][NR_W][512];

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void add_state(const char *path)
{
	state_path[nstate] = strdup(path);
	if (!state_path[nstate]) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	state_fd[nstate++] = open_or_die(path, O_RDONLY);
}

static void open_files(void)
{
	char path[512];

	state_fd = calloc((size_t)(8 + 2 * nblocks), sizeof(*state_fd));
	state_path = calloc((size_t)(8 + 2 * nblocks), sizeof(*state_path));
	if (!state_fd || !state_path) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (int i = 0; i < 2; i++) {
		for (int w = 0; w < NR_W; w++) {
			snprintf(write_path[i][w], sizeof(write_path[i][w]), "%s/%s", cg[i],
				 write_name[w]);
			write_fd[i][w] = open_or_die(write_path[i][w], O_WRONLY);
		}
		add_state(write_path[i][W_HOTPLUG]);
		add_state(write_path[i][W_POLICY]);
		snprintf(path, sizeof(path), "%s/memory.hotplug.blocks", cg[i]);
		add_state(path);
		snprintf(path, sizeof(path), "%s/memory.hotplug.effective", cg[i]);
		add_state(path);
	}
	for (int i = 0; i < nblocks; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%ld/state", blocks[i]);
		add_state(path);
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%ld/hotplug_owner",
			 blocks[i]);
		add_state(path);
	}
}

static size_t slurp(int i, char *buf, size_t room)
{
	ssize_t n = pread(state_fd[i], buf, room - 1, 0);

	if (n < 0)
		return (size_t)snprintf(buf, room, "<%s: %s>", state_path[i], strerror(errno));
	buf[n] = '\0';
	return (size_t)n;
}

static void snapshot(char *out, size_t room)
{
	size_t len = 0;

	for (int i = 0; i < nstate; i++)
		len += slurp(i, out + len, room - len);
}

/* A block id: one of ours twice as often as a made-up or boot one. */
static long pick_block(void)
{
	if (pick(3) == 0)
		return pick(2) ? (long)pick(1u << 20) : blocks[0] - 1;
	return blocks[pick((unsigned int)nblocks)];
}

/* One token naming a block in some form, or junk. */
static int token(char *p, size_t room)
{
	static const char *const junk[] = {
		"force", "forced", "+", "-", "++1", "+-1", "-+1", "+0x10", "+1e3", "+ 1",
		"+01", "+18446744073709551615", "+18446744073709551616",
		"-99999999999999999999999", "+-0", "strict", "fallback", "\xd9\xa3",
		"+\x01", "-\x7f", "+9\x1b[2J", "\\n", "+2147483648", "+4294967296",
	};
	static const char *const sign[] = { "+", "-", "", "++", "--", "+-" };

	if (pick(4) == 0)
		return snprintf(p, room, "%s", junk[pick(sizeof(junk) / sizeof(junk[0]))]);
	return snprintf(p, room, "%s%ld", sign[pick(6)], pick_block());
}

static size_t generate(char *w)
{
	static const char sep[] = { ' ', ' ', ' ', '\t', '\n', ',', '\0' };
	size_t len = 0;
	unsigned int n;

	switch (pick(10)) {
	case 0: /* very long: a token repeated, or a block of digits */
		n = 1000 + pick(MAXW - 1100);
		if (pick(2)) {
			while (len + 24 < n) {
				len += (size_t)token(w + len, MAXW - len);
				w[len++] = ' ';
			}
		} else {
			w[len++] = '+';
			while (len < n)
				w[len++] = (char)('0' + pick(10));
		}
		return len;
	case 1: /* random bytes */
		n = 1 + pick(64);
		for (unsigned int i = 0; i < n; i++)
			w[len++] = (char)pick(256);
		return len;
	default:
		n = 1 + pick(6);
		for (unsigned int i = 0; i < n; i++) {
			len += (size_t)token(w + len, MAXW - len);
			if (i + 1 < n || pick(3) == 0)
				w[len++] = sep[pick(sizeof(sep))];
		}
		return len;
	}
}

/* For memory.hotplug.evict: mostly a bare block id, else anything. */
static size_t generate_evict(char *w)
{
	if (pick(4) == 0)
		return generate(w);
	return (size_t)snprintf(w, MAXW, pick(2) ? "%ld\n" : "%ld", pick_block());
}

int main(int argc, char **argv)
{
	static char before[65536], after[65536], w[MAXW + 64];
	long count, rejected = 0, accepted = 0;

	if (argc < 6) {
		fprintf(stderr, "usage: hm-hotplug-fuzz SEED COUNT CG_A CG_B BLOCK...\n");
		return 2;
	}
	rng = strtoull(argv[1], NULL, 0) | 1;
	count = strtol(argv[2], NULL, 0);
	cg[0] = argv[3];
	cg[1] = argv[4];
	nblocks = argc - 5;
	blocks = calloc((size_t)nblocks, sizeof(*blocks));
	if (!blocks)
		return 2;
	for (int i = 0; i < nblocks; i++)
		blocks[i] = strtol(argv[5 + i], NULL, 10);

	open_files();
	snapshot(before, sizeof(before));
	for (long i = 0; i < count; i++) {
		unsigned int k = pick(8);
		int f = k == 0 ? W_POLICY : k == 1 ? W_EVICT : W_HOTPLUG, c = (int)pick(2);
		size_t len = f == W_EVICT ? generate_evict(w) : generate(w);
		const char *path = write_path[c][f];
		ssize_t r;

		r = write(write_fd[c][f], w, len);
		snapshot(after, sizeof(after));
		if (r < 0) {
			rejected++;
			if (strcmp(before, after)) {
				printf("FAIL: write %ld to %s (%zu bytes, rejected: %s) changed the state\n"
				       "data: %.200s\nbefore:\n%s\nafter:\n%s\n",
				       i, path, len, strerror(errno), w, before, after);
				return 1;
			}
		} else {
			accepted++;
			memcpy(before, after, sizeof(before));
		}
	}
	printf("writes=%ld rejected=%ld accepted=%ld\n", count, rejected, accepted);
	return 0;
}
