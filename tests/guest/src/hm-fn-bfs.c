// SPDX-License-Identifier: GPL-2.0
/*
 * hm-fn-bfs MIB SECONDS: a benchmark function in the spirit of a graph
 * analytics job: a random graph (out-degree 8, compressed adjacency lists)
 * filling MIB, then breadth-first searches from random sources for SECONDS:
 * random reads over the whole graph.  Prints "ready ..." after the graph is
 * built and "done ops=<searches> ..." at the end.
 */
#include "hm-fn-common.h"

#define DEG 8

int main(int argc, char **argv)
{
	size_t bytes, nv;
	uint64_t limit, t0 = fn_now(), t1, ops = 0, seed = 0x2545f4914f6cdd1dULL, reached = 0;
	uint32_t *adj, *dist, *queue;

	fn_args(argc, argv, "hm-fn-bfs MIB SECONDS", &bytes, &limit);
	nv = bytes / (DEG * 4 + 8);
	adj = fn_alloc(nv * DEG * 4);
	dist = fn_alloc(nv * 4);
	queue = fn_alloc(nv * 4);
	for (size_t v = 0; v < nv; v++)
		for (int e = 0; e < DEG; e++)
			adj[v * DEG + (size_t)e] = (uint32_t)(fn_rand(&seed) % nv);
	memset(dist, 0xff, nv * 4);
	memset(queue, 0, nv * 4);
	printf("ready setup_ns=%llu\n", (unsigned long long)(fn_now() - t0));
	fflush(stdout);
	t1 = fn_now();
	while (fn_now() - t1 < limit) {
		size_t head = 0, tail = 0;
		uint32_t s = (uint32_t)(fn_rand(&seed) % nv);

		memset(dist, 0xff, nv * 4);
		dist[s] = 0;
		queue[tail++] = s;
		/* a bounded search: at most 64k vertices, then check the clock */
		while (head < tail && head < 65536) {
			uint32_t v = queue[head++];

			for (int e = 0; e < DEG; e++) {
				uint32_t w = adj[(size_t)v * DEG + (size_t)e];

				if (dist[w] == UINT32_MAX) {
					dist[w] = dist[v] + 1;
					queue[tail++] = w;
				}
			}
		}
		reached += head;
		ops++;
	}
	uint64_t end = fn_now();

	printf("done ops=%llu elapsed_ns=%llu end_ns=%llu reached=%llu\n", (unsigned long long)ops,
	       (unsigned long long)(end - t0), (unsigned long long)end, (unsigned long long)reached);
	return 0;
}
