import FluentKit
import Foundation
import NIOCore
import PostgresNIO
import SQLKit

/// Bulk rows into a PostgreSQL table with `COPY … FROM STDIN` (PostgresNIO's
/// `copyFrom`), in the text format: no statement of a thousand parameters to
/// parse and plan, no binding of each value. The catalogue writes its new
/// titles, ISBNs, copies and search rows this way (the import's speed is in
/// docs/PERFORMANCE.md).
///
/// `sql` must be one connection in a transaction (`WriteGate.transaction`,
/// `PostgresTransaction`): on a pool the COPY could run on another
/// connection than the rest of the transaction.
enum PostgresCopy {
    /// Rows of `columns`, in that order, into `table`. Table and column names are Bieb's own, never a client's.
    static func rows(_ rows: [[SQLValue]], into table: String, columns: [String], on sql: any SQLDatabase) async throws {
        guard !rows.isEmpty else { return }
        guard let postgres = sql as? any PostgresDatabase else {
            preconditionFailure("COPY is PostgreSQL's; \(type(of: sql)) is not a PostgreSQL connection")
        }
        var buffer = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        for row in rows { encode(row, into: &buffer) }
        let data = buffer
        let logger = sql.logger
        try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                    try await writer.write(data)
                }
            }
        }.get()
    }

    /// One row in COPY's text format: tab between values, `\N` for NULL, a newline at the end.
    static func encode(_ row: [SQLValue], into buffer: inout ByteBuffer) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            switch value {
            case .null: buffer.writeStaticString("\\N")
            case .text(let text), .tsvector(let text): writeEscaped(text, into: &buffer)
            case .int(let number): buffer.writeString(String(number))
            case .bool(let flag): buffer.writeInteger(UInt8(ascii: flag ? "t" : "f"))
            case .uuid(let id): buffer.writeString(id.uuidString)
            case .date(let date): writeTimestamp(date, into: &buffer)
            case .data(let bytes):
                // bytea's hex form, its backslash escaped for COPY: \\x0a1b…
                buffer.writeStaticString("\\\\x")
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count * 2) { target in
                    let digits = hexDigits.utf8Start
                    bytes.withUnsafeBytes { source in
                        for (index, byte) in source.enumerated() {
                            target[2 * index] = digits[Int(byte >> 4)]
                            target[2 * index + 1] = digits[Int(byte & 0x0F)]
                        }
                    }
                    return bytes.count * 2
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// Text with COPY's escapes: backslash, tab, newline and carriage return.
    static func writeEscaped(_ text: String, into buffer: inout ByteBuffer) {
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case 0x5C: buffer.writeStaticString("\\\\")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    /// A `timestamptz` in UTC to the microsecond, as PostgresNIO binds a `Date`: 2026-12-05 23:57:45.123456+00.
    static func writeTimestamp(_ date: Date, into buffer: inout ByteBuffer) {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = microseconds / 1_000_000
        var fraction = microseconds % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func digits(_ value: Int, _ width: Int, then separator: UInt8?) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                buffer.writeInteger(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
            if let separator { buffer.writeInteger(separator) }
        }
        digits(Int(parts.tm_year) + 1900, 4, then: UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2, then: UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2, then: UInt8(ascii: " "))
        digits(Int(parts.tm_hour), 2, then: UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2, then: UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2, then: UInt8(ascii: "."))
        digits(Int(fraction), 6, then: nil)
        buffer.writeStaticString("+00")
    }
}
