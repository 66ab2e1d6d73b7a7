// The CUDA C of the training step at batch 1 (part of the module NVRTC
// compiles; see KernelSource.source).
//
// At batch 1 a step is launch-bound: on an H200 the general sequence (a
// gather, cuBLAS products, the fused LayerNorm and loss kernels, 20 graph
// nodes for the tutorial network) took 70 µs, 3.5 µs a node, while its
// arithmetic and memory traffic need about 3 µs. These kernels take a
// network of hidden layers Linear → LayerNorm → ReLU(-dropout) and a last
// Linear, one example at a time, in 2n + 1 nodes for n hidden layers (7 for
// the tutorial network, the update included):
//
//   row_first_forward    the gather and the first product, z₀ = W₀x
//   row_hidden_forward   hidden layer j − 1's bias, LayerNorm and ReLU-dropout,
//                        then hidden layer j's product, zⱼ = Wⱼhⱼ₋₁ (j = 1 … n − 1)
//   row_head             the last hidden layer's bias, LayerNorm and
//                        ReLU-dropout, the logits, the loss, the last Linear's
//                        gradients, and hidden layer n − 1's backward
//   row_hidden_backward  hidden layer j's backward (j = n − 2 … 0)
//
// A LayerNorm over one row is a few hundred numbers, so every block of a
// kernel computes it itself, from the same inputs in the same order (the
// copies are identical), and goes straight on to its share of the product
// that needs the whole row; block 0 alone writes the row out for the kernels
// after it. Each product is shared out without reductions across blocks: a
// warp per output in forward, a row of the weight gradient per block, and 4
// columns of the input gradient per block, so every sum is in a fixed order.
// The LayerNorm and loss arithmetic is layer_norm_forward's,
// layer_norm_backward's and softmax_cross_entropy's for one row, so the
// dropout masks are the general kernels' masks. The update is the
// optimizer's usual kernel. KernelTwins.row* are the CPU twins.

extension KernelSource {
    /// The widest layer (input, hidden or classes) the row kernels take: their shared arrays.
    static let rowMaxFeatures = 1024

    static let rowKernels = #"""

// ---- One example at a time (batch 1) ---------------------------------------------

#define ROW_MAX_FEATURES \#(rowMaxFeatures)
#define ROW_THREADS \#(blockSize)
#define ROW_LANE_LOADS (ROW_MAX_FEATURES / 32)
#define ROW_COLUMN_LOADS (ROW_MAX_FEATURES / (ROW_THREADS / 4))
// A thread's elements of a row of features: i = threadIdx.x + ROW_THREADS·k,
// k < ROW_FEATURE_LOADS (every row kernel runs ROW_THREADS threads a block).
#define ROW_FEATURE_LOADS (ROW_MAX_FEATURES / ROW_THREADS)

// A lane's share of a weight row, loaded in one go: elements i = lane + 32k,
// k < ROW_LANE_LOADS, into registers (the loops unroll fully), so that a
// product waits for memory once instead of once every few elements, and a
// kernel can load its weights before it waits for the kernel ahead of it.
// (The weights are never that kernel's output: the update that wrote them
// had finished before the kernel ahead started, since each kernel lets the
// next one start only once its own wait is over.)
__device__ __forceinline__ void load_row_share(const float* row, int inputs, float (&share)[ROW_LANE_LOADS]) {
    const int lane = threadIdx.x & 31;
#pragma unroll
    for (int k = 0; k < ROW_LANE_LOADS; ++k) {
        const int i = lane + 32 * k;
        share[k] = i < inputs ? row[i] : 0.0f;
    }
}

// Σ_i row[i]·v[i] from a warp's shares: each lane sums its elements in order
// (i = lane, lane + 32, …), then the warp's butterfly.
__device__ __forceinline__ float dot_row_share(const float (&share)[ROW_LANE_LOADS], const float* v, int inputs) {
    const int lane = threadIdx.x & 31;
    float sum = 0.0f;
#pragma unroll
    for (int k = 0; k < ROW_LANE_LOADS; ++k) {
        const int i = lane + 32 * k;
        if (i < inputs) sum += share[k] * v[i];
    }
    return warp_sum(sum);
}

// The first output a warp takes in a product of one warp per output, the
// grid's warps taking the outputs in turn.
__device__ __forceinline__ int row_first_output() { return blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); }

// The first output's weights, for row_product.
__device__ __forceinline__ void load_first_row_share(const float* weight, int inputs, int outputs,
                                                     float (&share)[ROW_LANE_LOADS]) {
    const int first = row_first_output();
    if (first < outputs) load_row_share(weight + (long long)first * inputs, inputs, share);
}

// y[o] = Σ_i weight[o, i]·v[i] (+ bias[o]), one warp per output in turn;
// `share` holds the warp's first output's row (load_first_row_share) and is
// reloaded for any later one.
__device__ __forceinline__ void row_product(const float* weight, float (&share)[ROW_LANE_LOADS], const float* v,
                                            int inputs, int outputs, const float* bias, float* y) {
    const int first = row_first_output(), warpsInGrid = gridDim.x * (blockDim.x >> 5);
    for (int o = first; o < outputs; o += warpsInGrid) {
        if (o != first) load_row_share(weight + (long long)o * inputs, inputs, share);
        const float sum = dot_row_share(share, v, inputs);
        if ((threadIdx.x & 31) == 0) y[o] = bias ? sum + bias[o] : sum;
    }
}

// A thread's share of the input gradient's weights (row_backward): column
// c = first + (thread & 3) of a group of 4 columns, rows o = (thread >> 2) + 64k,
// k < ROW_COLUMN_LOADS.
__device__ __forceinline__ void load_column_share(const float* weight, int features, int inputs, int first,
                                                  float (&share)[ROW_COLUMN_LOADS]) {
    const int c = first + (threadIdx.x & 3), lane = threadIdx.x >> 2, lanes = blockDim.x >> 2;
#pragma unroll
    for (int k = 0; k < ROW_COLUMN_LOADS; ++k) {
        const int o = lane + lanes * k;
        share[k] = c < inputs && o < features ? weight[(long long)o * inputs + c] : 0.0f;
    }
}

// Operands loaded per thread before any store, in the loops that update or
// write many elements (row_outer_product_rows, row_fused_sgd). On the H100,
// at two blocks per SM (6 or 7 of the first layer's elements a thread), 4 and
// 7 took a step from 30.4 µs at 8 to 30.0, and 16 (123 registers) to 33; at
// one block per SM, 4 matched 8 and 7 was 1 µs slower (BENCHMARKS.md,
// eleventh session). Fewer operands in flight leave more registers free, so
// the next kernel's blocks can start beside this one's sooner.
#ifndef ROW_UPDATE_BATCH
#define ROW_UPDATE_BATCH 4
#endif

// How many of the rows o = blockIdx.x, blockIdx.x + gridDim.x, … (< outputs) are this block's.
__device__ __forceinline__ int block_row_count(int outputs) {
    return (int)blockIdx.x < outputs ? (outputs - 1 - (int)blockIdx.x) / (int)gridDim.x + 1 : 0;
}

// Over this block's rows o of a row-major matrix with `inputs` columns, the
// outer product d[o]·v[i]: with `weight`, θ[o, i] ← θ[o, i] − rate·(d[o]·v[i])
// (sgd_update's arithmetic for that gradient), otherwise gradient[o, i] =
// d[o]·v[i]. The block's rows are one index space over its threads, which
// walk it blockDim.x elements at a time (row r, column i of the block's
// rows), and each thread loads the operands of ROW_UPDATE_BATCH elements
// before it stores any of them, so that it waits for memory once a batch. (A
// loop of one element a trip waits once an element: nothing lets the
// compiler move the next trip's loads above this trip's store. For the first
// layer's 784 inputs, that was about 12 waits a step.) The walk adds and
// compares instead of dividing, and the batch's loop bodies are short: every
// kernel's code is fetched afresh each step, so its size is on the step's
// critical path.
__device__ __forceinline__ void row_outer_product_rows(float* __restrict__ weight, float* __restrict__ gradient,
                                                       const float* d, const float* v, int outputs, int inputs,
                                                       float rate) {
    const int rows = block_row_count(outputs), step = blockDim.x;
    int r = (int)threadIdx.x / inputs, i = (int)threadIdx.x - r * inputs;
    while (r < rows) {
        float dk[ROW_UPDATE_BATCH], vk[ROW_UPDATE_BATCH], old[ROW_UPDATE_BATCH];
        // Loads only (no arithmetic on what they bring, which would wait for it)...
        int lr = r, li = i;
#pragma unroll
        for (int k = 0; k < ROW_UPDATE_BATCH; ++k) {
            if (lr < rows) {
                const int o = (int)blockIdx.x + lr * (int)gridDim.x;
                dk[k] = d[o];
                vk[k] = v[li];
                if (weight) old[k] = weight[(long long)o * inputs + li];
            }
            for (li += step; li >= inputs; li -= inputs) ++lr;
        }
        // ...then the arithmetic and the stores, over the same elements.
#pragma unroll
        for (int k = 0; k < ROW_UPDATE_BATCH; ++k) {
            if (r < rows) {
                const long long at = (long long)((int)blockIdx.x + r * (int)gridDim.x) * inputs + i;
                const float product = dk[k] * vk[k];
                if (weight) weight[at] = old[k] - rate * product;
                else gradient[at] = product;
            }
            for (i += step; i >= inputs; i -= inputs) ++r;
        }
    }
}

// A hidden layer's forward after its product z, in every block:
// xb = z + bias, its LayerNorm and the ReLU-dropout of that, as
// layer_norm_forward computes row 0, into xb and h (shared). Block 0 writes
// xb, (μ, 1/σ) and h out for the kernels after it. Returns (μ, 1/σ).
__device__ float2 row_normalize(const float* z, const float* bias, const float* gain, const float* shift, int features,
                                float epsilon, float probability, u32 seedLow, u32 seedHigh, u32 stream,
                                const u32* counters, float* xb, float* h, float* scratch, float* xbOut,
                                float* statistics, float* activated) {
    const bool writer = blockIdx.x == 0;
    // Every load of the thread's elements first, then the arithmetic on them,
    // so that the thread waits for memory once rather than once an element.
    const u32 step = probability > 0.0f ? counters[COUNTER_COMPLETED_STEPS] : 0u;
    float zk[ROW_FEATURE_LOADS], bk[ROW_FEATURE_LOADS], gk[ROW_FEATURE_LOADS], sk[ROW_FEATURE_LOADS];
#pragma unroll
    for (int k = 0; k < ROW_FEATURE_LOADS; ++k) {
        const int i = threadIdx.x + ROW_THREADS * k;
        if (i < features) {
            zk[k] = z[i];
            bk[k] = bias[i];
            gk[k] = gain[i];
            sk[k] = shift[i];
        }
    }
    // Each thread reads back only the elements it wrote itself: no barrier needed.
#pragma unroll
    for (int k = 0; k < ROW_FEATURE_LOADS; ++k) {
        const int i = threadIdx.x + ROW_THREADS * k;
        if (i < features) xb[i] = zk[k] + bk[k];
    }
    const float2 moments = row_mean_and_inverse_deviation(xb, features, epsilon, scratch);
    const float mean = moments.x, inverseDeviation = moments.y;
    const float scale = 1.0f / (1.0f - probability);
#pragma unroll
    for (int k = 0; k < ROW_FEATURE_LOADS; ++k) {
        const int i = threadIdx.x + ROW_THREADS * k;
        if (i >= features) continue;
        const float normalized = (xb[i] - mean) * inverseDeviation * gk[k] + sk[k];
        const float value = relu_dropout_element(normalized, i, probability, scale, seedLow, seedHigh, stream, step);
        h[i] = value;
        if (writer) {
            xbOut[i] = xb[i];
            activated[i] = value;
        }
    }
    if (writer && threadIdx.x == 0) {
        statistics[0] = mean;
        statistics[1] = inverseDeviation;
    }
    __syncthreads();
    return make_float2(mean, inverseDeviation);
}

// A hidden layer's backward from dh, the gradient at its ReLU-dropout's
// output (a whole copy, shared or global). In every block, the LayerNorm's
// backward as layer_norm_backward takes a row: u = dh·scale where the output
// was kept (0 elsewhere), g = u·γ, x̂ = (xb − μ)/σ and
// dx = (g − mean(g) − x̂·mean(g·x̂))/σ, into dx (shared); block 0 writes
// dγ = u·x̂, dβ = u and the Linear's bias gradient, dx. Then the Linear's
// weight gradient dW[o, i] = dx[o]·v[i], one row of it per block in turn,
// and with `inputGradient`, dv[c] = Σ_o W[o, c]·dx[o]: 4 columns per block in
// turn, 64 threads going down each column's rows (8 in each warp, whose sums
// a butterfly adds), then one thread adding the 8 warps' sums in order.
__device__ __forceinline__ void row_backward(const float* dh, const float* xb, const float* activated, float mean,
                                             float inverseDeviation, float scale, const float* gain, int features,
                                             float* gainGradient, float* shiftGradient, float* biasGradient,
                                             const float* weight, const float* __restrict__ v, int inputs,
                                             float* __restrict__ weightGradient, float* inputGradient, float* dx,
                                             float* scratch, float* partials, float (&columns)[ROW_COLUMN_LOADS],
                                             float* __restrict__ updatedWeight, float rate) {
    const bool writer = blockIdx.x == 0;
    // Every load of the thread's elements first (as in row_normalize).
    float xk[ROW_FEATURE_LOADS], dk[ROW_FEATURE_LOADS], ak[ROW_FEATURE_LOADS], gk[ROW_FEATURE_LOADS];
#pragma unroll
    for (int k = 0; k < ROW_FEATURE_LOADS; ++k) {
        const int i = threadIdx.x + ROW_THREADS * k;
        if (i < features) {
            xk[k] = xb[i];
            dk[k] = dh[i];
            ak[k] = activated ? activated[i] : 1.0f;
            gk[k] = gain[i];
        }
    }
    // x̂ and layer_norm_upstream's value (from the loaded dh and ReLU-dropout
    // output) at each element, kept with γ for the second pass.
    float sumG = 0.0f, sumGX = 0.0f;
#pragma unroll
    for (int k = 0; k < ROW_FEATURE_LOADS; ++k) {
        if ((int)threadIdx.x + ROW_THREADS * k >= features) continue;
        xk[k] = (xk[k] - mean) * inverseDeviation;
        dk[k] = !activated ? dk[k] : ak[k] != 0.0f ? dk[k] * scale : 0.0f;
        const float g = dk[k] * gk[k];
        sumG += g;
        sumGX += g * xk[k];
    }
    const float meanG = block_sum(sumG, scratch) / (float)features;
    const float meanGX = block_sum(sumGX, scratch) / (float)features;
#pragma unroll
    for (int k = 0; k < ROW_FEATURE_LOADS; ++k) {
        const int i = threadIdx.x + ROW_THREADS * k;
        if (i >= features) continue;
        const float normalized = xk[k], upstream = dk[k];
        const float value = layer_norm_input_gradient(upstream, gk[k], normalized, meanG, meanGX, inverseDeviation);
        dx[i] = value;
        if (writer) {
            gainGradient[i] = upstream * normalized;
            shiftGradient[i] = upstream;
            biasGradient[i] = value;
        }
    }
    __syncthreads();
    // The weight gradient, written to weightGradient; or, with updatedWeight
    // (plain SGD fused into the step, for a first layer, whose weights no
    // block reads here), the weights updated at once as sgd_update would;
    // or neither (fused: the next kernel updates them, see row_fused_sgd).
    if (weightGradient || updatedWeight)
        row_outer_product_rows(weightGradient ? nullptr : updatedWeight, weightGradient, dx, v, features, inputs, rate);
    if (!inputGradient) return;
    const int column = threadIdx.x & 3, lane = threadIdx.x >> 2, lanes = blockDim.x >> 2;
    const int warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int first = 4 * blockIdx.x; first < inputs; first += 4 * gridDim.x) {  // the same trips for the whole block
        if (first != 4 * (int)blockIdx.x) load_column_share(weight, features, inputs, first, columns);
        float sum = 0.0f;
#pragma unroll
        for (int k = 0; k < ROW_COLUMN_LOADS; ++k) {
            const int o = lane + lanes * k;
            if (o < features) sum += columns[k] * dx[o];
        }
        // The warp's 8 lanes of each column (thread bits 2-4), by butterfly; then the warps' sums in order.
        for (int offset = 4; offset < 32; offset <<= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
        if ((threadIdx.x & 31) < 4) partials[4 * warp + column] = sum;
        __syncthreads();
        if ((int)threadIdx.x < 4 && first + (int)threadIdx.x < inputs) {
            float total = 0.0f;
            for (int w = 0; w < warps; ++w) total += partials[4 * w + threadIdx.x];
            inputGradient[first + threadIdx.x] = total;
        }
        __syncthreads();
    }
}

// The gather of example order[stepInEpoch] into `input` and `label` (by
// block 0), and the first hidden layer's product z = W·x (its bias is left to
// the LayerNorm, in the next kernel).
extern "C" __global__ void row_first_forward(const float* data, const int* labels, const int* order, float* input,
                                             int* label, int features, const float* weight, int outputs, float* z,
                                             const u32* counters) {
    __shared__ float v[ROW_MAX_FEATURES];
    // The update just before this kernel wrote the weights: load them after the wait.
    wait_for_previous_kernel();
    let_next_kernel_start();
    float share[ROW_LANE_LOADS];
    load_first_row_share(weight, features, outputs, share);
    const int source = order[counters[COUNTER_STEP_IN_EPOCH]];
    const float* example = data + (long long)source * features;
    // Every load of the thread's elements of the example first, then the
    // stores (as row_normalize loads): one wait for memory instead of one an
    // element. On the H100 this took 0.6 µs off a 31.2 µs step against a loop
    // of one element a trip (BENCHMARKS.md, eleventh session).
    float xk[ROW_FEATURE_LOADS];
#pragma unroll
    for (int k = 0; k < ROW_FEATURE_LOADS; ++k) {
        const int i = threadIdx.x + ROW_THREADS * k;
        if (i < features) xk[k] = example[i];
    }
#pragma unroll
    for (int k = 0; k < ROW_FEATURE_LOADS; ++k) {
        const int i = threadIdx.x + ROW_THREADS * k;
        if (i < features) {
            v[i] = xk[k];
            if (blockIdx.x == 0) input[i] = xk[k];
        }
    }
    if (blockIdx.x == 0 && threadIdx.x == 0) label[0] = labels[source];
    __syncthreads();
    row_product(weight, share, v, features, outputs, nullptr, z);
}

// The previous hidden layer's bias, LayerNorm and ReLU-dropout (from its
// product z), then this hidden layer's product y = W·h.
extern "C" __global__ void row_hidden_forward(const float* z, const float* bias, const float* gain, const float* shift,
                                              int features, float epsilon, float probability, u32 seedLow,
                                              u32 seedHigh, u32 stream, float* xbOut, float* statistics,
                                              float* activated, const float* weight, int outputs, float* y,
                                              const u32* counters) {
    __shared__ float xb[ROW_MAX_FEATURES], h[ROW_MAX_FEATURES], scratch[32];
    float share[ROW_LANE_LOADS];
    load_first_row_share(weight, features, outputs, share);
    wait_for_previous_kernel();
    let_next_kernel_start();
    row_normalize(z, bias, gain, shift, features, epsilon, probability, seedLow, seedHigh, stream, counters, xb, h,
                  scratch, xbOut, statistics, activated);
    row_product(weight, share, h, features, outputs, nullptr, y);
}

// The turn from forward to backward, every block doing the small parts: the
// last hidden layer's bias, LayerNorm and ReLU-dropout; the logits (a warp
// per class, plus the last Linear's bias; block 0 writes them to `logits`);
// softmax cross-entropy as softmax_cross_entropy takes a row, with block 0
// adding the loss to the accumulator and keeping the step's loss and any
// divergence as that kernel's last block does; the last Linear's bias
// gradient (block 0) and weight gradient (the grid's threads in turn); dh =
// W_lastᵀ·dlogits, each column in class order. Then row_backward for the
// last hidden layer.
extern "C" __global__ void row_head(const float* z, const float* bias, const float* gain, const float* shift,
                                    int features, float epsilon, float probability, u32 seedLow, u32 seedHigh,
                                    u32 stream, float* xbOut, float* statistics, float* activated,
                                    const float* outputWeight, const float* outputBias, int classes, float* logits,
                                    float* outputWeightGradient, float* outputBiasGradient, const int* label,
                                    double* accumulators, u32* counters, double limit, double* lossLog,
                                    int logCapacity, float* gainGradient, float* shiftGradient, float* biasGradient,
                                    const float* weight, const float* input, int inputs, float* weightGradient,
                                    float* inputGradient) {
    __shared__ float xb[ROW_MAX_FEATURES], h[ROW_MAX_FEATURES], dh[ROW_MAX_FEATURES], dx[ROW_MAX_FEATURES];
    __shared__ float zs[ROW_MAX_FEATURES], dz[ROW_MAX_FEATURES], scratch[32], partials[ROW_THREADS];
    // The weights of the logits (this warp's first class) and of the input
    // gradient, before the wait.
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    float share[ROW_LANE_LOADS], columns[ROW_COLUMN_LOADS];
    if (warp < classes) load_row_share(outputWeight + (long long)warp * features, features, share);
    if (inputGradient) load_column_share(weight, features, inputs, 4 * blockIdx.x, columns);
    wait_for_previous_kernel();
    let_next_kernel_start();
    const float2 norm = row_normalize(z, bias, gain, shift, features, epsilon, probability, seedLow, seedHigh, stream,
                                      counters, xb, h, scratch, xbOut, statistics, activated);
    for (int o = warp; o < classes; o += warps) {
        if (o != warp) load_row_share(outputWeight + (long long)o * features, features, share);
        const float sum = dot_row_share(share, h, features);
        if (lane == 0) zs[o] = sum + outputBias[o];
    }
    __syncthreads();
    if (warp == 0) {
        const float loss = warp_softmax_cross_entropy(zs, dz, classes, label[0], 1.0f);
        if (blockIdx.x == 0 && lane == 0)
            record_training_loss(loss, loss, accumulators, counters, limit, lossLog, logCapacity);
    }
    __syncthreads();
    if (blockIdx.x == 0)
        for (int c = threadIdx.x; c < classes; c += blockDim.x) {
            logits[c] = zs[c];
            outputBiasGradient[c] = dz[c];
        }
    const long long weights = (long long)classes * features;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < weights; e += (long long)gridDim.x * blockDim.x)
        outputWeightGradient[e] = dz[e / features] * h[e % features];
    // dh[c], the classes in order; ROW_UPDATE_BATCH classes' weights loaded at a time.
    for (int c = threadIdx.x; c < features; c += blockDim.x) {
        float sum = 0.0f;
        for (int first = 0; first < classes; first += ROW_UPDATE_BATCH) {
            float w[ROW_UPDATE_BATCH];
#pragma unroll
            for (int k = 0; k < ROW_UPDATE_BATCH; ++k)
                w[k] = first + k < classes ? outputWeight[(long long)(first + k) * features + c] : 0.0f;
#pragma unroll
            for (int k = 0; k < ROW_UPDATE_BATCH; ++k)
                if (first + k < classes) sum += w[k] * dz[first + k];
        }
        dh[c] = sum;
    }
    __syncthreads();
    row_backward(dh, xb, h, norm.x, norm.y, 1.0f / (1.0f - probability), gain, features, gainGradient, shiftGradient,
                 biasGradient, weight, input, inputs, weightGradient, inputGradient, dx, scratch, partials, columns,
                 nullptr, 0.0f);
}

// Plain SGD fused into the backward kernels (CUDANetwork.fusesRowUpdate: no
// momentum, weight decay or clipping), θ ← θ − η·g as sgd_update computes it,
// done where the gradient is at hand and no block of the kernel reads θ: the
// first layer's weights in its own kernel (row_backward), and the weights of
// the Linear above this kernel's layer (`upperWeight`, which the kernel
// before read), whose gradient is upperDx[o]·upperInput[i], row by row over
// the grid. The last kernel then updates the `runs` (offset, count pairs) of
// `parameters` from `gradients`: the small parameters, which every block of
// the kernels before read, and the last Linear. Its grid takes every run but
// the first, whose gradients came from earlier kernels and which no block of
// it reads; its last block takes the first, the first layer's bias, gain and
// shift (their gradients are its block 0's, and every block reads the gain),
// and moves the step counters on. After a diverged step nothing is updated,
// as in sgd_update. (The pointers are __restrict__ so that each thread's
// loads need not wait for its stores before them.)
__device__ void row_fused_sgd(bool update, float rate, float* __restrict__ upperWeight,
                              const float* __restrict__ upperDx, const float* __restrict__ upperInput,
                              int upperOutputs, int upperInputs, const int* runs, int runCount,
                              float* __restrict__ parameters, const float* __restrict__ gradients, u32* counters) {
    if (update && upperWeight)
        row_outer_product_rows(upperWeight, nullptr, upperDx, upperInput, upperOutputs, upperInputs, rate);
    if (!runs) return;
    if (update) {
        // Runs 1… as one index space over the grid's threads: one trip each
        // where the grid has as many threads as they have elements (a loop per
        // run waited for memory once a run).
        int total = 0;
        for (int r = 1; r < runCount; ++r) total += runs[2 * r + 1];
        for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < total; e += gridDim.x * blockDim.x) {
            int r = 1, local = e;
            while (local >= runs[2 * r + 1]) local -= runs[2 * r + 1], ++r;
            const int at = runs[2 * r] + local;
            parameters[at] = parameters[at] - rate * gradients[at];
        }
    }
    if (!last_block_to_finish(counters)) return;
    if (update && runCount > 0)
        for (int i = threadIdx.x; i < runs[1]; i += blockDim.x)
            parameters[runs[0] + i] = parameters[runs[0] + i] - rate * __ldcg(gradients + runs[0] + i);
    __syncthreads();  // every thread has read the step in epoch (the rate) before it moves on
    if (threadIdx.x == 0) {
        counters[COUNTER_STEP_IN_EPOCH] += 1;
        counters[COUNTER_COMPLETED_STEPS] += 1;
    }
}

// A hidden layer's backward from dh, its ReLU-dropout output's gradient
// (written by the kernel before): the xb, (μ, 1/σ) and ReLU-dropout output
// its forward kernel's block 0 wrote; `inputGradient` null for the first layer.
extern "C" __global__ void row_hidden_backward(const float* dh, const float* xb, const float* statistics,
                                               const float* activated, float scale, const float* gain, int features,
                                               float* gainGradient, float* shiftGradient, float* biasGradient,
                                               const float* weight, const float* input, int inputs,
                                               float* weightGradient, float* inputGradient, const double* scalars,
                                               int rateCount, u32* counters, float* upperWeight, const float* upperDx,
                                               int upperOutputs, float* firstWeight, const int* runs, int runCount,
                                               float* parameters, const float* gradients) {
    __shared__ float dx[ROW_MAX_FEATURES], scratch[32], partials[ROW_THREADS];
    float columns[ROW_COLUMN_LOADS];
    if (inputGradient) load_column_share(weight, features, inputs, 4 * blockIdx.x, columns);
    wait_for_previous_kernel();
    let_next_kernel_start();
    // Fused plain SGD (`scalars` given): the step's rate, or no update after a divergence.
    StepSetting setting;
    const bool update = scalars && step_setting(scalars, rateCount, counters, &setting);
    const float rate = update ? (float)setting.rate : 0.0f;
    row_backward(dh, xb, activated, statistics[0], statistics[1], scale, gain, features, gainGradient, shiftGradient,
                 biasGradient, weight, input, inputs, weightGradient, inputGradient, dx, scratch, partials, columns,
                 update ? firstWeight : nullptr, rate);
    if (scalars)
        row_fused_sgd(update, rate, upperWeight, upperDx, activated, upperOutputs, features, runs, runCount, parameters,
                      gradients, counters);
}

"""#
}
