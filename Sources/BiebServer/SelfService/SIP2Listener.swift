import Foundation
import Metrics
import NIOCore
import NIOPosix
import NIOSSL
import Vapor
import BiebCore
import BiebStore

/// Where and how the SIP2 listener runs (`bieb serve --sip2-port`).
public struct SIP2Options: Sendable {
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// PEM files for TLS; both or neither.
    public var certificatePath: String?
    public var keyPath: String?
    /// A connection with nothing to read for this long is closed.
    public var idleSeconds: Int
    public var maximumLineLength: Int
    /// A connection that has not logged in (93) this long after it opened is closed.
    public var loginSeconds: Int
    /// Open connections at most, in all and from one address (IPv6: one /64);
    /// a connection over either is closed at once.
    public var maximumConnections: Int
    public var maximumConnectionsPerAddress: Int

    public init(host: String = "0.0.0.0", port: Int = 6001, certificatePath: String? = nil, keyPath: String? = nil,
                idleSeconds: Int = 1_800, maximumLineLength: Int = SIP2.maximumLineLength, loginSeconds: Int = 30,
                maximumConnections: Int = 1_000, maximumConnectionsPerAddress: Int = 100) {
        self.host = host
        self.port = port
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.idleSeconds = idleSeconds
        self.maximumLineLength = maximumLineLength
        self.loginSeconds = loginSeconds
        self.maximumConnections = maximumConnections
        self.maximumConnectionsPerAddress = maximumConnectionsPerAddress
    }
}

/// The SIP2 listener inside the server process: a TCP (optionally TLS)
/// server on the application's event loops, one `SIP2ConnectionHandler`
/// per connection. Started with the application (`didBoot`), stopped
/// with it; open connections are closed on shutdown.
public final class SIP2Listener: LifecycleHandler, @unchecked Sendable {
    let options: SIP2Options
    private let lock = NSLock()
    private var channel: (any Channel)?
    private var connections: [ObjectIdentifier: (channel: any Channel, network: String)] = [:]
    private var perNetwork: [String: Int] = [:]
    private var lastRefusalLog: Date = .distantPast

    public init(options: SIP2Options) {
        self.options = options
    }

    /// The port it listens on (after `start`).
    public var port: Int? { lock.withLock { channel?.localAddress?.port } }

    public func didBootAsync(_ application: Application) async throws {
        let port = try await start(application)
        application.logger.notice("SIP2 listening on \(options.host):\(port)\(options.certificatePath != nil ? " (TLS)" : "")")
    }

    public func shutdownAsync(_ application: Application) async {
        await stop()
    }

    /// Binds and starts accepting; returns the port.
    @discardableResult
    public func start(_ app: Application) async throws -> Int {
        let tls: NIOSSLContext?
        switch (options.certificatePath, options.keyPath) {
        case (let certificate?, let key?):
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain,
                                                                         privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            tls = try NIOSSLContext(configuration: configuration)
        case (nil, nil):
            tls = nil
        default:
            throw BiebError.invalid("sip2-tls", "Give both --sip2-certificate and --sip2-key for TLS.",
                                    nl: "Geef zowel --sip2-certificate als --sip2-key voor TLS.")
        }
        let options = options
        let logger = Logger(label: "bieb.sip2")
        let lane = app.sqliteLane
        // Connections spread over the event loops, each with the loop's own database connection for reading;
        // on a SQLite file the write transactions of all of them run on the one writer (`SQLiteLane`).
        let bootstrap = ServerBootstrap(group: app.eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [weak self] channel in
                // Over the caps: closed before anything is read (and logged at most once a minute).
                guard let self, self.admit(channel) else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    let database = app.databases.database(logger: logger, on: channel.eventLoop)!
                    let service = SIP2Service(app: app, db: database, logger: logger, executor: EventLoopTaskExecutor.of(channel.eventLoop),
                                              lane: lane, address: channel.remoteAddress?.ipAddress)
                    let handlers = channel.pipeline.syncOperations
                    if let tls { try handlers.addHandler(NIOSSLServerHandler(context: tls)) }
                    try handlers.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(options.idleSeconds))))
                    try handlers.addHandler(ByteToMessageHandler(SIP2LineDecoder(maximum: options.maximumLineLength)))
                    try handlers.addHandler(SIP2ConnectionHandler(service: service, loginSeconds: options.loginSeconds))
                }
            }
        let channel = try await bootstrap.bind(host: options.host, port: options.port).get()
        lock.withLock { self.channel = channel }
        return channel.localAddress?.port ?? options.port
    }

    /// Counts a new connection in, or refuses it when the listener or its
    /// address already has the most it may have.
    func admit(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let network = ThrottleRules.network(of: channel.remoteAddress?.ipAddress ?? "unknown")
        let refusal: String? = lock.withLock {
            if connections.count >= options.maximumConnections { return "the listener has \(options.maximumConnections) open" }
            if perNetwork[network, default: 0] >= options.maximumConnectionsPerAddress {
                return "its address has \(options.maximumConnectionsPerAddress) open"
            }
            connections[id] = (channel, network)
            perNetwork[network, default: 0] += 1
            return nil
        }
        if let refusal {
            Counter(label: "bieb_sip2_connections_refused_total").increment()
            let now = Date()
            let log = lock.withLock { () -> Bool in
                guard now.timeIntervalSince(lastRefusalLog) > 60 else { return false }
                lastRefusalLog = now
                return true
            }
            if log { Logger(label: "bieb.sip2").warning("SIP2 connection refused: \(refusal) (logged once a minute)") }
            return false
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.lock.withLock {
                guard let self, let entry = self.connections.removeValue(forKey: id) else { return }
                self.perNetwork[entry.network, default: 1] -= 1
                if self.perNetwork[entry.network] == 0 { self.perNetwork[entry.network] = nil }
            }
        }
        return true
    }

    /// Open connections now (for tests and metrics).
    public var connectionCount: Int { lock.withLock { connections.count } }

    public func stop() async {
        let (server, open) = lock.withLock { () -> ((any Channel)?, [(channel: any Channel, network: String)]) in
            let result = (channel, Array(connections.values))
            channel = nil
            return result
        }
        try? await server?.close()
        for connection in open { try? await connection.channel.close() }
    }
}

/// A line of input, or the news that a line grew past the limit.
enum SIP2Frame: Sendable {
    case line([UInt8])
    case tooLong
}

/// Cuts the byte stream into lines at CR or LF (so CR, CRLF and LF all
/// end a message; the empty line between CR and LF is dropped). A line
/// longer than `maximum` is reported once and skipped up to its end.
struct SIP2LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = SIP2Frame
    let maximum: Int
    var discarding = false

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let end = view.firstIndex(where: { $0 == 13 || $0 == 10 }) else {
            if buffer.readableBytes > maximum {
                if !discarding {
                    discarding = true
                    context.fireChannelRead(wrapInboundOut(.tooLong))
                }
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
            return .needMoreData
        }
        let length = end - view.startIndex
        let line = buffer.readBytes(length: length) ?? []
        buffer.moveReaderIndex(forwardBy: 1)
        if discarding {
            discarding = false
        } else if length > maximum {
            context.fireChannelRead(wrapInboundOut(.tooLong))
        } else if !line.isEmpty {
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last message without its terminator is not a message.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}

/// One terminal's connection: messages are answered one after another, in
/// order of arrival (several in one packet are queued). Three unreadable
/// lines in a row, too many queued, no login within `loginSeconds`, or the
/// idle timeout close it; nothing here can take down another connection.
final class SIP2ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = SIP2Frame
    typealias OutboundOut = ByteBuffer

    static let maximumQueued = 32
    static let maximumStrikes = 3

    let service: SIP2Service
    var session = SIP2Session()
    var queue = CircularBuffer<SIP2Frame>()
    var busy = false
    var strikes = 0
    var closing = false

    let loginSeconds: Int
    var loginDeadline: Scheduled<Void>?

    init(service: SIP2Service, loginSeconds: Int = 30) {
        self.service = service
        self.loginSeconds = loginSeconds
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startLoginDeadline(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startLoginDeadline(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        loginDeadline?.cancel()
    }

    /// A connection that has not logged in by then is closed (an open socket costs the server; a terminal logs in at once).
    func startLoginDeadline(_ context: ChannelHandlerContext) {
        guard loginDeadline == nil else { return }
        let loop = context.eventLoop.assumeIsolated()
        loginDeadline = loop.scheduleTask(in: .seconds(Int64(loginSeconds))) { [self] in
            loginDeadlinePassed(context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        guard queue.count < Self.maximumQueued else {
            close(context)
            return
        }
        queue.append(unwrapInboundIn(data))
        next(context)
    }

    func next(_ context: ChannelHandlerContext) {
        guard !busy, !closing, let frame = queue.popFirst() else { return }
        busy = true
        switch frame {
        case .tooLong:
            finish(context, .malformed(SIP2Response("96").encoded(sequence: nil)))
        case .line(let bytes):
            let service = service
            let session = session
            let started = NIODeadline.now()
            let promise = context.eventLoop.makePromise(of: (SIP2Outcome, SIP2Session).self)
            // The work runs on this connection's event loop, which also owns its database connection (each
            // statement's answer resumes the work without a switch to another thread); on a SQLite file its
            // write transactions run on the writer (`SQLiteLane`); on PostgreSQL its statements run prepared.
            Task(executorPreference: service.executor) {
                let answer = await SQLiteLane.$current.withValue(service.lane) {
                    await PreparedStatements.scope { await service.respond(to: bytes, session: session) }
                }
                promise.succeed(answer)
            }
            promise.futureResult.assumeIsolated().whenComplete { [self] result in
                switch result {
                case .success(let (outcome, session)):
                    self.session = session
                    let code = bytes.count >= 2 ? String(decoding: bytes[0..<2], as: UTF8.self) : "??"
                    SIP2Metrics.record(code: SIP2.Command(rawValue: code) != nil ? code : "other", since: started)
                    self.finish(context, outcome)
                case .failure:
                    self.close(context)
                }
            }
        }
    }

    func finish(_ context: ChannelHandlerContext, _ outcome: SIP2Outcome) {
        busy = false
        guard context.channel.isActive, !closing else { return }
        switch outcome {
        case .reply(let text):
            strikes = 0
            write(context, text)
        case .malformed(let text):
            strikes += 1
            write(context, text)
            if strikes >= Self.maximumStrikes { close(context) }
        case .replyAndClose(let text):
            write(context, text)
            close(context)
        }
        next(context)
    }

    func write(_ context: ChannelHandlerContext, _ text: String) {
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func close(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        queue.removeAll()
        context.close(promise: nil)
    }

    /// Closes a connection still without a terminal — unless a message is
    /// being answered (a login on a busy server): then it looks again in a second.
    func loginDeadlinePassed(_ context: ChannelHandlerContext) {
        guard session.terminal == nil, !closing else { return }
        if busy || !queue.isEmpty {
            loginDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in loginDeadlinePassed(context) }
            return
        }
        service.logger.notice("SIP2 connection closed: no login within \(loginSeconds) seconds")
        close(context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            close(context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS handshake gone wrong, a reset: this connection ends, quietly.
        close(context)
    }
}

enum SIP2Metrics {
    static func record(code: String, since started: NIODeadline) {
        Timer(label: "bieb_sip2_message_duration_seconds", dimensions: [("command", code)], preferredDisplayUnit: .seconds)
            .recordNanoseconds((NIODeadline.now() - started).nanoseconds)
    }
}
