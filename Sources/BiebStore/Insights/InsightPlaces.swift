import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Study places and consultation hours as facts, a whole day at a time once
/// the day is over: the confirmed bookings of study places held that day (at
/// the study area's branch), the partners' consultation hours held (not
/// cancelled) and the appointments booked at them (`topic`: the partner's
/// name). Who booked is never kept. A day cursor (`insight_cursor`, source
/// "places", yyyymmdd) moved in the same transaction as a day's facts makes
/// each day count once; counting starts with the day before the first run
/// (what happened before Bieb counted is history, brought in with
/// `append(history:)`), and days the job missed are caught up in order.
extension InsightFacts {
    /// Turns the days after the cursor through `through` into facts; returns how many facts.
    func ingestPlaces(timeZone: TimeZone, through: LocalDate) async throws -> Int {
        var added = 0
        while true {
            let cursor = try await cursor(.places)
            let day = cursor.flatMap(Self.day(key:)).map { $0.adding(days: 1) } ?? through
            guard day <= through else { return added }
            let facts = try await placeFacts(on: day, timeZone: timeZone)
            let organisationID = organisationID
            let moved = try await WriteGate.transaction(on: db) { tx -> Bool in
                guard try await Self.move(.places, organisation: organisationID, from: cursor, to: Self.key(of: day), on: tx.sql) else { return false }
                try await Fact.insert(facts, organisation: organisationID, on: tx.sql)
                try await InsightRollups.markDirty([day], organisation: organisationID, on: tx.sql)
                return true
            }
            guard moved else { return added }
            added += facts.count
        }
    }

    /// Marks the days through `day` as history (their bookings and hours were brought in with `append(history:)`): the
    /// job counts from the day after. Never moves the cursor back.
    public func countPlaces(after day: LocalDate) async throws {
        let cursor = try await cursor(.places)
        guard (cursor ?? 0) < Self.key(of: day) else { return }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            _ = try await Self.move(.places, organisation: organisationID, from: cursor, to: Self.key(of: day), on: tx.sql)
        }
    }

    /// A day as the cursor keeps it (yyyymmdd), and back.
    static func key(of day: LocalDate) -> Int { day.year * 10_000 + day.month * 100 + day.day }
    static func day(key: Int) -> LocalDate? { LocalDate(year: key / 10_000, month: key / 100 % 100, day: key % 100) }

    /// The day's study bookings per branch, consultation hours and appointments per branch and partner.
    func placeFacts(on day: LocalDate, timeZone: TimeZone) async throws -> [Fact] {
        let start = LocalClock.instant(of: day, minute: 0, in: timeZone), end = LocalClock.instant(of: day.adding(days: 1), minute: 0, in: timeZone)
        var facts = try await sql.raw("""
            SELECT s.branch_id, COUNT(*) AS n FROM space_bookings b JOIN spaces s ON s.id = b.space_id
            WHERE b.organisation_id = \(bind: organisationID) AND s.kind = \(bind: SpaceKind.studyArea.rawValue) AND b.status = 'confirmed'
              AND b.starts_at >= \(bind: start) AND b.starts_at < \(bind: end)
            GROUP BY s.branch_id
            """).all().map { row in
            Fact(day: day, branch: try row.decode(column: "branch_id", as: UUID.self), kind: .studyBooking, quantity: try row.decode(column: "n", as: Int.self))
        }
        facts += try await sql.raw("""
            SELECT h.branch_id, p.name, COUNT(*) AS n FROM consultation_hours h JOIN partners p ON p.id = h.partner_id
            WHERE h.organisation_id = \(bind: organisationID) AND h.cancelled = \(bind: false) AND h.starts_at >= \(bind: start) AND h.starts_at < \(bind: end)
            GROUP BY 1, 2
            """).all().map { row in
            Fact(day: day, branch: try row.decode(column: "branch_id", as: UUID.self), kind: .consultationHour, topic: try row.decode(column: "name", as: String.self),
                 quantity: try row.decode(column: "n", as: Int.self))
        }
        facts += try await sql.raw("""
            SELECT h.branch_id, p.name, COUNT(*) AS n FROM appointments a JOIN consultation_hours h ON h.id = a.hour_id JOIN partners p ON p.id = h.partner_id
            WHERE h.organisation_id = \(bind: organisationID) AND h.cancelled = \(bind: false) AND a.status = 'booked'
              AND a.slot_start >= \(bind: start) AND a.slot_start < \(bind: end)
            GROUP BY 1, 2
            """).all().map { row in
            Fact(day: day, branch: try row.decode(column: "branch_id", as: UUID.self), kind: .consultationAppointment,
                 topic: try row.decode(column: "name", as: String.self), quantity: try row.decode(column: "n", as: Int.self))
        }
        return facts
    }
}
