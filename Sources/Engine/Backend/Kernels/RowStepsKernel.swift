// The CUDA C of the persistent batch-1 kernel: every stage of many training
// steps in one cooperative launch (part of the module NVRTC compiles; see
// KernelSource.source).
//
// At batch 1 the row kernels take a step in 2n launches for n hidden layers
// (RowKernels.swift), and even overlapping, each launch costs a few µs on
// top of its work. row_training_steps launches once per epoch: a grid of
// at most one block per multiprocessor, all resident at once (a cooperative
// launch guarantees it or fails), runs each step's stages in order and
// meets at grid_barrier where a new launch would have begun. The stages are
// the row kernels' own functions, so the arithmetic is theirs.
//
// Which stages run, and with what, is a table in device memory: a stage per
// row of ROW_STAGE_SLOTS 64-bit slots, its kind first, then the arguments of
// the row kernel of that kind, one per slot in the kernel's order (a
// pointer's address, an int's or float's 32 bits, a double's 64), as
// CUDANetwork.rowStageTable packs them. run_row_stage reads them back with
// the kernel's types; a test holds each kind's reads to the kernel's
// signature. Only a step with plain SGD fused into it (no update kernel
// between steps) runs here.

extension KernelSource {
    /// 64-bit slots per stage in row_training_steps's table: the kind, then
    /// one per argument of the largest row kernel (row_head's 33).
    static let rowStageSlots = 40

    /// The row kernel each stage kind of row_training_steps runs (ROW_STAGE_* in the source, in this order).
    static let rowStageKernels = ["row_first_forward", "row_hidden_forward", "row_head", "row_hidden_backward"]

    /// The stage kind that runs `kernel`.
    static func rowStageKind(_ kernel: String) -> Int { rowStageKernels.firstIndex(of: kernel)! }

    static let rowStepsKernel = #"""

// ---- Many batch-1 steps in one launch -----------------------------------------------

#define ROW_STAGE_SLOTS \#(rowStageSlots)
#define ROW_STAGE_FIRST_FORWARD \#(rowStageKind("row_first_forward"))
#define ROW_STAGE_HIDDEN_FORWARD \#(rowStageKind("row_hidden_forward"))
#define ROW_STAGE_HEAD \#(rowStageKind("row_head"))
#define ROW_STAGE_HIDDEN_BACKWARD \#(rowStageKind("row_hidden_backward"))
#define SLOT_POINTER(type, i) ((type)stage[i])
#define SLOT_INT(i) ((int)(u32)stage[i])
#define SLOT_UINT(i) ((u32)stage[i])
#define SLOT_FLOAT(i) __int_as_float((int)(u32)stage[i])
#define SLOT_DOUBLE(i) __longlong_as_double((long long)stage[i])

// One stage from its row of the table (slot 0 the kind, then the arguments).
__device__ void run_row_stage(const u64* stage, u32* gridBarrier) {
    switch ((int)stage[0]) {
    case ROW_STAGE_FIRST_FORWARD:
        row_first_forward_stage(SLOT_POINTER(const float*, 1), SLOT_POINTER(const int*, 2), SLOT_POINTER(const int*, 3),
                                SLOT_POINTER(float*, 4), SLOT_POINTER(int*, 5), SLOT_INT(6),
                                SLOT_POINTER(const float*, 7), SLOT_INT(8), SLOT_POINTER(float*, 9),
                                SLOT_POINTER(const u32*, 10), gridBarrier);
        break;
    case ROW_STAGE_HIDDEN_FORWARD:
        row_hidden_forward_stage(SLOT_POINTER(const float*, 1), SLOT_POINTER(const float*, 2),
                                 SLOT_POINTER(const float*, 3), SLOT_POINTER(const float*, 4), SLOT_INT(5),
                                 SLOT_FLOAT(6), SLOT_FLOAT(7), SLOT_UINT(8), SLOT_UINT(9), SLOT_UINT(10),
                                 SLOT_POINTER(float*, 11), SLOT_POINTER(float*, 12), SLOT_POINTER(float*, 13),
                                 SLOT_POINTER(const float*, 14), SLOT_INT(15), SLOT_POINTER(float*, 16),
                                 SLOT_POINTER(const u32*, 17), gridBarrier);
        break;
    case ROW_STAGE_HEAD:
        row_head_stage(SLOT_POINTER(const float*, 1), SLOT_POINTER(const float*, 2), SLOT_POINTER(const float*, 3),
                       SLOT_POINTER(const float*, 4), SLOT_INT(5), SLOT_FLOAT(6), SLOT_FLOAT(7), SLOT_UINT(8),
                       SLOT_UINT(9), SLOT_UINT(10), SLOT_POINTER(float*, 11), SLOT_POINTER(float*, 12),
                       SLOT_POINTER(float*, 13), SLOT_POINTER(const float*, 14), SLOT_POINTER(const float*, 15),
                       SLOT_INT(16), SLOT_POINTER(float*, 17), SLOT_POINTER(float*, 18), SLOT_POINTER(float*, 19),
                       SLOT_POINTER(const int*, 20), SLOT_POINTER(double*, 21), SLOT_POINTER(u32*, 22),
                       SLOT_DOUBLE(23), SLOT_POINTER(double*, 24), SLOT_INT(25), SLOT_POINTER(float*, 26),
                       SLOT_POINTER(float*, 27), SLOT_POINTER(float*, 28), SLOT_POINTER(const float*, 29),
                       SLOT_POINTER(const float*, 30), SLOT_INT(31), SLOT_POINTER(float*, 32),
                       SLOT_POINTER(float*, 33), gridBarrier);
        break;
    case ROW_STAGE_HIDDEN_BACKWARD:
        row_hidden_backward_stage(SLOT_POINTER(const float*, 1), SLOT_POINTER(const float*, 2),
                                  SLOT_POINTER(const float*, 3), SLOT_POINTER(const float*, 4), SLOT_FLOAT(5),
                                  SLOT_POINTER(const float*, 6), SLOT_INT(7), SLOT_POINTER(float*, 8),
                                  SLOT_POINTER(float*, 9), SLOT_POINTER(float*, 10), SLOT_POINTER(const float*, 11),
                                  SLOT_POINTER(const float*, 12), SLOT_INT(13), SLOT_POINTER(float*, 14),
                                  SLOT_POINTER(float*, 15), SLOT_POINTER(const double*, 16), SLOT_INT(17),
                                  SLOT_POINTER(u32*, 18), SLOT_POINTER(float*, 19), SLOT_POINTER(const float*, 20),
                                  SLOT_INT(21), SLOT_POINTER(float*, 22), SLOT_POINTER(const int*, 23), SLOT_INT(24),
                                  SLOT_POINTER(float*, 25), SLOT_POINTER(const float*, 26), gridBarrier);
        break;
    }
}

// `steps` training steps, each the table's stages in order. Launched
// cooperatively with every block resident; gridBarrier is grid_barrier's
// state (its count at 0, and left at 0 again, with its round moved on). The
// first stage's barrier orders each step after the step before it, whose
// last stage updated the first layer's weights and moved the counters on.
extern "C" __global__ void row_training_steps(const u64* stages, int stageCount, int steps, u32* gridBarrier) {
    grid_barrier_start(gridBarrier);
    for (int step = 0; step < steps; ++step)
        for (int k = 0; k < stageCount; ++k) run_row_stage(stages + (long long)k * ROW_STAGE_SLOTS, gridBarrier);
}
"""#
}
