import Testing
@testable import SDP

/// The real Chrome 156 offers from interop-data, read in place.
@Suite struct ChromeOfferTests {
    let offer: SessionDescription
    let gathered: SessionDescription
    let offerText: String
    let gatheredText: String

    init() throws {
        offerText = try InteropData.text(InteropData.chromeOffer)
        gatheredText = try InteropData.text(InteropData.chromeOfferGathered)
        offer = try SessionDescription(parsing: offerText)
        gathered = try SessionDescription(parsing: gatheredText)
    }

    @Test func sessionLevel() throws {
        #expect(offer.version == 0)
        #expect(offer.origin.username == "-")
        #expect(offer.origin.sessionID == "4792099748582991630")
        #expect(offer.origin.sessionVersionNumber == 2)
        #expect(offer.origin.unicastAddress == "127.0.0.1")
        #expect(offer.sessionName == "-")
        #expect(offer.timings == [Timing(start: 0, stop: 0)])
        #expect(offer.bundleGroup == Group(semantics: "BUNDLE", mids: ["0"]))
        #expect(offer.extMapAllowMixed)
        #expect(offer.msidSemantic == MSIDSemantic(semantic: "WMS", identifiers: ["1de4d4df-f0fa-4f38-80f2-a9c90b9c35f3"]))
        #expect(offer.media.count == 1)
    }

    @Test func mediaLine() throws {
        let audio = try #require(offer.media.first)
        #expect(audio.media == "audio")
        #expect(audio.port == 9)
        #expect(audio.proto == "UDP/TLS/RTP/SAVPF")
        #expect(audio.formats == ["111", "63", "9", "0", "8", "13", "110", "126"])
        #expect(audio.connection == ConnectionData(address: "0.0.0.0"))
        #expect(audio.rtcpAddress == RTCPAddress(port: 9, connection: ConnectionData(address: "0.0.0.0")))
        #expect(audio.mid == "0")
        #expect(audio.direction == .sendrecv)
        #expect(audio.rtcpMux)
        #expect(audio.rtcpReducedSize)
        #expect(gathered.media[0].port == 41399)
        #expect(gathered.media[0].connection?.address == "127.0.0.1")
    }

    @Test func iceAndDTLS() throws {
        let audio = try #require(offer.media.first)
        #expect(audio.iceUsernameFragment == "Pvei")
        #expect(audio.icePassword == "KCiagIryJm3nGh7/SPyglWs6")
        #expect(offer.iceUsernameFragment(for: audio) == "Pvei")
        #expect(audio.iceOptions == ["trickle"])
        #expect(!offer.isICELite)
        #expect(!audio.endOfCandidates)
        let fingerprint = try #require(offer.fingerprint(for: audio))
        #expect(fingerprint.hasHashFunction("SHA-256"))
        #expect(fingerprint.bytes.count == 32)
        #expect(fingerprint.bytes.prefix(4) == [0xB1, 0x14, 0x76, 0xB5])
        #expect(fingerprint.bytes.last == 0xC8)
        #expect(fingerprint.hexString == "B1:14:76:B5:A7:39:F4:E6:0A:3B:D0:74:46:91:83:39:0F:00:85:3D:E1:B6:97:77:49:5D:D6:E6:85:9D:C6:C8")
        #expect(audio.setupRole == .actpass)
        #expect(audio.setupRole?.answer() == .active)
    }

    @Test func headerExtensions() throws {
        let extMaps = offer.media[0].extMaps
        #expect(extMaps.map(\.id) == [1, 2, 3, 4])
        #expect(extMaps.map(\.uri) == [
            "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "urn:ietf:params:rtp-hdrext:sdes:mid",
        ])
        #expect(extMaps.allSatisfy { $0.direction == nil && $0.extensionAttributes == nil })
    }

    @Test func candidates() throws {
        #expect(offer.media[0].candidates.isEmpty)
        let candidates = gathered.media[0].candidates
        #expect(candidates.count == 2)
        let udp = candidates[0]
        #expect(udp.foundation == "1912976878")
        #expect(udp.component == 1)
        #expect(udp.isUDP)
        #expect(udp.priority == 2122260223)
        #expect(udp.address == "127.0.0.1")
        #expect(udp.port == 41399)
        #expect(udp.type == .host)
        #expect(udp.tcpType == nil)
        #expect(udp.generation == 0)
        #expect(udp.extensionValue("network-id") == "1")
        #expect(udp.extensionValue("network-cost") == "50")
        let tcp = candidates[1]
        #expect(tcp.isTCP)
        #expect(tcp.port == 9)
        #expect(tcp.priority == 1518280447)
        #expect(tcp.tcpType == "active")
        #expect(tcp.type == .host)
        // The typed form writes the fields back in Chrome's order.
        #expect(tcp.attributeValue == "214587254 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0 network-id 1 network-cost 50")
    }

    @Test func ssrcAndMSID() throws {
        let audio = offer.media[0]
        #expect(audio.ssrcs == [2057932608])
        #expect(audio.cname(of: 2057932608) == "Ka7sGSMdij5FtH/k")
        #expect(audio.ssrcAttributes[1] == SSRCAttribute(
            ssrc: 2057932608, attribute: "msid",
            value: "1de4d4df-f0fa-4f38-80f2-a9c90b9c35f3 fff32622-ec24-48f1-b316-5acad2636827"))
        #expect(audio.msid == MSID(streamID: "1de4d4df-f0fa-4f38-80f2-a9c90b9c35f3",
                                   trackID: "fff32622-ec24-48f1-b316-5acad2636827"))
    }

    @Test func codecs() throws {
        let codecs = offer.media[0].codecs
        #expect(codecs.map(\.payloadType) == [111, 63, 9, 0, 8, 13, 110, 126])
        #expect(codecs.map(\.name) == ["opus", "red", "G722", "PCMU", "PCMA", "CN", "telephone-event", "telephone-event"])
        #expect(codecs.map(\.clockRate) == [48000, 48000, 8000, 8000, 8000, 8000, 48000, 8000])
        #expect(codecs.map(\.channels) == [2, 2, 1, 1, 1, 1, 1, 1])
        let opus = codecs[0]
        #expect(opus.formatParameters?.parameters == [.init("minptime", "10"), .init("useinbandfec", "1")])
        #expect(opus.formatParameters?["useinbandfec"] == "1")
        #expect(opus.feedback == [RTCPFeedback(payloadType: "111", type: "transport-cc")])
        #expect(codecs[1].formatParameters?.parameters == [.init("111/111")])
        #expect(codecs[1].isAuxiliary)
        #expect(codecs[6].telephoneEvents == .dtmf)
        #expect(codecs[7].isTelephoneEvent)
    }

    @Test func unknownAttributeKept() throws {
        #expect(offer.media[0].attributeValue("rtcp-xr") == .some("rcvr-rtt=all"))
    }

    @Test func exactRoundTrip() throws {
        #expect(offer.serialized() == offerText)
        #expect(gathered.serialized() == gatheredText)
        let lfOnly = offerText.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(try SessionDescription(parsing: lfOnly).serialized() == offerText)
        #expect(try SessionDescription(parsing: offer.serialized()) == offer)
    }
}
