import Foundation
import Gateway
import Logging
import MediaTransport
import NIOCore
import NIOPosix
import Testing
import WebRTC

/// Call media made and torn down many times: sockets close cleanly and nothing is released twice
/// (this caught a Swift 6.3.1 over-release of a tuple carried onto the event loop).
@Suite struct CallMediaLifecycleTests {
    @Test func makeAndCloseRepeatedly() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        for _ in 0..<200 {
            let ice = ICELiteAgent()
            let media = try await CallMedia.make(loop: group.next(), host: "127.0.0.1", logger: Logger(label: "t"), a: .browser(ice: ice),
                                                 b: .phone(remote: nil, payloadTypes: [0]))
            await media.close()
        }
        try await group.shutdownGracefully()
    }

    @Test func legSocketBindAndCloseRepeatedly() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        for _ in 0..<200 {
            let ice = ICELiteAgent()
            let leg = try await WebRTCLegSocket.bind(host: "127.0.0.1", port: 0, on: group.next(), ice: ice, dtls: nil,
                                                     logger: Logger(label: "t"), onEvent: { _ in }, onMedia: { _, _ in })
            leg.close()
        }
        try await group.shutdownGracefully()
    }
}
