import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import SIP
@testable import SIPStack

/// The stream transports as the listener builds them, on an embedded channel: bytes arrive in the
/// reads the input cuts them into, an endpoint behind answers every request, and the loop's clock
/// is run past every transaction and linger timer before the flow ends.
enum StreamHarness {
    /// Answers each request 200, so responses go back down the same pipeline.
    final class Answerer: SIPEndpointDelegate {
        func endpoint(_ endpoint: SIPEndpoint, received request: SIPRequest, transaction: ServerTransactionHandle<SIPPeer>) {
            guard request.method != .ack else { return }
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200, toTag: "fuzz"))
        }
        func endpoint(_ endpoint: SIPEndpoint, receivedOutsideTransaction request: SIPRequest, from peer: SIPPeer) {}
        func endpoint(_ endpoint: SIPEndpoint, receivedStray response: SIPResponse, from peer: SIPPeer) {}
        func endpoint(_ endpoint: SIPEndpoint, flowClosed peer: SIPPeer) {}
    }

    /// Returns the bytes written back (responses, pongs), so tests can see a seed reached the endpoint.
    @discardableResult
    static func runTCP(_ input: UnsafeRawBufferPointer) -> Int {
        run(input) { channel, endpoint in
            try channel.pipeline.syncOperations.addHandler(StreamHandler(endpoint: endpoint, transport: .tcp))
        }
    }

    /// What NIO's server upgrader installs for SIP over WebSocket, and our aggregator and handler.
    @discardableResult
    static func runWebSocket(_ input: UnsafeRawBufferPointer) -> Int {
        run(input) { channel, endpoint in
            let ops = channel.pipeline.syncOperations
            try ops.addHandler(WebSocketFrameEncoder())
            try ops.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 16)))
            try ops.addHandler(WebSocketProtocolErrorHandler())
            try ops.addHandler(NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: 1 << 16))
            try ops.addHandler(WebSocketHandler(endpoint: endpoint, transport: .ws))
        }
    }

    private static func run(_ input: UnsafeRawBufferPointer, pipeline: (EmbeddedChannel, SIPEndpoint) throws -> Void) -> Int {
        let channel = EmbeddedChannel()
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        let endpoint = SIPEndpoint(loop: channel.embeddedEventLoop, logger: logger)
        let answerer = Answerer()
        endpoint.delegate = answerer
        do {
            try pipeline(channel, endpoint)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5062)).wait()
        } catch {
            fatalError("harness set-up: \(error)")
        }
        var written = 0
        for read in Chunks(input) where channel.isActive {
            // A decoder error closes the channel, which is the right outcome; later reads are moot.
            _ = try? channel.writeInbound(channel.allocator.buffer(bytes: read))
            while let out = try? channel.readOutbound(as: ByteBuffer.self) { written &+= out.readableBytes }
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(120))
        _ = try? channel.finish()
        withExtendedLifetime(answerer) {}
        return written
    }
}
