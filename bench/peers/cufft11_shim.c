/* libcufft.so.11 for cufinufft's published wheel on a CUDA 13 machine. The wheel (cufinufft
 * 2.5.1) is built against CUDA 12 and links libcufft.so.11, whose symbols carry that version; a
 * CUDA 13 machine has only libcufft.so.12. cufinufft calls five cuFFT functions, whose C signatures
 * are the same in both; this library exports them under the version libcufft.so.11 and forwards
 * each to libcufft.so.12. So cufinufft runs its own kernels with the newer cuFFT: the FFT part of
 * its times is CUDA 13's cuFFT, as phasis' is.
 * Build (scripts/gpu-nufft does it):
 *   gcc -shared -fPIC -O2 -o libcufft.so.11 cufft11_shim.c -Wl,-soname,libcufft.so.11 \
 *       -Wl,--version-script=cufft11.map -ldl
 * with cufft11.map: libcufft.so.11 { global: cufftPlanMany; cufftExecC2C; cufftExecZ2Z;
 *   cufftDestroy; cufftSetStream; local: *; }; */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void* target(const char* name) {
  static void* lib = NULL;
  if (!lib) lib = dlopen("libcufft.so.12", RTLD_NOW | RTLD_GLOBAL);
  void* f = lib ? dlsym(lib, name) : NULL;
  if (!f) {
    fprintf(stderr, "cufft11 shim: %s not found in libcufft.so.12 (%s)\n", name, dlerror());
    abort();
  }
  return f;
}

/* cufftResult and cufftType are enums (int), cufftHandle is int, cudaStream_t a pointer. */
int cufftPlanMany(int* plan, int rank, int* n, int* inembed, int istride, int idist, int* onembed, int ostride,
                  int odist, int type, int batch) {
  typedef int (*F)(int*, int, int*, int*, int, int, int*, int, int, int, int);
  return ((F)target("cufftPlanMany"))(plan, rank, n, inembed, istride, idist, onembed, ostride, odist, type, batch);
}
int cufftExecC2C(int plan, void* in, void* out, int direction) {
  typedef int (*F)(int, void*, void*, int);
  return ((F)target("cufftExecC2C"))(plan, in, out, direction);
}
int cufftExecZ2Z(int plan, void* in, void* out, int direction) {
  typedef int (*F)(int, void*, void*, int);
  return ((F)target("cufftExecZ2Z"))(plan, in, out, direction);
}
int cufftDestroy(int plan) {
  typedef int (*F)(int);
  return ((F)target("cufftDestroy"))(plan);
}
int cufftSetStream(int plan, void* stream) {
  typedef int (*F)(int, void*);
  return ((F)target("cufftSetStream"))(plan, stream);
}
