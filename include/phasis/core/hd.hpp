// PHASIS_HD marks functions that both backends call: the CPU loop (OpenMP) and the CUDA kernel.
#pragma once

#if defined(__CUDACC__)
#define PHASIS_HD __host__ __device__ __forceinline__
#else
#define PHASIS_HD inline
#endif
