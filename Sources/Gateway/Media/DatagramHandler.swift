import NIOCore

/// Moves values that are not Sendable onto the event loop that will own them from then on.
struct LoopTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Hands each datagram to `onDatagram` in a buffer the handler owns, for in-place processing (SRTP
/// unprotect, header rewrite). Copying into it costs a memcpy; mutating NIO's own buffer in place would
/// copy-on-write into a fresh allocation on every packet, since the pipeline still holds a reference.
/// Datagrams larger than the buffer are not media and are dropped.
final class DatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    var onDatagram: ((UnsafeMutableRawBufferPointer, SocketAddress) -> Void)?
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)

    deinit { scratch.deallocate() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let count = envelope.data.readableBytes
        guard count <= scratch.count, let onDatagram else { return }
        envelope.data.withUnsafeReadableBytes { scratch.copyMemory(from: $0) }
        onDatagram(UnsafeMutableRawBufferPointer(rebasing: scratch[0..<count]), envelope.remoteAddress)
    }
}
