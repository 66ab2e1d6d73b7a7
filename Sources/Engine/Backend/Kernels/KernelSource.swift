// The CUDA C source of every kernel the backend launches, compiled at run
// time by NVRTC for the device's compute capability (see KernelCompiler).
//
// The source is a Swift string literal rather than a .cu resource so that a
// statically linked `tn` carries it with no Bundle lookup. Each kernel has a
// CPU twin in KernelTwins.swift that computes the same thing in the same
// order; the self-test compares the two on a GPU.
//
// Conventions: row-major matrices; one block per row for row reductions
// (LayerNorm forward), one warp per row for the narrow softmax and LayerNorm
// backward; one thread per column for the bias sums over rows, and
// LayerNorm's parameter gradients by blocks of rows that the last block
// adds up. Every sum is in a fixed order, so gradients are deterministic (no
// atomics on values: the one atomic is the ticket that elects a kernel's last
// block).
// Step counters live in device memory so that a captured CUDA graph replays
// with the right batch, dropout stream and Adam step without host updates.

enum KernelSource {
    /// Threads per block for every kernel; block_sum assumes a multiple of 32.
    static let blockSize = 256

    /// The most rows a block of layer_norm_backward takes (LAYER_NORM_ROWS
    /// in the source); CUDANetwork.layerNormRows chooses how many from the batch.
    static let layerNormMaxRowsPerBlock = 32

    /// Indices into the device's UInt32 counter array.
    enum Counter {
        /// The batch index within the epoch of the step being run.
        static let stepInEpoch = 0
        /// Optimizer steps completed since training began (Adam's t − 1, dropout's stream).
        static let completedSteps = 1
        /// The first step of this epoch, from 1, whose loss was not finite or
        /// above the divergence limit; 0 if none. Updates stop once it is set.
        static let firstDivergedStep = 2
        /// Blocks of the running kernel that have finished (see last_block_to_finish);
        /// 0 between kernels.
        static let ticket = 3
        static let count = 4
    }

    /// Indices into the device's Double accumulator array, read once per epoch.
    enum Accumulator {
        static let trainingLossSum = 0
        static let evaluationLossSum = 1
        static let evaluationCorrect = 2
        /// The mean loss of the step that diverged.
        static let divergedLoss = 3
        static let count = 4
    }

    /// Indices into the device's Double "step scalars": what the optimizer
    /// kernels read besides their own state, so that a captured graph needs
    /// no new arguments from step to step.
    enum Scalar {
        /// NAdam's running product of momentum coefficients, in two slots
        /// used alternately (read one, write the other), so that no thread
        /// overwrites what another still has to read in the same launch.
        static let nadamProduct = 0
        /// The clipping coefficient applied to this step's gradient (1 without clipping).
        static let gradientScale = 2
        /// The gradient's norm before clipping, for the record.
        static let gradientNorm = 3
        /// The learning rate of each step of the epoch (one entry without a schedule).
        static let learningRates = 8
    }

    /// Blocks of the first clipping pass; the second pass sums their partial sums.
    static let clippingBlocks = 128

    /// Every kernel of the module: the ones whose signatures the source declares.
    static var kernelNames: [String] { KernelSignatures.all.keys.sorted() }

    /// The module as the GPU compiles it: `source`, after a #define for each
    /// name in TN_CUDA_KERNEL_DEFINES (NAME or NAME=VALUE, separated by
    /// spaces), so that one run on a GPU can time variants the source keeps
    /// behind #ifdef (`scripts/gpu-check rows`). The defines are part of what
    /// the compiled kernels' cache key hashes.
    static func moduleSource(environment: [String: String]) throws -> String {
        guard let text = environment["TN_CUDA_KERNEL_DEFINES"] else { return source }
        var defines = ""
        for item in text.split(separator: " ") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0]
            guard let first = name.first, first.isLetter || first == "_",
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
                  parts.count == 1 || !parts[1].isEmpty else {
                throw SettingError(name: "TN_CUDA_KERNEL_DEFINES", value: text,
                                   problem: "'\(item)' is not NAME or NAME=VALUE (a C identifier, then optionally = and a value); separate several with spaces")
            }
            defines += "#define \(name)" + (parts.count == 2 ? " \(parts[1])" : "") + "\n"
        }
        return defines + source
    }

    /// Everything NVRTC compiles: the network's kernels, the optimizers',
    /// then the batch-1 row kernels (RowKernels.swift), which fuse SGD.
    static let source = networkKernels + optimizerKernels + rowKernels

    static let networkKernels = #"""
// Teaching Networks: CUDA kernels (compiled by NVRTC; no headers needed).
typedef unsigned int u32;
typedef unsigned long long u64;

#define COUNTER_STEP_IN_EPOCH 0
#define COUNTER_COMPLETED_STEPS 1
#define COUNTER_FIRST_DIVERGED 2
#define COUNTER_TICKET 3
#define LAYER_NORM_ROWS \#(layerNormMaxRowsPerBlock)
#define ACCUMULATOR_TRAINING_LOSS 0
#define ACCUMULATOR_EVALUATION_LOSS 1
#define ACCUMULATOR_EVALUATION_CORRECT 2
#define ACCUMULATOR_DIVERGED_LOSS 3
#define SCALAR_NADAM_PRODUCT 0
#define SCALAR_GRADIENT_SCALE 2
#define SCALAR_GRADIENT_NORM 3
#define SCALAR_LEARNING_RATES 8
// No <math.h> under NVRTC: −∞ by its bit pattern, and a finiteness test
// that needs no library (x − x is 0 for finite x, NaN otherwise).
#define NEGATIVE_INFINITY __int_as_float(0xff800000u)
__device__ __forceinline__ bool is_finite(double x) { return (x - x) == 0.0; }

// ---- Overlapping launches (programmatic dependent launch, sm_90 and later) ------

// A kernel launched to overlap the one before it (CUDAContext's overlapping
// launches) may start while that one is still running; every kernel first
// waits here until the kernel before it has finished and its writes are
// visible. A kernel that lets the next one start early calls
// let_next_kernel_start after its own wait, so at most two kernels are
// resident at a time. Both do nothing before sm_90, on the CPU emulator, or
// when the launch did not ask to overlap.
__device__ __forceinline__ void wait_for_previous_kernel() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void let_next_kernel_start() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// ---- Reductions -------------------------------------------------------------

// Butterfly sum over a warp: every lane ends with the same total, since
// a + b == b + a exactly in IEEE arithmetic.
__device__ __forceinline__ float warp_sum(float value) {
    for (int offset = 16; offset > 0; offset >>= 1)
        value += __shfl_xor_sync(0xffffffffu, value, offset);
    return value;
}

__device__ __forceinline__ float warp_max(float value) {
    for (int offset = 16; offset > 0; offset >>= 1)
        value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, offset));
    return value;
}

// Sum over the block: per-warp butterflies, then every warp sums the warp
// totals (zero-padded to 32) the same way. The leading barrier lets the
// scratch space be reused by consecutive calls.
__device__ float block_sum(float value, float* scratch) {
    value = warp_sum(value);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = value;
    __syncthreads();
    float total = lane < (int)(blockDim.x >> 5) ? scratch[lane] : 0.0f;
    return warp_sum(total);
}

// A row's mean and 1/σ, by the whole block: the mean, then the mean squared
// deviation from it (two passes, as the CPU layer does), strided over the
// threads as the callers write the row, so each thread reads back only what
// it wrote. Every thread returns the same two values.
__device__ float2 row_mean_and_inverse_deviation(const float* x, int features, float epsilon, float* scratch) {
    float sum = 0.0f;
    for (int i = threadIdx.x; i < features; i += blockDim.x) sum += x[i];
    const float mean = block_sum(sum, scratch) / (float)features;
    float squares = 0.0f;
    for (int i = threadIdx.x; i < features; i += blockDim.x) {
        const float deviation = x[i] - mean;
        squares += deviation * deviation;
    }
    const float variance = block_sum(squares, scratch) / (float)features;
    return make_float2(mean, 1.0f / sqrtf(variance + epsilon));
}

// ---- The last block of a grid ----------------------------------------------------

// Small batches are launch-bound, so a kernel whose blocks each do part of the
// work can finish a reduction over all of it itself instead of leaving it to
// a one-block kernel after it: every block makes its writes visible to the
// device (__threadfence) and takes a ticket; the block that takes the last one
// runs the reduction, reading the other blocks' results through L2 (__ldcg:
// its own L1 may hold stale lines of them), and puts the ticket back to 0 for
// the next kernel. Every thread of every block must call it (it has barriers).
__device__ bool last_block_to_finish(u32* counters) {
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) {
        last = atomicAdd(&counters[COUNTER_TICKET], 1u) == gridDim.x - 1;
        if (last) {
            counters[COUNTER_TICKET] = 0u;
            __threadfence();  // order the reads that follow after the ticket
        }
    }
    __syncthreads();
    return last;
}

// sums[c] = Σ_r matrix[r, c], rows in order (column_sums, read through L2).
__device__ void column_sums_of_grid(const float* matrix, float* sums, int rows, int columns) {
    for (int column = threadIdx.x; column < columns; column += blockDim.x) {
        float sum = 0.0f;
        for (int row = 0; row < rows; ++row) sum += __ldcg(matrix + (long long)row * columns + column);
        sums[column] = sum;
    }
}

// ---- Philox-4x32-10 (Salmon et al., SC'11), counter-based ---------------------

__device__ __forceinline__ uint4 philox_round(uint4 counter, uint2 key) {
    const u64 product0 = (u64)0xD2511F53u * counter.x;
    const u64 product1 = (u64)0xCD9E8D57u * counter.z;
    const u32 high0 = (u32)(product0 >> 32), low0 = (u32)product0;
    const u32 high1 = (u32)(product1 >> 32), low1 = (u32)product1;
    return make_uint4(high1 ^ counter.y ^ key.x, low1, high0 ^ counter.w ^ key.y, low0);
}

__device__ uint4 philox4x32_10(uint4 counter, uint2 key) {
    counter = philox_round(counter, key);
    for (int round = 1; round < 10; ++round) {
        key.x += 0x9E3779B9u;
        key.y += 0xBB67AE85u;
        counter = philox_round(counter, key);
    }
    return counter;
}

__device__ __forceinline__ u32 philox_word(uint4 bits, int lane) {
    return lane == 0 ? bits.x : lane == 1 ? bits.y : lane == 2 ? bits.z : bits.w;
}

// ---- Data -----------------------------------------------------------------------

// Copies the rows order[first ..< first + rows] of the device-resident data
// set into the batch, with first = stepInEpoch * batchSize.
extern "C" __global__ void gather_batch(const float* data, const int* labels, const int* order,
                                        float* batch, int* batchLabels, int rows, int features,
                                        int batchSize, const u32* counters) {
    wait_for_previous_kernel();
    const long long first = (long long)counters[COUNTER_STEP_IN_EPOCH] * batchSize;
    const long long total = (long long)rows * features;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const int row = (int)(i / features), feature = (int)(i % features);
        const int source = order[first + row];
        batch[i] = data[(long long)source * features + feature];
        if (feature == 0) batchLabels[row] = labels[source];
    }
}

// ---- Linear: the products go through cuBLAS; these are the bias parts ----------

// y[r, c] = bias[c], before the product accumulates into y with beta = 1.
extern "C" __global__ void fill_rows_with_bias(float* y, const float* bias, int rows, int columns) {
    wait_for_previous_kernel();
    const long long total = (long long)rows * columns;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x)
        y[i] = bias[i % columns];
}

// sums[c] = Σ_r matrix[r, c], rows in order.
extern "C" __global__ void column_sums(const float* matrix, float* sums, int rows, int columns) {
    wait_for_previous_kernel();
    const int column = blockIdx.x * blockDim.x + threadIdx.x;
    if (column >= columns) return;
    float sum = 0.0f;
    for (int row = 0; row < rows; ++row) sum += matrix[(long long)row * columns + column];
    sums[column] = sum;
}

// ---- ReLU and inverted dropout, fused ------------------------------------------

// Element i's keep decision uses word i % 4 of Philox(counter = (i / 4, 0,
// stream, completedSteps), key = seed): the same mask is recomputed in
// backward instead of stored, and any step's mask can be regenerated.
__device__ __forceinline__ float dropout_multiplier(uint4 bits, int lane, float probability, float scale) {
    const float uniform = (float)(philox_word(bits, lane) >> 8) * (1.0f / 16777216.0f);
    return uniform >= probability ? scale : 0.0f;
}

// ReLU, then inverted dropout, of element `element` of a step's activations
// (layer_norm_forward and row_normalize): the mask as relu_dropout_forward
// draws it, one Philox call per element (that kernel shares one between four).
__device__ __forceinline__ float relu_dropout_element(float x, long long element, float probability, float scale,
                                                      u32 seedLow, u32 seedHigh, u32 stream, u32 step) {
    float value = x > 0.0f ? x : 0.0f;
    if (probability > 0.0f) {
        const uint4 bits = philox4x32_10(make_uint4((u32)(element >> 2), 0u, stream, step), make_uint2(seedLow, seedHigh));
        value *= dropout_multiplier(bits, (int)(element & 3), probability, scale);
    }
    return value;
}

extern "C" __global__ void relu_dropout_forward(const float* x, float* y, int count, int relu, float probability,
                                                u32 seedLow, u32 seedHigh, u32 stream, const u32* counters) {
    wait_for_previous_kernel();
    const int quad = blockIdx.x * blockDim.x + threadIdx.x;
    const int first = 4 * quad;
    if (first >= count) return;
    const float scale = 1.0f / (1.0f - probability);
    uint4 bits = make_uint4(0, 0, 0, 0);
    if (probability > 0.0f)
        bits = philox4x32_10(make_uint4((u32)quad, 0u, stream, counters[COUNTER_COMPLETED_STEPS]),
                             make_uint2(seedLow, seedHigh));
    for (int lane = 0; lane < 4 && first + lane < count; ++lane) {
        float value = x[first + lane];
        if (relu) value = value > 0.0f ? value : 0.0f;
        if (probability > 0.0f) value *= dropout_multiplier(bits, lane, probability, scale);
        y[first + lane] = value;
    }
}

// dx = dy · mask · [x > 0 when relu]; x is the forward input.
extern "C" __global__ void relu_dropout_backward(const float* x, const float* dy, float* dx, int count, int relu,
                                                 float probability, u32 seedLow, u32 seedHigh, u32 stream,
                                                 const u32* counters) {
    wait_for_previous_kernel();
    const int quad = blockIdx.x * blockDim.x + threadIdx.x;
    const int first = 4 * quad;
    if (first >= count) return;
    const float scale = 1.0f / (1.0f - probability);
    uint4 bits = make_uint4(0, 0, 0, 0);
    if (probability > 0.0f)
        bits = philox4x32_10(make_uint4((u32)quad, 0u, stream, counters[COUNTER_COMPLETED_STEPS]),
                             make_uint2(seedLow, seedHigh));
    for (int lane = 0; lane < 4 && first + lane < count; ++lane) {
        float gradient = dy[first + lane];
        if (probability > 0.0f) gradient *= dropout_multiplier(bits, lane, probability, scale);
        if (relu && !(x[first + lane] > 0.0f)) gradient = 0.0f;
        dx[first + lane] = gradient;
    }
}

// ---- LayerNorm, fused with its neighbours -------------------------------------------

// Small batches are launch-bound, so the LayerNorm kernels also do the work of
// the layers around them: forward, the bias of the Linear before (added to x
// and written back, so that backward reads the Linear's true output) and the
// ReLU (+ dropout) after; backward, that ReLU-dropout's backward, and both the
// input gradient and the gain and shift gradients, in one launch.

// One block per row: mean, then the mean squared deviation (two passes, as
// the CPU layer does), y = (x − μ)/σ · γ + β; keeps μ and 1/σ for backward.
// With `bias`, x ← x + bias first. With `activated`, the ReLU-dropout of y is
// written there (dropout as relu_dropout_forward draws it) and y itself only
// if `y` is given.
extern "C" __global__ void layer_norm_forward(float* x, const float* bias, const float* gain, const float* shift,
                                              float* y, float* statistics, int features, float epsilon,
                                              float* activated, float probability, u32 seedLow, u32 seedHigh,
                                              u32 stream, const u32* counters) {
    wait_for_previous_kernel();
    __shared__ float scratch[32];
    const long long row = blockIdx.x;
    float* input = x + row * features;
    // Each thread reads back only the elements it wrote itself: no barrier needed.
    if (bias)
        for (int i = threadIdx.x; i < features; i += blockDim.x) input[i] = input[i] + bias[i];
    const float2 moments = row_mean_and_inverse_deviation(input, features, epsilon, scratch);
    const float mean = moments.x, inverseDeviation = moments.y;
    const float scale = 1.0f / (1.0f - probability);
    const u32 step = activated && probability > 0.0f ? counters[COUNTER_COMPLETED_STEPS] : 0u;
    for (int i = threadIdx.x; i < features; i += blockDim.x) {
        const float normalized = (input[i] - mean) * inverseDeviation * gain[i] + shift[i];
        if (y) y[row * features + i] = normalized;
        if (activated)
            activated[row * features + i] = relu_dropout_element(normalized, row * features + i, probability, scale,
                                                                 seedLow, seedHigh, stream, step);
    }
    if (threadIdx.x == 0) {
        statistics[2 * row] = mean;
        statistics[2 * row + 1] = inverseDeviation;
    }
}

// The gradient at the LayerNorm's output. With `activated` (the output of the
// ReLU-dropout that followed it), dy is the gradient at that output: it passes
// where the output is non-zero, scaled by 1/(1 − p), which is exactly
// relu_dropout_backward (a kept positive input stays positive; anything else
// is zero).
__device__ __forceinline__ float layer_norm_upstream(const float* dy, const float* activated, float scale, long long i) {
    if (!activated) return dy[i];
    return activated[i] != 0.0f ? dy[i] * scale : 0.0f;
}

// LayerNorm's input gradient at one element, from its upstream gradient, its
// gain, x̂ and the row's mean(g) and mean(g·x̂) (g = upstream·γ):
// (g − mean(g) − x̂·mean(g·x̂)) / σ.
__device__ __forceinline__ float layer_norm_input_gradient(float upstream, float gain, float normalized, float meanG,
                                                           float meanGX, float inverseDeviation) {
    return (upstream * gain - meanG - normalized * meanGX) * inverseDeviation;
}

// LayerNorm backward in one launch, `rowsPerBlock` rows per block (at most
// LAYER_NORM_ROWS; the grid is ⌈rows / rowsPerBlock⌉ blocks). With
// x̂ = (x − μ)/σ and g = dy·γ, dx = (g − mean(g) − x̂·mean(g·x̂)) / σ, written when
// `inputGradient` is 1 (0 for a first operation): one warp per row, each
// lane summing every 32nd feature, then a butterfly over the warp. Then each
// block sums its rows, in order, for every feature: Σ dy·x̂ (dγ), Σ dy (dβ)
// and, with `linearBiasGradient` (the Linear before left its bias to
// layer_norm_forward), Σ dx; it writes the three to its slice of `partials`
// ([blocks][3][features]), and the grid's last block adds the slices in
// block order. Spreading the rows over blocks this way keeps every SM busy at
// a large batch; one thread per feature over all rows (the first version)
// took 5.8 ms at batch 10,000 on an H200, 90% of a training step.
extern "C" __global__ void layer_norm_backward(const float* x, const float* dy, const float* activated, float scale,
                                               const float* gain, const float* statistics, float* dx,
                                               float* gainGradient, float* shiftGradient, int rows, int features,
                                               int inputGradient, int rowsPerBlock, float* linearBiasGradient,
                                               float* partials, u32* counters) {
    wait_for_previous_kernel();
    __shared__ float rowMeanG[LAYER_NORM_ROWS], rowMeanGX[LAYER_NORM_ROWS];
    const int first = blockIdx.x * rowsPerBlock;
    const int count = rows - first < rowsPerBlock ? rows - first : rowsPerBlock;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    if (inputGradient) {
        for (int local = warp; local < count; local += warps) {  // whole warps take the same branch
            const long long row = first + local;
            const float* input = x + row * features;
            const float mean = statistics[2 * row], inverseDeviation = statistics[2 * row + 1];
            float sumG = 0.0f, sumGX = 0.0f;
            for (int i = lane; i < features; i += 32) {
                const float normalized = (input[i] - mean) * inverseDeviation;
                const float g = layer_norm_upstream(dy, activated, scale, row * features + i) * gain[i];
                sumG += g;
                sumGX += g * normalized;
            }
            const float meanG = warp_sum(sumG) / (float)features;
            const float meanGX = warp_sum(sumGX) / (float)features;
            for (int i = lane; i < features; i += 32) {
                const float normalized = (input[i] - mean) * inverseDeviation;
                const float upstream = layer_norm_upstream(dy, activated, scale, row * features + i);
                dx[row * features + i] = layer_norm_input_gradient(upstream, gain[i], normalized, meanG, meanGX, inverseDeviation);
            }
            if (lane == 0) {
                rowMeanG[local] = meanG;
                rowMeanGX[local] = meanGX;
            }
        }
    }
    __syncthreads();
    // The block's rows, in order, for each feature. The Linear's bias gradient
    // adds dx as written above (the same expression on the same values).
    const bool biasWanted = linearBiasGradient != nullptr && inputGradient;
    float* slice = partials + (long long)blockIdx.x * 3 * features;
    for (int feature = threadIdx.x; feature < features; feature += blockDim.x) {
        float gainSum = 0.0f, shiftSum = 0.0f, biasSum = 0.0f;
        for (int local = 0; local < count; ++local) {
            const long long row = first + local;
            const long long i = row * features + feature;
            const float inverseDeviation = statistics[2 * row + 1];
            const float normalized = (x[i] - statistics[2 * row]) * inverseDeviation;
            const float upstream = layer_norm_upstream(dy, activated, scale, i);
            gainSum += upstream * normalized;
            shiftSum += upstream;
            if (biasWanted)
                biasSum += layer_norm_input_gradient(upstream, gain[feature], normalized, rowMeanG[local], rowMeanGX[local],
                                                     inverseDeviation);
        }
        slice[feature] = gainSum;
        slice[features + feature] = shiftSum;
        slice[2 * features + feature] = biasSum;
    }
    if (!last_block_to_finish(counters)) return;
    for (int feature = threadIdx.x; feature < features; feature += blockDim.x) {
        float gainSum = 0.0f, shiftSum = 0.0f, biasSum = 0.0f;
        for (int block = 0; block < (int)gridDim.x; ++block) {
            const float* part = partials + (long long)block * 3 * features;
            gainSum += __ldcg(part + feature);
            shiftSum += __ldcg(part + features + feature);
            biasSum += __ldcg(part + 2 * features + feature);
        }
        gainGradient[feature] = gainSum;
        shiftGradient[feature] = shiftSum;
        if (biasWanted) linearBiasGradient[feature] = biasSum;
    }
}

// ---- Softmax cross-entropy, forward and backward fused -------------------------

// One row by one warp, as SoftmaxCrossEntropy computes it: z's maximum,
// exp(z − max) into g and their sum, then g = (softmax − onehot)·inverseBatch;
// returns the row's loss, log Σ exp(z − max) − (z_label − max), to every lane.
__device__ float warp_softmax_cross_entropy(const float* z, float* g, int classes, int label, float inverseBatch) {
    const int lane = threadIdx.x & 31;
    float maximum = NEGATIVE_INFINITY;
    for (int c = lane; c < classes; c += 32) maximum = fmaxf(maximum, z[c]);
    maximum = warp_max(maximum);
    float sum = 0.0f;
    for (int c = lane; c < classes; c += 32) {
        const float e = expf(z[c] - maximum);
        g[c] = e;
        sum += e;
    }
    sum = warp_sum(sum);
    const float scale = inverseBatch / sum;
    for (int c = lane; c < classes; c += 32) g[c] = g[c] * scale - (c == label ? inverseBatch : 0.0f);
    return logf(sum) - (z[label] - maximum);
}

// A training step's loss, by one thread: the batch's total into the epoch's
// accumulator; with `lossLog`, the mean kept at the step's index in the
// epoch; a mean that is not finite or above `limit` recorded as the epoch's
// first diverged step, if none is yet (the update kernels then leave the
// parameters alone).
__device__ void record_training_loss(double total, double mean, double* accumulators, u32* counters, double limit,
                                     double* lossLog, int logCapacity) {
    accumulators[ACCUMULATOR_TRAINING_LOSS] += total;
    const u32 inEpoch = counters[COUNTER_STEP_IN_EPOCH];
    if (lossLog && inEpoch < (u32)logCapacity) lossLog[inEpoch] = mean;
    if ((!is_finite(mean) || mean > limit) && counters[COUNTER_FIRST_DIVERGED] == 0) {
        counters[COUNTER_FIRST_DIVERGED] = inEpoch + 1;
        accumulators[ACCUMULATOR_DIVERGED_LOSS] = mean;
    }
}

// One warp per row: with `bias` (the last Linear's, which its product left
// out), z ← z + bias first, written back; then loss_r = log Σ exp(z − max) −
// (z_label − max) and dz = (softmax − onehot) / rows, as SoftmaxCrossEntropy
// computes them. The grid's last block then reduces over the batch: it sums
// the row losses in double, in a fixed order, adds the sum to the epoch's
// accumulator, and records the first step whose mean loss was not finite or
// above `limit` (the CPU trainer's divergence check, read once per epoch; the
// optimizer kernels then leave the parameters alone); with `lossLog`, the mean
// is also kept at the step's index in the epoch; with `biasGradient`, the last
// Linear's bias gradient Σ_r dz, rows in order.
extern "C" __global__ void softmax_cross_entropy(float* logits, const float* bias, const int* labels, float* dLogits,
                                                 float* rowLoss, int rows, int classes, float inverseBatch,
                                                 float* biasGradient, double* accumulators, u32* counters,
                                                 double limit, double* lossLog, int logCapacity) {
    wait_for_previous_kernel();
    const int row = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (row < rows) {  // whole warps take the same branch
        float* z = logits + (long long)row * classes;
        float* g = dLogits + (long long)row * classes;
        if (bias) {
            for (int c = lane; c < classes; c += 32) z[c] = z[c] + bias[c];
            __syncwarp();  // lane 0 reads z[label], which another lane may have written
        }
        const float loss = warp_softmax_cross_entropy(z, g, classes, labels[row], inverseBatch);
        if (lane == 0) rowLoss[row] = loss;
    }
    if (!last_block_to_finish(counters)) return;
    __shared__ double partial[256];
    double sum = 0.0;
    for (int r = threadIdx.x; r < rows; r += blockDim.x) sum += (double)__ldcg(rowLoss + r);
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int width = blockDim.x / 2; width > 0; width >>= 1) {
        if ((int)threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        record_training_loss(partial[0], partial[0] / rows, accumulators, counters, limit, lossLog, logCapacity);
    if (biasGradient) column_sums_of_grid(dLogits, biasGradient, rows, classes);
}

// Evaluation, one warp per row: the loss as above and whether the first
// largest logit is the label; summed into the accumulators with atomics,
// whose order does not matter to within the reported precision.
extern "C" __global__ void evaluate_rows(const float* logits, const int* labels, int rows, int classes,
                                         double* accumulators) {
    wait_for_previous_kernel();
    const int row = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* z = logits + (long long)row * classes;
    float maximum = NEGATIVE_INFINITY;
    int best = classes;
    for (int c = lane; c < classes; c += 32)
        if (z[c] > maximum) { maximum = z[c]; best = c; }
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float otherMaximum = __shfl_xor_sync(0xffffffffu, maximum, offset);
        const int otherBest = __shfl_xor_sync(0xffffffffu, best, offset);
        if (otherMaximum > maximum || (otherMaximum == maximum && otherBest < best)) {
            maximum = otherMaximum;
            best = otherBest;
        }
    }
    float sum = 0.0f;
    for (int c = lane; c < classes; c += 32) sum += expf(z[c] - maximum);
    sum = warp_sum(sum);
    if (lane == 0) {
        const int label = labels[row];
        atomicAdd(&accumulators[ACCUMULATOR_EVALUATION_LOSS], (double)(logf(sum) - (z[label] - maximum)));
        if (best == label) atomicAdd(&accumulators[ACCUMULATOR_EVALUATION_CORRECT], 1.0);
    }
}
"""#
}
