import Foundation
import NIOCore
import NIOEmbedded
import SIP
import Testing
@testable import SIPStack

/// What a binding says about the contact behind it: a browser takes WebRTC, anything else plain RTP.
@Suite struct BindingTests {
    func binding(_ contact: String, over transport: SIPTransportKind) throws -> Binding {
        let peer = SIPPeer(transport: transport, remote: try SocketAddress(ipAddress: "127.0.0.1", port: 5062), channel: EmbeddedChannel())
        return Binding(user: "bob", contact: try NameAddress(contact), expires: Date(), instance: nil, regID: nil, path: [],
                       callID: "c", cseq: 1, peer: peer)
    }

    @Test func aWebSocketFlowIsABrowser() throws {
        #expect(try binding("<sip:x@df7jal23ls0d.invalid;transport=ws>;+sip.instance=\"<urn:uuid:1>\";reg-id=1", over: .wss).isWebSocketClient)
        #expect(try binding("<sip:x@df7jal23ls0d.invalid;transport=ws>", over: .ws).isWebSocketClient)
    }

    @Test func aBrowserBehindAnEdgeProxyIsKnownByItsContactTransport() throws {
        #expect(try binding("<sip:x@df7jal23ls0d.invalid;transport=ws>", over: .udp).isWebSocketClient)
    }

    @Test func aDeskPhoneOnUDPTCPOrTLSIsNot() throws {
        #expect(try !binding("<sip:bob-0x1@127.0.0.1:5062>;+sip.instance=\"<urn:uuid:2>\"", over: .udp).isWebSocketClient,
                "an instance id alone (baresip sends one) does not make a browser")
        #expect(try !binding("<sip:bob@127.0.0.1:5062;transport=tcp>", over: .tcp).isWebSocketClient)
        #expect(try !binding("<sips:bob@127.0.0.1:5063;transport=tls>", over: .tls).isWebSocketClient)
    }
}
