import Testing
@testable import SDP

/// Each typed attribute: parsing, rejecting nonsense, writing back.
@Suite struct TypedAttributeTests {
    @Test func candidateWithRelatedAddressAndPrefix() throws {
        let text = "candidate:842163049 1 udp 1677729535 203.0.113.7 50123 typ srflx raddr 192.168.1.5 rport 50123 generation 0 ufrag Pvei network-cost 999"
        let candidate = try #require(ICECandidate(attributeValue: text))
        #expect(candidate.type == .serverReflexive)
        #expect(candidate.relatedAddress == "192.168.1.5")
        #expect(candidate.relatedPort == 50123)
        #expect(candidate.extensions == [.init(name: "ufrag", value: "Pvei"), .init(name: "network-cost", value: "999")])
        #expect(candidate.attributeValue == String(text.dropFirst("candidate:".count)))
    }

    @Test func candidateRejectsNonsense() {
        #expect(ICECandidate(attributeValue: "1 1 udp 1 10.0.0.1 70000 typ host") == nil)
        #expect(ICECandidate(attributeValue: "1 1 udp 99999999999 10.0.0.1 5 typ host") == nil)
        #expect(ICECandidate(attributeValue: "1 1 udp 1 10.0.0.1 5 type host") == nil)
        #expect(ICECandidate(attributeValue: "1 1 udp 1 10.0.0.1 5 typ host generation") == nil)
        #expect(ICECandidate(attributeValue: "1 1 udp 1 10.0.0.1 5 typ") == nil)
        #expect(ICECandidate(attributeValue: "") == nil)
    }

    @Test func fingerprint() throws {
        let fingerprint = try #require(Fingerprint(attributeValue: "sha-1 4a:ad:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB"))
        #expect(fingerprint.bytes.count == 20)
        #expect(fingerprint.bytes[0] == 0x4A)
        #expect(fingerprint.attributeValue == "sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB")
        #expect(Fingerprint(attributeValue: "sha-256 B1:1") == nil)
        #expect(Fingerprint(attributeValue: "sha-256 B1::14") == nil)
        #expect(Fingerprint(attributeValue: "sha-256 ZZ") == nil)
        #expect(Fingerprint(attributeValue: "sha-256") == nil)
    }

    @Test func setupRole() {
        #expect(SetupRole(attributeValue: "ACTPASS") == .actpass)
        #expect(SetupRole(attributeValue: "sideways") == nil)
        #expect(SetupRole.active.answer() == .passive)
        #expect(SetupRole.passive.answer() == .active)
        #expect(SetupRole.actpass.answer(preferring: .passive) == .passive)
    }

    @Test func rtpmap() {
        #expect(RTPMap(attributeValue: "111 opus/48000/2") == RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(RTPMap(attributeValue: "0 PCMU/8000")?.channels == nil)
        #expect(RTPMap(attributeValue: "128 x/8000") == nil)
        #expect(RTPMap(attributeValue: "96 x/99999999999") == nil)
        #expect(RTPMap(attributeValue: "96 /8000") == nil)
        #expect(RTPMap(attributeValue: "96 x") == nil)
        #expect(RTPMap(attributeValue: "96 x/8000/2/1") == nil)
    }

    @Test func fmtpKeepsUnknownAndOrder() throws {
        var fmtp = try #require(FormatParameters(attributeValue: "111 minptime=10; useinbandfec=1;x-custom=a=b;flag"))
        #expect(fmtp.payloadType == 111)
        #expect(fmtp.parameters.map(\.name) == ["minptime", "useinbandfec", "x-custom", "flag"])
        #expect(fmtp["X-CUSTOM"] == "a=b")
        #expect(fmtp.contains("flag") && fmtp["flag"] == nil)
        fmtp.set("stereo", "1")
        fmtp.set("minptime", "20")
        fmtp.set("flag", nil)
        #expect(fmtp.attributeValue == "111 minptime=20;useinbandfec=1;x-custom=a=b;stereo=1")
    }

    @Test func telephoneEvents() throws {
        let fmtp = try #require(FormatParameters(attributeValue: "101 0-15,66,70-72"))
        let offered = try #require(TelephoneEvents(formatParameters: fmtp))
        #expect(offered.ranges == [0...15, 66...66, 70...72])
        #expect(offered.parameterText == "0-15,66,70-72")
        #expect(offered.intersection(.dtmfAndFlash) == .dtmf)
        #expect(TelephoneEvents.dtmfAndFlash.intersection(.dtmfAndFlash).parameterText == "0-16")
        #expect(TelephoneEvents([0...5, 6...9]).ranges == [0...9])
        #expect(TelephoneEvents(formatParameters: FormatParameters(format: "101", parameters: [.init("16-0")])) == nil)
        #expect(TelephoneEvents(formatParameters: FormatParameters(format: "101", parameters: [.init("0-300")])) == nil)
    }

    @Test func rtcpFeedback() {
        #expect(RTCPFeedback(attributeValue: "96 nack pli") == RTCPFeedback(payloadType: "96", type: "nack", parameter: "pli"))
        #expect(RTCPFeedback(attributeValue: "* trr-int 100")?.applies(to: 0) == true)
        #expect(RTCPFeedback(attributeValue: "96 nack")?.applies(to: 97) == false)
        #expect(RTCPFeedback(attributeValue: "x nack") == nil)
    }

    @Test func extmap() {
        let parsed = ExtMap(attributeValue: "3/sendonly urn:ietf:params:rtp-hdrext:toffset")
        #expect(parsed == ExtMap(id: 3, direction: .sendonly, uri: "urn:ietf:params:rtp-hdrext:toffset"))
        #expect(parsed?.attributeValue == "3/sendonly urn:ietf:params:rtp-hdrext:toffset")
        #expect(ExtMap(attributeValue: "3/sideways urn:x") == nil)
        #expect(ExtMap(attributeValue: "70000 urn:x") == nil)
        #expect(ExtMap(attributeValue: "3") == nil)
    }

    @Test func ssrcAndGroups() {
        #expect(SSRCAttribute(attributeValue: "1 cname:a:b") == SSRCAttribute(ssrc: 1, attribute: "cname", value: "a:b"))
        #expect(SSRCAttribute(attributeValue: "4294967296 cname:x") == nil)
        #expect(SSRCAttribute(attributeValue: "12") == nil)
        #expect(SSRCGroup(attributeValue: "FID 1 2") == SSRCGroup(semantics: "FID", ssrcs: [1, 2]))
        #expect(SSRCGroup(attributeValue: "FID 1 x") == nil)
        #expect(Group(attributeValue: "BUNDLE 0 1 data")?.mids == ["0", "1", "data"])
        #expect(Group(attributeValue: "LS 1 2")?.isBundle == false)
        #expect(MSID(attributeValue: "- track") == MSID(streamID: "-", trackID: "track"))
        #expect(MSID(attributeValue: "a b c") == nil)
        #expect(MSIDSemantic(attributeValue: " WMS *")?.identifiers == ["*"])
        #expect(RTCPAddress(attributeValue: "53020") == RTCPAddress(port: 53020))
        #expect(RTCPAddress(attributeValue: "9 IN IP6 ::") == RTCPAddress(port: 9, connection: ConnectionData(addressType: .ip6, address: "::")))
        #expect(RTCPAddress(attributeValue: "9 IN") == nil)
    }

    @Test func mediaDirection() {
        #expect(MediaDirection.sendonly.reversed == .recvonly)
        #expect(MediaDirection.recvonly.reversed == .sendonly)
        #expect(MediaDirection.inactive.reversed == .inactive)
        #expect(MediaDirection.sendrecv.reversed == .sendrecv)
        #expect(MediaDirection.sendrecv.intersection(.sendonly) == .sendonly)
        #expect(MediaDirection.recvonly.intersection(.sendonly) == .inactive)
    }

    @Test func staticPayloadTable() {
        #expect(StaticPayloadType.rtpMap(for: 9) == RTPMap(payloadType: 9, encodingName: "G722", clockRate: 8000))
        #expect(StaticPayloadType.rtpMap(for: 96) == nil)
        #expect(StaticPayloadType.payloadType(forEncoding: "pcma", clockRate: 8000) == 8)
        #expect(StaticPayloadType.payloadType(forEncoding: "opus", clockRate: 48000) == nil)
    }
}
