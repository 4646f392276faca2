import CMallocCounter
import Foundation

/// One benchmark result: the best of several timed batches, per operation.
struct Measurement {
    let name: String
    let nanosecondsPerOp: Double
    let note: String
    /// Heap allocations per operation, from the process-wide malloc counter; nil when not measured.
    var allocationsPerOp: Double? = nil
}

/// Times `body` in batches of `iterations` and keeps the fastest batch: the least disturbed by
/// whatever else the machine is doing.
func measure(_ name: String, iterations: Int, batches: Int = 5, note: String = "", _ body: () throws -> Void) rethrows -> Measurement {
    for _ in 0..<max(1, iterations / 10) { try body() }
    var best = Double.infinity
    let clock = ContinuousClock()
    let allocationsBefore = tandem_allocation_count()
    for _ in 0..<batches {
        let start = clock.now
        for _ in 0..<iterations { try body() }
        let elapsed = clock.now - start
        let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        best = min(best, ns / Double(iterations))
    }
    let allocations = Double(tandem_allocation_count() - allocationsBefore) / Double(iterations * batches)
    return Measurement(name: name, nanosecondsPerOp: best, note: note, allocationsPerOp: allocations)
}

/// Writes results as `name<TAB>ns/op` lines and prints them beside the previous run's values.
func report(_ results: [Measurement], file: String) {
    var previous: [String: Double] = [:]
    if let old = try? String(contentsOfFile: file, encoding: .utf8) {
        for line in old.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t")
            if parts.count >= 2, let v = Double(parts[1]) { previous[String(parts[0])] = v }
        }
    }
    var out = "# name\tns/op\tnote (written by make bench, \(Date()))\n"
    for r in results {
        var line = r.name.padding(toLength: max(48, r.name.count + 1), withPad: " ", startingAt: 0)
            + String(format: "%12.1f ns/op", r.nanosecondsPerOp)
        if let p = previous[r.name] {
            line += String(format: "  (was %.1f, %+.1f%%)", p, (r.nanosecondsPerOp / p - 1) * 100)
        }
        if let a = r.allocationsPerOp { line += String(format: "  %.2f allocs/op", a) }
        if !r.note.isEmpty { line += "  " + r.note }
        print(line)
        out += "\(r.name)\t\(String(format: "%.1f", r.nanosecondsPerOp))\t\(r.note)\n"
    }
    try? out.write(toFile: file, atomically: true, encoding: .utf8)
    print("results: \(file)")
}
