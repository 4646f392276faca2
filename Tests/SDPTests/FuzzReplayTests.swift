import Foundation
import Testing
@testable import SDP

/// Replays the fuzz seed corpus and every fuzzer-found regression through the same checks the fuzz target
/// makes, so a fixed crash stays fixed without running libFuzzer.
@Suite struct FuzzReplayTests {
    static func inputs() -> [URL] {
        let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fuzz")
        var files: [URL] = []
        for folder in ["corpus", "regressions"] {
            let directory = fuzz.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            files += names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
        }
        return files
    }

    @Test func corpusIsPresent() {
        #expect(Self.inputs().count >= 10)
    }

    @Test(arguments: inputs())
    func replay(_ file: URL) throws {
        let bytes = try [UInt8](Data(contentsOf: file))
        guard let sdp = try? SessionDescription(parsing: bytes) else { return }
        for media in sdp.media {
            _ = media.candidates.map(\.attributeValue)
            _ = sdp.fingerprint(for: media)?.hexString
            _ = media.extMaps.map(\.attributeValue)
            _ = media.ssrcAttributes.map(\.attributeValue)
            _ = media.codecs.map { ($0.rtpMap.attributeValue, $0.telephoneEvents, $0.formatParameters?.attributeValue) }
            _ = sdp.holdState(of: media)
        }
        let text = sdp.serialized()
        let again = try SessionDescription(parsing: text)
        #expect(again == sdp)
        for order in [CodecPreferenceOrder.answerer, .offerer] {
            let options = AnswerOptions(
                codecs: [.pcmu, .pcma, .opus, .g722],
                origin: Origin(sessionID: "1", sessionVersion: "1", unicastAddress: "192.0.2.1"),
                connection: ConnectionData(address: "192.0.2.1"), port: 40000, preferenceOrder: order,
                answerAllCommonCodecs: order == .offerer, comfortNoise: order == .offerer,
                headerExtensions: ["urn:ietf:params:rtp-hdrext:ssrc-audio-level"]
            )
            let answer = sdp.answer(with: options)
            #expect(answer.sessionDescription.media.count == sdp.media.count)
            #expect(try SessionDescription(parsing: answer.sessionDescription.serialized()) == answer.sessionDescription)
        }
    }
}
