import Foundation
import Testing
@testable import Dialplan

/// Hot reload: clean folders swap in, broken ones are refused, calls keep their snapshot.
@Suite(.serialized) struct StoreTests {
    func folder() throws -> String {
        let dir = NSTemporaryDirectory() + "dp-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func echoPlan(_ number: String) -> String {
        "<dialplan><context name=\"c\"><route name=\"r\"><match field=\"destination\" equals=\"\(number)\"/><echo/></route></context></dialplan>"
    }

    @Test func reloadSwapsOnlyCleanPlansAndSnapshotsStayPut() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(echoPlan("1"), to: dir + "/a.xml")
        let store = DialplanStore(directory: dir)
        #expect(store.snapshot() == nil)
        guard case .loaded(_, let generation, _) = store.reload() else {
            Issue.record("first load refused")
            return
        }
        #expect(generation == 1)
        let inFlight = try #require(store.snapshot())

        try write("<dialplan><context name=\"c\"><route name=\"r\"><bogus/></route></context></dialplan>", to: dir + "/a.xml")
        guard case .refused(let errors) = store.reload() else {
            Issue.record("broken plan accepted")
            return
        }
        #expect(errors.map(\.description) == ["\(dir)/a.xml:1:45: " + errors[0].message])
        #expect(store.generation == 1)
        #expect(store.snapshot()?.evaluate(call: CallFields(destination: "1"), context: "c", at: Date()).plan == [.echo])

        try write(echoPlan("2"), to: dir + "/a.xml")
        guard case .loaded = store.reload() else {
            Issue.record("fixed plan refused")
            return
        }
        #expect(store.generation == 2)
        #expect(store.snapshot()?.evaluate(call: CallFields(destination: "2"), context: "c", at: Date()).plan == [.echo])
        // The call that started before the reload still routes with its own plan.
        #expect(inFlight.evaluate(call: CallFields(destination: "1"), context: "c", at: Date()).plan == [.echo])
    }

    @Test func environmentChangesAreCheckedOnReload() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("<dialplan><context name=\"c\"><route name=\"r\"><bridge><target trunk=\"pbx\"/></bridge></route></context></dialplan>",
                  to: dir + "/a.xml")
        let store = DialplanStore(directory: dir, environment: DialplanEnvironment(trunks: ["pbx"], users: []))
        guard case .loaded = store.reload() else { Issue.record("refused"); return }
        store.environment = DialplanEnvironment(trunks: ["carrier"], users: [])
        guard case .refused(let e) = store.reload() else { Issue.record("accepted"); return }
        #expect(e.first?.message == #"route "r" bridges to unknown trunk "pbx" (known: carrier)"#)
        #expect(store.snapshot() != nil)
    }

    @Test func watcherReloadsWhenAFileChanges() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(echoPlan("1"), to: dir + "/a.xml")
        let store = DialplanStore(directory: dir)
        store.reload()
        let outcomes = OutcomeLog()
        let watcher = DialplanWatcher(store: store, interval: .seconds(3600)) { outcomes.append($0) }
        watcher.start()
        defer { watcher.stop() }
        watcher.pollNow()
        #expect(outcomes.count == 0)
        try write(echoPlan("22"), to: dir + "/a.xml") // a different size, so the change shows even within one mtime tick
        watcher.pollNow()
        #expect(outcomes.count == 1)
        #expect(store.generation == 2)
        try write("<dialplan>", to: dir + "/b.xml")
        watcher.pollNow()
        #expect(outcomes.count == 2)
        #expect(outcomes.lastWasRefused)
        #expect(store.generation == 2)
    }

    @Test func watcherTimerFires() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(echoPlan("1"), to: dir + "/a.xml")
        let store = DialplanStore(directory: dir)
        store.reload()
        let outcomes = OutcomeLog()
        let watcher = DialplanWatcher(store: store, interval: .milliseconds(20)) { outcomes.append($0) }
        watcher.start()
        defer { watcher.stop() }
        try write(echoPlan("333"), to: dir + "/a.xml")
        for _ in 0..<200 where outcomes.count == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(outcomes.count >= 1)
        #expect(store.generation >= 2)
    }
}

/// Collects reload outcomes from the watcher's queue.
final class OutcomeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [DialplanStore.ReloadOutcome] = []

    func append(_ o: DialplanStore.ReloadOutcome) { lock.withLock { items.append(o) } }
    var count: Int { lock.withLock { items.count } }
    var lastWasRefused: Bool {
        lock.withLock { if case .refused? = items.last { true } else { false } }
    }
}
