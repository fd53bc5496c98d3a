import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Vapor
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

/// A SIP2 client for tests: raw bytes out, lines (up to CR) in, without
/// blocking a thread. Every read gives up after `timeout` seconds.
final class SIP2Client: @unchecked Sendable {
    let channel: any Channel
    private var iterator: AsyncStream<[UInt8]>.AsyncIterator
    private var pending: [UInt8] = []
    private var sequence = 0
    /// Every request and answer of `request`, "> " and "< " lines (for transcripts in the docs).
    private(set) var transcript: [String] = []

    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
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
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    init(port: Int, group: any EventLoopGroup, tls: Bool = false) async throws {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        iterator = stream.makeAsyncIterator()
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        let context = tls ? try NIOSSLContext(configuration: configuration) : nil
        channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil)) }
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// Sends bytes as they are.
    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// The next line from the server (without its CR); nil when it closed the connection (or said nothing in time).
    /// Generous: the whole suite runs SQLite and PostgreSQL tests side by side on two cores.
    func line(timeout: Double = 30) async -> String? {
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { [channel] in channel.close(promise: nil) }
        defer { timer.cancel() }
        while true {
            if let end = pending.firstIndex(of: 13) {
                let line = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 1)
                return line
            }
            guard let chunk = await iterator.next() else { return nil }
            pending += chunk
        }
    }

    /// True when the server closed the connection (within `timeout`).
    func closedByServer(timeout: Double = 5) async -> Bool {
        await line(timeout: timeout) == nil
    }

    /// Sends a message with sequence number and checksum and reads the answer.
    func request(_ message: String) async throws -> String {
        let body = message + "AY\(sequence)AZ"
        sequence = (sequence + 1) % 10
        try await send(body + SIP2.checksum(Array(body.utf8)) + "\r")
        transcript.append("> " + body + SIP2.checksum(Array(body.utf8)))
        guard let answer = await line() else { throw SIP2ClientError.closed(message) }
        transcript.append("< " + answer)
        return answer
    }

    func close() async {
        try? await channel.close()
    }
}

enum SIP2ClientError: Error {
    case closed(String)
}

/// A parsed response for assertions: fixed part and fields.
struct SIP2Answer {
    let text: String
    let code: String
    let fixed: String
    let fields: [(String, String)]

    /// Splits a response by a fixed layout of `fixedLength` characters after the code; checks the checksum on the way.
    init(_ text: String, fixedLength: Int) throws {
        self.text = text
        let bytes = Array(text.utf8)
        guard bytes.count >= 2 + fixedLength + 9, text.dropLast(4).hasSuffix("AZ") else { throw SIP2AnswerError.layout(text) }
        guard SIP2.checksum(bytes.dropLast(4)) == String(text.suffix(4)) else { throw SIP2AnswerError.checksum(text) }
        code = String(text.prefix(2))
        let chars = Array(text)
        fixed = String(chars[2..<(2 + fixedLength)])
        // Fields up to the trailer AY<n>AZ<hhhh>.
        let variable = String(chars[(2 + fixedLength)..<(chars.count - 9)])
        guard String(chars[(chars.count - 9)..<(chars.count - 7)]) == "AY" else { throw SIP2AnswerError.layout(text) }
        var fields: [(String, String)] = []
        if !variable.isEmpty {
            guard variable.hasSuffix("|") else { throw SIP2AnswerError.layout(text) }
            for piece in variable.dropLast().split(separator: "|", omittingEmptySubsequences: false) {
                guard piece.count >= 2 else { throw SIP2AnswerError.layout(text) }
                fields.append((String(piece.prefix(2)), String(piece.dropFirst(2))))
            }
        }
        self.fields = fields
    }

    func field(_ code: String) -> String? { fields.first { $0.0 == code }?.1 }
    func all(_ code: String) -> [String] { fields.filter { $0.0 == code }.map(\.1) }
    func fixed(_ offset: Int, _ length: Int) -> String {
        let chars = Array(fixed)
        return String(chars[offset..<(offset + length)])
    }
}

enum SIP2AnswerError: Error {
    case layout(String)
    case checksum(String)
}

/// A SIP2 listener on a free port over the circulation fixture, with a
/// kiosk, a sorter and a door terminal at the central library, and the
/// self-service clock at `now`.
struct SIP2Setup {
    let app: Application
    let fixture: CirculationFixture
    let listener: SIP2Listener
    let port: Int

    static let password = "terminal-secret"
    static let dateField = "20261123    120000"

    /// Monday 23 November 2026 at 11:00 in Amsterdam: the central library is staffed.
    static let staffedHour = instant(2026, 11, 23, 11)
    /// Sunday 22 November 2026 at 12:00: self-service hours only.
    static let selfServiceHour = instant(2026, 11, 22, 12)
    /// Monday 23 November 2026 at 23:00: closed.
    static let closedHour = instant(2026, 11, 23, 23)

    static func instant(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = BranchCalendar.amsterdam
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
    }

    static func make(_ app: Application, at now: Date = staffedHour, options: SIP2Options = SIP2Options(host: "127.0.0.1", port: 0)) async throws -> SIP2Setup {
        let fixture = try await CirculationFixture.make(on: app, today: LocalDate(now, in: BranchCalendar.amsterdam))
        app.selfService.setClock { now }
        let store = SelfServiceStore(app.db, organisationID: fixture.network.city)
        let hash = try await app.password.async.hash(password)
        for (login, kind) in [("kiosk1", SIP2Terminal.Kind.kiosk), ("sorter1", .sorter), ("door1", .door)] {
            _ = try await store.create(TerminalDraft(name: login, login: login, kind: kind, branch: fixture.network.central,
                                                     locationCode: "centrale"), passwordHash: hash)
        }
        let listener = SIP2Listener(options: options)
        let port = try await listener.start(app)
        return SIP2Setup(app: app, fixture: fixture, listener: listener, port: port)
    }

    func client(tls: Bool = false) async throws -> SIP2Client {
        try await SIP2Client(port: port, group: app.eventLoopGroup, tls: tls)
    }

    /// A client that has logged in as `login`.
    func terminal(_ login: String = "kiosk1") async throws -> SIP2Client {
        let client = try await client()
        let answer = try await client.request("9300CN\(login)|CO\(Self.password)|CPcentrale|")
        guard answer.hasPrefix("941") else { throw SIP2AnswerError.layout(answer) }
        return client
    }

    func stop() async {
        await listener.stop()
    }
}

/// Runs a test against a SIP2 listener, stopping it afterwards.
func withSIP2<T>(_ database: TestDatabase, at now: Date = SIP2Setup.staffedHour, sqliteFile: Bool = false,
                 options: SIP2Options = SIP2Options(host: "127.0.0.1", port: 0), _ body: (SIP2Setup) async throws -> T) async throws -> T {
    try await withBieb(database, sqliteFile: sqliteFile) { app in
        let setup = try await SIP2Setup.make(app, at: now, options: options)
        do {
            let result = try await body(setup)
            await setup.stop()
            return result
        } catch {
            await setup.stop()
            throw error
        }
    }
}
