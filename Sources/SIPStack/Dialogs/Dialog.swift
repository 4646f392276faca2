import SIP

/// A SIP dialog (RFC 3261 §12) from our side: the identifiers, sequence numbers, remote target and
/// route set that in-dialog requests are built from and checked against. Pure state, no I/O: the
/// call controller keeps one per leg and sends what it builds through the endpoint.
public struct Dialog: Sendable, Equatable {
    /// Call-ID with both tags, as the local side sees them (§12: our tag is the local one).
    public struct ID: Hashable, Sendable, CustomStringConvertible {
        public var callID: String
        public var localTag: String
        public var remoteTag: String

        public init(callID: String, localTag: String, remoteTag: String) {
            self.callID = callID
            self.localTag = localTag
            self.remoteTag = remoteTag
        }

        /// The dialog an incoming request belongs to: its To tag is ours, its From tag theirs.
        public init?(incoming request: SIPRequest) {
            guard let callID = try? request.headers.callID(), let local = try? request.headers.to().tag,
                  let remote = try? request.headers.from().tag else { return nil }
            self.init(callID: callID, localTag: local, remoteTag: remote)
        }

        public var description: String { "\(callID);local=\(localTag);remote=\(remoteTag)" }
    }

    public enum State: Sendable, Equatable {
        /// Created by a provisional response with a To tag; may still fail or be replaced.
        case early
        case confirmed
    }

    public private(set) var id: ID
    public private(set) var state: State
    /// From of our requests (with our tag) and To of theirs.
    public private(set) var localAddress: NameAddress
    /// To of our requests (with their tag).
    public private(set) var remoteAddress: NameAddress
    public private(set) var localSequence: UInt32
    /// Highest CSeq seen from the remote side; nil until its first request in the dialog.
    public private(set) var remoteSequence: UInt32?
    /// Where in-dialog requests go: the remote Contact, refreshed by re-INVITE and UPDATE.
    public private(set) var remoteTarget: URI
    /// Proxies that asked to stay on the path (Record-Route), first hop first.
    public private(set) var routeSet: [NameAddress]
    /// Our Contact as sent in the dialog-creating message.
    public var localContact: String

    /// The dialog a server creates by answering `request` with a tagged 1xx/2xx (§12.1.1).
    public init?(uas request: SIPRequest, localTag: String, localContact: String, confirmed: Bool) {
        guard let callID = try? request.headers.callID(), let from = try? request.headers.from(), let remoteTag = from.tag,
              var to = try? request.headers.to(), let cseq = try? request.headers.cseq(),
              case .addresses(let contacts)? = try? request.headers.contacts(), let target = contacts.first?.uri,
              let routes = try? request.headers.recordRoute() else { return nil }
        to.tag = localTag
        id = ID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        state = confirmed ? .confirmed : .early
        localAddress = to
        remoteAddress = from
        localSequence = UInt32.random(in: 1...0x7fff_ffff)
        remoteSequence = cseq.sequence
        remoteTarget = target
        routeSet = routes
        self.localContact = localContact
    }

    /// The dialog a client gets from a response to its `request` carrying a To tag (§12.1.2). A
    /// forked INVITE may create several: one per remote tag.
    public init?(uac request: SIPRequest, response: SIPResponse, localContact: String) {
        guard response.statusCode > 100, response.statusCode < 300,
              let callID = try? request.headers.callID(), let from = try? request.headers.from(), let localTag = from.tag,
              let to = try? response.headers.to(), let remoteTag = to.tag, let cseq = try? request.headers.cseq(),
              let routes = try? response.headers.recordRoute() else { return nil }
        id = ID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        state = response.isSuccess ? .confirmed : .early
        localAddress = from
        remoteAddress = to
        localSequence = cseq.sequence
        remoteSequence = nil
        if case .addresses(let contacts)? = try? response.headers.contacts(), let target = contacts.first?.uri {
            remoteTarget = target
        } else {
            // A 1xx may come without Contact; the request URI is the best target until one arrives.
            remoteTarget = request.uri
        }
        routeSet = routes.reversed()
        self.localContact = localContact
    }

    /// A later response to our INVITE on this dialog: the 2xx confirms an early dialog and, per
    /// §13.2.2.4, its Record-Route and Contact replace what the 1xx said.
    public mutating func update(with response: SIPResponse) {
        guard response.statusCode > 100, response.statusCode < 300 else { return }
        if case .addresses(let contacts)? = try? response.headers.contacts(), let target = contacts.first?.uri {
            remoteTarget = target
        }
        if state == .early, response.isSuccess {
            state = .confirmed
            if let routes = try? response.headers.recordRoute() { routeSet = routes.reversed() }
        }
    }

    /// Why an in-dialog request is refused before the call controller sees it.
    public enum Refusal: Error, Equatable {
        /// Lower CSeq than one already seen: §12.2.2 says 500.
        case outOfOrder
    }

    /// Checks an incoming in-dialog request against the CSeq rules (§12.2.2) and applies its target
    /// refresh (re-INVITE and UPDATE carry a new Contact). ACK and CANCEL reuse the INVITE's number.
    public mutating func receive(_ request: SIPRequest) throws(Refusal) {
        guard let cseq = try? request.headers.cseq() else { throw .outOfOrder }
        if request.method != .ack && request.method != .cancel {
            if let seen = remoteSequence, cseq.sequence <= seen { throw .outOfOrder }
            remoteSequence = cseq.sequence
        }
        if request.method == .invite || request.method == .update,
           case .addresses(let contacts)? = try? request.headers.contacts(), let target = contacts.first?.uri {
            remoteTarget = target
        }
    }

    /// A new request inside the dialog (§12.2.1.1) with the next CSeq; `via` is the new branch's.
    public mutating func makeRequest(_ method: SIPMethod, via: Via) -> SIPRequest {
        localSequence &+= 1
        return request(method, sequence: localSequence, via: via)
    }

    /// The ACK for a 2xx to the INVITE numbered `sequence` (§13.2.2.4): its own transaction-less request.
    public func makeACK(sequence: UInt32, via: Via) -> SIPRequest {
        request(.ack, sequence: sequence, via: via)
    }

    private func request(_ method: SIPMethod, sequence: UInt32, via: Via) -> SIPRequest {
        var uri = remoteTarget
        var routes = routeSet
        if let first = routes.first, first.uri.sipURI?.isLooseRouter == false {
            // A strict router (RFC 2543) takes the Request-URI slot; the target goes last (§12.2.1.1).
            uri = first.uri
            routes.removeFirst()
            routes.append(NameAddress(uri: remoteTarget))
        }
        var r = SIPRequest(method: method, uri: uri)
        r.headers.add(.via, via.description)
        r.headers.add(.maxForwards, "70")
        r.headers.add(.from, localAddress.description)
        r.headers.add(.to, remoteAddress.description)
        r.headers.add(.callID, id.callID)
        r.headers.add(.cseq, CSeq(sequence, method).description)
        if !routes.isEmpty { r.headers.setRoute(routes) }
        if method == .invite || method == .update || method == .refer || method == .notify {
            r.headers.add(.contact, localContact)
        }
        return r
    }

    /// Where an in-dialog request is sent first (§8.1.2): the first loose route, else the target.
    public var nextHop: SIPURI? {
        if let first = routeSet.first, first.uri.sipURI?.isLooseRouter == true { return first.uri.sipURI }
        return routeSet.first?.uri.sipURI ?? remoteTarget.sipURI
    }
}
