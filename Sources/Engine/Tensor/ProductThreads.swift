// Threads of our own for the small matrix products of small batches.
//
// At batch 32 every product of the tutorial network is small (32×784 by
// 784×512 is 13 MFLOP, about 0.1 ms), and OpenBLAS's own threads cost a few
// microseconds each time they are woken and joined: 5–8 µs on each of the
// larger products, 3–4% of a step. Here the caller and one helper per extra
// core each compute a slice of C's columns (or rows) with single-threaded
// sgemm, and the helper waits for the next product by spinning briefly,
// then sleeps. Each element of C is computed by one thread over the whole of
// K, and the slices depend only on the shapes and the thread count, so a run
// repeats to the bit; as with OpenBLAS's own threads, the last bits can
// differ from a one-thread run's, since OpenBLAS blocks a narrower product
// differently.
//
// Used only while `BLAS.productThreads` is above 1, which the trainer sets
// when it trains on several threads (Trainer.fit);
// OpenBLAS then runs single-threaded, so the two kinds of threads never
// compete for the cores. A product requested while another thread's product
// is in flight runs single-threaded on its own caller.
import CBLAS
import Foundation
import Synchronization

/// One sgemm call, row-major, as the helpers read it.
struct ProductJob {
    var transposeA = false, transposeB = false
    var m = 0, n = 0, k = 0
    var alpha: Float = 1, beta: Float = 0
    var a: UnsafePointer<Float>? = nil, lda = 0
    var b: UnsafePointer<Float>? = nil, ldb = 0
    var c: UnsafeMutablePointer<Float>? = nil, ldc = 0
    /// Slices: C's columns when true, else its rows.
    var splitsColumns = true
    var parts = 1

    /// Runs slice `part` of `parts`, on the calling thread.
    func run(part: Int) {
        guard part < parts, let a, let b, let c else { return }
        let total = splitsColumns ? n : m
        // Slices in multiples of 16, the widest sgemm micro-kernel's stride.
        let unit = (total + parts - 1) / parts
        let size = (unit + 15) / 16 * 16
        let first = min(part * size, total), last = min(first + size, total)
        guard first < last else { return }
        if splitsColumns {
            let bSlice = transposeB ? b + first * ldb : b + first
            sgemm(m: m, n: last - first, a: a, b: bSlice, c: c + first)
        } else {
            let aSlice = transposeA ? a + first : a + first * lda
            sgemm(m: last - first, n: n, a: aSlice, b: b, c: c + first * ldc)
        }
    }

    private func sgemm(m: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

final class ProductThreads: @unchecked Sendable {
    static let shared = ProductThreads()

    /// Bumped by the caller for each product; helpers start when it moves.
    private let generation = Atomic<Int>(0)
    /// Helpers done with the current product.
    private let finished = Atomic<Int>(0)
    /// Set while a product is in flight.
    private let busy = Atomic<Bool>(false)
    /// Helpers asleep (or about to be) on `condition`.
    private let sleepers = Atomic<Int>(0)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Written by the caller before bumping `generation`, read by helpers after.
    private var job = ProductJob()
    private var helperCount = 0
    /// How long a helper spins for the next product before it sleeps.
    private let spinNanoseconds: UInt64 = 200_000

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Starts helpers until there are `count` (never stops them: they sleep
    /// when idle).
    func ensureHelpers(_ count: Int) {
        while helperCount < count {
            helperCount += 1
            let index = helperCount
            // Read here, not in the new thread: a product started before the
            // thread runs must still count as new to it.
            let seen = generation.load(ordering: .acquiring)
            let thread = Thread { [unowned self] in self.helperLoop(index: index, seen: seen) }
            thread.name = "tn-products-\(index)"
            thread.start()
        }
    }

    /// Computes `job` split into `job.parts` slices, slice 0 on this thread.
    func run(_ job: ProductJob) {
        guard job.parts - 1 <= helperCount,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            var alone = job
            alone.parts = 1
            alone.run(part: 0)
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        self.job = job
        finished.store(0, ordering: .relaxed)
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        job.run(part: 0)
        while finished.load(ordering: .acquiring) < helperCount {}
    }

    private func helperLoop(index: Int, seen start: Int) {
        var seen = start
        while true {
            let spinStart = DispatchTime.now().uptimeNanoseconds
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins &+= 1
                if spins & 1023 == 0, DispatchTime.now().uptimeNanoseconds - spinStart > spinNanoseconds {
                    sleep(whileGenerationIs: seen)
                }
            }
            seen = generation.load(ordering: .acquiring)
            job.run(part: index)
            finished.wrappingAdd(1, ordering: .releasing)
        }
    }

    private func sleep(whileGenerationIs seen: Int) {
        pthread_mutex_lock(mutex)
        sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen {
            pthread_cond_wait(condition, mutex)
        }
        sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }
}
