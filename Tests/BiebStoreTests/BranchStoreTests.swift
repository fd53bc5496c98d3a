import Fluent
import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

func t(_ s: String) -> LocalTime { LocalTime(s)! }
func d(_ s: String) -> LocalDate { LocalDate(iso: s)! }

@Suite("Branch store") struct BranchStoreTests {
    @Test(arguments: TestDatabase.all)
    func slugsAreUniquePerOrganisation(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let directory = BranchDirectory(app.db)
            // The town may use a slug the city uses.
            try await directory.save(Branch(organisationID: fixture.town, slug: "oost", name: "Dorp Oost", kind: .outreachPoint))
            // The city may not use it twice.
            let error = await #expect(throws: BiebError.self) {
                try await directory.save(Branch(organisationID: fixture.city, slug: "oost", name: "Tweede Oost", kind: .district))
            }
            #expect(error?.code == "slug_taken")
            #expect(error?.field == "slug")
            #expect(try await directory.branches(of: fixture.city).count == 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func racingCreatesOfOneSlugLetExactlyOneWin(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let results = await withTaskGroup(of: Result<Void, any Error>.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        do {
                            try await BranchDirectory(app.db).save(
                                Branch(organisationID: fixture.city, slug: "nieuw", name: "Nieuw \(index)", kind: .district))
                            return .success(())
                        } catch { return .failure(error) }
                    }
                }
                var all: [Result<Void, any Error>] = []
                for await result in group { all.append(result) }
                return all
            }
            let wins = results.filter { if case .success = $0 { true } else { false } }.count
            let conflicts = results.filter {
                if case .failure(let error as BiebError) = $0 { error.code == "slug_taken" } else { false }
            }.count
            #expect(wins == 1)
            #expect(conflicts == 7)
            let stored = try await Branch.query(on: app.db).filter(\.$slug == "nieuw").count()
            #expect(stored == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func validationNamesTheFieldAndSavesNothing(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let directory = BranchDirectory(app.db)
            let cases: [(Branch, String)] = [
                (Branch(organisationID: fixture.city, slug: "x1", name: "A", kind: .district, postcode: "12345"), "postcode"),
                (Branch(organisationID: fixture.city, slug: "Bad Slug", name: "A", kind: .district), "slug"),
                (Branch(organisationID: fixture.city, slug: "x2", name: "  ", kind: .district), "name"),
                (Branch(organisationID: fixture.city, slug: "x3", name: "A", kind: .district, email: "nope"), "email"),
                (Branch(organisationID: fixture.city, slug: "x4", name: "A", kind: .district, latitude: 52.0), "longitude"),
                (Branch(organisationID: fixture.city, slug: "x5", name: "A", kind: .district, latitude: 152.0, longitude: 4.0), "latitude"),
            ]
            for (branch, field) in cases {
                let error = await #expect(throws: BiebError.self) { try await directory.save(branch) }
                #expect(error?.field == field)
            }
            #expect(try await Branch.query(on: app.db).count() == 4)
        }
    }

    @Test(arguments: TestDatabase.all)
    func schedulesRoundTripAndReplaceAtomically(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let directory = BranchDirectory(app.db)
            let main = WeeklySchedule(name: "Standaard", periods: [
                WeeklyPeriod(.monday, t("13:00"), t("17:00"), .staffed),
                WeeklyPeriod(.friday, t("20:00"), t("02:00"), .selfService),
            ])
            let summer = WeeklySchedule(name: "Zomer", validFrom: d("2027-07-17"), validUntil: d("2027-08-29"),
                                        periods: [WeeklyPeriod(.tuesday, t("12:00"), t("17:00"), .staffed)])
            try await directory.replaceSchedules(of: fixture.district, with: [main, summer])
            let calendar = try await directory.calendar(of: fixture.district, timeZone: BranchCalendar.amsterdam)
            #expect(Set(calendar.schedules) == Set([main, summer]))

            // Two defaults: rejected, and the stored schedules are unchanged.
            let error = await #expect(throws: BiebError.self) {
                try await directory.replaceSchedules(of: fixture.district, with: [main, main])
            }
            #expect(error?.field == "schedules")
            let zeroLength = WeeklySchedule(periods: [WeeklyPeriod(.monday, t("10:00"), t("10:00"), .staffed)])
            let invalid = await #expect(throws: BiebError.self) {
                try await directory.replaceSchedules(of: fixture.district, with: [summer, zeroLength])
            }
            #expect(invalid?.field == "schedules[1].periods[0]")
            let after = try await directory.calendar(of: fixture.district, timeZone: BranchCalendar.amsterdam)
            #expect(Set(after.schedules) == Set([main, summer]))
            #expect(try await OpeningPeriodRecord.query(on: app.db).join(OpeningSchedule.self, on: \OpeningPeriodRecord.$schedule.$id == \OpeningSchedule.$id)
                .filter(OpeningSchedule.self, \.$branch.$id == fixture.district).count() == 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func exceptionsAddUpdateDeleteAndFilterByDate(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let directory = BranchDirectory(app.db)
            let past = try await directory.addException(to: fixture.central, CalendarException(startDate: d("2020-12-25"), reason: "Kerst 2020"))
            let christmas = try await directory.addException(to: fixture.central, CalendarException(
                startDate: d("2030-12-24"), reason: "Kerstavond",
                periods: [DayPeriod(opens: t("10:00"), closes: t("16:00"), level: .staffed)]))
            #expect(past.id != nil)
            let calendar = try await directory.calendar(of: fixture.central, timeZone: BranchCalendar.amsterdam, exceptionsFrom: d("2026-01-01"))
            #expect(calendar.exceptions.map(\.reason) == ["Kerstavond"])
            #expect(calendar.exceptions.first?.periods.first?.closes == t("16:00"))

            let record = try #require(try await directory.exceptionRecord(christmas.id!, branch: fixture.central))
            try await directory.updateException(record, to: CalendarException(startDate: d("2030-12-24"), endDate: d("2030-12-26"), reason: "Kerst"))
            let updated = try await directory.exceptionRecords(of: fixture.central, from: d("2030-01-01"))
            #expect(updated.count == 1)
            #expect(updated.first?.endDate == "2030-12-26")
            #expect(updated.first?.periods.isEmpty == true)
            // Another branch's exception is not found through this branch.
            #expect(try await directory.exceptionRecord(christmas.id!, branch: fixture.district) == nil)

            try await directory.deleteException(updated[0])
            #expect(try await directory.exceptionRecords(of: fixture.central, from: d("2030-01-01")).isEmpty)
            #expect(try await ExceptionPeriodRecord.query(on: app.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func bulkCalendarsAndFacilities(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let directory = BranchDirectory(app.db)
            let calendars = try await directory.calendars(of: [fixture.central, fixture.district], timeZone: BranchCalendar.amsterdam)
            // Tuesday 24 November 2026, 12:00 CET.
            let noon = try Date("2026-11-24T11:00:00Z", strategy: .iso8601)
            #expect(calendars[fixture.central]?.level(at: noon) == .staffed)
            #expect(calendars[fixture.district]?.level(at: noon) == .staffed)
            let facilities = try await directory.facilities(of: [fixture.central, fixture.district])
            #expect(facilities[fixture.central] == BranchFacilities(studyPlaces: 120, rooms: 1, publicComputers: 0))
            #expect(facilities[fixture.district] == BranchFacilities())
        }
    }
}

@Suite("Calendar cache") struct CalendarCacheTests {
    @Test(arguments: TestDatabase.all)
    func aChangeOnOneServerIsSeenByAnother(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            // Two app servers: each its own cache, one database.
            let serverA = BranchDirectory(app.db, cache: CalendarCache())
            let serverB = BranchDirectory(app.db, cache: CalendarCache())
            let christmas = d("2030-12-25")
            #expect(try await serverA.calendar(of: fixture.central, timeZone: BranchCalendar.amsterdam).isOpeningDay(christmas))
            #expect(serverA.cache?.count == 1)

            let record = try await serverB.addException(to: fixture.central, CalendarException(startDate: christmas, reason: "Kerst"))
            #expect(try await !serverA.calendar(of: fixture.central, timeZone: BranchCalendar.amsterdam).isOpeningDay(christmas))

            try await serverB.replaceSchedules(of: fixture.central, with: [])
            let emptied = try await serverA.calendars(of: [fixture.central, fixture.district], timeZone: BranchCalendar.amsterdam)
            #expect(emptied[fixture.central]?.schedules.isEmpty == true)
            #expect(emptied[fixture.district]?.schedules.count == 1)

            let stored = try #require(try await serverB.exceptionRecord(record.id!, branch: fixture.central))
            try await serverB.deleteException(stored)
            #expect(try await serverA.calendar(of: fixture.central, timeZone: BranchCalendar.amsterdam).exceptions.isEmpty)
        }
    }
}

@Suite("Staff store") struct StaffStoreTests {
    @Test(arguments: TestDatabase.all)
    func emailsAreUniqueWhateverTheirCase(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let error = await #expect(throws: BiebError.self) {
                try await StaffDirectory(app.db).save(StaffUser(organisationID: fixture.town, email: "ADMIN@City.test", name: "X",
                                                                 passwordHash: "x", role: .staff))
            }
            #expect(error?.code == "email_taken")
        }
    }

    @Test(arguments: TestDatabase.all)
    func volunteersBelongToABranchOfTheirOwnOrganisation(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let staff = StaffDirectory(app.db)
            let noBranch = await #expect(throws: BiebError.self) {
                try await staff.save(StaffUser(organisationID: fixture.city, email: "v2@city.test", name: "V", passwordHash: "x", role: .volunteer))
            }
            #expect(noBranch?.field == "branch_id")
            let otherOrg = await #expect(throws: BiebError.self) {
                try await staff.save(StaffUser(organisationID: fixture.city, email: "v3@city.test", name: "V", passwordHash: "x",
                                               role: .volunteer, branchID: fixture.townMain))
            }
            #expect(otherOrg?.field == "branch_id")
            #expect(try await staff.users(of: fixture.city).count == 4)
        }
    }

    @Test(arguments: TestDatabase.all)
    func loginThrottleLocksAfterFreeAttemptsAndDoubles(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let throttles = Throttles(app.db)
            let start = Date(timeIntervalSince1970: 2_000_000_000)
            for attempt in 1..<5 {
                #expect(try await throttles.recordFailure(key: "k", freeAttempts: 5, now: start.addingTimeInterval(Double(attempt))) == nil)
            }
            #expect(try await throttles.recordFailure(key: "k", freeAttempts: 5, now: start.addingTimeInterval(10)) == 15)
            #expect(try await throttles.lockedFor(key: "k", now: start.addingTimeInterval(11)) == 14)
            #expect(try await throttles.recordFailure(key: "k", freeAttempts: 5, now: start.addingTimeInterval(30)) == 30)
            #expect(try await throttles.lockedFor(key: "other", now: start) == nil)
            // After the window the count starts again.
            #expect(try await throttles.recordFailure(key: "k", freeAttempts: 5, now: start.addingTimeInterval(ThrottleRules.window + 60)) == nil)
            try await throttles.clearFailures(key: "k")
            #expect(try await throttles.lockedFor(key: "k", now: start.addingTimeInterval(31)) == nil)
            // Clearing by prefix takes every address of one account, and only those.
            for key in ["pair:member:aa:1", "pair:member:aa:2", "pair:member:ab:1"] {
                for _ in 0..<5 { try await throttles.recordFailure(key: key, freeAttempts: 5, now: start) }
            }
            try await throttles.clearFailures(prefix: "pair:member:aa:")
            #expect(try await throttles.lockedFor(key: "pair:member:aa:1", now: start) == nil)
            #expect(try await throttles.lockedFor(key: "pair:member:aa:2", now: start) == nil)
            #expect(try await throttles.lockedFor(key: "pair:member:ab:1", now: start) != nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func rateLimitsCountPerWindowAndForgetOldCounters(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let throttles = Throttles(app.db)
            let start = Date(timeIntervalSince1970: 2_000_000_000)
            let limit = RateLimit("test", limit: 3, window: 60)
            for second in 0..<3 { #expect(try await throttles.count(limit, key: "a", now: start.addingTimeInterval(Double(second))) == nil) }
            #expect(try await throttles.count(limit, key: "a", now: start.addingTimeInterval(10)) == 50)
            #expect(try await throttles.count(limit, key: "b", now: start.addingTimeInterval(10)) == nil)
            // A new window starts once the old one is over.
            #expect(try await throttles.count(limit, key: "a", now: start.addingTimeInterval(61)) == nil)
            // Known addresses last ninety days.
            try await throttles.remember(known: "staff:x:y", now: start)
            #expect(try await throttles.isKnown("staff:x:y", now: start.addingTimeInterval(86_400)))
            #expect(try await !throttles.isKnown("staff:x:y", now: start.addingTimeInterval(ThrottleRules.knownFor + 1)))
            // Two days later everything is gone.
            let removed = try await throttles.forgetExpired(now: start.addingTimeInterval(ThrottleRules.knownFor + 2 * 86_400))
            #expect(removed == 3)
            #expect(try await throttles.count(limit, key: "a", now: start.addingTimeInterval(ThrottleRules.knownFor + 2 * 86_400)) == nil)
        }
    }
}
