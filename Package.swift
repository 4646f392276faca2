// swift-tools-version: 6.0
import PackageDescription

// System libraries come from Debian's -dev packages through pkg-config (`make deps` installs them).
// The module maps live beside each target; docs/design.md says why each looks as it does.
let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C libraries
        .systemLibrary(name: "COpus", pkgConfig: "opus"),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2"),
        .systemLibrary(name: "CSpanDSP", pkgConfig: "spandsp"),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0"),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl"),
        .target(name: "COpenSSLShim", dependencies: ["COpenSSL"]),
        .target(name: "COpusShim", dependencies: ["COpus"]),
        // RE2 (C++) behind a C face: linear-time matching for dialplan patterns.
        .target(name: "CRE2Shim", linkerSettings: [.linkedLibrary("re2")]),
        // Digests and HMACs through OpenSSL.
        .target(name: "Hashing", dependencies: ["COpenSSL"]),
        // Byte classes, bounded numbers and IP address literals every text parser shares.
        .target(name: "ByteText"),

        // Pure protocol codecs: bytes in, bytes out, no sockets.
        .target(name: "SIP", dependencies: ["ByteText", "Hashing"]),
        .target(name: "SDP", dependencies: ["ByteText"]),
        .target(name: "RTP"),

        // Media and control.
        .target(name: "WebRTC", dependencies: ["RTP", "ByteText", "Hashing", "COpenSSL", "COpenSSLShim", "CSRTP"]),
        .target(name: "Media", dependencies: ["RTP", "WebRTC", "COpus", "COpusShim", "CSpanDSP"]),
        .target(name: "Dialplan", dependencies: ["ByteText", "CLibXML2", "CRE2Shim"]),
        // Media sockets of a call: UDP channels, symmetric-RTP latching, media ports, the 10 ms tick.
        .target(name: "MediaTransport", dependencies: [
            "Media", "RTP", "WebRTC",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The call's course as a state machine: socket-free, driven by the gateway's call controller.
        .target(name: "CallState", dependencies: ["Dialplan"]),
        .target(name: "SIPStack", dependencies: [
            "SIP", "Hashing",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Gateway", dependencies: [
            "SIP", "SDP", "RTP", "WebRTC", "Media", "MediaTransport", "Dialplan", "CallState", "SIPStack", "Hashing",
            "COpenSSL", "COpenSSLShim",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "tandem", dependencies: [
            "Gateway", "Dialplan", "SIPStack",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // `make bench`: per-operation costs, release build.
        .target(name: "CMallocCounter"),
        .executableTarget(name: "TandemBench", dependencies: [
            "RTP", "WebRTC", "Media", "MediaTransport", "Dialplan", "Gateway", "CMallocCounter",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // One harness per parser an attacker can reach; `make fuzz` builds TandemFuzz with
        // -sanitize=fuzzer and runs each, the replay tests run them over the corpora.
        .target(name: "FuzzTargets", dependencies: [
            "SIP", "SDP", "Dialplan", "RTP", "WebRTC", "Media", "SIPStack", "Gateway",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "TandemFuzz", dependencies: ["FuzzTargets"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),

        .testTarget(name: "SIPTests", dependencies: ["SIP", "ByteText", "Hashing"], exclude: ["Fixtures"]),
        .testTarget(name: "SDPTests", dependencies: ["SDP", "ByteText"], exclude: ["Fixtures"]),
        .testTarget(name: "CLibraryTests", dependencies: [
            "COpus", "COpusShim", "CSRTP", "CSpanDSP", "CLibXML2", "COpenSSL", "COpenSSLShim", "WebRTC", "Media", "Dialplan",
        ]),
        .testTarget(name: "RTPTests", dependencies: ["RTP"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "RTP", "WebRTC"]),
        .testTarget(name: "CallStateTests", dependencies: ["CallState", "Dialplan"]),
        .testTarget(name: "DialplanTests", dependencies: ["Dialplan", "ByteText"]),
        // Peer processes, free ports and sockets for tests; never linked into tandem.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SIPStackTests", dependencies: [
            "SIPStack", "SIP", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "WebRTCTests", dependencies: ["WebRTC", "RTP"]),
        .testTarget(name: "GatewayTests", dependencies: [
            "Gateway", "Media", "MediaTransport", "SDP", "SIPStack", "WebRTC", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
