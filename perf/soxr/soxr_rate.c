/*
 * libsoxr throughput for perf/resampler-vs-sox.sh: converts a continuing mono float stream in
 * 1 s blocks (as ResamplerThroughput does for ours) for about 0.25 s of this thread's CPU time,
 * after a warm-up, and prints input samples per CPU second.
 *   soxr_rate FI FO hq|vhq|match      (match: 22-bit precision, flat to 0.90, stop from 1.10 nu)
 * Single-threaded (soxr_runtime_spec(1)), linear phase. Built by the perf script with gcc -O2.
 */
#include <math.h>
#include <soxr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: soxr_rate FI FO hq|vhq|match\n");
    return 2;
  }
  double fi = atof(argv[1]), fo = atof(argv[2]);
  soxr_quality_spec_t q;
  if (strcmp(argv[3], "hq") == 0) {
    q = soxr_quality_spec(SOXR_HQ, 0);
  } else if (strcmp(argv[3], "vhq") == 0) {
    q = soxr_quality_spec(SOXR_VHQ, 0);
  } else if (strcmp(argv[3], "match") == 0) {
    q = soxr_quality_spec(SOXR_HQ, 0);
    q.precision = 22;
    q.passband_end = 0.90;
    q.stopband_begin = 1.10;
  } else {
    fprintf(stderr, "quality is %s; allowed hq, vhq, match\n", argv[3]);
    return 2;
  }
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_runtime_spec_t rt = soxr_runtime_spec(1);
  soxr_error_t err;
  soxr_t s = soxr_create(fi, fo, 1, &err, &io, &q, &rt);
  if (err) {
    fprintf(stderr, "soxr_create: %s\n", err);
    return 1;
  }
  size_t n = (size_t) fi;
  size_t cap = (size_t) (n * fo / fi) + 1024;
  float *in = malloc(n * sizeof(float)), *out = malloc(cap * sizeof(float));
  for (size_t i = 0; i < n; i++) {
    in[i] = (float) (0.4 * sin(2 * M_PI * 1000.0 * i / fi) + 0.3 * sin(2 * M_PI * 3000.0 * i / fi));
  }
  size_t idone, odone;
  for (int w = 0; w < 3; w++) {
    soxr_process(s, in, n, &idone, out, cap, &odone);
  }
  double samples = 0, t0 = cpu_seconds(), t;
  do {
    err = soxr_process(s, in, n, &idone, out, cap, &odone);
    if (err) {
      fprintf(stderr, "soxr_process: %s\n", err);
      return 1;
    }
    samples += idone;
    t = cpu_seconds();
  } while (t - t0 < 0.25);
  printf("%.1f\n", samples / (t - t0));
  soxr_delete(s);
  return 0;
}
