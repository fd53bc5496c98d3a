import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import BiebCore

/// `bieb sip2`: a small SIP2 client for trying a listener by hand. Logs in
/// (93), then sends each message given (or each line typed), adding the
/// sequence number and checksum, and prints both sides.
struct SIP2ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sip2",
        abstract: "Talk SIP2 to a Bieb server (or any SIP2 server): log in, send messages, print the answers.",
        discussion: """
            Messages are written without sequence number and checksum; they are added. Without messages, lines are read from \
            standard input. Example (the demo):
              bieb sip2 --login kiosk-centrale --password bieb-demo-2026 '990 402.00' \\
                '6300120261122    120000          AOden-haag|AA2000000001|AD2580|'
            """)

    @Option(help: "Server address.") var host = "127.0.0.1"
    @Option(help: "SIP2 port.") var port = 6001
    @Flag(help: "Use TLS (the server's certificate is not checked: for trying things out).") var tls = false
    @Option(help: "Terminal login (CN); with --password the session starts with a login (93).") var login: String?
    @Option(help: "Terminal password (CO).") var password: String?
    @Argument(help: "Messages to send, e.g. '990 402.00'.") var messages: [String] = []

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        var tlsContext: NIOSSLContext?
        if tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            tlsContext = try NIOSSLContext(configuration: configuration)
        }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tlsContext { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: nil)) }
                        try channel.pipeline.syncOperations.addHandler(LineCollector(continuation))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw BiebError.invalid("port", "No SIP2 server answers on \(host):\(port) (\(error)).", nl: "Geen SIP2-server op \(host):\(port) (\(error)).")
        }
        var iterator = stream.makeAsyncIterator()
        var pending: [UInt8] = []
        var sequence = 0
        func exchange(_ message: String) async throws -> Bool {
            let body = message + "AY\(sequence)AZ"
            sequence = (sequence + 1) % 10
            let line = body + SIP2.checksum(Array(body.utf8))
            print("> \(line)")
            try await channel.writeAndFlush(channel.allocator.buffer(string: line + "\r")).get()
            while true {
                if let end = pending.firstIndex(of: 13) {
                    print("< \(String(decoding: pending[..<end], as: UTF8.self))")
                    pending.removeFirst(end + 1)
                    return true
                }
                guard let chunk = await iterator.next() else {
                    print("(the server closed the connection)")
                    return false
                }
                pending += chunk
            }
        }
        var open = true
        if let login, let password {
            open = try await exchange("9300CN\(login)|CO\(password)|")
        }
        if messages.isEmpty {
            while open, let line = readLine() {
                let message = line.trimmingCharacters(in: .newlines)
                if message.isEmpty { continue }
                open = try await exchange(message)
            }
        } else {
            for message in messages where open {
                open = try await exchange(message)
            }
        }
        try? await channel.close()
    }

    private final class LineCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<[UInt8]>.Continuation
        init(_ continuation: AsyncStream<[UInt8]>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(Array(unwrapInboundIn(data).readableBytesView))
        }
        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
            context.fireChannelInactive()
        }
    }
}
