import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
@testable import BiebStore
import BiebTestSupport

/// The catalogue's bulk writes on PostgreSQL (`PostgresCopy`, `COPY … FROM
/// STDIN` in the text format) and the search rows written from Bieb's own
/// terms (`TSVectorText`): every value comes back as it went in, and a
/// vector is the one PostgreSQL's `to_tsvector` would have made.
@Suite("PostgreSQL COPY and search vectors") struct PostgresCopyTests {
    @Test func everyKindOfValueComesBackAsItWentIn() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            let texts = ["tab\there", "line\nbreak\r\n", "back\\slash \\N \\.", "ünï 界 😀", "", "'quoted' \"too\""]
            let bytes = Data(0...255)
            let dates = [Date(timeIntervalSince1970: 1_780_000_000.123456), Date(timeIntervalSince1970: -1_000_000.5),
                         Date(timeIntervalSince1970: 0)]
            let ids = [UUID(), UUID(), UUID()]
            try await app.db.sql.raw("""
                CREATE TABLE copy_probe (n BIGINT, t TEXT, b BYTEA, f BOOLEAN, u UUID, d TIMESTAMPTZ, v TSVECTOR)
                """).run()
            var rows: [[SQLValue]] = texts.enumerated().map { n, text in
                [.int(n), .text(text), .data(bytes), .bool(n % 2 == 0), .uuid(ids[n % 3]), .date(dates[n % 3]), .tsvector("'fiets':1A")]
            }
            rows.append([.int(99), .null, .null, .null, .null, .null, .null])
            let written = rows
            try await WriteGate.transaction(on: app.db) { tx in
                try await PostgresCopy.rows(written, into: "copy_probe", columns: ["n", "t", "b", "f", "u", "d", "v"], on: tx.sql)
            }
            let back = try await app.db.sql.raw("SELECT n, t, b, f, u, d, v::text AS v FROM copy_probe ORDER BY n").all()
            #expect(back.count == texts.count + 1)
            for (n, row) in back.prefix(texts.count).enumerated() {
                #expect(try row.decode(column: "t", as: String.self) == texts[n])
                #expect(try row.decode(column: "b", as: Data.self) == bytes)
                #expect(try row.decode(column: "f", as: Bool.self) == (n % 2 == 0))
                #expect(try row.decode(column: "u", as: UUID.self) == ids[n % 3])
                let date = try row.decode(column: "d", as: Date.self)
                #expect(abs(date.timeIntervalSince(dates[n % 3])) < 0.000_001, "\(date) vs \(dates[n % 3])")
                #expect(try row.decode(column: "v", as: String.self) == "'fiets':1A")
            }
            let nulls = try #require(back.last)
            #expect(try nulls.decode(column: "t", as: String?.self) == nil)
            #expect(try nulls.decode(column: "b", as: Data?.self) == nil)
            #expect(try nulls.decode(column: "d", as: Date?.self) == nil)
        }
    }

    /// A COPY that PostgreSQL refuses fails its transaction like any statement: nothing of it stays.
    @Test func aRefusedCopyLeavesNothing() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            try await app.db.sql.raw("CREATE TABLE copy_probe (n BIGINT PRIMARY KEY)").run()
            await #expect(throws: (any Error).self) {
                try await WriteGate.transaction(on: app.db) { tx in
                    try await PostgresCopy.rows([[.int(1)], [.int(2)], [.int(1)]], into: "copy_probe", columns: ["n"], on: tx.sql)
                }
            }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM copy_probe").first()!.decode(column: "n", as: Int.self) == 0)
            // The pool goes on working.
            try await WriteGate.transaction(on: app.db) { tx in
                try await PostgresCopy.rows([[.int(1)]], into: "copy_probe", columns: ["n"], on: tx.sql)
            }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM copy_probe").first()!.decode(column: "n", as: Int.self) == 1)
        }
    }

    /// The search rows Bieb writes are what `to_tsvector('simple', …)` made of the same terms before.
    @Test func searchVectorsAreWhatPostgresWouldHaveMade() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            var reader = ISO2709Reader(try FileByteSource(path: try storeFixture("loc-books-100.mrc")))
            var documents: [SearchDocument] = []
            while let result = reader.next() {
                guard case .success(let read) = result else { continue }
                documents.append(SearchDocument(MARCMapping.title(from: read.record), compounds: DutchWordList.compounds))
            }
            #expect(documents.count >= 90)
            // And PostgreSQL's limits: a lexeme's 256 positions, positions past 16,383, a word too long to index.
            var far = SearchDocument(TitleRecord(title: "x"))
            far.subject = (0..<16_400).map { "w\($0)" }.joined(separator: " ") + " w0 w1"
            var long = SearchDocument(TitleRecord(title: "x"))
            long.other = "kort " + String(repeating: "a", count: 2_047) + " " + String(repeating: "b", count: 2_046) + " einde"
            documents += [far, long]
            var different: [String] = []
            for document in documents {
                let row = try await app.db.sql.raw("""
                    SELECT CAST(ours AS text) AS ours, CAST(theirs AS text) AS theirs, ours = theirs AS same FROM (SELECT
                        CAST(\(bind: TSVectorText.vector(document)) AS tsvector) AS ours,
                        (setweight(to_tsvector('simple', \(bind: document.title)), 'A')
                         || setweight(to_tsvector('simple', \(bind: document.author)), 'B')
                         || setweight(to_tsvector('simple', \(bind: document.subject)), 'C')
                         || setweight(to_tsvector('simple', \(bind: document.other + " " + document.identifiers)), 'D')) AS theirs) AS v
                    """).first()!
                if try !row.decode(column: "same", as: Bool.self) {
                    different.append("ours: \(try row.decode(column: "ours", as: String.self).prefix(300))… "
                                     + "PostgreSQL's: \(try row.decode(column: "theirs", as: String.self).prefix(300))…")
                }
            }
            #expect(different.isEmpty, "\(different)")
            // A word more than 255 times in one field: to_tsvector keeps 255 of its positions, PostgreSQL's input 256,
            // so the next field's positions differ by one; the lexemes, their weights and what they match do not.
            var many = SearchDocument(TitleRecord(title: "x"))
            many.title = Array(repeating: "la", count: 300).joined(separator: " ")
            many.subject = "la de"
            let row = try await app.db.sql.raw("""
                SELECT strip(ours) = strip(theirs) AS lexemes, ours @@ CAST('la:A & de:C & !la:B' AS tsquery) AS matches FROM (SELECT
                    CAST(\(bind: TSVectorText.vector(many)) AS tsvector) AS ours,
                    setweight(to_tsvector('simple', \(bind: many.title)), 'A') || setweight(to_tsvector('simple', \(bind: many.subject)), 'C') AS theirs) AS v
                """).first()!
            #expect(try row.decode(column: "lexemes", as: Bool.self))
            #expect(try row.decode(column: "matches", as: Bool.self))
        }
    }
}
