import NIOCore
import NIOPosix
import WebRTC

/// Asks a STUN server (RFC 8489 Binding) from which address a socket on our media host is seen: the
/// operator's check that `media.public_address` is the address behind the NAT, done once at start.
enum PublicAddressCheck {
    /// How often the request goes out, and how long each waits for its answer.
    static let attempts = 3
    static let wait = TimeAmount.milliseconds(500)

    /// The mapped address the server saw, or nil when it did not answer in time.
    static func mappedAddress(asking server: SocketAddress, from host: String, on loop: EventLoop) async -> TransportAddress? {
        let transaction = STUNTransactionID.random()
        let request = STUNMessageBuilder(type: .bindingRequest, transactionID: transaction).bytes
        let answer = Answer(loop.makePromise(of: TransportAddress?.self))
        let bootstrap = DatagramBootstrap(group: loop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Reader(transaction, answer)) }
        }
        guard let channel = try? await bootstrap.bind(host: host, port: 0).get() else { return nil }
        let timer = loop.scheduleTask(in: wait * Int64(attempts)) { answer.give(nil) }
        for attempt in 0..<attempts {
            loop.scheduleTask(in: wait * Int64(attempt)) {
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: channel.allocator.buffer(bytes: request)), promise: nil)
            }
        }
        let mapped = try? await answer.promise.futureResult.get()
        timer.cancel()
        try? await channel.close()
        return mapped ?? nil
    }

    /// The outcome, given once: by the first answer or by the timer, both on the socket's loop.
    private final class Answer: @unchecked Sendable {
        let promise: EventLoopPromise<TransportAddress?>
        private var given = false
        init(_ promise: EventLoopPromise<TransportAddress?>) { self.promise = promise }

        func give(_ address: TransportAddress?) {
            guard !given else { return }
            given = true
            promise.succeed(address)
        }
    }

    /// Takes the first success answering our transaction; anything else on the socket is ignored.
    private final class Reader: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let transaction: STUNTransactionID
        let answer: Answer

        init(_ transaction: STUNTransactionID, _ answer: Answer) {
            self.transaction = transaction
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data).data.readableBytesView
            let message = bytes.withContiguousStorageIfAvailable { try? STUNMessage(parsing: UnsafeRawBufferPointer($0)) } ?? nil
            guard let message, message.transactionID == transaction, message.type == STUNMessageType.bindingSuccess.rawValue,
                  let mapped = message.xorMappedAddress else { return }
            answer.give(mapped)
        }
    }
}
