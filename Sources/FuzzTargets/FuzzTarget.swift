/// Every parser an attacker can reach, as one libFuzzer entry each. `TandemFuzz` runs the target
/// named in `TANDEM_FUZZ`; the replay tests run the same function over the seed corpus and every
/// input that ever crashed (Tests/Fuzz/<name>/), so a fixed crash stays fixed without libFuzzer.
/// A harness traps on what no input may cause (a crash, a round trip that does not hold); anything
/// an input may legitimately cause is an error it swallows.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case sip, sdp, dialplan
    /// SIP over TCP/TLS: the stream handler framing messages across uneven reads.
    case sipStream = "sip-stream"
    /// SIP over WebSocket: frame decoding, fragments, control frames, the SIP handler behind it.
    case websocket
    case stun, rtp, rtcp, srtp, dtls, config
    /// A bearer token (HTTP calls) or TURN REST user name, as a credential.
    case token

    public func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .sip: SIPHarness.run(Array(input))
        case .sdp: SDPHarness.run(Array(input))
        case .dialplan: DialplanHarness.run(Array(input))
        case .sipStream: StreamHarness.runTCP(input)
        case .websocket: StreamHarness.runWebSocket(input)
        case .stun: STUNHarness.run(input)
        case .rtp: RTPHarness.run(input)
        case .rtcp: RTCPHarness.run(input)
        case .srtp: SRTPHarness.run(input)
        case .dtls: DTLSHarness.run(input)
        case .config: ConfigHarness.run(input)
        case .token: TokenHarness.run(Array(input))
        }
    }
}

/// Cuts one fuzz input into several packets or reads: each is a big-endian 16-bit length and that
/// many bytes (the last one short if the input ends), so a mutation can change a packet's size and
/// the number of packets as well as their bytes.
struct Chunks: Sequence, IteratorProtocol {
    private let input: UnsafeRawBufferPointer
    private var offset = 0
    private var produced = 0
    /// Bounds the work per input: the fuzzer learns nothing from the thousandth packet.
    let limit: Int

    init(_ input: UnsafeRawBufferPointer, limit: Int = 64) {
        self.input = input
        self.limit = limit
    }

    mutating func next() -> UnsafeRawBufferPointer? {
        guard produced < limit, offset + 2 <= input.count else { return nil }
        let length = Int(input[offset]) << 8 | Int(input[offset + 1])
        let start = offset + 2
        let end = Swift.min(input.count, start + length)
        offset = end
        produced += 1
        return UnsafeRawBufferPointer(rebasing: input[start..<end])
    }
}
