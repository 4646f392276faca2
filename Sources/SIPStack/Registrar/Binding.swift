import Foundation
import SIP

/// One registered contact of a user: where to send that user's calls, until when, and over which
/// flow (a browser on a WebSocket is reachable only over that connection, RFC 5626).
public struct Binding: Sendable {
    public var user: String
    /// The Contact as registered, parameters included (`+sip.instance`, `reg-id`, `ob`, `transport=ws`).
    public var contact: NameAddress
    public var expires: Date
    /// RFC 5626 instance and reg-id: a new registration with the same pair replaces this one.
    public var instance: String?
    public var regID: UInt32?
    /// Path headers (RFC 3327) recorded at registration, for routing through an edge proxy later.
    public var path: [String]
    public var callID: String
    public var cseq: UInt32
    /// The flow the REGISTER arrived on.
    public var peer: SIPPeer

    /// Whether the contact is a WebSocket client, a browser: it registered over a WebSocket, or
    /// through an edge proxy with a `transport=ws`/`wss` contact (RFC 7118 §5). Everything else
    /// (UDP, TCP, TLS) is a SIP phone.
    public var isWebSocketClient: Bool {
        if peer.transport == .ws || peer.transport == .wss { return true }
        return contact.uri.sipURI?.transport.map { ["ws", "wss"].contains($0.lowercased()) } ?? false
    }

    /// Whether `other` names the same binding (RFC 5626 §6: instance+reg-id, else the contact URI).
    func sameBinding(_ instance: String?, _ regID: UInt32?, _ uri: URI) -> Bool {
        if let instance, let regID { return self.instance == instance && self.regID == regID }
        return contact.uri == uri
    }
}
