import CSpanDSP

/// G.711 companding (μ-law for PCMU, A-law for PCMA), sample by sample through spandsp's inline tables.
/// Stateless, so one value serves every call.
public enum G711: Sendable {
    case ulaw
    case alaw

    /// RFC 3551 static payload type.
    public var payloadType: UInt8 { self == .ulaw ? 0 : 8 }

    public func encode(_ pcm: UnsafePointer<Int16>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        switch self {
        case .ulaw: for i in 0..<count { out[i] = linear_to_ulaw(Int32(pcm[i])) }
        case .alaw: for i in 0..<count { out[i] = linear_to_alaw(Int32(pcm[i])) }
        }
    }

    public func decode(_ data: UnsafePointer<UInt8>, count: Int, into pcm: UnsafeMutablePointer<Int16>) {
        switch self {
        case .ulaw: for i in 0..<count { pcm[i] = ulaw_to_linear(data[i]) }
        case .alaw: for i in 0..<count { pcm[i] = alaw_to_linear(data[i]) }
        }
    }
}
