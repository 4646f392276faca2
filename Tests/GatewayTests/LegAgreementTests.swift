import Foundation
@testable import Gateway
import Media
import SDP
import Testing
import WebRTC

/// What each leg agrees from SDP bytes, without sockets: our answers to a real Chrome offer and to
/// phones, and the far end's answers to our offers.
@Suite struct LegAgreementTests {
    static let chromeOffer = try! String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../SDPTests/Fixtures/chrome156_audio_offer.sdp"), encoding: .utf8)
    static let chromeFingerprint = "B1:14:76:B5:A7:39:F4:E6:0A:3B:D0:74:46:91:83:39:0F:00:85:3D:E1:B6:97:77:49:5D:D6:E6:85:9D:C6:C8"
    static let ours = CertificateFingerprint(bytes: [UInt8](repeating: 0xAB, count: 32))

    static func sdp(_ text: String) throws -> SessionDescription { try SessionDescription(parsing: Array(text.utf8)) }
    static func phone(_ media: String, address: String = "127.0.0.9", extra: String = "") throws -> SessionDescription {
        try sdp("v=0\r\no=- 1 1 IN IP4 \(address)\r\ns=-\r\nc=IN IP4 \(address)\r\nt=0 0\r\nm=audio 4000 RTP/AVP \(media)\r\n\(extra)")
    }
    static var browserTemplate: WebRTCSessionTemplate {
        WebRTCSessionTemplate(ufrag: "ours", password: "our-password-of-some-length", fingerprint: ours, candidateAddresses: ["127.0.0.1"], port: 20_000)
    }

    @Test func aChromeOfferIsAnsweredWithOpusAndItsFingerprintIsExpected() throws {
        let offer = try Self.sdp(Self.chromeOffer)
        let agreement = try LegAgreement.answering(browser: offer, with: Self.browserTemplate, narrowband: false).get()
        #expect(agreement.config.codec == .opus)
        #expect(agreement.config.dtmfMode == .auto)
        #expect(agreement.config.telephoneEvent != nil)
        #expect(agreement.dtls?.fingerprint.description == Self.chromeFingerprint)
        #expect(agreement.dtls?.role == WebRTCSessionTemplate.dtlsRole(remoteSetup: .actpass))
        let answer = try SessionDescription(parsing: try #require(agreement.answer))
        #expect(answer.media.first?.port == 20_000)
        #expect(answer.fingerprint(for: try #require(answer.media.first))?.bytes == Self.ours.bytes)
    }

    @Test func aBrowserOfferWithoutAFingerprintIsRefused() throws {
        let stripped = Self.chromeOffer.split(separator: "\r\n").filter { !$0.hasPrefix("a=fingerprint") }.joined(separator: "\r\n") + "\r\n"
        #expect(throws: LegAgreement.Failure.noFingerprint) {
            try LegAgreement.answering(browser: try Self.sdp(stripped), with: Self.browserTemplate, narrowband: false).get()
        }
    }

    @Test func aPhoneOfferIsAnsweredAtItsAddressInItsPacketTime() throws {
        let offer = try Self.phone("0 101", extra: "a=rtpmap:101 telephone-event/8000\r\na=ptime:30\r\n")
        let template = RTPSessionTemplate(address: "127.0.0.1", port: 20_002, codecs: ["PCMU"])
        let agreement = try LegAgreement.answering(phone: offer, with: template, dtmf: .rfc4733).get()
        #expect(agreement.config.codec == .pcmu)
        #expect(agreement.config.ptime == 30)
        #expect(agreement.config.dtmfMode == .rfc4733)
        #expect(agreement.remote?.ipAddress == "127.0.0.9" && agreement.remote?.port == 4000)
        #expect(agreement.payloadTypes == [0, 101])
        #expect(agreement.dtls == nil)
    }

    @Test func aPhoneOfferingNothingWeAllowHasNoCommonCodec() throws {
        let template = RTPSessionTemplate(address: "127.0.0.1", port: 20_002, codecs: ["PCMU"])
        #expect(throws: LegAgreement.Failure.noCommonCodec) {
            try LegAgreement.answering(phone: try Self.phone("8"), with: template, dtmf: .auto).get()
        }
    }

    @Test func aPhoneAnswerOnHoldAddressSendsNowhereUntilItsPacketsCome() throws {
        let agreement = try LegAgreement.answered(phone: try Self.phone("0", address: "0.0.0.0"), dtmf: .auto).get()
        #expect(agreement.remote == nil)
        #expect(agreement.payloadTypes == [0])
    }

    @Test func aBrowserAnswerGivesItsKeysAndUfrag() throws {
        // Our own browser answer read back as if a browser had sent it to our offer.
        let offer = try Self.sdp(Self.chromeOffer)
        let ourAnswer = try LegAgreement.answering(browser: offer, with: Self.browserTemplate, narrowband: false).get()
        let asAnswer = try SessionDescription(parsing: try #require(ourAnswer.answer))
        let agreement = try LegAgreement.answered(browser: asAnswer, to: Self.browserTemplate).get()
        #expect(agreement.remoteUfrag == "ours")
        #expect(agreement.dtls?.fingerprint.bytes == Self.ours.bytes)
        #expect(agreement.config.codec == .opus)
    }

    @Test func aBrowserAnsweringBothEventClocksIsHeardOnEither() throws {
        // Chrome's answer to our offer keeps telephone-event at 48 and 8 kHz; it may send on either.
        let answer = try Self.sdp(Self.chromeOffer)
        let agreement = try LegAgreement.answered(browser: answer, to: Self.browserTemplate).get()
        #expect(agreement.config.telephoneEvent?.clockRate == 48_000, "we send on the one beside Opus")
        #expect(agreement.config.otherTelephoneEvent?.clockRate == 8_000)
    }
}
