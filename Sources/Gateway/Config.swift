import Foundation
import SIP
import SIPStack

/// Tandem's version, printed by `tandem version`, reported by /health and sent as User-Agent/Server.
public let tandemVersion = "0.1.0"

/// A listening socket address from the config, such as `127.0.0.1:5060` or `[::1]:8088`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port`; nil when malformed.
    public init?(parsing text: String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (0...65535).contains(p) else { return nil }
            port = p
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let p = Int(parts[1]), (0...65535).contains(p) else { return nil }
            host = String(parts[0])
            port = p
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Everything `tandem run` reads from its one config file. Defaults here are the documented defaults
/// (docs/config.md); a key left out of the file keeps its default.
public struct GatewayConfig: Sendable, Equatable {
    /// Where Tandem listens; a listener set to `null`/`off` in the file is disabled.
    public struct Listeners: Sendable, Equatable {
        public var sipUDP: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 5060)
        public var sipTCP: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 5060)
        public var sipTLS: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 5061)
        /// HTTP for the web phone and health, and SIP over WebSocket (RFC 7118) on the same port.
        public var http: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 8088)
        /// The same over TLS: HTTPS and WSS.
        public var https: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 8089)
        public init() {}
    }

    /// The media side: which UDP ports legs take and which addresses the SDP advertises.
    public struct Media: Sendable, Equatable {
        public var portRange: ClosedRange<Int> = 20000...29999
        /// Addresses whose candidates and c= lines we advertise; empty means the SIP listener's address.
        public var localAddresses: [String] = []
        /// The public address of a 1:1 NAT (cloud deployments), advertised in addition.
        public var publicAddress: String? = nil
        /// A STUN server (`host:port`) asked at start which address our media sockets are seen
        /// from: logged, and a warning when it is not `publicAddress`.
        public var stunServer: String? = nil
        /// An answered call whose SIP leg sends no RTP for this long is hung up; 0 never.
        public var rtpTimeoutSeconds = 60
        /// A browser leg without a valid ICE check for this long has lost consent (RFC 7675: 30 s).
        public var consentTimeoutSeconds = 30
        public init() {}

        /// The addresses a browser leg advertises as ICE candidates: the configured local addresses
        /// (or `fallback`, the SIP listener's), then the 1:1 NAT's public address.
        public func candidateAddresses(fallback: String) -> [String] {
            var list = localAddresses.isEmpty ? [fallback] : localAddresses
            if let publicAddress, !list.contains(publicAddress) { list.append(publicAddress) }
            return list
        }
    }

    /// A browser user allowed to register, with the digest HA1s (or a plain password for labs).
    public struct User: Sendable, Equatable {
        public var name: String
        /// MD5 of name:realm:password, hex.
        public var ha1: String?
        /// SHA-256 of name:realm:password, hex (RFC 8760).
        public var ha1SHA256: String?
        public var password: String?
        /// The dialplan context the user's calls are routed in.
        public var context: String
        /// How digits go to the user's legs; nil is `auto` (RFC 4733 when negotiated, tones otherwise).
        public var dtmf: Trunk.DTMFMode?

        public init(name: String, ha1: String? = nil, ha1SHA256: String? = nil, password: String? = nil,
                    context: String = "from-browser", dtmf: Trunk.DTMFMode? = nil) {
            self.name = name
            self.ha1 = ha1
            self.ha1SHA256 = ha1SHA256
            self.password = password
            self.context = context
            self.dtmf = dtmf
        }

        /// The HA1 of each algorithm this user can answer: both from a password, else those given.
        public func digestHA1(realm: String) -> [DigestAlgorithm: String] {
            if let password {
                return Dictionary(uniqueKeysWithValues: [DigestAlgorithm.md5, .sha256].map {
                    ($0, $0.ha1(username: name, realm: realm, password: password))
                })
            }
            var stored: [DigestAlgorithm: String] = [:]
            stored[.md5] = ha1
            stored[.sha256] = ha1SHA256
            return stored
        }
    }

    /// A SIP peer calls are bridged to (a PBX, a carrier, a phone).
    public struct Trunk: Sendable, Equatable {
        public enum Transport: String, Sendable, CaseIterable { case udp, tcp, tls }
        public enum DTMFMode: String, Sendable, CaseIterable { case rfc4733, info, inband }
        public var name: String
        public var address: String
        public var transport: Transport = .udp
        public var username: String? = nil
        public var password: String? = nil
        public var register: Bool = false
        public var codecs: [String] = ["PCMU", "PCMA"]
        public var dtmf: DTMFMode = .rfc4733
        /// The identity presented on calls out this trunk when the route sets none (`<caller-id>`):
        /// carriers often accept only their own numbers in From.
        public var callerIDNumber: String? = nil
        public var callerIDName: String? = nil
        /// Add P-Asserted-Identity (RFC 3325) with the presented identity, as carriers' trusted
        /// interfaces expect.
        public var assertIdentity = false
        /// Concurrent calls in and out of this trunk; nil takes `limits.max_calls_per_trunk`.
        public var maxCalls: Int? = nil
        /// Seconds between OPTIONS probes of the trunk (`tandem_trunk_reachable`); 0, the default,
        /// never (as Asterisk's qualify and FreeSWITCH's ping are off until asked for).
        public var optionsIntervalSeconds = 0

        public init(name: String, address: String) {
            self.name = name
            self.address = address
        }
    }

    /// The built-in web phone, served on the HTTP and HTTPS listeners.
    public struct WebPhone: Sendable, Equatable {
        public var enabled = true
        /// The URL path it is served under.
        public var path = "/"
        /// The folder its files are read from at start.
        public var directory = "web"
        public init() {}
    }

    /// What the node takes on before it refuses new calls with 503 (docs/operations.md).
    public struct Limits: Sendable, Equatable {
        /// Calls in progress at once; nil unlimited.
        public var maxCalls: Int? = nil
        /// Of those, calls whose media is decoded and encoded (browser ⇄ phone, apps); nil unlimited.
        public var maxTranscodedCalls: Int? = nil
        /// A new transcoded call is refused while the busiest media loop spends more than this share
        /// of its time working (`make bench` measured loss staying under 0.1% below it).
        public var maxMediaLoad = 0.85
        public var maxCallsPerUser: Int? = nil
        public var maxCallsPerTrunk: Int? = nil
        /// New INVITEs and REGISTERs per source address (token buckets: `rate` a second, up to
        /// `burst` at once); nil no limit. Configured trunks are not limited.
        public var inviteRate: Double? = 20
        public var inviteBurst: Double = 50
        public var registerRate: Double? = 10
        public var registerBurst: Double = 30
        public enum OverRate: String, Sendable, CaseIterable { case reject, drop }
        /// Over the rate: 503 with Retry-After, or no answer.
        public var overRate = OverRate.reject
        /// Digest failures of one user or from one source within `authFailureWindowSeconds` before
        /// that user or source is refused for the same time.
        public var authFailures = 10
        public var authFailureWindowSeconds = 60
        public init() {}
    }

    /// The operator's side: the admin API and page, and how a drain ends.
    public struct Admin: Sendable, Equatable {
        /// Bearer token for `/admin` and `/admin/api/...`; nil (the default) turns them off.
        public var token: String? = nil
        /// How long a drain lets calls in progress finish before it ends them.
        public var drainTimeoutSeconds = 300
        public init() {}
    }

    public enum LogFormat: String, Sendable, CaseIterable { case text, json }

    /// TURN servers for browsers (coturn's `use-auth-secret`): each browser gets time-limited
    /// credentials of the TURN REST scheme, user name `EXPIRY:user`, password
    /// base64(HMAC-SHA1(secret, user name)).
    public struct TURN: Sendable, Equatable {
        public var servers: [String] = []
        public var secret: String? = nil
        public var ttlSeconds = 86400
        public init() {}

        /// The credentials `user` gets now, good for `ttlSeconds`.
        public func credentials(for user: String, now: Date) -> (username: String, credential: String)? {
            guard let secret else { return nil }
            let username = "\(Int(now.timeIntervalSince1970) + ttlSeconds):\(user)"
            return (username, RegistrationCredentials.tokenPassword(secret: secret, username: username))
        }
    }

    /// Calls placed by HTTP (docs/http-calls.md): which pages may place them from another origin,
    /// and the STUN/TURN servers each answer names for the browser (RFC 9725 §4.4 `Link` headers).
    public struct HTTPAPI: Sendable, Equatable {
        /// Origins answered with CORS headers (`*` for any); empty: same-origin pages only.
        public var allowedOrigins: [String] = []
        public var iceServers: [ICEServer] = []
        public init() {}

        public struct ICEServer: Sendable, Equatable {
            public var url: String
            public var username: String? = nil
            public var credential: String? = nil
            public init(url: String, username: String? = nil, credential: String? = nil) {
                self.url = url
                self.username = username
                self.credential = credential
            }
        }
    }

    /// The SIP transports' behaviour toward what connects to them.
    public struct SIP: Sendable, Equatable {
        /// Answer every UDP request at the address and port it came from, as if it asked with
        /// `rport` (RFC 3581): what phones behind NAT need, as Asterisk's `force_rport` and
        /// Kamailio's `force_rport()` do. Off: the Via's sent-by port, as RFC 3261 §18.2.2 has it.
        public var forceRport = true
        /// A TCP, TLS or WebSocket flow must bring its first whole message (after any TLS handshake
        /// or HTTP upgrade) within this, and finish a message it began within `messageTimeoutSeconds`.
        public var firstMessageTimeoutSeconds = 10
        public var messageTimeoutSeconds = 10
        /// Stream flows held at once; a connection past it is closed at once.
        public var maxConnections = 10_000
        /// RFC 5626 Flow-Timer: WebSockets are pinged this often, outbound registrations are asked
        /// for keep-alives this often, and a flow silent for one and a half of it is closed.
        public var flowTimerSeconds = 30
        public init() {}
    }

    public var listen = Listeners()
    public var sip = SIP()
    /// Page origins (`https://phone.example.com`) allowed to open SIP over WebSocket; empty: any.
    public var allowedOrigins: [String] = []
    public var limits = Limits()
    public var admin = Admin()
    public var httpAPI = HTTPAPI()

    /// The address our SDP falls back to when `media.local_addresses` is empty: the SIP listener's
    /// (loopback for a wildcard one).
    var mediaHost: String {
        let listener = listen.sipUDP?.host ?? listen.http?.host ?? "127.0.0.1"
        return listener == "0.0.0.0" || listener == "::" ? "127.0.0.1" : listener
    }

    /// What media sockets bind: that host, or every address when local addresses are listed.
    var mediaBindHost: String { media.localAddresses.isEmpty ? mediaHost : "0.0.0.0" }
    public var turn = TURN()
    public var logFormat = LogFormat.text
    public var webPhone = WebPhone()
    public var media = Media()
    public var realm = "tandem"
    /// Digest algorithms challenged for, in order (MD5 first: JsSIP and SIP.js answer only the first).
    public var digestAlgorithms: [DigestAlgorithm] = [.md5]
    public var users: [User] = []
    /// Secret for time-limited HMAC tokens (`expiry:user` usernames, and `BearerToken`s for HTTP
    /// calls); nil disables tokens and with them HTTP calls.
    public var tokenSecret: String? = nil
    public var trunks: [Trunk] = []
    public var dialplanDirectory = "dialplans"
    public var certificateDirectory = "certs"
    /// Where `<playback file>` finds its WAV files.
    public var soundsDirectory = "sounds"
    /// File call detail records are appended to (one JSON line per call); nil writes none.
    public var cdrPath: String? = nil
    public var logLevel = "info"

    public init() {}
}
