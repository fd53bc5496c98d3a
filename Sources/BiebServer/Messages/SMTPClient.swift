import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Vapor
import BiebCore

/// Where and how Bieb hands its e-mail to a mail server (a relay of the
/// library's or its provider's). From the environment: `BIEB_SMTP_HOST`,
/// `BIEB_SMTP_PORT` (587), `BIEB_SMTP_SECURITY` (`starttls`, `tls` or
/// `none`), `BIEB_SMTP_USER`, `BIEB_SMTP_PASSWORD`, `BIEB_MAIL_FROM`
/// (the sender address; the display name is the library's),
/// `BIEB_SMTP_CA_FILE` (a PEM file of extra trusted certificates).
public struct SMTPSettings: Sendable {
    public enum Security: String, Sendable {
        /// Plain connection upgraded with STARTTLS (port 587); refused when the server does not offer it.
        case startTLS = "starttls"
        /// TLS from the first byte (port 465).
        case tls
        /// No encryption: only for a relay on the same machine or a closed network.
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var user: String?
    public var password: String?
    public var from: String
    /// The name this side gives in EHLO.
    public var helo: String
    /// PEM certificates to trust besides the system's (a relay with its own CA; tests).
    public var extraTrustedCertificates: [NIOSSLCertificate]
    /// How long to wait for any reply.
    public var timeout: TimeAmount

    public init(host: String, port: Int = 587, security: Security = .startTLS, user: String? = nil, password: String? = nil,
                from: String, helo: String = "bieb.localhost", extraTrustedCertificates: [NIOSSLCertificate] = [],
                timeout: TimeAmount = .seconds(30)) {
        self.host = host
        self.port = port
        self.security = security
        self.user = user
        self.password = password
        self.from = from
        self.helo = helo
        self.extraTrustedCertificates = extraTrustedCertificates
        self.timeout = timeout
    }

    /// The settings from the environment, or nil when no host is set (no mail is sent; the outbox keeps it).
    public static func fromEnvironment() throws -> SMTPSettings? {
        guard let host = Environment.get("BIEB_SMTP_HOST"), !host.isEmpty else { return nil }
        guard let security = Security(rawValue: (Environment.get("BIEB_SMTP_SECURITY") ?? "starttls").lowercased()) else {
            throw BiebError.invalid("BIEB_SMTP_SECURITY", "BIEB_SMTP_SECURITY is starttls, tls or none.",
                                    nl: "BIEB_SMTP_SECURITY is starttls, tls of none.")
        }
        let port = Environment.get("BIEB_SMTP_PORT").flatMap(Int.init) ?? (security == .tls ? 465 : 587)
        var extra: [NIOSSLCertificate] = []
        if let file = Environment.get("BIEB_SMTP_CA_FILE"), !file.isEmpty { extra = try NIOSSLCertificate.fromPEMFile(file) }
        return SMTPSettings(host: host, port: port, security: security, user: Environment.get("BIEB_SMTP_USER"),
                            password: Environment.get("BIEB_SMTP_PASSWORD"),
                            from: Environment.get("BIEB_MAIL_FROM") ?? "noreply@\(host)", helo: Environment.get("BIEB_SMTP_HELO") ?? "bieb.localhost",
                            extraTrustedCertificates: extra)
    }
}

/// Why a message was not handed over.
public enum SMTPFailure: Error, Equatable, CustomStringConvertible {
    /// Worth trying again later: no connection, a 4yz reply, a timeout.
    case transient(String)
    /// Will not work as it is: a 5yz reply (unknown mailbox, refused sender), no TLS offered.
    case permanent(String)

    public var description: String {
        switch self {
        case .transient(let why): "temporary: \(why)"
        case .permanent(let why): "permanent: \(why)"
        }
    }

    public var isPermanent: Bool { if case .permanent = self { true } else { false } }
}

/// One connection to a mail server, for one or more messages (RFC 5321):
/// greeting, EHLO, STARTTLS and EHLO again, AUTH PLAIN, then per message
/// MAIL FROM, RCPT TO, DATA; QUIT at the end.
public final class SMTPConnection: @unchecked Sendable {
    let channel: any Channel
    let replies: AsyncThrowingStream<SMTP.Reply, any Error>
    var iterator: AsyncThrowingStream<SMTP.Reply, any Error>.AsyncIterator
    let settings: SMTPSettings
    private(set) var extensions: SMTP.Extensions?

    private init(channel: any Channel, replies: AsyncThrowingStream<SMTP.Reply, any Error>, settings: SMTPSettings) {
        self.channel = channel
        self.replies = replies
        self.iterator = replies.makeAsyncIterator()
        self.settings = settings
    }

    static func tlsHandler(_ settings: SMTPSettings) throws -> NIOSSLClientHandler {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !settings.extraTrustedCertificates.isEmpty {
            configuration.additionalTrustRoots = [.certificates(settings.extraTrustedCertificates)]
        }
        let context = try NIOSSLContext(configuration: configuration)
        return try NIOSSLClientHandler(context: context, serverHostname: settings.host.first?.isNumber == true ? nil : settings.host)
    }

    /// Connects, greets and signs in. Throws `SMTPFailure`.
    public static func open(_ settings: SMTPSettings, on group: any EventLoopGroup) async throws -> SMTPConnection {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SMTP.Reply.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(settings.timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handlers = channel.pipeline.syncOperations
                        if settings.security == .tls { try handlers.addHandler(try tlsHandler(settings)) }
                        try handlers.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                        try handlers.addHandler(SMTPReplyHandler(continuation: continuation))
                    }
                }
                .connect(host: settings.host, port: settings.port).get()
        } catch {
            throw SMTPFailure.transient("cannot connect to \(settings.host):\(settings.port): \(error)")
        }
        let connection = SMTPConnection(channel: channel, replies: stream, settings: settings)
        do {
            try await connection.handshake()
        } catch {
            try? await channel.close()
            throw error
        }
        return connection
    }

    func handshake() async throws {
        try expect(try await reply(), 220, "greeting")
        var ehlo = try await command("EHLO \(settings.helo)")
        try expect(ehlo, 250, "EHLO")
        extensions = SMTP.Extensions(ehlo: ehlo)
        if settings.security == .startTLS {
            guard extensions?.startTLS == true else {
                throw SMTPFailure.permanent("\(settings.host) does not offer STARTTLS; refusing to send in the clear (BIEB_SMTP_SECURITY)")
            }
            try expect(try await command("STARTTLS"), 220, "STARTTLS")
            do {
                let channel = channel, settings = settings
                // Made and added on the channel's event loop (a TLS handler is not Sendable).
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(try Self.tlsHandler(settings), position: .first)
                }.get()
            } catch {
                throw SMTPFailure.permanent("TLS with \(settings.host) failed: \(error)")
            }
            // After TLS the client starts over with EHLO (RFC 3207 §4.2).
            ehlo = try await command("EHLO \(settings.helo)")
            try expect(ehlo, 250, "EHLO after STARTTLS")
            extensions = SMTP.Extensions(ehlo: ehlo)
        }
        if let user = settings.user, !user.isEmpty {
            guard extensions?.authMechanisms.contains("PLAIN") == true else {
                throw SMTPFailure.permanent("\(settings.host) does not offer AUTH PLAIN")
            }
            let answer = try await command("AUTH PLAIN \(SMTP.plainCredentials(user: user, password: settings.password ?? ""))")
            try expect(answer, 235, "AUTH")
        }
    }

    /// Hands one message over. On a refusal the transaction is reset, so the
    /// connection can take the next message.
    public func send(_ message: MailMessage) async throws {
        let text = MailFormat.render(message)
        if let size = extensions?.maximumSize, text.utf8.count > size {
            throw SMTPFailure.permanent("the message is larger than the server takes (\(size) bytes)")
        }
        do {
            // The text is 7-bit (quoted-printable bodies, encoded words in headers): no BODY parameter needed.
            try expect(try await command("MAIL FROM:\(try SMTP.path(settings.from))"), 250, "MAIL FROM")
            try expect(try await command("RCPT TO:\(try SMTP.path(message.to.email))"), [250, 251], "RCPT TO")
            try expect(try await command("DATA"), 354, "DATA")
            try write(SMTP.data(text))
            try expect(try await reply(), 250, "end of DATA")
        } catch let failure as SMTPFailure {
            _ = try? await command("RSET")
            throw failure
        } catch let error as BiebError {
            _ = try? await command("RSET")
            throw SMTPFailure.permanent(error.message(dutch: false))
        }
    }

    /// QUIT and close.
    public func close() async {
        _ = try? await command("QUIT")
        try? await channel.close()
    }

    // MARK: Plumbing

    func write(_ text: String) throws {
        var buffer = channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        channel.writeAndFlush(buffer, promise: nil)
    }

    func command(_ line: String) async throws -> SMTP.Reply {
        try write(line + "\r\n")
        return try await reply()
    }

    func reply() async throws -> SMTP.Reply {
        let timeout = settings.timeout
        let channel = channel
        // A reply, or a timeout that closes the connection (which ends the wait).
        let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { timer.cancel() }
        do {
            guard let reply = try await iterator.next() else { throw SMTPFailure.transient("the server closed the connection") }
            return reply
        } catch let failure as SMTPFailure {
            throw failure
        } catch let error as SMTP.ProtocolError {
            throw SMTPFailure.transient("\(error)")
        } catch {
            throw SMTPFailure.transient("\(error)")
        }
    }

    func expect(_ reply: SMTP.Reply, _ codes: Set<Int>, _ step: String) throws {
        guard !codes.contains(reply.code) else { return }
        let why = "\(step): \(reply.code) \(reply.text)"
        if reply.isPermanent { throw SMTPFailure.permanent(why) }
        throw SMTPFailure.transient(why)
    }

    func expect(_ reply: SMTP.Reply, _ code: Int, _ step: String) throws { try expect(reply, [code], step) }
}

/// Cuts the stream into lines at LF (dropping a CR before it); a line of
/// more than 4,096 bytes is an error.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String
    static let maximum = 4_096

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let end = buffer.readableBytesView.firstIndex(of: 10) else {
            if buffer.readableBytes > Self.maximum { throw SMTP.ProtocolError.lineTooLong }
            return .needMoreData
        }
        let length = end - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}

/// Turns reply lines into replies for the connection's async side.
final class SMTPReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = String
    let continuation: AsyncThrowingStream<SMTP.Reply, any Error>.Continuation
    var reader = SMTP.ReplyReader()

    init(continuation: AsyncThrowingStream<SMTP.Reply, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            if let reply = try reader.read(unwrapInboundIn(data)) { continuation.yield(reply) }
        } catch {
            continuation.finish(throwing: error)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
    }
}
