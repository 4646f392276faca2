import Foundation

/// Reloads a `DialplanStore` when its files change (polling their sizes and modification times,
/// which works on every filesystem, network mounts and editors' rename-on-save included) and, if
/// asked, on SIGHUP. Each reload's outcome goes to `onReload` for the gateway to log.
public final class DialplanWatcher: @unchecked Sendable {
    // `queue` serialises every access to the mutable state below.
    private let store: DialplanStore
    private let interval: Duration
    private let onReload: @Sendable (DialplanStore.ReloadOutcome) -> Void
    private let queue = DispatchQueue(label: "tandem.dialplan.watcher")
    private var timer: DispatchSourceTimer?
    private var signalSource: DispatchSourceSignal?
    private var lastFingerprint: [String: Fingerprint] = [:]

    struct Fingerprint: Equatable {
        var size: UInt64
        var modified: Date
    }

    public init(store: DialplanStore, interval: Duration = .seconds(2),
                onReload: @escaping @Sendable (DialplanStore.ReloadOutcome) -> Void) {
        self.store = store
        self.interval = interval
        self.onReload = onReload
    }

    /// Starts polling. The current files are the baseline: the caller has just loaded them.
    public func start() {
        queue.sync {
            guard timer == nil else { return }
            lastFingerprint = fingerprint()
            let t = DispatchSource.makeTimerSource(queue: queue)
            let ms = Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
            t.schedule(deadline: .now() + .milliseconds(ms), repeating: .milliseconds(max(ms, 10)))
            t.setEventHandler { [weak self] in self?.poll() }
            t.resume()
            timer = t
        }
    }

    /// Also reloads on `signal` (SIGHUP by default). The signal's default action is turned off.
    public func reloadOnSignal(_ number: Int32 = SIGHUP) {
        queue.sync {
            signal(number, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: number, queue: queue)
            s.setEventHandler { [weak self] in self?.reloadNow() }
            s.resume()
            signalSource = s
        }
    }

    public func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
            signalSource?.cancel()
            signalSource = nil
        }
    }

    deinit {
        timer?.cancel()
        signalSource?.cancel()
    }

    /// Checks the files once (the timer calls this; tests call it directly).
    func poll() {
        let now = fingerprint()
        guard now != lastFingerprint else { return }
        lastFingerprint = now
        onReload(store.reload())
    }

    @discardableResult
    private func reloadNow() -> DialplanStore.ReloadOutcome {
        lastFingerprint = fingerprint()
        let outcome = store.reload()
        onReload(outcome)
        return outcome
    }

    /// Reloads now, as SIGHUP does (for `tandem reload`), and returns what happened.
    public func reload() -> DialplanStore.ReloadOutcome {
        queue.sync { reloadNow() }
    }

    /// Runs one poll on the watcher's queue and waits for it.
    public func pollNow() {
        queue.sync { poll() }
    }

    /// Every `*.xml` in the folder and every file the plan in service read (includes elsewhere).
    private func fingerprint() -> [String: Fingerprint] {
        var paths = Set((try? LocalFileSystem().xmlFiles(in: store.directory)) ?? [])
        if let plan = store.snapshot() { paths.formUnion(plan.files) }
        var out: [String: Fingerprint] = [:]
        for path in paths {
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else { continue }
            let size = (attrs[.size] as? NSNumber)?.uint64Value ?? 0
            let modified = attrs[.modificationDate] as? Date ?? .distantPast
            out[path] = Fingerprint(size: size, modified: modified)
        }
        return out
    }
}
