import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Activities as facts: each session that took place becomes, once, a
/// session fact and facts for its registered places, its participants and
/// its no-shows — on the day it was held, at the activity's branch, with
/// the activity's core function, kind (`topic`), form (`mode`: physical,
/// online, hybrid) and audience ("youth" when it is for children or
/// teenagers only) — and the participants once more for each of the
/// activity's themes (`activity_theme_participant`, the theme as `topic`).
/// Nothing of who registered or came is kept.
///
/// A session is read once it ended more than `sessionSettle` ago (staff
/// may tick attendance until the day after); `insight_sessions` holds the
/// sessions already counted, written in the same transaction as their
/// facts, so a session is counted once whichever server reads it first.
/// Cancelled activities and drafts held nothing and give no facts.
extension InsightFacts {
    /// How long after a session's end its numbers are taken (attendance is ticked until the next day).
    public static let sessionSettle: TimeInterval = 86_400

    /// Participants of a session: checked-in places where attendance was taken, else the head count staff entered.
    static func participants(attended: Int, headCount: Int?) -> Int { attended > 0 ? attended : (headCount ?? 0) }

    /// Turns sessions that ended before `before` and were not counted yet into facts; returns how many facts.
    func ingestSessions(timeZone: TimeZone, before: Date, batch: Int) async throws -> Int {
        var added = 0
        while true {
            let rows = try await sql.raw("""
                SELECT s.id, s.starts_at, s.head_count, s.activity_id, a.branch_id, a.kind, a.core_function, a.presence, a.registration, a.age_max,
                       (SELECT COUNT(*) FROM activity_tags g WHERE g.activity_id = a.id AND g.vocabulary = 'audience') AS audiences,
                       (SELECT COUNT(*) FROM activity_tags g WHERE g.activity_id = a.id AND g.vocabulary = 'audience'
                          AND g.code IN ('children', 'youth')) AS youth_audiences,
                       (SELECT CAST(COALESCE(SUM(r.places), 0) AS BIGINT) FROM registrations r
                          WHERE r.activity_id = a.id AND r.status = 'registered') AS registered,
                       (SELECT CAST(COALESCE(SUM(r.places), 0) AS BIGINT) FROM attendance t JOIN registrations r ON r.id = t.registration_id
                          WHERE t.session_id = s.id) AS attended
                FROM activity_sessions s JOIN activities a ON a.id = s.activity_id
                WHERE a.organisation_id = \(bind: organisationID) AND a.status = 'published' AND s.ends_at < \(bind: before)
                  AND NOT EXISTS (SELECT 1 FROM insight_sessions d WHERE d.session_id = s.id)
                ORDER BY s.id LIMIT \(literal: batch)
                """).all()
            guard !rows.isEmpty else { return added }
            // The themes of the batch's activities, in one query.
            var themes: [UUID: [String]] = [:]
            for row in try await sql.raw("""
                SELECT g.activity_id, g.code FROM activity_tags g JOIN activity_sessions s ON s.activity_id = g.activity_id
                WHERE g.vocabulary = 'theme' AND s.id IN (\(binds: try rows.map { try $0.decode(column: "id", as: Int.self) }))
                GROUP BY g.activity_id, g.code
                """).all() {
                themes[try row.decode(column: "activity_id", as: UUID.self), default: []].append(try row.decode(column: "code", as: String.self))
            }
            var facts: [Int: [Fact]] = [:]
            for row in rows {
                let session = try row.decode(column: "id", as: Int.self)
                let day = LocalDate(try row.decode(column: "starts_at", as: Date.self), in: timeZone)
                let audiences = try row.decode(column: "audiences", as: Int.self)
                let youthAudiences = try row.decode(column: "youth_audiences", as: Int.self)
                let ageMax = try row.decode(column: "age_max", as: Int?.self)
                let youthOnly = (audiences > 0 && audiences == youthAudiences) || ageMax.map { $0 < 18 } == true
                let base = Fact(day: day, branch: try row.decode(column: "branch_id", as: UUID.self), kind: .activitySession,
                                coreFunction: try row.decode(column: "core_function", as: String.self), topic: try row.decode(column: "kind", as: String.self),
                                mode: try row.decode(column: "presence", as: String?.self) ?? ActivityPresence.physical.rawValue,
                                audience: youthOnly ? "youth" : "adult")
                let registers = try row.decode(column: "registration", as: String.self) != RegistrationMode.none.rawValue
                let registered = registers ? try row.decode(column: "registered", as: Int.self) : 0
                let attended = try row.decode(column: "attended", as: Int.self)
                let came = Self.participants(attended: attended, headCount: try row.decode(column: "head_count", as: Int?.self))
                var these = [base]
                func add(_ kind: FactKind, _ quantity: Int) {
                    guard quantity > 0 else { return }
                    var fact = base
                    fact.kind = kind
                    fact.quantity = quantity
                    these.append(fact)
                }
                add(.activityRegistration, registered)
                add(.activityParticipant, came)
                for theme in (themes[try row.decode(column: "activity_id", as: UUID.self)] ?? []).sorted() where came > 0 {
                    var fact = base
                    (fact.kind, fact.topic, fact.quantity) = (.activityThemeParticipant, theme, came)
                    these.append(fact)
                }
                // No-shows only where attendance was taken: without any tick nobody knows who stayed away.
                if attended > 0 { add(.activityNoShow, max(0, registered - attended)) }
                facts[session] = these
            }
            let organisationID = organisationID
            let batchFacts = facts
            let written = try await WriteGate.transaction(on: db) { tx -> [Fact] in
                var fresh: [Fact] = []
                for (session, sessionFacts) in batchFacts.sorted(by: { $0.key < $1.key }) {
                    // Exactly once: only the server that records the session writes its facts.
                    guard try await tx.sql.raw("""
                        INSERT INTO insight_sessions (session_id, organisation_id) VALUES (\(bind: session), \(bind: organisationID))
                        ON CONFLICT (session_id) DO NOTHING RETURNING session_id
                        """).first() != nil else { continue }
                    fresh += sessionFacts
                }
                try await Fact.insert(fresh, organisation: organisationID, on: tx.sql)
                try await InsightRollups.markDirty(Set(fresh.map(\.day)), organisation: organisationID, on: tx.sql)
                return fresh
            }
            added += written.count
            if rows.count < batch { return added }
        }
    }
}
