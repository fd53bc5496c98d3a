import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

/// Issue 19: activities counted once per session with their core function,
/// the daily census of members and copies, and measurements whose
/// snapshots are frozen at their moments — none of it holding a member.
@Suite("Insight census, activities and measurements") struct InsightMeasurementTests {
    static let zone = BranchCalendar.amsterdam

    static func session(_ iso: String, _ hour: Int) -> TimeRange {
        let day = LocalDate(iso: iso)!
        return TimeRange(start: LocalClock.instant(of: day, minute: hour * 60, in: zone), end: LocalClock.instant(of: day, minute: (hour + 2) * 60, in: zone))
    }

    @Test(arguments: TestDatabase.all)
    func sessionsThatTookPlaceBecomeFactsOnceWithTheirCoreFunction(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let programme = Programme(app.db, organisationID: org, timeZone: Self.zone)
            let registrations = Registrations(app.db, organisationID: org)
            let planned = noon("2026-11-01")
            // A reading club for children, two sessions, with registration: two places, one checked in at the first session.
            var club = ActivityInput(branchID: f.network.central, kind: "reading_aloud", title: "Leesclub",
                                     sessions: [Self.session("2026-11-10", 15), Self.session("2026-11-17", 15)])
            club.coreFunction = .reading
            club.audiences = [.children]
            club.capacity = 10
            let clubID = try await programme.create(club, staff: nil, now: planned).activity.id
            _ = try await programme.publish(clubID, staff: nil, now: planned)
            let adult = try await registrations.register(for: clubID, RegistrationRequest(member: f.adult, places: 2), now: planned)
            _ = try await registrations.register(for: clubID, RegistrationRequest(member: f.youth), now: planned)
            let sessions = try #require(try await programme.listing(clubID)?.sessions)
            try await registrations.checkIn(registration: adult.id, session: sessions[0].id, staff: nil, now: noon("2026-11-10"))
            // A walk-in lecture, online, counted by staff; a debate that was cancelled; a draft never published.
            var lecture = ActivityInput(branchID: f.network.district, kind: "lecture", title: "Lezing", sessions: [Self.session("2026-11-12", 20)])
            lecture.coreFunction = .knowledge
            lecture.presence = .online
            lecture.registration = .none
            let lectureID = try await programme.create(lecture, staff: nil, now: planned).activity.id
            _ = try await programme.publish(lectureID, staff: nil, now: planned)
            let lectureSession = try #require(try await programme.listing(lectureID)?.sessions.first)
            await #expect(throws: BiebError.self) {
                try await registrations.setHeadCount(activity: lectureID, session: lectureSession.id, count: 40, now: planned)
            }
            try await registrations.setHeadCount(activity: lectureID, session: lectureSession.id, count: 42, now: noon("2026-11-13"))
            var debate = ActivityInput(branchID: f.network.central, kind: "debate", title: "Debat", sessions: [Self.session("2026-11-11", 20)])
            debate.coreFunction = .meeting
            let debateID = try await programme.create(debate, staff: nil, now: planned).activity.id
            _ = try await programme.publish(debateID, staff: nil, now: planned)
            _ = try await programme.cancel(debateID, now: planned)
            _ = try await programme.create(ActivityInput(branchID: f.network.central, kind: "workshop", title: "Concept",
                                                         sessions: [Self.session("2026-11-12", 10)]), staff: nil, now: planned)

            let facts = InsightFacts(app.db, organisationID: org)
            // The day after the second session its attendance may still be ticked: only the first two sessions count yet.
            _ = try await facts.ingest(timeZone: Self.zone, settled: 0, now: noon("2026-11-18"))
            let november = (LocalDate(iso: "2026-11-01")!, LocalDate(iso: "2026-11-30")!)
            #expect(try await facts.count(.activitySession, from: november.0, through: november.1) == 2)
            _ = try await facts.ingest(timeZone: Self.zone, settled: 0, now: noon("2026-11-20"))
            #expect(try await facts.ingest(timeZone: Self.zone, settled: 0, now: noon("2026-11-21")) == 0)
            #expect(try await facts.count(.activitySession, from: november.0, through: november.1) == 3)
            // Registered places count per session (3 each); participants: 2 checked in, and the lecture's head count of 42.
            #expect(try await facts.count(.activityRegistration, from: november.0, through: november.1) == 6)
            #expect(try await facts.count(.activityParticipant, from: november.0, through: november.1) == 44)
            // No-shows only where attendance was taken (the first session: 3 registered, 2 came).
            #expect(try await facts.count(.activityNoShow, from: november.0, through: november.1) == 1)
            let rollups = InsightRollups(app.db, organisationID: org)
            #expect(try await rollups.total([.activityParticipant], from: november.0, through: november.1, coreFunction: CoreFunction.knowledge.rawValue) == 42)
            #expect(try await rollups.total([.activityParticipant], from: november.0, through: november.1, audience: "youth") == 2)
            #expect(try await rollups.total([.activitySession], from: november.0, through: november.1, coreFunction: CoreFunction.meeting.rawValue) == 0)
            let sql = app.db as! any SQLDatabase
            let online = try await sql.raw("SELECT DISTINCT mode, topic FROM insight_daily WHERE core_function = 'knowledge_information'").all()
            #expect(try online.map { try $0.decode(column: "mode", as: String.self) } == ["online"])
            #expect(try online.map { try $0.decode(column: "topic", as: String.self) } == ["lecture"])
            // An activity fact has no subject: who took part is not kept.
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM insight_facts WHERE kind LIKE 'activity_%' AND subject IS NOT NULL")
                .first()!.decode(column: "n", as: Int.self) == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theCensusCountsMembersAndCopiesOnceADayAndEndedMemberships(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let census = InsightCensus(app.db, organisationID: org)
            #expect(try await census.value(.members, on: monday) == nil)
            #expect(try await census.take(day: monday))
            #expect(try await census.take(day: monday) == false)
            #expect(try await census.value(.members, on: monday)?.value == 2)
            #expect(try await census.value(.members, on: monday, audience: "youth")?.value == 1)
            // The fixture's 6 books × 3 copies are adult fiction (a book without a NUR code); the 6 DVDs audiovisual.
            #expect(try await census.value(.copies, on: monday, segments: [CollectionSegment.adultFiction.rawValue])?.value == 18)
            #expect(try await census.value(.copies, on: monday, segments: [CollectionSegment.audiovisual.rawValue])?.value == 6)
            #expect(try await census.value(.copies, on: monday, branch: f.network.district)?.value == 6)
            // A later day without a census is answered from the nearest earlier one, and says so.
            let later = try #require(try await census.value(.members, on: monday.adding(days: 3)))
            #expect(later.day == monday)
            // A membership that runs out on a day: counted that day, ended by the next census.
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE members SET membership_end = \(bind: monday.adding(days: 1).iso) WHERE id = \(bind: f.adult)").run()
            #expect(try await census.takeDue(today: monday.adding(days: 2)))
            #expect(try await census.value(.members, on: monday.adding(days: 1))?.value == 2)
            #expect(try await InsightFacts(app.db, organisationID: org).count(.membershipEnded, from: monday, through: monday.adding(days: 7)) == 1)
            #expect(try await census.take(day: monday.adding(days: 2)))
            #expect(try await census.value(.members, on: monday.adding(days: 2))?.value == 1)
            // An earlier day is not taken after a later one.
            #expect(try await census.take(day: monday) == false)
            // The census holds counts only.
            let names = try await InsightFactsTests.columns("insight_census", app)
            #expect(Set(names) == ["organisation_id", "day", "branch_id", "measure", "audience", "segment", "value"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func aMeasurementFreezesItsSnapshotsThatLaterDataDoNotChange(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let desk = Circulation(app.db, organisationID: org)
            let census = InsightCensus(app.db, organisationID: org)
            let facts = InsightFacts(app.db, organisationID: org)
            let measurements = Measurements(app.db, organisationID: org)
            let start = monday, end = monday.adding(days: 10)
            // Refused: an unknown indicator, an end before the start, a negative target.
            await #expect(throws: BiebError.self) {
                _ = try await measurements.create(.init(indicator: "happiness", branchID: nil, title: "X", start: start, end: end, target: nil), today: start)
            }
            await #expect(throws: BiebError.self) {
                _ = try await measurements.create(.init(indicator: "loans", branchID: nil, title: "X", start: end, end: start, target: nil), today: start)
            }
            await #expect(throws: BiebError.self) {
                _ = try await measurements.create(.init(indicator: "loans", branchID: nil, title: "X", start: start, end: end, target: -1), today: start)
            }
            let made = try await measurements.create(.init(indicator: "youth_loans_per_youth_copy", branchID: nil, title: "Jeugdcollectie",
                                                           start: start, end: end, target: 0.5), today: start)
            #expect(made.snapshots.isEmpty)
            // A youth loan on the start day; the census at its end. Two days later the start is frozen.
            _ = try await desk.checkout(member: f.youth, item: "B1C1", at: Circulation.Desk(branch: f.network.central, now: noon(start.iso)))
            _ = try await facts.ingest(timeZone: Self.zone, settled: 0, now: noon(start.adding(days: 1).iso))
            try await census.take(day: start)
            #expect(try await measurements.freezeDue(today: start.adding(days: 1)) == 0)
            #expect(try await measurements.freezeDue(today: start.adding(days: 2)) == 1)
            var frozen = try #require(try await measurements.measurement(made.id)?.startSnapshot)
            // No youth copies in the fixture: the ratio has no value, and says what it was made of.
            #expect(frozen.value == nil)
            #expect(frozen.numerator == 1)
            #expect(frozen.denominator == 0)
            #expect(frozen.definitionEN == Indicator.named("youth_loans_per_youth_copy")!.definitionEN)
            // Later data do not change a frozen snapshot.
            _ = try await desk.checkout(member: f.youth, item: "B2C1", at: Circulation.Desk(branch: f.network.central, now: noon(start.iso)))
            _ = try await facts.ingest(timeZone: Self.zone, settled: 0, now: noon(start.adding(days: 3).iso))
            #expect(try await measurements.freezeDue(today: start.adding(days: 3)) == 0)
            frozen = try #require(try await measurements.measurement(made.id)?.startSnapshot)
            #expect(frozen.numerator == 1)

            // A loans measurement made after both moments passed is frozen at once; the end is compared with the start.
            let loans = try await measurements.create(.init(indicator: "loans", branchID: f.network.central, title: "Uitleningen centrale",
                                                            start: start.adding(days: -1), end: start, target: 3), today: start.adding(days: 5))
            #expect(loans.startSnapshot?.value == 0)
            #expect(loans.endSnapshot?.value == 2)
            #expect(loans.outcome.change == 2)
            #expect(loans.outcome.targetMet == false)
            #expect(try await measurements.all().map(\.id) == [made.id, loans.id])
            // Snapshots hold numbers and definitions, never a member.
            let values = Set(try await InsightFactsTests.values("insight_snapshots", app))
            #expect(!values.contains(f.youth.uuidString) && !values.contains(CirculationFixture.youthCard))
        }
    }
}
