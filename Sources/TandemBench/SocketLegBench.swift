import CMallocCounter
import Foundation
import Logging
import MediaTransport
import NIOCore
import NIOPosix
import RTP
import WebRTC

/// Allocations per packet counted from the socket up: each leg socket (plain RTP, and a browser leg
/// with ICE and DTLS-SRTP done) echoes what a peer on loopback sends it, through NIO's UDP channel,
/// our datagram glue and the leg's own work. The peer is a bare POSIX socket on this thread with its
/// buffers made beforehand, so what the counter sees is the media loop's (NIO's receive path
/// included). What is left above zero is not ours: NIO makes each datagram's source a `SocketAddress`
/// (a box and its host text) on receive, and Debian's libsrtp2 is built on NSS, which creates a cipher
/// context per packet (the `srtp.*` lines count it alone). The time per round trip is mostly two
/// kernel crossings and a thread wake-up each way, so it is a note, not a speed goal.
func socketLegBenchmarks() async throws -> [Measurement] {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    do {
        let results = [try await rtpLegEcho(loop: loop), try await webRTCLegEcho(loop: loop)]
        try await group.shutdownGracefully()
        return results
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
}

private let echoPackets = 20_000

/// Where a socket callback finds the leg it echoes through, set once the leg exists.
private final class EchoTarget<Leg>: @unchecked Sendable {
    var leg: Leg?
}

private func rtpLegEcho(loop: EventLoop) async throws -> Measurement {
    let phone = try LoopbackPeer()
    defer { phone.close() }
    let target = EchoTarget<RTPLegSocket>()
    let leg = try await RTPLegSocket.bind(host: "127.0.0.1", port: 0, on: loop, remote: phone.socketAddress, payloadTypes: [0],
                                          onRTP: { target.leg?.send(UnsafeRawBufferPointer($0)) })
    defer { leg.close() }
    try await loop.submit { target.leg = leg }.get()
    let port = try leg.localAddress?.port ?? { throw BenchError("RTP leg has no port") }()

    var packet = [UInt8](repeating: 0xFF, count: 172)
    let result = try phone.echo(to: port, count: echoPackets) { i in
        packet.withUnsafeMutableBytes { p in
            RTPHeader(payloadType: 0, sequenceNumber: UInt16(truncatingIfNeeded: i), timestamp: UInt32(truncatingIfNeeded: i) &* 160,
                      ssrc: 0xB0B).write(to: p)
            return phone.send(UnsafeRawBufferPointer(p), to: port)
        }
    }
    return Measurement(name: "socket.rtp-leg.recv+latch+send", nanosecondsPerOp: result.nanosecondsPerRoundTrip,
                       note: "per echoed packet over loopback (one read, one write); allocation goal 0", allocationsPerOp: result.allocationsPerPacket)
}

private func webRTCLegEcho(loop: EventLoop) async throws -> Measurement {
    let ourIdentity = try DTLSIdentity.generate(), theirIdentity = try DTLSIdentity.generate()
    let ours = try DTLSEndpoint(context: DTLSContext(identity: ourIdentity), role: .server, expectedFingerprint: theirIdentity.fingerprint)
    let theirs = try DTLSEndpoint(context: DTLSContext(identity: theirIdentity), role: .client, expectedFingerprint: ourIdentity.fingerprint)
    let ice = ICELiteAgent(remoteUfrag: "brws")
    let (ufrag, password) = (ice.localUfrag, ice.localPassword)
    let target = EchoTarget<WebRTCLegSocket>()
    // The echo copies into room for the SRTP tag and sends under our own SSRC, as the bridge would.
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
    defer { scratch.deallocate() }
    let scratchT = LoopTransfer(scratch)
    let leg = try await WebRTCLegSocket.bind(host: "127.0.0.1", port: 0, on: loop, ice: ice, dtls: ours,
                                             logger: Logger(label: "bench"), onEvent: { _ in }, onMedia: { packet, isRTCP in
        guard !isRTCP, let leg = target.leg else { return }
        let out = scratchT.value
        out.copyMemory(from: UnsafeRawBufferPointer(packet))
        guard var header = try? RTPHeader(parsing: UnsafeRawBufferPointer(packet)) else { return }
        header.ssrc = 0x7A4D
        header.write(to: out)
        leg.sendRTP(out, length: packet.count)
    })
    defer { leg.close() }
    try await loop.submit { target.leg = leg }.get()
    let port = try leg.localAddress?.port ?? { throw BenchError("browser leg has no port") }()

    let browser = try LoopbackPeer()
    defer { browser.close() }
    var check = STUNMessageBuilder(type: .bindingRequest, transactionID: .random())
    check.addUsername("\(ufrag):brws")
    check.addICEControlling(1)
    check.addUseCandidate()
    check.addMessageIntegrity(key: Array(password.utf8))
    check.addFingerprint()
    _ = check.bytes.withUnsafeBytes { browser.send($0, to: port) }
    guard browser.receive() != nil else { throw BenchError("no answer to the ICE check") }
    var flight = try theirs.start()
    for _ in 0..<50 where !theirs.isConnected {
        if !flight.isEmpty { _ = flight.withUnsafeBytes { browser.send($0, to: port) } }
        guard let datagram = browser.receive() else { throw BenchError("DTLS handshake stalled") }
        flight = try theirs.receive(datagram)
    }
    // The server side finished on our last flight, which the leg reads before any media sent after it.
    if !flight.isEmpty { _ = flight.withUnsafeBytes { browser.send($0, to: port) } }
    let (profile, keys) = try theirs.srtpKeys()

    let packets = try BrowserPackets(count: echoPackets, profile: profile, keys: keys)
    let result = try browser.echo(to: port, count: echoPackets) { i in
        browser.send(UnsafeRawBufferPointer(packets.packet(i)), to: port)
    }
    return Measurement(name: "socket.webrtc-leg.\(profile.openSSLName).recv+unprotect+protect+send", nanosecondsPerOp: result.nanosecondsPerRoundTrip,
                       note: "per echoed packet over loopback (one read, one write); allocation goal 0", allocationsPerOp: result.allocationsPerPacket)
}

/// A bare UDP socket on 127.0.0.1 playing the far end, with a five-second receive timeout so a lost
/// echo ends the benchmark instead of hanging it.
private final class LoopbackPeer {
    private let fd: Int32
    let port: Int
    private let inbox = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: errno \(errno)") }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else { Glibc.close(fd); throw BenchError("bind: errno \(errno)") }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    var socketAddress: SocketAddress { get throws { try SocketAddress(ipAddress: "127.0.0.1", port: port) } }

    private static func loopback(port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = UInt16(port).bigEndian
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return a
    }

    func send(_ bytes: UnsafeRawBufferPointer, to port: Int) -> Bool {
        var to = Self.loopback(port: port)
        return withUnsafePointer(to: &to) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == bytes.count
    }

    /// The next datagram, or nil after five seconds without one.
    func receive() -> [UInt8]? {
        let n = recv(fd, inbox.baseAddress, inbox.count, 0)
        return n > 0 ? Array(inbox[0..<n]) : nil
    }

    private func receiveCount() -> Int { recv(fd, inbox.baseAddress, inbox.count, 0) }

    /// Sends `count` packets one at a time (`sendPacket(i)`), each after the echo of the one before,
    /// and counts the process's allocations over all but a warm-up tenth.
    func echo(to port: Int, count: Int, _ sendPacket: (Int) -> Bool) throws -> (nanosecondsPerRoundTrip: Double, allocationsPerPacket: Double) {
        let warmUp = count / 10
        let clock = ContinuousClock()
        var allocationsBefore: UInt = 0
        var start = clock.now
        for i in 0..<count {
            if i == warmUp {
                allocationsBefore = tandem_allocation_count()
                start = clock.now
            }
            guard sendPacket(i) else { throw BenchError("send failed: errno \(errno)") }
            guard receiveCount() > 0 else { throw BenchError("no echo of packet \(i)") }
        }
        let elapsed = clock.now - start
        let allocations = tandem_allocation_count() - allocationsBefore
        let measured = Double(count - warmUp)
        let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        return (ns / measured, Double(allocations) / measured)
    }

    func close() {
        Glibc.close(fd)
        inbox.deallocate()
    }
}
