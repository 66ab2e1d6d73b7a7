// The optimizer flags shared by `tn optimize` and `tn train`: --optimizer,
// every hyperparameter under PyTorch's name in kebab-case, --schedule and
// --clip-norm. Validation gives one-line errors that name the flag and the
// accepted values; the factories turn the flags into Engine values.
import ArgumentParser
import Engine

/// A bad flag value, printed as one line ("Error: --lr must be >= 0, got -1").
struct OptionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The optimizers `--optimizer` accepts, in the order of the tutorial.
let optimizerNames = ["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam", "radam"]

struct OptimizerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The optimizer: \(optimizerNames.joined(separator: ", ")).", valueName: "name"))
    var optimizer: String = "sgd"

    // `.unconditional` so that a negative number is read as the value (and then
    // rejected by validate with a clear message), not as an unknown flag.
    @Option(parsing: .unconditional, help: "Learning rate (default: PyTorch's for the optimizer, e.g. 1e-3 for adam, 1.0 for adadelta).")
    var lr: Double?
    @Option(parsing: .unconditional, help: "Momentum factor (sgd, rmsprop; default 0).")
    var momentum: Double?
    @Option(parsing: .unconditional, help: "Dampening of the momentum (sgd; default 0).")
    var dampening: Double?
    @Flag(help: "Nesterov momentum (sgd; needs --momentum > 0 and --dampening 0).")
    var nesterov = false
    @Option(parsing: .unconditional, help: "Smoothing constant of the squared-gradient average (rmsprop; default 0.99).")
    var alpha: Double?
    @Option(parsing: .unconditional, help: "Term added to the denominator (default 1e-8; adagrad 1e-10, adadelta 1e-6).")
    var eps: Double?
    @Flag(help: "Normalise by the estimated gradient variance (rmsprop).")
    var centered = false
    @Option(parsing: .unconditional, help: "First-moment decay β₁ in [0, 1) (adam, adamw, adamax, nadam, radam; default 0.9).")
    var beta1: Double?
    @Option(parsing: .unconditional, help: "Second-moment decay β₂ in [0, 1) (adam, adamw, adamax, nadam, radam; default 0.999).")
    var beta2: Double?
    @Option(parsing: .unconditional, help: "Weight decay λ: L2 added to the gradient; decoupled for adamw (default 0; adamw 1e-2).")
    var weightDecay: Double?
    @Flag(help: "Use the AMSGrad variant (adam, adamw).")
    var amsgrad = false
    @Option(parsing: .unconditional, help: "Learning-rate decay per step (adagrad; default 0).")
    var lrDecay: Double?
    @Option(parsing: .unconditional, help: "Starting value of the squared-gradient sum (adagrad; default 0).")
    var initialAccumulatorValue: Double?
    @Option(parsing: .unconditional, help: "Decay of the running averages, in [0, 1] (adadelta; default 0.9).")
    var rho: Double?
    @Option(parsing: .unconditional, help: "Momentum decay ψ (nadam; default 4e-3).")
    var momentumDecay: Double?

    @Option(help: ArgumentHelp(
        "Learning-rate schedule: \(learningRateScheduleForms). Example: warmup:500+cosine:10e.",
        valueName: "schedule"))
    var schedule: String = "constant"
    @Option(parsing: .unconditional, help: "Clip the gradient to this global Euclidean norm before each step (PyTorch's clip_grad_norm_).")
    var clipNorm: Double?

    /// Which optimizers each hyperparameter flag applies to; giving a flag to
    /// another optimizer is an error, as an unexpected keyword is in PyTorch.
    private var flagsGiven: [(flag: String, given: Bool, appliesTo: [String])] {
        let adamFamily = ["adam", "adamw", "adamax", "nadam", "radam"]
        return [
            ("--momentum", momentum != nil, ["sgd", "rmsprop"]),
            ("--dampening", dampening != nil, ["sgd"]),
            ("--nesterov", nesterov, ["sgd"]),
            ("--alpha", alpha != nil, ["rmsprop"]),
            ("--centered", centered, ["rmsprop"]),
            ("--beta1", beta1 != nil, adamFamily),
            ("--beta2", beta2 != nil, adamFamily),
            ("--amsgrad", amsgrad, ["adam", "adamw"]),
            ("--lr-decay", lrDecay != nil, ["adagrad"]),
            ("--initial-accumulator-value", initialAccumulatorValue != nil, ["adagrad"]),
            ("--rho", rho != nil, ["adadelta"]),
            ("--momentum-decay", momentumDecay != nil, ["nadam"]),
        ]
    }

    func validate() throws {
        guard optimizerNames.contains(optimizer) else {
            throw OptionError("--optimizer: unknown optimizer '\(optimizer)'; accepted: \(optimizerNames.joined(separator: ", "))")
        }
        for entry in flagsGiven where entry.given && !entry.appliesTo.contains(optimizer) {
            throw OptionError("\(entry.flag) does not apply to \(optimizer); it applies to \(entry.appliesTo.joined(separator: ", "))")
        }
        try check("--lr", lr, "a number >= 0") { $0 >= 0 }
        try check("--momentum", momentum, "a number >= 0") { $0 >= 0 }
        try check("--dampening", dampening, "a number") { _ in true }
        try check("--alpha", alpha, "a number >= 0") { $0 >= 0 }
        try check("--eps", eps, "a number >= 0") { $0 >= 0 }
        try check("--beta1", beta1, "a number in [0, 1)") { $0 >= 0 && $0 < 1 }
        try check("--beta2", beta2, "a number in [0, 1)") { $0 >= 0 && $0 < 1 }
        try check("--weight-decay", weightDecay, "a number >= 0") { $0 >= 0 }
        try check("--lr-decay", lrDecay, "a number >= 0") { $0 >= 0 }
        try check("--initial-accumulator-value", initialAccumulatorValue, "a number >= 0") { $0 >= 0 }
        try check("--rho", rho, "a number in [0, 1]") { $0 >= 0 && $0 <= 1 }
        try check("--momentum-decay", momentumDecay, "a number >= 0") { $0 >= 0 }
        try check("--clip-norm", clipNorm, "a number > 0") { $0 > 0 }
        if nesterov && ((momentum ?? 0) <= 0 || (dampening ?? 0) != 0) {
            throw OptionError("--nesterov requires --momentum > 0 and --dampening 0 (got momentum \(momentum ?? 0), dampening \(dampening ?? 0))")
        }
        // Checks the syntax; epoch durations are resolved by makeSchedule.
        _ = try makeSchedule(stepsPerEpoch: 1)
    }

    private func check(
        _ flag: String, _ value: Double?, _ accepted: String, _ isValid: (Double) -> Bool
    ) throws {
        guard let value else { return }
        if !value.isFinite || !isValid(value) {
            throw OptionError("\(flag) must be \(accepted), got \(value)")
        }
    }

    /// The hyperparameters the optimizer will use, defaults filled in, under
    /// PyTorch's names; `tn optimize --json` prints them as "params".
    var resolvedParameters: [(name: String, value: Double)] {
        switch optimizer {
        case "sgd":
            return [("lr", lr ?? 1e-3), ("momentum", momentum ?? 0), ("dampening", dampening ?? 0),
                    ("weight_decay", weightDecay ?? 0)]
        case "rmsprop":
            return [("lr", lr ?? 1e-2), ("alpha", alpha ?? 0.99), ("eps", eps ?? 1e-8),
                    ("weight_decay", weightDecay ?? 0), ("momentum", momentum ?? 0)]
        case "adam", "adamw":
            return [("lr", lr ?? 1e-3), ("beta1", beta1 ?? 0.9), ("beta2", beta2 ?? 0.999),
                    ("eps", eps ?? 1e-8), ("weight_decay", weightDecay ?? (optimizer == "adamw" ? 1e-2 : 0))]
        case "adagrad":
            return [("lr", lr ?? 1e-2), ("lr_decay", lrDecay ?? 0), ("weight_decay", weightDecay ?? 0),
                    ("initial_accumulator_value", initialAccumulatorValue ?? 0), ("eps", eps ?? 1e-10)]
        case "adadelta":
            return [("lr", lr ?? 1.0), ("rho", rho ?? 0.9), ("eps", eps ?? 1e-6), ("weight_decay", weightDecay ?? 0)]
        case "adamax", "radam":
            return [("lr", lr ?? (optimizer == "adamax" ? 2e-3 : 1e-3)), ("beta1", beta1 ?? 0.9),
                    ("beta2", beta2 ?? 0.999), ("eps", eps ?? 1e-8), ("weight_decay", weightDecay ?? 0)]
        case "nadam":
            return [("lr", lr ?? 2e-3), ("beta1", beta1 ?? 0.9), ("beta2", beta2 ?? 0.999),
                    ("eps", eps ?? 1e-8), ("weight_decay", weightDecay ?? 0), ("momentum_decay", momentumDecay ?? 4e-3)]
        default:
            return []
        }
    }

    /// The boolean options in force, under PyTorch's names.
    var resolvedFlags: [(name: String, value: Bool)] {
        switch optimizer {
        case "sgd": return [("nesterov", nesterov)]
        case "rmsprop": return [("centered", centered)]
        case "adam", "adamw": return [("amsgrad", amsgrad)]
        default: return []
        }
    }

    /// The optimizer the flags describe, for a run in `Scalar` precision.
    func makeOptimizer<Scalar: BinaryFloatingPoint>(_ scalar: Scalar.Type = Scalar.self) throws -> any Optimizer<Scalar> {
        try validate()
        let value = Dictionary(uniqueKeysWithValues: resolvedParameters.map { ($0.name, $0.value) })
        func v(_ name: String) -> Double { value[name]! }
        switch optimizer {
        case "sgd":
            return SGD<Scalar>(learningRate: v("lr"), momentum: v("momentum"), dampening: v("dampening"),
                               nesterov: nesterov, weightDecay: v("weight_decay"))
        case "rmsprop":
            return RMSprop<Scalar>(learningRate: v("lr"), alpha: v("alpha"), epsilon: v("eps"),
                                   weightDecay: v("weight_decay"), momentum: v("momentum"), centered: centered)
        case "adam":
            return Adam<Scalar>(learningRate: v("lr"), beta1: v("beta1"), beta2: v("beta2"), epsilon: v("eps"),
                                weightDecay: v("weight_decay"), amsgrad: amsgrad)
        case "adamw":
            return AdamW<Scalar>(learningRate: v("lr"), beta1: v("beta1"), beta2: v("beta2"), epsilon: v("eps"),
                                 weightDecay: v("weight_decay"), amsgrad: amsgrad)
        case "adagrad":
            return Adagrad<Scalar>(learningRate: v("lr"), learningRateDecay: v("lr_decay"),
                                   weightDecay: v("weight_decay"),
                                   initialAccumulatorValue: v("initial_accumulator_value"), epsilon: v("eps"))
        case "adadelta":
            return Adadelta<Scalar>(learningRate: v("lr"), rho: v("rho"), epsilon: v("eps"),
                                    weightDecay: v("weight_decay"))
        case "adamax":
            return Adamax<Scalar>(learningRate: v("lr"), beta1: v("beta1"), beta2: v("beta2"), epsilon: v("eps"),
                                  weightDecay: v("weight_decay"))
        case "nadam":
            return NAdam<Scalar>(learningRate: v("lr"), beta1: v("beta1"), beta2: v("beta2"), epsilon: v("eps"),
                                 weightDecay: v("weight_decay"), momentumDecay: v("momentum_decay"))
        case "radam":
            return RAdam<Scalar>(learningRate: v("lr"), beta1: v("beta1"), beta2: v("beta2"), epsilon: v("eps"),
                                 weightDecay: v("weight_decay"))
        default:
            throw OptionError("--optimizer: unknown optimizer '\(optimizer)'; accepted: \(optimizerNames.joined(separator: ", "))")
        }
    }

    /// The learning-rate schedule. `stepsPerEpoch` resolves durations written
    /// in epochs (`cosine:10e`); pass nil where there are no epochs.
    func makeSchedule(stepsPerEpoch: Int?) throws -> any LearningRateSchedule {
        do {
            return try parseLearningRateSchedule(schedule, stepsPerEpoch: stepsPerEpoch)
        } catch let error as ScheduleSyntaxError {
            throw OptionError("--schedule: \(error.message); accepted: \(learningRateScheduleForms)")
        }
    }
}
