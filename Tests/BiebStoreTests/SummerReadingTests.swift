import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

/// Issue 19's summer reading: a reading programme's participants and
/// finishers become facts once, with the year's pseudonym, and their
/// borrowing in June against July–August is read from pseudonymous facts
/// alone — and kept as totals when the year closes and its pseudonyms go.
@Suite("Summer reading") struct SummerReadingTests {
    static let zone = BranchCalendar.amsterdam

    @Test(arguments: TestDatabase.all)
    func participantsAndFinishersAndTheirSummerBorrowingFromPseudonymsOnly(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: LocalDate(iso: "2026-05-04")!)
            let org = f.network.city
            let programme = Programme(app.db, organisationID: org, timeZone: Self.zone)
            let registrations = Registrations(app.db, organisationID: org)
            let planned = noon("2026-05-10")
            var summer = ActivityInput(branchID: f.network.central, kind: SummerReading.kind, title: "Zomerlezen",
                                       sessions: [InsightMeasurementTests.session("2026-07-01", 15), InsightMeasurementTests.session("2026-08-26", 15)])
            summer.coreFunction = .reading
            summer.audiences = [.children]
            summer.capacity = 20
            let id = try await programme.create(summer, staff: nil, now: planned).activity.id
            _ = try await programme.publish(id, staff: nil, now: planned)
            // Two members and a guest sign up; the child finishes (checked in at the last session), the adult does not.
            let child = try await registrations.register(for: id, RegistrationRequest(member: f.youth), now: planned)
            _ = try await registrations.register(for: id, RegistrationRequest(member: f.adult), now: planned)
            _ = try await registrations.register(for: id, RegistrationRequest(name: "Gast", email: "gast@example.nl"), now: planned)
            let sessions = try #require(try await programme.listing(id)?.sessions)
            try await registrations.checkIn(registration: child.id, session: sessions[1].id, staff: nil, now: noon("2026-08-26"))
            // Borrowing: the child once in June and twice in the summer; the adult once in June.
            let desk = Circulation(app.db, organisationID: org)
            func at(_ iso: String) -> Circulation.Desk { Circulation.Desk(branch: f.network.central, now: noon(iso)) }
            _ = try await desk.checkout(member: f.youth, item: "B2C1", at: at("2026-06-10"))
            _ = try await desk.checkin(item: "B2C1", at: at("2026-06-20"))
            _ = try await desk.checkout(member: f.youth, item: "B2C1", at: at("2026-07-05"))
            _ = try await desk.checkout(member: f.youth, item: "B1C1", at: at("2026-07-20"))
            _ = try await desk.checkout(member: f.adult, item: "D1C1", at: at("2026-06-12"))
            let facts = InsightFacts(app.db, organisationID: org)
            // Before the last session has settled, the programme does not count yet.
            _ = try await facts.ingest(timeZone: Self.zone, settled: 0, now: noon("2026-08-26"))
            #expect(try await facts.count(.readingParticipant, from: LocalDate(iso: "2026-01-01")!, through: LocalDate(iso: "2026-12-31")!) == 0)
            _ = try await facts.ingest(timeZone: Self.zone, settled: 0, now: noon("2026-08-28"))
            _ = try await facts.ingest(timeZone: Self.zone, settled: 0, now: noon("2026-09-28"))
            let reading = SummerReading(app.db, organisationID: org)
            var expected = SummerReading.Figures()
            (expected.participants, expected.finishers, expected.memberParticipants, expected.memberFinishers) = (3, 1, 2, 1)
            (expected.juneLoans, expected.summerLoans, expected.finisherJuneLoans, expected.finisherSummerLoans) = (2, 2, 1, 2)
            (expected.youthJuneLoans, expected.youthSummerLoans) = (1, 2)
            var open = try await reading.figures(year: 2026)
            open.youthMembers = nil
            #expect(open == expected)
            // The programme's facts hold the pseudonym and age band, never a member; the guest has no pseudonym.
            let rows = try await app.db.sql.raw("""
                SELECT subject, age_band FROM insight_facts WHERE kind = 'reading_participant' ORDER BY age_band
                """).all()
            #expect(rows.count == 3)
            let subjects = try rows.map { try $0.decode(column: "subject", as: String?.self) }
            #expect(subjects.compactMap { $0 }.count == 2)
            #expect(!subjects.compactMap { $0 }.contains { $0.contains(f.youth.uuidString) || $0.contains(f.adult.uuidString.lowercased()) })

            // The year closes: the same figures remain, as totals, and no pseudonym of 2026 is left.
            try await InsightYears(app.db, organisationID: org).close(2026, today: LocalDate(iso: "2027-02-15")!)
            var closed = try await reading.figures(year: 2026)
            closed.youthMembers = nil
            #expect(closed == expected)
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM insight_facts WHERE subject IS NOT NULL AND day <= '2026-12-31'").first()?
                .decode(column: "n", as: Int.self) == 0)
            // A rate per person per week: June has 30 days, July–August 62.
            #expect(abs(try #require(SummerReading.Figures.weekly(30, people: 10, days: 30)) - 0.7) < 1e-9)
            #expect(SummerReading.Figures.weekly(3, people: 0, days: 30) == nil)
        }
    }
}
