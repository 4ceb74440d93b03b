// SPDX-License-Identifier: GPL-2.0
/*
 * hm-ramp MIB STEP_MIB DELAY_MS: fault anonymous memory STEP_MIB MiB at a
 * time, DELAY_MS apart, up to MIB MiB, printing "at <MiB>" after each step
 * and "done <MiB>" at the end, then exit.  A container whose memory grows
 * gradually, for hotmem-reclaimd's grow test (tests/guest/hook/18-reclaimd.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: hm-ramp MIB STEP_MIB DELAY_MS\n");
		return 2;
	}
	unsigned long mib = strtoul(argv[1], NULL, 10), step = strtoul(argv[2], NULL, 10);
	long delay = strtol(argv[3], NULL, 10);
	struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };

	if (!mib || !step || delay < 0) {
		fprintf(stderr, "hm-ramp: bad arguments\n");
		return 2;
	}
	for (unsigned long at = 0; at < mib;) {
		unsigned long n = step < mib - at ? step : mib - at;
		char *p = mmap(NULL, n << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED) {
			perror("hm-ramp: mmap");
			return 1;
		}
		memset(p, 0x5a, n << 20);
		at += n;
		printf("at %lu\n", at);
		fflush(stdout);
		nanosleep(&ts, NULL);
	}
	printf("done %lu\n", mib);
	fflush(stdout);
	return 0;
}
