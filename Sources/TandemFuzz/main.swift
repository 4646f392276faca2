// libFuzzer entry point for every target in FuzzTargets; `make fuzz` builds it with coverage and
// runs each target (TANDEM_FUZZ=name) over its seed corpus. Tests/Fuzz/README.md says how.
import FuzzTargets
import Foundation

nonisolated(unsafe) var target: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    let name = ProcessInfo.processInfo.environment["TANDEM_FUZZ"] ?? ""
    guard let t = FuzzTarget(rawValue: name) else {
        fatalError("set TANDEM_FUZZ to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))")
    }
    target = t
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    target?.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
