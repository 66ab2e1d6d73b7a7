// The CUDA C of the optimizer updates and of gradient clipping (part of the
// module NVRTC compiles; see KernelSource.source).
//
// Each optimizer is one launch over the whole flat parameter buffer, one
// thread per parameter, with torch.optim's formulas. Every update kernel
// takes the same leading arguments,
//     (parameters, gradients, state, count, scalars, rateCount, counters, …)
// where `state` holds the optimizer's per-parameter buffers one after
// another (buffer k at state + k·count) and `scalars` the step scalars
// (KernelSource.Scalar): this step's learning rate, looked up by the step's
// index in the epoch, so that schedules need no new kernel arguments inside a
// captured graph; the clipping coefficient; NAdam's momentum product. Per-step
// coefficients (bias corrections, NAdam's μₜ, RAdam's rectification) are
// worked out by every thread from the step counter, in double as PyTorch works
// them out in Python floats. After a diverged step (the loss kernel sets the
// counter) the updates do nothing, so the parameters stay where the CPU
// trainer stops.
//
// Each kernel's CPU twin is DeviceOptimizer.twinUpdate; they round alike
// (the module is compiled without multiply-add contraction).

extension KernelSource {
    static let optimizerKernels = #"""

// ---- Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_) -----------

// Each of the grid's blocks sums the squares of a strided share of the
// gradient in double (thread t of block b takes b·256 + t, then every
// gridDim·256-th element), then in a fixed tree: one partial sum per block.
// The grid's last block sums the partials the same way and works out the
// norm and min(1, maxNorm / (norm + 1e-6)), NaN when the norm is NaN (PyTorch
// multiplies by it anyway). The updates then multiply each gradient by it,
// which is exact when it is 1. A negative maxNorm only measures: the
// coefficient stays 1. With `normLog`, the norm is also kept at the step's
// index in the epoch, for the epoch's one read-back.
extern "C" __global__ void gradient_square_sums(const float* gradients, int count, double* partials, double maxNorm,
                                                double* scalars, double* normLog, int logCapacity, u32* counters) {
    wait_for_previous_kernel();
    __shared__ double scratch[256];
    double sum = 0.0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
         i += (long long)gridDim.x * blockDim.x) {
        const double g = (double)gradients[i];
        sum += g * g;
    }
    scratch[threadIdx.x] = sum;
    __syncthreads();
    for (int width = blockDim.x / 2; width > 0; width >>= 1) {
        if ((int)threadIdx.x < width) scratch[threadIdx.x] += scratch[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0) partials[blockIdx.x] = scratch[0];
    if (!last_block_to_finish(counters)) return;
    double total = 0.0;
    for (int b = threadIdx.x; b < (int)gridDim.x; b += blockDim.x) total += __ldcg(partials + b);
    scratch[threadIdx.x] = total;
    __syncthreads();
    for (int width = blockDim.x / 2; width > 0; width >>= 1) {
        if ((int)threadIdx.x < width) scratch[threadIdx.x] += scratch[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        const double norm = sqrt(scratch[0]);
        const double coefficient = maxNorm / (norm + 1e-6);
        scalars[SCALAR_GRADIENT_NORM] = norm;
        scalars[SCALAR_GRADIENT_SCALE] = maxNorm < 0.0 ? 1.0 : norm != norm ? norm : (coefficient < 1.0 ? coefficient : 1.0);
        const u32 inEpoch = counters[COUNTER_STEP_IN_EPOCH];
        if (normLog && inEpoch < (u32)logCapacity) normLog[inEpoch] = norm;
    }
}

// ---- Optimizers: one launch over the whole flat parameter buffer ---------------

// What every update reads besides its own state. False after a diverged step.
struct StepSetting {
    double rate;   // this step's learning rate
    float scale;   // the clipping coefficient
    double step;   // t, from 1
};

__device__ __forceinline__ bool step_setting(const double* scalars, int rateCount, u32* counters,
                                             StepSetting* setting) {
    if (counters[COUNTER_FIRST_DIVERGED] != 0) return false;
    const u32 inEpoch = counters[COUNTER_STEP_IN_EPOCH];
    const u32 last = (u32)(rateCount - 1);
    setting->rate = scalars[SCALAR_LEARNING_RATES + (inEpoch < last ? inEpoch : last)];
    setting->scale = (float)scalars[SCALAR_GRADIENT_SCALE];
    setting->step = (double)counters[COUNTER_COMPLETED_STEPS] + 1.0;
    return true;
}

// torch.lerp(start, end, weight): the formula switches at weight 0.5 so that
// both ends are exact.
__device__ __forceinline__ float torch_lerp(float start, float end, float weight) {
    return weight < 0.5f ? start + weight * (end - start) : end - (end - start) * (1.0f - weight);
}

// Adam's two moments at i (Adam, NAdam, RAdam): m ← lerp(m, g, 1 − β₁),
// v ← β₂v + (1 − β₂)g², in the state's first two buffers; stored and returned.
__device__ __forceinline__ void update_moments(float* state, int count, int i, float gradient, double beta1, double beta2,
                                               float* mi, float* vi) {
    float* m = state;
    float* v = state + count;
    *mi = torch_lerp(m[i], gradient, 1.0f - (float)beta1);
    *vi = v[i] * (float)beta2 + (1.0f - (float)beta2) * gradient * gradient;
    m[i] = *mi;
    v[i] = *vi;
}

// The last node of a step: once every block has updated its parameters, the
// grid's last block moves the step counters on (the next step takes the next
// batch), so that no one-thread kernel has to follow.
__device__ __forceinline__ void advance_step(u32* counters) {
    if (last_block_to_finish(counters) && threadIdx.x == 0) {
        counters[COUNTER_STEP_IN_EPOCH] += 1;
        counters[COUNTER_COMPLETED_STEPS] += 1;
    }
}

// Every update kernel's body sits between these two: the prologue's test
// skips the update for threads past the end and after a divergence, but no
// thread returns early, since all of them take part in advance_step.
#define UPDATE_PROLOGUE                                                                  \
    wait_for_previous_kernel();                                                          \
    let_next_kernel_start();                                                             \
    const int i = blockIdx.x * blockDim.x + threadIdx.x;                                 \
    StepSetting setting;                                                                 \
    if (i < count && step_setting(scalars, rateCount, counters, &setting)) {             \
    float gradient = gradients[i] * setting.scale;                                       \
    float parameter = parameters[i];
#define UPDATE_EPILOGUE                                                                  \
    }                                                                                    \
    advance_step(counters);

// torch.optim.SGD: g ← g + λθ; b ← g on the first step, else μb + (1 − τ)g;
// g ← g + μb (Nesterov) or b; θ ← θ − ηg.
extern "C" __global__ void sgd_update(float* parameters, const float* gradients, float* state, int count,
                                      const double* scalars, int rateCount, u32* counters,
                                      float momentum, float dampening, float weightDecay, int nesterov) {
    UPDATE_PROLOGUE
    if (weightDecay != 0.0f) gradient = gradient + weightDecay * parameter;
    if (momentum != 0.0f) {
        float buffer = gradient;
        if (setting.step > 1.0) buffer = momentum * state[i] + (1.0f - dampening) * gradient;
        state[i] = buffer;
        gradient = nesterov ? gradient + momentum * buffer : buffer;
    }
    parameters[i] = parameter - (float)setting.rate * gradient;
    UPDATE_EPILOGUE
}

// torch.optim.Adam / AdamW (decoupled = 1), with AMSGrad's running maximum
// of v (third buffer) when asked.
extern "C" __global__ void adam_update(float* parameters, const float* gradients, float* state, int count,
                                       const double* scalars, int rateCount, u32* counters,
                                       double beta1, double beta2, float epsilon, float weightDecay,
                                       int decoupled, int amsgrad) {
    UPDATE_PROLOGUE
    const double correction1 = 1.0 - pow(beta1, setting.step);
    const float correction2Root = (float)sqrt(1.0 - pow(beta2, setting.step));
    const float stepSize = (float)(setting.rate / correction1);
    if (weightDecay != 0.0f) {
        if (decoupled) parameter = parameter * (float)(1.0 - setting.rate * (double)weightDecay);
        else gradient = gradient + weightDecay * parameter;
    }
    float mi, vi;
    update_moments(state, count, i, gradient, beta1, beta2, &mi, &vi);
    float second = vi;
    if (amsgrad) {
        float* vMax = state + 2 * (long long)count;
        second = fmaxf(vMax[i], vi);
        vMax[i] = second;
    }
    const float denominator = sqrtf(second) / correction2Root + epsilon;
    parameters[i] = parameter - stepSize * (mi / denominator);
    UPDATE_EPILOGUE
}

// torch.optim.RMSprop: s ← αs + (1 − α)g²; centered: a ← lerp(a, g, 1 − α)
// and d = √(s − a²) + ε, else d = √s + ε; with momentum b ← μb + g/d and
// θ ← θ − ηb, else θ ← θ − ηg/d. Buffers: s, then a (centered), then b.
extern "C" __global__ void rmsprop_update(float* parameters, const float* gradients, float* state, int count,
                                          const double* scalars, int rateCount, u32* counters,
                                          float alpha, float epsilon, float weightDecay, float momentum,
                                          int centered) {
    UPDATE_PROLOGUE
    if (weightDecay != 0.0f) gradient = gradient + weightDecay * parameter;
    float* s = state;
    const float si = s[i] * alpha + (1.0f - alpha) * gradient * gradient;
    s[i] = si;
    float root;
    if (centered) {
        float* a = state + count;
        const float ai = torch_lerp(a[i], gradient, 1.0f - alpha);
        a[i] = ai;
        root = sqrtf(si - ai * ai);
    } else {
        root = sqrtf(si);
    }
    const float denominator = root + epsilon;
    const float negativeRate = (float)(-setting.rate);
    if (momentum > 0.0f) {
        float* b = state + (long long)(centered ? 2 : 1) * count;
        const float bi = b[i] * momentum + gradient / denominator;
        b[i] = bi;
        parameters[i] = parameter + negativeRate * bi;
    } else {
        parameters[i] = parameter + negativeRate * gradient / denominator;
    }
    UPDATE_EPILOGUE
}

// torch.optim.Adagrad: η̃ = η / (1 + (t − 1)·lr_decay); s ← s + g²;
// θ ← θ − η̃ g / (√s + ε). s starts at initial_accumulator_value (set by the host).
extern "C" __global__ void adagrad_update(float* parameters, const float* gradients, float* state, int count,
                                          const double* scalars, int rateCount, u32* counters,
                                          double learningRateDecay, float weightDecay, float epsilon) {
    UPDATE_PROLOGUE
    const float negativeRate = (float)(-(setting.rate / (1.0 + (setting.step - 1.0) * learningRateDecay)));
    if (weightDecay != 0.0f) gradient = gradient + weightDecay * parameter;
    const float si = state[i] + gradient * gradient;
    state[i] = si;
    parameters[i] = parameter + negativeRate * gradient / (sqrtf(si) + epsilon);
    UPDATE_EPILOGUE
}

// torch.optim.Adadelta: s ← ρs + (1 − ρ)g²; Δ = √(u + ε)/√(s + ε)·g;
// u ← ρu + (1 − ρ)Δ²; θ ← θ − ηΔ. Buffers: s, u.
extern "C" __global__ void adadelta_update(float* parameters, const float* gradients, float* state, int count,
                                           const double* scalars, int rateCount, u32* counters,
                                           float rho, float epsilon, float weightDecay) {
    UPDATE_PROLOGUE
    if (weightDecay != 0.0f) gradient = gradient + weightDecay * parameter;
    float* s = state;
    float* u = state + count;
    const float si = s[i] * rho + (1.0f - rho) * gradient * gradient;
    s[i] = si;
    const float delta = sqrtf(u[i] + epsilon) / sqrtf(si + epsilon) * gradient;
    u[i] = u[i] * rho + (1.0f - rho) * delta * delta;
    parameters[i] = parameter + (float)(-setting.rate) * delta;
    UPDATE_EPILOGUE
}

// torch.optim.Adamax: m ← lerp(m, g, 1 − β₁); u ← max(β₂u, |g| + ε);
// θ ← θ − η/(1 − β₁ᵗ)·m/u. Buffers: m, u.
extern "C" __global__ void adamax_update(float* parameters, const float* gradients, float* state, int count,
                                         const double* scalars, int rateCount, u32* counters,
                                         double beta1, float beta2, float epsilon, float weightDecay) {
    UPDATE_PROLOGUE
    const float negativeStepSize = (float)(-(setting.rate / (1.0 - pow(beta1, setting.step))));
    if (weightDecay != 0.0f) gradient = gradient + weightDecay * parameter;
    float* m = state;
    float* u = state + count;
    const float mi = torch_lerp(m[i], gradient, 1.0f - (float)beta1);
    const float scaled = u[i] * beta2, bounded = fabsf(gradient) + epsilon;
    const float ui = bounded >= scaled ? bounded : scaled;  // Swift's max(scaled, bounded), NaN included
    m[i] = mi;
    u[i] = ui;
    parameters[i] = parameter + negativeStepSize * mi / ui;
    UPDATE_EPILOGUE
}

// torch.optim.NAdam: μₜ = β₁(1 − ½·0.96^(tψ)); Πₜ = Πₜ₋₁μₜ (rounded to float,
// as PyTorch keeps it in a float32 tensor); m ← lerp(m, g, 1 − β₁);
// v ← β₂v + (1 − β₂)g²; d = √(v/(1 − β₂ᵗ)) + ε;
// θ ← θ − η(1 − μₜ)/(1 − Πₜ)·g/d − ημₜ₊₁/(1 − Πₜμₜ₊₁)·m/d. Buffers: m, v.
// Πₜ₋₁ is read from slot (t − 1) mod 2 and Πₜ written to slot t mod 2 by one thread.
extern "C" __global__ void nadam_update(float* parameters, const float* gradients, float* state, int count,
                                        double* scalars, int rateCount, u32* counters,
                                        double beta1, double beta2, float epsilon, float weightDecay,
                                        double momentumDecay) {
    UPDATE_PROLOGUE
    const u32 completed = counters[COUNTER_COMPLETED_STEPS];
    const double mu = beta1 * (1.0 - 0.5 * pow(0.96, setting.step * momentumDecay));
    const double muNext = beta1 * (1.0 - 0.5 * pow(0.96, (setting.step + 1.0) * momentumDecay));
    const double product = (double)((float)scalars[SCALAR_NADAM_PRODUCT + (completed & 1u)] * (float)mu);
    if (i == 0) scalars[SCALAR_NADAM_PRODUCT + ((completed + 1u) & 1u)] = product;
    const double productNext = product * muNext;
    const float gradientCoefficient = (float)(-setting.rate * (1.0 - mu) / (1.0 - product));
    const float averageCoefficient = (float)((-setting.rate * muNext) / (1.0 - productNext));
    const float correction2 = (float)(1.0 - pow(beta2, setting.step));
    if (weightDecay != 0.0f) gradient = gradient + weightDecay * parameter;
    float mi, vi;
    update_moments(state, count, i, gradient, beta1, beta2, &mi, &vi);
    const float denominator = sqrtf(vi / correction2) + epsilon;
    const float afterGradient = parameter + gradientCoefficient * gradient / denominator;
    parameters[i] = afterGradient + averageCoefficient * mi / denominator;
    UPDATE_EPILOGUE
}

// torch.optim.RAdam: m, v as Adam; ρ∞ = 2/(1 − β₂) − 1, ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ);
// while ρₜ ≤ 5 plain momentum θ ← θ − η·m/(1 − β₁ᵗ), after that the rectified
// adaptive step. Buffers: m, v.
extern "C" __global__ void radam_update(float* parameters, const float* gradients, float* state, int count,
                                        const double* scalars, int rateCount, u32* counters,
                                        double beta1, double beta2, float epsilon, float weightDecay) {
    UPDATE_PROLOGUE
    const double t = setting.step;
    const float correction1 = (float)(1.0 - pow(beta1, t));
    const double correction2 = 1.0 - pow(beta2, t);
    const double rhoInfinity = 2.0 / (1.0 - beta2) - 1.0;
    const double rho = rhoInfinity - 2.0 * t * pow(beta2, t) / correction2;
    const float rate = (float)setting.rate;
    if (weightDecay != 0.0f) gradient = gradient + weightDecay * parameter;
    float mi, vi;
    update_moments(state, count, i, gradient, beta1, beta2, &mi, &vi);
    const float corrected = mi / correction1;
    float update;
    if (rho > 5.0) {
        const float rectification = (float)sqrt((rho - 4.0) * (rho - 2.0) * rhoInfinity
                                                / ((rhoInfinity - 4.0) * (rhoInfinity - 2.0) * rho));
        const float adaptive = (1.0f / (sqrtf(vi) + epsilon)) * (float)sqrt(correction2);
        update = corrected * rate * adaptive * rectification;
    } else {
        update = corrected * rate;
    }
    parameters[i] = parameter - update;
    UPDATE_EPILOGUE
}
"""#
}
