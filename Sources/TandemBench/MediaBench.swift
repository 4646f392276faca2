import Media
import RTP

/// Media bridge costs, release build, one thread: the codec-bound cost of a transcoded call (libopus
/// and G.711 alone), the bridge's cost per transcoded and per pass-through call-second (both
/// directions, 50 packets each way, ticks included, SRTP excluded), the bridge's overhead over the
/// codecs as a ratio, and heap allocations per packet (goal 0). Speech, not a tone: a tone puts Opus
/// in its cheap mode and flatters it.
func mediaBenchmarks() throws -> [Measurement] {
    var results: [Measurement] = []
    let speech8k = try Speech.samples(rate: 8_000)
    let speech48k = try Speech.samples(rate: 48_000)
    let frames = min(speech8k.count / 160, speech48k.count / 960)
    guard frames >= 100 else { throw MediaBenchError("speech too short: \(frames) frames") }

    // What a browser sends: Opus at complexity 9, 32 kbit/s, FEC on (Chrome's defaults), either
    // full band, or limited to narrowband because our answer said `maxplaybackrate=8000` (Chrome then
    // caps its encoder's bandwidth, and SILK-only packets are far cheaper to decode).
    let browserEncoder = try OpusEncoderContext(sampleRate: 48_000, bitrate: 32_000, complexity: 9)
    let narrowbandBrowserEncoder = try OpusEncoderContext(sampleRate: 8_000, bitrate: 32_000, complexity: 9)
    var browserPayloads: [[UInt8]] = []
    var narrowbandPayloads: [[UInt8]] = []
    var phonePayloads: [[UInt8]] = []
    var scratch = [UInt8](repeating: 0, count: 1_500)
    for f in 0..<frames {
        let n = try speech48k.withUnsafeBufferPointer { s in
            try browserEncoder.encode(s.baseAddress! + f * 960, frameSamples: 960, into: &scratch, capacity: 1_500)
        }
        browserPayloads.append(Array(scratch[0..<n]))
        let m = try speech8k.withUnsafeBufferPointer { s in
            try narrowbandBrowserEncoder.encode(s.baseAddress! + f * 160, frameSamples: 160, into: &scratch, capacity: 1_500)
        }
        narrowbandPayloads.append(Array(scratch[0..<m]))
        var mu = [UInt8](repeating: 0, count: 160)
        speech8k.withUnsafeBufferPointer { s in G711.ulaw.encode(s.baseAddress! + f * 160, count: 160, into: &mu) }
        phonePayloads.append(mu)
    }

    // Codec-bound cost per 20 ms frame pair, at the settings the bridge uses toward a browser when
    // the other leg is G.711 (8 kHz PCM, encoder complexity 0, 16 kbit/s), decode and encode apart.
    let encoder = try OpusEncoderContext(sampleRate: 8_000, bitrate: 16_000, complexity: 0)
    var pcm = [Int16](repeating: 0, count: 960)
    var packet = [UInt8](repeating: 0, count: 1_500)
    var mu = [UInt8](repeating: 0, count: 160)
    var frame = 0
    func decodeCost(_ name: String, _ payloads: [[UInt8]]) throws -> Measurement {
        let decoder = try OpusDecoderContext(sampleRate: 8_000)
        return try measure(name, iterations: 2_000) {
            let p = payloads[frame % frames]
            _ = try decoder.decode(p, length: Int32(p.count), into: &pcm, maxSamples: 960)
            frame += 1
        }
    }
    let decodeFullband = try decodeCost("media.codec.opus.decode@8k.fullband-browser-stream.20ms", browserPayloads)
    let decodeNarrowband = try decodeCost("media.codec.opus.decode@8k.narrowband-browser-stream.20ms", narrowbandPayloads)
    let encode = try measure("media.codec.opus.encode8k.c0.16kbps.20ms", iterations: 2_000) {
        _ = try speech8k.withUnsafeBufferPointer { s in
            try encoder.encode(s.baseAddress! + (frame % frames) * 160, frameSamples: 160, into: &packet, capacity: 1_500)
        }
        frame += 1
    }
    let g711Pair = measure("media.codec.g711.ulaw.encode+decode.20ms", iterations: 100_000) {
        speech8k.withUnsafeBufferPointer { s in G711.ulaw.encode(s.baseAddress! + (frame % frames) * 160, count: 160, into: &mu) }
        G711.ulaw.decode(mu, count: 160, into: &pcm)
        frame += 1
    }
    results += [decodeFullband, decodeNarrowband, encode, g711Pair]
    func pair(_ decode: Measurement) -> Double { decode.nanosecondsPerOp + encode.nanosecondsPerOp + g711Pair.nanosecondsPerOp }
    for (label, decode) in [("fullband", decodeFullband), ("narrowband", decodeNarrowband)] {
        results.append(Measurement(name: "media.codec.opus+g711.frame-pair.\(label)-browser-stream.20ms", nanosecondsPerOp: pair(decode),
                                   note: "sum of the above: the codec-bound cost of one transcoded call per 20 ms"))
    }

    // One call-second through a bridge: 50 packets from each leg, a tick every 20 ms.
    func callSecond(name: String, browser: MediaLegConfig, phone: MediaLegConfig, browserPT: UInt8, browserAudio: [[UInt8]]) throws -> (Measurement, Int) {
        var sentPackets = 0
        let bridge = try MediaBridge(a: browser, b: phone, send: { _, kind, _, _ in if kind == .rtp { sentPackets &+= 1 } }, events: { _ in })
        // Every input packet lives in one preallocated buffer; only sequence and timestamp change.
        let slot = 1_500
        let pool = UnsafeMutableRawBufferPointer.allocate(byteCount: slot * frames * 2, alignment: 16)
        defer { pool.deallocate() }
        var lengths = [Int](repeating: 0, count: frames * 2)
        for f in 0..<frames {
            for (k, (pt, payload)) in [(browserPT, browserAudio[f]), (UInt8(0), phonePayloads[f])].enumerated() {
                let i = 2 * f + k
                let buffer = UnsafeMutableRawBufferPointer(rebasing: pool[(i * slot)..<((i + 1) * slot)])
                RTPHeader(payloadType: pt, sequenceNumber: 0, timestamp: 0, ssrc: k == 0 ? 0xB0 : 0xF0).write(to: buffer)
                payload.withUnsafeBytes { buffer.baseAddress!.advanced(by: 12).copyMemory(from: $0.baseAddress!, byteCount: payload.count) }
                lengths[i] = 12 + payload.count
            }
        }
        var now: UInt64 = 1_000_000_000
        var seq: UInt16 = 0
        var tsBrowser: UInt32 = 0, tsPhone: UInt32 = 0
        var f = 0
        let browserStep = UInt32(browser.codec.rtpClockRate / 50)
        let m = measure(name, iterations: 20, batches: 5) {
            for _ in 0..<50 {
                for k in 0..<2 {
                    let i = 2 * f + k
                    let buffer = UnsafeMutableRawBufferPointer(rebasing: pool[(i * slot)..<(i * slot + lengths[i])])
                    let ts = k == 0 ? tsBrowser : tsPhone
                    buffer[2] = UInt8(seq >> 8); buffer[3] = UInt8(truncatingIfNeeded: seq)
                    buffer[4] = UInt8(ts >> 24); buffer[5] = UInt8(truncatingIfNeeded: ts >> 16)
                    buffer[6] = UInt8(truncatingIfNeeded: ts >> 8); buffer[7] = UInt8(truncatingIfNeeded: ts)
                    bridge.receiveRTP(from: k == 0 ? .a : .b, packet: buffer, now: now)
                }
                seq &+= 1
                tsBrowser &+= browserStep
                tsPhone &+= 160
                now += 20_000_000
                bridge.tick(now: now)
                f = (f + 1) % frames
            }
        }
        guard sentPackets > 0, bridge.statistics(for: .a).dropped == DropCounts(), bridge.statistics(for: .b).dropped == DropCounts() else {
            throw MediaBenchError("\(name): packets dropped: \(bridge.statistics(for: .a).dropped) \(bridge.statistics(for: .b).dropped)")
        }
        return (m, sentPackets)
    }

    let browserOpus = MediaLegConfig(codec: .opus, payloadType: 111, telephoneEvent: TelephoneEventFormat(payloadType: 110, clockRate: 48_000),
                                     dtmfMode: .auto, ssrc: 0xA)
    let browserPCMU = MediaLegConfig(codec: .pcmu, telephoneEvent: TelephoneEventFormat(payloadType: 126, clockRate: 8_000),
                                     dtmfMode: .auto, ssrc: 0xA)
    let phone = MediaLegConfig(codec: .pcmu, telephoneEvent: TelephoneEventFormat(payloadType: 101, clockRate: 8_000), dtmfMode: .rfc4733, ssrc: 0xB)

    for (label, payloads, decode) in [("fullband", browserPayloads, decodeFullband), ("narrowband", narrowbandPayloads, decodeNarrowband)] {
        let (transcoded, _) = try callSecond(name: "media.bridge.transcode.opus-pcmu.\(label)-browser.call-second", browser: browserOpus,
                                             phone: phone, browserPT: 111, browserAudio: payloads)
        let codecPerCallSecond = 50 * pair(decode)
        let overhead = transcoded.nanosecondsPerOp / codecPerCallSecond
        let callsPerCore = 1e9 / transcoded.nanosecondsPerOp
        results.append(Measurement(
            name: transcoded.name, nanosecondsPerOp: transcoded.nanosecondsPerOp,
            note: "\(fixed(callsPerCore, 0)) calls/core without SRTP (goal 300 with it); codec-bound \(fixed(codecPerCallSecond / 1000, 0)) µs/call-s, "
                + "bridge ×\(fixed(overhead, 3)) of it (+\(fixed((overhead - 1) * 100, 1))%); "
                + "\(fixed((transcoded.allocationsPerOp ?? 0) / 100, 3)) allocs/packet (goal 0)",
            allocationsPerOp: transcoded.allocationsPerOp))
    }

    let (passed, _) = try callSecond(name: "media.bridge.pass-through.pcmu.call-second", browser: browserPCMU, phone: phone,
                                     browserPT: 0, browserAudio: phonePayloads)
    results.append(Measurement(
        name: passed.name, nanosecondsPerOp: passed.nanosecondsPerOp,
        note: "\(fixed(passed.nanosecondsPerOp / 100, 0)) ns/packet, \(fixed(1e9 / passed.nanosecondsPerOp, 0)) calls/core without SRTP; "
            + "\(fixed((passed.allocationsPerOp ?? 0) / 100, 3)) allocs/packet (goal 0)",
        allocationsPerOp: passed.allocationsPerOp))
    return results
}

private func fixed(_ v: Double, _ digits: Int) -> String {
    guard v.isFinite else { return "\(v)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (v * scale).rounded() / scale
    var s = "\(r)"
    if digits == 0, s.hasSuffix(".0") { s.removeLast(2) }
    return s
}

private struct MediaBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
