import Foundation
import Media
import RTP
import WebRTC

// `make bench`: per-operation costs of the media path's pieces, release build, one thread; then
// whole calls through real sockets on one media loop (calls per core, loss, latency, memory, set-ups).

let resultsFile = CommandLine.arguments.dropFirst().first ?? "bench/results.tsv"
var results: [Measurement] = []
// `TandemBench FILE calls [N]`: only the whole-call benchmark, with N calls (writes FILE with just its lines).
if CommandLine.arguments.dropFirst(2).first == "calls" {
    report(try await callBenchmarks(calls: CommandLine.arguments.dropFirst(3).first.flatMap { Int($0) } ?? 300, seconds: 10), file: resultsFile)
    exit(0)
}
// `TandemBench FILE dialplan`: only loading and routing.
if CommandLine.arguments.dropFirst(2).first == "dialplan" {
    report(try dialplanBenchmarks(), file: resultsFile)
    exit(0)
}
// `TandemBench FILE sockets`: only the leg sockets' echo through loopback.
if CommandLine.arguments.dropFirst(2).first == "sockets" {
    report(try await socketLegBenchmarks(), file: resultsFile)
    exit(0)
}

// SRTP protect + unprotect of a 20 ms PCMU packet (172 bytes), both profiles.
for profile in SRTPProfile.allCases {
    let key = [UInt8](repeating: 7, count: profile.masterKeyLength + profile.masterSaltLength)
    let tx = try SRTPSession(profile: profile, keyAndSalt: key, direction: .outbound)
    let rx = try SRTPSession(profile: profile, keyAndSalt: key, direction: .inbound)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 8)
    defer { buffer.deallocate() }
    var seq: UInt16 = 0
    results.append(try measure("srtp.\(profile.openSSLName).protect+unprotect.172B", iterations: 50_000) {
        seq &+= 1
        RTPHeader(payloadType: 0, sequenceNumber: seq, timestamp: UInt32(seq) * 160, ssrc: 1).write(to: buffer)
        let n = try tx.protectRTP(buffer.baseAddress!, length: 172, capacity: buffer.count)
        _ = try rx.unprotectRTP(buffer.baseAddress!, length: n)
    })
}

// Opus encode + decode of 20 ms of speech at the rates a transcoding bridge uses.
for (rate, complexity) in [(Int32(48_000), Int32(5)), (8_000, 5), (8_000, 3), (8_000, 1), (8_000, 0)] {
    let speech = try Speech.samples(rate: Int(rate))
    let frame = Int(rate) / 50
    let enc = try OpusEncoderContext(sampleRate: rate, complexity: complexity)
    let dec = try OpusDecoderContext(sampleRate: rate)
    var packet = [UInt8](repeating: 0, count: 1500)
    var out = [Int16](repeating: 0, count: frame)
    var offset = 0
    results.append(try measure("opus.\(rate / 1000)k.c\(complexity).encode+decode.20ms.speech", iterations: 2_000) {
        if offset + frame > speech.count { offset = 0 }
        let n = try speech.withUnsafeBufferPointer { s in
            try enc.encode(s.baseAddress! + offset, frameSamples: Int32(frame), into: &packet, capacity: 1500)
        }
        _ = try dec.decode(packet, length: Int32(n), into: &out, maxSamples: Int32(frame))
        offset += frame
    })
}

// G.711 encode + decode of 20 ms.
do {
    let pcm = try Speech.samples(rate: 8_000)
    var coded = [UInt8](repeating: 0, count: 160)
    var back = [Int16](repeating: 0, count: 160)
    results.append(measure("g711.ulaw.encode+decode.20ms", iterations: 100_000) {
        G711.ulaw.encode(pcm, count: 160, into: &coded)
        G711.ulaw.decode(coded, count: 160, into: &back)
    })
}

results += try webRTCLegBenchmarks()
results += try await socketLegBenchmarks()
results += try dialplanBenchmarks()
results += try mediaBenchmarks()
// Whole calls: at a load the loop carries (its CPU per call gives calls per core), then at the target.
results += try await callBenchmarks(calls: 100, seconds: 10)
results += try await callBenchmarks(calls: 300, seconds: 10)

report(results, file: resultsFile)
