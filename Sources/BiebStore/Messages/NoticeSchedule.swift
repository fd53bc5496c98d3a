import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The notices that come with the calendar rather than with a change: loans
/// due soon, overdue (a day late, and a week after that), memberships that
/// end soon; and once a month the reading tips of members who asked for
/// them. One notice per member per due day (end day, month): the outbox's
/// key makes running this twice harmless.
public enum NoticeSchedule {
    /// Days before the due day for "due soon".
    public static let dueSoonDays = 3
    /// Days after the due day for the first and second "overdue".
    public static let overdueDays = [1, 8]
    /// Days before the membership ends.
    public static let membershipDays = 14

    /// Puts the day's notices of an organisation in the outbox; returns how many were new.
    @discardableResult
    public static func enqueue(organisation: UUID, today: LocalDate, now: Date = Date(), on db: any Database) async throws -> Int {
        let sql = db.sql
        var wanted: [(NoticeKind, UUID, String, String)] = []   // kind, member, reference, dedupe
        func loans(dueOn day: LocalDate) async throws -> [UUID] {
            try await sql.raw("""
                SELECT DISTINCT member_id FROM loans
                WHERE organisation_id = \(bind: organisation) AND open = \(bind: true) AND due_on = \(bind: day.iso) AND member_id IS NOT NULL
                """).all().map { try $0.decode(column: "member_id", as: UUID.self) }
        }
        let soon = today.adding(days: dueSoonDays)
        for member in try await loans(dueOn: soon) {
            wanted.append((.dueSoon, member, "due:\(soon.iso)", "due_soon:\(member):\(soon.iso)"))
        }
        for (index, days) in overdueDays.enumerated() {
            let due = today.adding(days: -days)
            for member in try await loans(dueOn: due) {
                wanted.append((.overdue, member, "due:\(due.iso)", "overdue\(index + 1):\(member):\(due.iso)"))
            }
        }
        let end = today.adding(days: membershipDays)
        for row in try await sql.raw("""
            SELECT id FROM members WHERE organisation_id = \(bind: organisation) AND membership_end = \(bind: end.iso)
            """).all() {
            let member = try row.decode(column: "id", as: UUID.self)
            wanted.append((.membershipExpiring, member, "membership:\(end.iso)", "membership:\(member):\(end.iso)"))
        }
        // Reading tips: once a month, in the first run of the month (the composer skips a month with nothing to suggest).
        let month = String(today.iso.prefix(7))
        for member in try await Recommendations.recipients(organisation: organisation, on: sql) {
            wanted.append((.recommendations, member, "tips:\(month)", "tips:\(member):\(month)"))
        }
        guard !wanted.isEmpty else { return 0 }
        let notices = wanted
        return try await WriteGate.transaction(on: db) { tx in
            var added = 0
            for (kind, member, reference, dedupe) in notices {
                if try await Outbox.enqueue(kind, organisation: organisation, member: member, reference: reference, dedupe: dedupe, at: now,
                                            on: tx.sql) {
                    added += 1
                }
            }
            return added
        }
    }
}
