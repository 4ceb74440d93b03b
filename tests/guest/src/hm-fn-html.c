// SPDX-License-Identifier: GPL-2.0
/*
 * hm-fn-html MIB SECONDS: a benchmark function in the spirit of an HTML
 * templating server: half of MIB is a table of product records, half an
 * output area; for SECONDS it renders pages of 200 rows from a random place
 * of the table into the output area (snprintf per row), moving through the
 * area page after page, so it is written sequentially and wraps.  Prints
 * "ready ..." after the table is filled and "done ops=<pages> ..." at the end.
 */
#include "hm-fn-common.h"

struct record {
	uint32_t id, qty;
	double price;
	char name[48];
};

int main(int argc, char **argv)
{
	size_t bytes, nrec, outsz, pos = 0;
	uint64_t limit, t0 = fn_now(), t1, ops = 0, seed = 0x9e3779b97f4a7c15ULL, sum = 0;
	struct record *rec;
	char *out;

	fn_args(argc, argv, "hm-fn-html MIB SECONDS", &bytes, &limit);
	nrec = bytes / 2 / sizeof(*rec);
	outsz = bytes - nrec * sizeof(*rec);
	rec = fn_alloc(nrec * sizeof(*rec));
	out = fn_alloc(outsz);
	for (size_t i = 0; i < nrec; i++) {
		rec[i].id = (uint32_t)i;
		rec[i].qty = (uint32_t)(fn_rand(&seed) % 1000);
		rec[i].price = (double)(fn_rand(&seed) % 100000) / 100.0;
		snprintf(rec[i].name, sizeof(rec[i].name), "product-%zu", i);
	}
	memset(out, 0, outsz);
	printf("ready setup_ns=%llu\n", (unsigned long long)(fn_now() - t0));
	fflush(stdout);
	t1 = fn_now();
	while (fn_now() - t1 < limit) {
		size_t first = fn_rand(&seed) % nrec;

		for (int r = 0; r < 200; r++) {
			const struct record *x = &rec[(first + (size_t)r) % nrec];
			int n;

			if (outsz - pos < 256)
				pos = 0;
			n = snprintf(out + pos, 256, "<tr><td>%u</td><td>%s</td><td>%.2f</td><td>%u</td></tr>\n",
				     x->id, x->name, x->price, x->qty);
			pos += (size_t)n;
			sum += (uint64_t)n;
		}
		ops++;
	}
	uint64_t end = fn_now();

	printf("done ops=%llu elapsed_ns=%llu end_ns=%llu bytes=%llu\n", (unsigned long long)ops,
	       (unsigned long long)(end - t0), (unsigned long long)end, (unsigned long long)sum);
	return 0;
}
