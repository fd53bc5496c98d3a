import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Vapor
import BiebCore

/// A small SMTP server that takes every message and keeps it: in memory and,
/// when given a folder, as an `.eml` file per message. `bieb demo` runs one
/// when no mail server is configured, so notices really travel over SMTP
/// and can be read; the tests use it to check what was sent, and to make
/// deliveries fail on purpose. Offers STARTTLS with a certificate, and
/// AUTH PLAIN when a user is set.
public final class SMTPSink: @unchecked Sendable {
    public struct Received: Sendable {
        public let from: String
        public let to: [String]
        /// The message as received (transparency undone), CRLF line ends.
        public let data: String
        public let tls: Bool
        public let user: String?
    }

    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 0
        public var folder: String?
        public var tls: NIOSSLContext?
        public var user: String?
        public var password: String?

        public init(host: String = "127.0.0.1", port: Int = 0, folder: String? = nil, tls: NIOSSLContext? = nil, user: String? = nil,
                    password: String? = nil) {
            self.host = host
            self.port = port
            self.folder = folder
            self.tls = tls
            self.user = user
            self.password = password
        }
    }

    let options: Options
    private let lock = NSLock()
    private var messages: [Received] = []
    private var channel: (any Channel)?
    /// Tests: a reply instead of 250 for a recipient (e.g. 550 no such user, 451 try later).
    private var recipientRule: (@Sendable (String) -> SMTP.Reply?)?
    /// Tests: a reply instead of 250 at the end of DATA, by the number of the message.
    private var dataRule: (@Sendable (Int) -> SMTP.Reply?)?
    private var dataCount = 0

    public init(options: Options = Options()) {
        self.options = options
    }

    public var received: [Received] { lock.withLock { messages } }
    public var port: Int? { lock.withLock { channel?.localAddress?.port } }

    public func refuseRecipients(_ rule: @escaping @Sendable (String) -> SMTP.Reply?) { lock.withLock { recipientRule = rule } }
    public func answerData(_ rule: @escaping @Sendable (Int) -> SMTP.Reply?) { lock.withLock { dataRule = rule } }

    @discardableResult
    public func start(on group: any EventLoopGroup) async throws -> Int {
        if let folder = options.folder { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(SMTPSinkSession(sink: self))
                }
            }
            .bind(host: options.host, port: options.port).get()
        lock.withLock { self.channel = channel }
        return channel.localAddress?.port ?? options.port
    }

    public func stop() async {
        let channel = lock.withLock { self.channel }
        try? await channel?.close()
    }

    func recipientReply(_ address: String) -> SMTP.Reply? { lock.withLock { recipientRule }?(address) }

    func deliver(_ mail: Received) -> SMTP.Reply {
        let (number, rule) = lock.withLock { () -> (Int, (@Sendable (Int) -> SMTP.Reply?)?) in
            dataCount += 1
            return (dataCount, dataRule)
        }
        if let reply = rule?(number) { return reply }
        let id = UUID().uuidString.lowercased()
        lock.withLock { messages.append(mail) }
        if let folder = options.folder {
            let name = "\(ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: ""))-\(id.prefix(8)).eml"
            try? mail.data.write(toFile: (folder as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return SMTP.Reply(code: 250, lines: ["2.0.0 OK queued as \(id)"])
    }
}

/// One client's SMTP session with the sink.
final class SMTPSinkSession: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    let sink: SMTPSink
    var from: String?
    var to: [String] = []
    var inData = false
    var lines: [String] = []
    var tls = false
    var user: String?

    init(sink: SMTPSink) {
        self.sink = sink
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context, 220, ["bieb-sink ESMTP ready"])
    }

    func send(_ context: ChannelHandlerContext, _ code: Int, _ lines: [String]) {
        var text = ""
        for (index, line) in lines.enumerated() { text += "\(code)\(index == lines.count - 1 ? " " : "-")\(line)\r\n" }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        if inData {
            guard line == "." else {
                lines.append(line)
                return
            }
            inData = false
            let reply = sink.deliver(.init(from: from ?? "", to: to, data: SMTP.undoTransparency(lines), tls: tls, user: user))
            send(context, reply.code, reply.lines)
            (from, to, lines) = (nil, [], [])
            return
        }
        let verb = line.prefix { $0 != " " }.uppercased()
        let argument = line.count > verb.count ? String(line.dropFirst(verb.count + 1)) : ""
        switch verb {
        case "EHLO":
            var offered = ["bieb-sink greets \(argument)", "8BITMIME", "SIZE 10485760"]
            if sink.options.tls != nil && !tls { offered.append("STARTTLS") }
            if sink.options.user != nil { offered.append("AUTH PLAIN") }
            offered.append("SMTPUTF8")
            send(context, 250, offered)
        case "HELO": send(context, 250, ["bieb-sink"])
        case "STARTTLS":
            guard let tlsContext = sink.options.tls, !tls else { return send(context, 502, ["5.5.1 not offered"]) }
            send(context, 220, ["2.0.0 go ahead"])
            tls = true
            try? context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext), position: .first)
        case "AUTH":
            let parts = argument.split(separator: " ")
            guard parts.first?.uppercased() == "PLAIN", parts.count == 2, let data = Data(base64Encoded: String(parts[1])) else {
                return send(context, 504, ["5.5.4 only AUTH PLAIN with an initial response"])
            }
            let fields = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            if fields.count == 3, fields[1] == sink.options.user, fields[2] == sink.options.password {
                user = fields[1]
                send(context, 235, ["2.7.0 authenticated"])
            } else {
                send(context, 535, ["5.7.8 authentication failed"])
            }
        case "MAIL":
            if sink.options.user != nil && user == nil { return send(context, 530, ["5.7.0 authentication required"]) }
            from = Self.path(argument)
            to = []
            send(context, 250, ["2.1.0 OK"])
        case "RCPT":
            guard from != nil else { return send(context, 503, ["5.5.1 MAIL first"]) }
            let address = Self.path(argument)
            if let refusal = sink.recipientReply(address) { return send(context, refusal.code, refusal.lines) }
            to.append(address)
            send(context, 250, ["2.1.5 OK"])
        case "DATA":
            guard !to.isEmpty else { return send(context, 503, ["5.5.1 RCPT first"]) }
            inData = true
            send(context, 354, ["end with <CRLF>.<CRLF>"])
        case "RSET":
            (from, to, lines) = (nil, [], [])
            send(context, 250, ["2.0.0 OK"])
        case "NOOP": send(context, 250, ["2.0.0 OK"])
        case "QUIT":
            send(context, 221, ["2.0.0 bye"])
            context.close(promise: nil)
        default: send(context, 500, ["5.5.2 what?"])
        }
    }

    static func path(_ argument: String) -> String {
        guard let open = argument.firstIndex(of: "<"), let close = argument.lastIndex(of: ">"), open < close else { return "" }
        return String(argument[argument.index(after: open)..<close])
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The demo's mail server: an `SMTPSink` that keeps messages as files,
/// started before the outbox's sender and stopped after it.
/// The demo's mail sink, started while the application is configured (so
/// the outbox knows its port) and stopped with the application. When the
/// asked port is taken (a second demo, a benchmark) and `fallback` allows,
/// it takes a free port instead and says which.
struct MailSinkService: LifecycleHandler {
    let sink: SMTPSink

    static func start(folder: String, port: Int, fallback: Bool, on group: any EventLoopGroup, logger: Logger) async throws -> MailSinkService {
        let first = SMTPSink(options: .init(port: port, folder: folder))
        do {
            _ = try await first.start(on: group)
            return MailSinkService(sink: first)
        } catch let error as IOError where error.errnoCode == EADDRINUSE && fallback {
            let other = SMTPSink(options: .init(port: 0, folder: folder))
            let chosen = try await other.start(on: group)
            logger.warning("port \(port) for the demo's mail is in use; mail goes to port \(chosen) instead")
            return MailSinkService(sink: other)
        }
    }

    var port: Int { sink.port ?? sink.options.port }

    func shutdownAsync(_ application: Application) async {
        await sink.stop()
    }
}
