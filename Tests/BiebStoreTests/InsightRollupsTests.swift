import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
@testable import BiebStore
import BiebTestSupport

/// Writers of facts of their own kinds (searches handed in, door counts, …) bring only their kinds' roll-ups up to
/// date, in the transaction that wrote the facts; what else was pending stays marked for the hourly run; the result is
/// what a rebuild gives; and servers handing in at once count each search once.
@Suite("Insight roll-ups by kind") struct InsightRollupsTests {
    static let day = LocalDate(iso: "2026-11-23")!

    /// Every roll-up row of the organisation, as text, sorted.
    static func rows(_ sql: any SQLDatabase, _ organisation: UUID) async throws -> [String] {
        let daily = try await sql.raw("""
            SELECT day || '|' || COALESCE(CAST(branch_id AS TEXT), '') || '|' || kind || '|' || audience || '|' || item_type || '|' ||
                   member_category || '|' || segment || '|' || core_function || '|' || topic || '|' || mode || '|' || CAST(quantity AS TEXT) AS line
            FROM insight_daily WHERE organisation_id = \(bind: organisation)
            """).all().map { "d " + (try $0.decode(column: "line", as: String.self)) }
        let monthly = try await sql.raw("""
            SELECT month || '|' || COALESCE(CAST(branch_id AS TEXT), '') || '|' || kind || '|' || audience || '|' || segment || '|' ||
                   core_function || '|' || topic || '|' || mode || '|' || CAST(quantity AS TEXT) AS line
            FROM insight_monthly WHERE organisation_id = \(bind: organisation)
            """).all().map { "m " + (try $0.decode(column: "line", as: String.self)) }
        return (daily + monthly).sorted()
    }

    @Test(arguments: TestDatabase.all)
    func searchesHandedInRefreshTheirOwnRowsAndLeaveTheRestMarked(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let sql = app.db as! any SQLDatabase
            let desk = Circulation(app.db, organisationID: org)
            _ = try await desk.checkout(member: f.adult, item: "B1C1", at: Circulation.Desk(branch: f.network.central, now: noon("2026-11-23")))
            let facts = InsightFacts(app.db, organisationID: org)
            _ = try await facts.ingest(timeZone: BranchCalendar.amsterdam, settled: 0)
            let rollups = InsightRollups(app.db, organisationID: org)
            let november = (LocalDate(iso: "2026-11-01")!, LocalDate(iso: "2026-11-30")!)
            #expect(try await rollups.total([.loan], from: Self.day, through: Self.day) == 1)

            // A loan fact written and marked as the hourly ingest does, not yet rolled up.
            try await WriteGate.transaction(on: app.db) { tx in
                try await InsightFacts.Fact.insert([InsightFacts.Fact(day: Self.day, branch: f.network.central, kind: .loan, quantity: 1)],
                                                   organisation: org, on: tx.sql)
                try await InsightRollups.markDirty([Self.day], organisation: org, on: tx.sql)
            }
            let counts = SearchCounts(app.db, organisationID: org)
            try await counts.record([SearchCounts.Tally(day: Self.day, channel: "portal"): 7])
            // The searches are in the day and the month at once; the pending loan is not, and its day is still marked.
            #expect(try await rollups.total([.catalogueSearch], from: Self.day, through: Self.day) == 7)
            #expect(try await rollups.total([.catalogueSearch], from: november.0, through: november.1) == 7)
            #expect(try await rollups.total([.loan], from: Self.day, through: Self.day) == 1)
            let marks = try await sql.raw("SELECT day FROM insight_dirty WHERE organisation_id = \(bind: org)").all()
                .map { try $0.decode(column: "day", as: String.self) }
            #expect(marks == [Self.day.iso])
            try await counts.record([SearchCounts.Tally(day: Self.day, channel: "portal"): 3, SearchCounts.Tally(day: Self.day, channel: "api"): 2])
            #expect(try await rollups.total([.catalogueSearch], from: november.0, through: november.1) == 12)
            // The hourly run rebuilds the marked day whole: the loan comes in, the searches stay.
            try await rollups.refreshDirty()
            #expect(try await rollups.total([.loan], from: november.0, through: november.1) == 2)
            #expect(try await rollups.total([.catalogueSearch], from: Self.day, through: Self.day) == 12)
            // What the refreshes left is what a rebuild from the facts gives.
            let refreshed = try await Self.rows(sql, org)
            try await rollups.rebuild()
            #expect(try await Self.rows(sql, org) == refreshed)
            #expect(refreshed.contains { $0.contains("|catalogue_search|") && $0.hasSuffix("|api|2") })
        }
    }

    /// Several app servers hand in their searches at the same moment: each is counted once (PostgreSQL; SQLite has one
    /// writer). Without the lock on the day both delete the day's rows, neither sees the other's new rows, and the day
    /// is counted twice.
    @Test func serversHandingInAtOnceCountEachSearchOnce() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let rollups = InsightRollups(app.db, organisationID: org)
            var expected = 0
            for round in 1...5 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for server in 1...6 {
                        group.addTask {
                            try await SearchCounts(app.db, organisationID: org).record([SearchCounts.Tally(day: Self.day, channel: "portal"): server])
                        }
                    }
                    try await group.waitForAll()
                }
                expected += 21
                #expect(try await rollups.total([.catalogueSearch], from: Self.day, through: Self.day) == expected, "round \(round)")
                #expect(try await rollups.total([.catalogueSearch], from: LocalDate(iso: "2026-11-01")!, through: LocalDate(iso: "2026-11-30")!)
                        == expected, "round \(round), the month")
            }
        }
    }
}
