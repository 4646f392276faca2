import ByteText

/// `Refer-To: <sip:bob@example.com?Replaces=...>` (RFC 3515 §2.1): where a transfer sends the call.
/// An attended transfer (RFC 3891 §5) carries the dialog to replace as an escaped `Replaces` URI
/// header, which `replaces` reads and writes.
public struct ReferTo: Sendable, Equatable, CustomStringConvertible {
    public var target: NameAddress

    public init(target: NameAddress) { self.target = target }

    public init(_ text: String) throws(SIPParseError) {
        do {
            target = try NameAddress(text)
        } catch {
            throw error.attributed(to: .referTo)
        }
    }

    public var replaces: Replaces? {
        get throws(SIPParseError) {
            guard let header = target.uri.sipURI?.headers.first(where: { ASCII.equalsIgnoringCase($0.name, "Replaces") })
            else { return nil }
            let text = try URIEscaping.unescape(ArraySlice(header.value.utf8), allowed: ByteClass.headerChar,
                                                part: "Replaces header")
            do {
                return try Replaces(text)
            } catch {
                throw error.attributed(to: .referTo)
            }
        }
    }

    /// The target with `replaces` set as its URI's Replaces header (or removed when nil).
    public func replacing(_ replaces: Replaces?) -> ReferTo {
        guard case .sip(var uri) = target.uri else { return self }
        uri.headers.removeAll { ASCII.equalsIgnoringCase($0.name, "Replaces") }
        if let replaces {
            uri.headers.append(SIPURI.Header(name: "Replaces",
                                             value: URIEscaping.escape(replaces.description, allowed: ByteClass.headerChar)))
        }
        var copy = self
        copy.target.uri = .sip(uri)
        return copy
    }

    public var description: String { target.description }
}

extension SIPHeaders {
    public func referTo() throws(SIPParseError) -> ReferTo? { try parsed(.referTo, ReferTo.init) }

    public mutating func setReferTo(_ value: ReferTo) { set(.referTo, value.description) }

    /// The identities a trusted peer asserts for the caller (RFC 3325 §9.1): at most one SIP or SIPS
    /// URI and one tel URI.
    public func pAssertedIdentities() throws(SIPParseError) -> [NameAddress] { try list(.pAssertedIdentity) }

    public mutating func setPAssertedIdentity(_ address: NameAddress) { set(.pAssertedIdentity, address.description) }
}
