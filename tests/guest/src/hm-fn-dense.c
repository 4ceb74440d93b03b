// SPDX-License-Identifier: GPL-2.0
/*
 * hm-fn-dense MIB SECONDS: a benchmark function in the spirit of a dense
 * numeric kernel: three n x n matrices of doubles filling MIB, C += A * B
 * computed 8 rows at a time (i-k-j order: streams over B's rows and C's
 * row) for SECONDS, wrapping around.  Prints "ready ..." after A and B are
 * filled and "done ops=<row blocks> ..." at the end.
 */
#include "hm-fn-common.h"

int main(int argc, char **argv)
{
	size_t bytes, n, row = 0;
	uint64_t limit, t0 = fn_now(), t1, ops = 0, seed = 0x853c49e6748fea9bULL;
	double *a, *b, *c, check = 0;

	fn_args(argc, argv, "hm-fn-dense MIB SECONDS", &bytes, &limit);
	for (n = 1; (n + 1) * (n + 1) * 3 * sizeof(double) <= bytes; n++)
		;
	a = fn_alloc(n * n * sizeof(double));
	b = fn_alloc(n * n * sizeof(double));
	c = fn_alloc(n * n * sizeof(double));
	for (size_t i = 0; i < n * n; i++) {
		a[i] = (double)(fn_rand(&seed) % 1000) / 1000.0;
		b[i] = (double)(fn_rand(&seed) % 1000) / 1000.0;
		c[i] = 0;
	}
	printf("ready setup_ns=%llu n=%zu\n", (unsigned long long)(fn_now() - t0), n);
	fflush(stdout);
	t1 = fn_now();
	while (fn_now() - t1 < limit) {
		for (size_t i = row; i < row + 8 && i < n; i++)
			for (size_t k = 0; k < n; k++) {
				double x = a[i * n + k];

				for (size_t j = 0; j < n; j++)
					c[i * n + j] += x * b[k * n + j];
			}
		check += c[row * n];
		row = row + 8 < n ? row + 8 : 0;
		ops++;
	}
	uint64_t end = fn_now();

	printf("done ops=%llu elapsed_ns=%llu end_ns=%llu check=%.3f\n", (unsigned long long)ops,
	       (unsigned long long)(end - t0), (unsigned long long)end, check);
	return 0;
}
