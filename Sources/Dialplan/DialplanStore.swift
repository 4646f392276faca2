import Foundation

/// The dialplan currently in service. The gateway takes a `snapshot()` when a call starts and routes
/// with it, so a reload never changes a call in flight; `reload()` loads and checks the folder and
/// swaps only if it is clean, otherwise the old plan keeps serving and the errors are returned.
public final class DialplanStore: @unchecked Sendable {
    // Everything mutable is behind `lock`; Dialplan values are immutable and shared by reference.
    private let lock = NSLock()
    private var current: Dialplan?
    private var currentGeneration = 0
    private var currentEnvironment: DialplanEnvironment
    public let directory: String
    private let fileSystem: any DialplanFileSystem

    /// What a reload did.
    public enum ReloadOutcome: Sendable {
        /// The folder checked clean and is now in service; warnings, if any, are for the log.
        case loaded(Dialplan, generation: Int, warnings: [Diagnostic])
        /// The folder has errors; the previous plan (if any) keeps serving.
        case refused([Diagnostic])
    }

    public init(directory: String, environment: DialplanEnvironment = .unchecked,
                fileSystem: any DialplanFileSystem = LocalFileSystem()) {
        self.directory = directory
        self.currentEnvironment = environment
        self.fileSystem = fileSystem
    }

    /// The plan in service, for routing one call; nil before the first successful load.
    public func snapshot() -> Dialplan? {
        lock.withLock { current }
    }

    /// Counts successful loads, so logs can say which plan routed a call.
    public var generation: Int { lock.withLock { currentGeneration } }

    /// The names references are checked against; set before `reload()` when the config changes.
    public var environment: DialplanEnvironment {
        get { lock.withLock { currentEnvironment } }
        set { lock.withLock { currentEnvironment = newValue } }
    }

    /// Loads and checks the whole folder; in service only if it has no errors.
    @discardableResult
    public func reload() -> ReloadOutcome {
        // Loading happens outside the lock: routing keeps taking snapshots meanwhile.
        let result = DialplanLoader.load(directory: directory, environment: environment, fileSystem: fileSystem)
        guard let plan = result.dialplan else { return .refused(result.errors) }
        let generation = lock.withLock { () -> Int in
            current = plan
            currentGeneration += 1
            return currentGeneration
        }
        return .loaded(plan, generation: generation, warnings: result.warnings)
    }
}
