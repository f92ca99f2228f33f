/* Runtime dispatch of element-wise kernels to the widest vector unit (internal to src/nn): a
 * function marked AL_NN_CLONES is compiled for AVX-512, AVX2 + FMA and the baseline, and the loader
 * picks one (GCC's target_clones, as lstm_cell.c and sparse_mm.c do). The kernels are small
 * functions of one row or chunk, called from the OpenMP loops: the loops' outlined bodies would
 * not inherit the attribute. */
#ifndef AL_NN_SIMD_H
#define AL_NN_SIMD_H

#define AL_NN_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define AL_NN_CHUNK 4096 /* elements per call of a chunked element-wise kernel */

#endif
