import SIP

/// The requests a back-to-back user agent sends, each made in one place: the dialog-creating INVITE
/// and its CANCEL, and the in-dialog re-INVITE, UPDATE, BYE, NOTIFY and INFO (built on `Dialog`,
/// which numbers and routes them). Pure values, no I/O: the caller sends what it gets.
public struct RequestBuilder: Sendable {
    public var userAgent: String
    /// The Allow header of dialog-creating requests and of re-INVITEs (their Contact refreshes it).
    public var allow: String

    public init(userAgent: String, allow: String) {
        self.userAgent = userAgent
        self.allow = allow
    }

    /// What a new INVITE asks for beyond its addresses.
    public struct Offer: Sendable {
        public var body: [UInt8]
        public var contentType: String
        /// Our Session-Expires and Min-SE (RFC 4028 §7.1), nil to ask for no session timer.
        public var sessionTimer: (expires: Int, minSE: Int)?
        public var assertedIdentity: NameAddress?

        public init(body: [UInt8], contentType: String = "application/sdp", sessionTimer: (expires: Int, minSE: Int)? = nil,
                    assertedIdentity: NameAddress? = nil) {
            self.body = body
            self.contentType = contentType
            self.sessionTimer = sessionTimer
            self.assertedIdentity = assertedIdentity
        }
    }

    /// A dialog-creating INVITE (RFC 3261 §8.1.1) with CSeq 1.
    public func invite(_ uri: URI, from: NameAddress, to: NameAddress, callID: String, via: Via, contact: String,
                       offer: Offer) -> SIPRequest {
        var r = outOfDialog(.invite, uri, from: from, to: to, callID: callID, via: via)
        r.headers.add(.contact, contact)
        r.headers.add(.allow, allow)
        if let timer = offer.sessionTimer {
            r.headers.add(.supported, "timer")
            r.headers.setSessionExpires(SessionExpires(interval: timer.expires))
            r.headers.setMinSE(timer.minSE)
        }
        r.headers.userAgent = userAgent
        if let identity = offer.assertedIdentity { r.headers.setPAssertedIdentity(identity) }
        r.headers.add(.contentType, offer.contentType)
        r.body = offer.body
        return r
    }

    /// An out-of-dialog OPTIONS (§11): whether the peer answers at all, as a keepalive probe.
    public func options(_ uri: URI, from: NameAddress, to: NameAddress, callID: String, via: Via) -> SIPRequest {
        var r = outOfDialog(.options, uri, from: from, to: to, callID: callID, via: via)
        r.headers.userAgent = userAgent
        r.headers.add(.accept, "application/sdp")
        return r
    }

    /// The headers every request outside a dialog starts with (§8.1.1), CSeq 1.
    private func outOfDialog(_ method: SIPMethod, _ uri: URI, from: NameAddress, to: NameAddress, callID: String, via: Via) -> SIPRequest {
        var r = SIPRequest(method: method, uri: uri)
        r.headers.add(.via, via.description)
        r.headers.setMaxForwards(70)
        r.headers.setFrom(from)
        r.headers.setTo(to)
        r.headers.setCallID(callID)
        r.headers.setCSeq(CSeq(1, method))
        return r
    }

    /// The CANCEL of a pending INVITE (§9.1): its Request-URI, top Via, From, To (no tag yet), Call-ID
    /// and CSeq number, so the far end matches it to the INVITE's transaction.
    public func cancel(_ invite: SIPRequest) -> SIPRequest {
        var c = SIPRequest(method: .cancel, uri: invite.uri)
        for name in [HeaderName.via, .from, .to, .callID] {
            if let value = invite.headers[name] { c.headers.add(name, value) }
        }
        c.headers.setMaxForwards(70)
        if let cseq = try? invite.headers.cseq() { c.headers.setCSeq(CSeq(cseq.sequence, .cancel)) }
        return c
    }

    /// A re-INVITE with a new offer (hold, resume, a new far end): the dialog's next CSeq.
    public func reinvite(in dialog: inout Dialog, via: Via, offer: [UInt8]) -> SIPRequest {
        var r = dialog.makeRequest(.invite, via: via)
        r.headers.add(.allow, allow)
        r.headers.add(.contentType, "application/sdp")
        r.body = offer
        return r
    }

    /// A session refresh (RFC 4028 §7.4) as UPDATE without a body: no new offer, only the timer.
    public func refresh(in dialog: inout Dialog, via: Via, sessionExpires: SessionExpires) -> SIPRequest {
        var r = dialog.makeRequest(.update, via: via)
        r.headers.setSessionExpires(sessionExpires)
        r.headers.add(.supported, "timer")
        return r
    }

    /// A BYE, saying why the call ended (RFC 3326) so the far end's CDR can tell.
    public func bye(in dialog: inout Dialog, via: Via, reason: Reason?) -> SIPRequest {
        var r = dialog.makeRequest(.bye, via: via)
        if let reason { r.headers.addReason(reason) }
        return r
    }

    /// A NOTIFY of a refer subscription (RFC 3515 §2.4.5): the transfer's progress as a sipfrag status line.
    public func notify(in dialog: inout Dialog, via: Via, sipfrag status: String, state: SubscriptionState) -> SIPRequest {
        var r = dialog.makeRequest(.notify, via: via)
        r.headers.setEvent(EventHeader(package: "refer"))
        r.headers.setSubscriptionState(state)
        r.headers.add(.contentType, "message/sipfrag;version=2.0")
        r.body = Array((status + "\r\n").utf8)
        return r
    }

    /// An INFO carrying `body` (DTMF relay) in the dialog.
    public func info(in dialog: inout Dialog, via: Via, contentType: String, body: [UInt8]) -> SIPRequest {
        var r = dialog.makeRequest(.info, via: via)
        r.headers.add(.contentType, contentType)
        r.body = body
        return r
    }
}
