import Foundation
import Gateway
import Glibc
import Logging
import Media
import MediaTransport
import NIOCore
import NIOPosix
import RTP
import WebRTC

/// Whole calls through real sockets on loopback, as the gateway runs them: each call a browser leg
/// (ICE-lite, DTLS-SRTP, Opus speech) bridged to a phone leg (PCMU speech), every call's media on one
/// event loop, i.e. one core. This thread plays every browser and every phone from the other core: it
/// sets each call up (ICE check, DTLS handshake over the socket), then sends each call's 20 ms packets
/// both ways, staggered over the period as independent calls are. Measured: set-ups per second, the
/// media loop's own CPU time per call (its thread's clock), loss, the latency the gateway adds (send
/// to receive, both on this thread's clock), and resident memory per call.
func callBenchmarks(calls: Int, seconds: Int) async throws -> [Measurement] {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    do {
        let results = try await callBenchmarks(calls: calls, seconds: seconds, loop: group.next())
        try await group.shutdownGracefully()
        return results
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
}

private func callBenchmarks(calls: Int, seconds: Int, loop: EventLoop) async throws -> [Measurement] {
    var logger = Logger(label: "bench")
    logger.logLevel = .error

    // A browser's Opus and a phone's μ-law, both speech, prepared beforehand. The browser's stream is
    // narrowband, as Chrome sends it to Tandem's answer for a G.711 call (maxplaybackrate=8000); a
    // fullband stream costs about twice as much to decode (see media.codec.opus.decode@8k).
    let frames = seconds * 50
    let speech8 = try Speech.samples(rate: 8_000)
    let encoder = try OpusEncoderContext(sampleRate: 8_000, bitrate: 32_000, complexity: 9)
    var opus: [[UInt8]] = [], ulaw: [[UInt8]] = []
    var scratch = [UInt8](repeating: 0, count: 1500)
    for i in 0..<min(frames, speech8.count / 160) {
        let n = try speech8.withUnsafeBufferPointer { try encoder.encode($0.baseAddress! + i * 160, frameSamples: 160, into: &scratch, capacity: 1500) }
        opus.append(Array(scratch[0..<n]))
        var coded = [UInt8](repeating: 0, count: 160)
        G711.ulaw.encode(Array(speech8[(i * 160)..<((i + 1) * 160)]), count: 160, into: &coded)
        ulaw.append(coded)
    }

    let serverIdentity = try DTLSIdentity.generate(), clientIdentity = try DTLSIdentity.generate()
    let serverContext = try DTLSContext(identity: serverIdentity), clientContext = try DTLSContext(identity: clientIdentity)
    let browsers = try BenchSocket(), phones = try BenchSocket()
    let phoneAddress = try SocketAddress(ipAddress: "127.0.0.1", port: Int(phones.port))
    // Both legs negotiated telephone-event, as Chrome and nearly every phone do (no in-band DTMF watch).
    let configA = MediaLegConfig(codec: .opus, payloadType: 111, telephoneEvent: TelephoneEventFormat(payloadType: 126, clockRate: 8_000),
                                 ssrc: 0xA)
    let configB = MediaLegConfig(codec: .pcmu, telephoneEvent: TelephoneEventFormat(payloadType: 101, clockRate: 8_000), ssrc: 0xB)

    // Everything this side keeps per call, allocated before the first resident-memory reading.
    var media: [CallMedia] = [], tx: [SRTPSession] = [], rx: [SRTPSession] = []
    var browserPort: [UInt16] = [], phonePort: [UInt16] = []
    var callOfBrowserPort = [Int](repeating: -1, count: 65_536), callOfPhonePort = [Int](repeating: -1, count: 65_536)
    var sentAt = [UInt64](repeating: 0, count: calls * frames * 2)
    var latencies: [UInt64] = []
    latencies.reserveCapacity(calls * frames * 2)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
    defer { buffer.deallocate() }
    // This side's own per-call state (two SRTP sessions) lives in the same process: measured apart, and
    // taken off the gateway's share.
    let generatorBytesPerCall = try srtpSessionBytes() * 2
    let residentBefore = residentBytes()

    // Set-up: bind both legs, start the bridge, then the ICE check and the DTLS handshake over the socket.
    let cpuBeforeSetUp = try await loopCPU(loop)
    let setUpStart = monotonicNanoseconds()
    for call in 0..<calls {
        let ice = ICELiteAgent(remoteUfrag: "brws")
        let leg = try await CallMedia.make(loop: loop, host: "127.0.0.1", logger: logger, a: .browser(ice: ice),
                                           b: .phone(remote: phoneAddress, payloadTypes: [0]))
        let server = try DTLSEndpoint(context: serverContext, role: .server, expectedFingerprint: clientIdentity.fingerprint)
        let serverT = Handed(server)
        try await loop.submit {
            leg.browser(.a)?.setDTLS(serverT.value)
            try leg.start(a: configA, b: configB)
        }.get()
        let aPort = UInt16(leg.port(.a) ?? 0), bPort = UInt16(leg.port(.b) ?? 0)
        var check = STUNMessageBuilder(type: .bindingRequest, transactionID: .random())
        check.addUsername("\(ice.localUfrag):brws")
        check.addICEControlling(UInt64(call + 1))
        check.addUseCandidate()
        check.addMessageIntegrity(key: Array(ice.localPassword.utf8))
        check.addFingerprint()
        browsers.send(check.bytes, to: aPort)
        let client = try DTLSEndpoint(context: clientContext, role: .client, expectedFingerprint: serverIdentity.fingerprint)
        browsers.send(try client.start(), to: aPort)
        let deadline = monotonicNanoseconds() + 5_000_000_000
        while !client.isConnected {
            guard monotonicNanoseconds() < deadline else { throw BenchError("call \(call): no DTLS handshake in 5 s") }
            guard browsers.wait(nanoseconds: 50_000_000, alsoOn: nil) else {
                browsers.send(client.handleTimeout(), to: aPort)
                continue
            }
            while let (n, from) = browsers.receive(buffer) {
                guard from == aPort, n > 0, buffer[0] >= 20, buffer[0] <= 63 else { continue } // the STUN answer to our check
                let flight = try client.receive(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                if !flight.isEmpty { browsers.send(flight, to: aPort) }
            }
        }
        let (profile, keys) = try client.srtpKeys()
        tx.append(try SRTPSession(profile: profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound))
        rx.append(try SRTPSession(profile: profile, keyAndSalt: keys.remoteKeyAndSalt, direction: .inbound))
        media.append(leg)
        browserPort.append(aPort)
        phonePort.append(bPort)
        callOfBrowserPort[Int(aPort)] = call
        callOfPhonePort[Int(bPort)] = call
    }
    let setUpNanoseconds = monotonicNanoseconds() - setUpStart
    let setUpCPU = try await loopCPU(loop) - cpuBeforeSetUp

    // Media: packets both ways for `seconds`, call c sending at c/calls of each 20 ms period.
    var received = [0, 0], firstTimestamp = [UInt32](repeating: 0, count: calls * 2), seen = [Bool](repeating: false, count: calls * 2)
    var malformed = 0
    func drain(now: UInt64) {
        // Direction 0: browser → phone (arrives at the phone socket); 1: phone → browser.
        for direction in 0..<2 {
            let socket = direction == 0 ? phones : browsers
            while let (n, from) = socket.receive(buffer) {
                let call = direction == 0 ? callOfPhonePort[Int(from)] : callOfBrowserPort[Int(from)]
                guard call >= 0, n >= 12, buffer[0] & 0xC0 == 0x80, !(200...204).contains(buffer[1]) else { continue }
                var length = n
                if direction == 1 {
                    guard let plain = try? rx[call].unprotectRTP(buffer.baseAddress!, length: n) else { malformed += 1; continue }
                    length = plain
                }
                guard let header = try? RTPHeader(parsing: UnsafeRawBufferPointer(rebasing: buffer[0..<length])) else { malformed += 1; continue }
                let slot = call * 2 + direction
                if !seen[slot] { seen[slot] = true; firstTimestamp[slot] = header.timestamp }
                let index = Int((header.timestamp &- firstTimestamp[slot]) / (direction == 0 ? 160 : 960))
                received[direction] += 1
                if index < frames, sentAt[slot * frames + index] > 0 { latencies.append(now - sentAt[slot * frames + index]) }
            }
        }
    }
    let period: UInt64 = 20_000_000
    let cpuBeforeMedia = try await loopCPU(loop)
    let mediaStart = monotonicNanoseconds() + period
    var residentDuringMedia = 0
    for frame in 0..<frames {
        if frame == 50 { residentDuringMedia = residentBytes() }
        for call in 0..<calls {
            let due = mediaStart + UInt64(frame) * period + UInt64(call) * period / UInt64(calls)
            while case let now = monotonicNanoseconds(), now < due {
                _ = phones.wait(nanoseconds: due - now, alsoOn: browsers)
                drain(now: monotonicNanoseconds())
            }
            let now = monotonicNanoseconds()
            let browserPacket = opus[frame % opus.count]
            RTPHeader(marker: frame == 0, payloadType: 111, sequenceNumber: UInt16(truncatingIfNeeded: frame),
                      timestamp: UInt32(frame) * 960, ssrc: 0x1000 + UInt32(call)).write(to: buffer)
            browserPacket.withUnsafeBytes { (buffer.baseAddress! + 12).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            let protected = try tx[call].protectRTP(buffer.baseAddress!, length: 12 + browserPacket.count, capacity: buffer.count)
            browsers.send(UnsafeRawBufferPointer(rebasing: buffer[0..<protected]), to: browserPort[call])
            sentAt[(call * 2) * frames + frame] = now
            RTPHeader(marker: frame == 0, payloadType: 0, sequenceNumber: UInt16(truncatingIfNeeded: frame),
                      timestamp: UInt32(frame) * 160, ssrc: 0x2000 + UInt32(call)).write(to: buffer)
            ulaw[frame % ulaw.count].withUnsafeBytes { (buffer.baseAddress! + 12).copyMemory(from: $0.baseAddress!, byteCount: 160) }
            phones.send(UnsafeRawBufferPointer(rebasing: buffer[0..<172]), to: phonePort[call])
            sentAt[(call * 2 + 1) * frames + frame] = now
        }
    }
    let lastSend = monotonicNanoseconds()
    while case let now = monotonicNanoseconds(), now < lastSend + 300_000_000 {
        _ = phones.wait(nanoseconds: lastSend + 300_000_000 - now, alsoOn: browsers)
        drain(now: monotonicNanoseconds())
    }
    let mediaCPU = try await loopCPU(loop) - cpuBeforeMedia
    for leg in media { await leg.close() }

    let expected = calls * frames
    let loss = 1 - Double(received[0] + received[1]) / Double(2 * expected)
    latencies.sort()
    func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1e6 }
    let wall = Double(frames) * Double(period)
    let utilisation = Double(mediaCPU) / wall
    let perCallSecond = Double(mediaCPU) / Double(calls) / Double(seconds)
    let kib = (Double(residentDuringMedia - residentBefore) / Double(calls) - Double(generatorBytesPerCall)) / 1024
    let setUps = Double(calls) / (Double(setUpNanoseconds) / 1e9)
    return [
        Measurement(name: "call.setup.ice+dtls+bridge.\(calls)-calls", nanosecondsPerOp: Double(setUpNanoseconds) / Double(calls),
                    note: "\(Int(setUps)) set-ups/s one after another (goal 200); the media loop spent "
                        + "\(Int(Double(setUpCPU) / Double(calls) / 1000)) µs CPU on each: \(Int(1e9 / (Double(setUpCPU) / Double(calls)))) /s per core"),
        Measurement(name: "call.transcode.opus-pcmu.srtp.\(calls)-calls.call-second", nanosecondsPerOp: perCallSecond,
                    note: "\(calls) calls on one loop at \(Int(utilisation * 100))% of its core: "
                        + (loss > 0.001 ? "saturated, it did not keep up" : "\(Int(Double(calls) / utilisation)) calls/core") + " (goal 300); loss \(String(format: "%.3f", loss * 100))% (goal < 0.1); added latency p50 \(String(format: "%.2f", percentile(0.5))) ms, "
                        + "p99 \(String(format: "%.2f", percentile(0.99))) ms (goal < 1), max \(String(format: "%.1f", percentile(1))) ms (goal < 40); "
                        + "\(Int(kib)) KiB resident per call, this side's SRTP taken off (goal 150)\(malformed > 0 ? "; \(malformed) unreadable" : "")"),
    ]
}

/// Hands a value made here to the loop that uses it from then on.
private struct Handed<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Resident bytes one SRTP session takes (libsrtp, which Debian builds on NSS: about 29 KiB).
private func srtpSessionBytes() throws -> Int {
    let before = residentBytes()
    let sessions = try (0..<100).map { _ in
        try SRTPSession(profile: .aeadAes128Gcm, keyAndSalt: [UInt8](repeating: 7, count: 28), direction: .outbound)
    }
    return withExtendedLifetime(sessions) { (residentBytes() - before) / sessions.count }
}

/// The CPU time the event loop's thread has used so far, read on that thread.
private func loopCPU(_ loop: EventLoop) async throws -> UInt64 {
    try await loop.submit { () -> UInt64 in
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }.get()
}

private func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

private func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = statm.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

/// A non-blocking UDP socket on 127.0.0.1 for the generator: one plays every browser, one every phone.
private final class BenchSocket {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) == 0 && getsockname(fd, $0, &size) == 0 }
        }
        guard fd >= 0, bound else { throw BenchError("cannot bind a UDP socket on 127.0.0.1") }
        port = UInt16(bigEndian: address.sin_port)
        var buffer: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    func send(_ bytes: UnsafeRawBufferPointer, to port: UInt16) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    func send(_ bytes: [UInt8], to port: UInt16) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { send($0, to: port) }
    }

    /// One datagram and its source port, or nil when none is waiting.
    func receive(_ buffer: UnsafeMutableRawBufferPointer) -> (Int, UInt16)? {
        var address = sockaddr_in()
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let n = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, buffer.baseAddress, buffer.count, 0, $0, &size) }
        }
        return n < 0 ? nil : (n, UInt16(bigEndian: address.sin_port))
    }

    /// Waits until this socket (or `other`) has a datagram, at most `nanoseconds` rounded up to whole
    /// milliseconds (the generator sleeps rather than spins: on two cores a spinning generator takes CPU
    /// the gateway's loop is waiting for); false on timeout.
    func wait(nanoseconds: UInt64, alsoOn other: BenchSocket?) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        if let other { fds.append(pollfd(fd: other.fd, events: Int16(POLLIN), revents: 0)) }
        return poll(&fds, nfds_t(fds.count), Int32((nanoseconds + 999_999) / 1_000_000)) > 0
    }
}
