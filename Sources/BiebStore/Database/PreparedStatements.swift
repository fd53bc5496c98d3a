import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit

/// The desk's statements prepared once per PostgreSQL connection instead of
/// parsed and planned at every run.
///
/// A checkout or return is a dozen short statements that read by keys. Sent
/// as unnamed statements (what SQLKit does), PostgreSQL parses, analyses and
/// plans each of them every time: at the desk benchmark's load half of the
/// two cores went to the database server, its profile topped by parsing and
/// planning; prepared, it uses four tenths less CPU per request
/// (docs/PERFORMANCE.md, "Prepared statements at the desk"). Inside `scope` (the desk's API
/// and the SIP2 kiosks), `Database.sql` on PostgreSQL runs each statement as a
/// named prepared statement: parsed once per connection, and after five runs
/// planned once (PostgreSQL's generic plan, when it costs no more than the
/// custom ones). Outside, nothing changes: reports and the hourly jobs' walks,
/// whose plans depend on the organisation and whose planning is a sliver of
/// their run, stay unnamed. On SQLite a scope changes nothing.
///
/// A statement is named by its text and its parameters' types (a NULL leaves
/// the type to PostgreSQL, so it is another statement); PostgresNIO prepares a
/// name on a connection the first time it is used there. Statements whose
/// values are not PostgreSQL's own types (a JSON-encoded value) run unnamed, as
/// do new texts once `limit` names exist.
public enum PreparedStatements {
    @TaskLocal static var active = false

    /// How many names are issued (process-wide): a bound on what each connection may hold.
    static let limit = 1_000

    /// Runs `body` with its statements prepared on PostgreSQL.
    public static func scope<T>(_ body: () async throws -> T) async rethrows -> T {
        try await $active.withValue(true) { try await body() }
    }

    /// `sql`, preparing its statements when a scope is active and it is PostgreSQL. `held`: it is one connection
    /// (a transaction's, or one had from `withConnection`), not the pool.
    static func wrap(_ sql: any SQLDatabase, held: Bool) -> any SQLDatabase {
        guard active, let postgres = sql as? any PostgresDatabase else { return sql }
        return PreparingSQLDatabase(base: sql, postgres: postgres, held: held)
    }

    /// Each statement key's current name, and how many names were issued (a name is never issued twice).
    private struct Names {
        var current: [String: String] = [:]
        var issued = 0
        var full = false

        mutating func issue() -> String {
            issued += 1
            return "bieb_\(issued)"
        }
    }

    private static let names = NIOLockedValueBox(Names())

    /// The statement texts named so far (with each set of parameter types once), for tests and diagnostics.
    public static var namedTexts: [String] {
        names.withLockedValue { names in names.current.keys.map { String($0.prefix { $0 != "\u{1}" }) } }
    }

    /// The name for a statement's text and parameter types; nil once `limit` names exist.
    static func name(for text: String, types: [PostgresDataType]) -> String? {
        let key = key(text, types)
        let (name, filled) = names.withLockedValue { names -> (String?, Bool) in
            if let name = names.current[key] { return (name, false) }
            guard names.issued < limit else {
                defer { names.full = true }
                return (nil, !names.full)
            }
            let name = names.issue()
            names.current[key] = name
            return (name, false)
        }
        if filled {
            Logger(label: "bieb.database").warning("\(limit) prepared statement names issued; new statements run unnamed until the server restarts")
        }
        return name
    }

    /// Gives the statement another name after it failed in a way its preparation can fail: PostgresNIO keeps a
    /// failed preparation's error for that name on that connection for good, so a statement first prepared in a
    /// transaction that had already failed (SQLSTATE 25P02), or before a migration made its table, would fail
    /// there ever after. Failures of running a prepared statement (a unique key, a deadlock, a lock or time-out, bad
    /// data) and a lost connection keep the name. The old name stays prepared wherever it was.
    static func failed(_ text: String, types: [PostgresDataType], with error: any Error) {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return }
        guard !["22", "23", "40", "55", "57"].contains(String(state.prefix(2))) else { return }
        let key = key(text, types)
        names.withLockedValue { names in
            guard names.current[key] != nil else { return }
            names.current[key] = names.issued < limit ? names.issue() : nil
        }
    }

    private static func key(_ text: String, _ types: [PostgresDataType]) -> String {
        var key = text
        for type in types { key += "\u{1}\(type.rawValue)" }
        return key
    }

    /// The values in PostgreSQL's binary form and their types (NULL's is 0, left to PostgreSQL); nil when one is
    /// not a type PostgresNIO encodes itself.
    static func bindings(_ values: [any Encodable & Sendable]) -> (PostgresBindings, [PostgresDataType])? {
        var bindings = PostgresBindings(capacity: values.count)
        var types: [PostgresDataType] = []
        types.reserveCapacity(values.count)
        for value in values {
            guard let type = append(value, to: &bindings) else { return nil }
            types.append(type)
        }
        return (bindings, types)
    }

    /// `value` opened from its existential, so an optional is seen as one.
    private static func append<T: Encodable>(_ value: T, to bindings: inout PostgresBindings) -> PostgresDataType? {
        if let encodable = value as? any PostgresThrowingDynamicTypeEncodable {  // an optional holding a value too
            do { try bindings.append(encodable) } catch { return nil }
            return encodable.psqlType
        }
        guard isNone(value) else { return nil }
        bindings.appendNull()
        return .null
    }

    /// Whether `value` is an optional holding nothing (an existential `Optional<T>.none`).
    private static func isNone<T>(_ value: T) -> Bool {
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.isEmpty
    }
}

/// One statement whose name and text are the caller's, for PostgresNIO's prepared statements (which name a
/// statement by its type): both are read while `current` holds them, when the statement is sent.
private struct NamedStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        var name: String
        var sql: String
    }

    @TaskLocal static var current = Text(name: "", sql: "")
    static var name: String { current.name }
    static var sql: String { current.sql }

    typealias Row = PostgresRow
    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// A PostgreSQL database whose statements run prepared, by name (see `PreparedStatements`). Still a
/// `PostgresDatabase` (its connection), so `PostgresCopy` works inside a scope too.
private struct PreparingSQLDatabase: SQLDatabase, PostgresDatabase {
    let base: any SQLDatabase
    let postgres: any PostgresDatabase
    let held: Bool

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (text, values) = serialize(query)
        guard let (bindings, types) = PreparedStatements.bindings(values), let name = PreparedStatements.name(for: text, types: types) else {
            return try await base.execute(sql: query, onRow)
        }
        if let level = queryLogLevel {
            logger.log(level: level, "Executing prepared query", metadata: ["sql": .string(text), "name": .string(name)])
        }
        let logger = logger
        @Sendable func run(on connection: PostgresConnection) async throws {
            try await NamedStatement.$current.withValue(.init(name: name, sql: text)) {
                let rows = try await connection.execute(NamedStatement(bindings: bindings), logger: logger)
                for try await row in rows { onRow(row.sql()) }
            }
        }
        do {
            if held {
                // The connection is this database's own for as long as the caller holds it: run here, in the caller's
                // task (which the desk keeps on the connection's event loop), without a task per statement.
                try await run(on: try await postgres.withConnection { $0.eventLoop.makeSucceededFuture($0) }.get())
            } else {
                // From the pool, for this statement: a task on the connection's event loop while it is leased.
                try await postgres.withConnection { connection in
                    let done = connection.eventLoop.makePromise(of: Void.self)
                    Task(executorPreference: EventLoopTaskExecutor.of(connection.eventLoop)) {
                        do { try await run(on: connection); done.succeed() } catch { done.fail(error) }
                    }
                    return done.futureResult
                }.get()
            }
        } catch {
            PreparedStatements.failed(text, types: types, with: error)
            throw error
        }
    }

    func send(_ request: any PostgresRequest, logger: Logger) -> EventLoopFuture<Void> {
        postgres.send(request, logger: logger)
    }

    func withConnection<T>(_ closure: @escaping (PostgresConnection) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        postgres.withConnection(closure)
    }
}
