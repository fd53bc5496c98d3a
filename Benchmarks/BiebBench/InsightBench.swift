import BiebCore
import BiebStore
import Fluent
import Foundation
import SQLKit
import Vapor

/// `bieb-bench insights DB ORG EVENTS`: a day of EVENTS loans (checkout
/// events of the organisation's members and copies, at its branches) put
/// in the circulation event log, then read into the statistics' facts and
/// roll-ups (`InsightFacts.ingest`), side by side with a plain baseline in
/// the same run: copying the same events with one `INSERT … SELECT`, the
/// least any ingestion must do. Prints both, their ratio, and facts/s.
/// The target: a national day (about 150,000 loans) in ≤ 10 s.
func benchmarkInsights(database: String, organisation slug: String, events: Int) {
    withDatabase(location(database)) { app in
        let sql = app.db.sql
        guard let org = try await Organisation.query(on: app.db).filter(\.$slug == slug).first() else {
            print("no organisation \(slug)")
            return
        }
        let orgID = org.id!
        let members = try await sql.raw("SELECT id FROM members WHERE organisation_id = \(bind: orgID)").all().map { try $0.decode(column: "id", as: UUID.self) }
        let copies = try await sql.raw("""
            SELECT id, title_id, owning_branch_id FROM items WHERE organisation_id = \(bind: orgID) LIMIT 20000
            """).all().map { (try $0.decode(column: "id", as: Int.self), try $0.decode(column: "title_id", as: Int.self), try $0.decode(column: "owning_branch_id", as: UUID.self)) }
        guard !members.isEmpty, !copies.isEmpty else {
            print("the organisation needs members and copies (a demo database will do)")
            return
        }
        // What was there is read first, so the run times only the new day.
        _ = try await InsightFacts(app.db, organisationID: orgID).ingest(timeZone: org.zone, settled: 0)
        let first = (try await sql.raw("SELECT COALESCE(MAX(id), 0) AS id FROM circulation_events").first()?.decode(column: "id", as: Int.self)) ?? 0
        let day = Date().addingTimeInterval(-86_400)
        var written = 0
        while written < events {
            let batch = min(2_000, events - written)
            let start = written
            try await app.db.transaction { tx in
                for chunk in stride(from: start, to: start + batch, by: 500) {
                    var insert = tx.sql.insert(into: "circulation_events")
                        .columns("organisation_id", "at", "kind", "branch_id", "item_id", "title_id", "member_id", "detail")
                    for k in chunk..<min(chunk + 500, start + batch) {
                        let copy = copies[k % copies.count]
                        insert = insert.values([SQLBind(orgID), SQLBind(day.addingTimeInterval(Double(k) * 0.3)), SQLBind("checkout"), SQLBind(copy.2),
                                                SQLBind(copy.0), SQLBind(copy.1), SQLBind(members[k % members.count]), SQLBind("")])
                    }
                    try await insert.run()
                }
            }
            written += batch
        }
        // The baseline: the same events copied once, in one statement.
        try await sql.raw("CREATE TABLE bench_events_copy AS SELECT * FROM circulation_events WHERE 1 = 0").run()
        let baselineStart = DispatchTime.now().uptimeNanoseconds
        try await sql.raw("""
            INSERT INTO bench_events_copy SELECT * FROM circulation_events WHERE organisation_id = \(bind: orgID) AND id > \(bind: first)
            """).run()
        let baseline = Double(DispatchTime.now().uptimeNanoseconds - baselineStart) / 1e9
        try await sql.raw("DROP TABLE bench_events_copy").run()
        let ingestStart = DispatchTime.now().uptimeNanoseconds
        let facts = try await InsightFacts(app.db, organisationID: orgID).ingest(timeZone: org.zone, settled: 0)
        let ingest = Double(DispatchTime.now().uptimeNanoseconds - ingestStart) / 1e9
        let rebuildStart = DispatchTime.now().uptimeNanoseconds
        let days = try await InsightRollups(app.db, organisationID: orgID).rebuild()
        let rebuild = Double(DispatchTime.now().uptimeNanoseconds - rebuildStart) / 1e9
        print(String(format: "events %d: baseline copy %.2f s; ingest into facts and roll-ups %.2f s (%d facts, %.0f facts/s, %.1f× the baseline); full roll-up rebuild of %d days %.2f s",
                     events, baseline, ingest, facts, Double(facts) / ingest, ingest / max(baseline, 1e-9), days, rebuild))
    }
}
