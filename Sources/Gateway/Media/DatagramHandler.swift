import NIOCore

/// Moves values that are not Sendable onto the event loop that will own them from then on.
struct LoopTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Hands each datagram's buffer to `onDatagram` for in-place processing.
final class DatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    var onDatagram: ((inout ByteBuffer, SocketAddress) -> Void)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        onDatagram?(&envelope.data, envelope.remoteAddress)
    }
}
