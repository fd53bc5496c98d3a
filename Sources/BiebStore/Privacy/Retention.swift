import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The retention rules of an organisation and the job that applies them:
///
/// - a returned loan loses its member after `loanLinkDays` (0: at the
///   return itself when the loan had no fee, see `Circulation.checkin`);
///   a loan with a fee keeps it until the member's fees are settled; a lost
///   or claimed-returned loan keeps it a year (or `loanLinkDays` when
///   longer), so that a copy that turns up can still be refunded;
/// - circulation events lose their member on the same schedule, keeping
///   only pseudonymous facts (age band on the day, membership type, postcode
///   area) for statistics;
/// - members whose membership ended `inactiveMemberYears` ago, with nothing
///   open, are erased; so are members who asked to be, once nothing blocks;
/// - the log of staff views is kept two years.
///
/// Every run that changes something writes a line to the privacy log (counts only).
public struct Retention: Sendable {
    let db: any Database
    public let organisationID: UUID

    /// How long a lost or claimed-returned loan keeps its member at most.
    public static let lostLoanLinkDays = 365
    /// How long the log of staff views of member records is kept.
    public static let viewLogDays = 730

    public init(_ db: any Database, organisationID: UUID) {
        self.db = db
        self.organisationID = organisationID
    }

    var sql: any SQLDatabase { db.sql }

    // MARK: Settings

    public func settings() async throws -> PrivacySettings {
        guard let row = try await sql.raw("""
            SELECT loan_link_days, inactive_member_years FROM privacy_settings WHERE organisation_id = \(bind: organisationID)
            """).first() else { return .standard }
        return PrivacySettings(loanLinkDays: try row.decode(column: "loan_link_days", as: Int.self),
                               inactiveMemberYears: try row.decode(column: "inactive_member_years", as: Int.self))
    }

    /// Saves the rules (logged with the staff account that changed them, by id).
    public func save(_ settings: PrivacySettings, by staff: UUID?, now: Date = Date()) async throws {
        let valid = try settings.validated()
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            try await sql.raw("""
                INSERT INTO privacy_settings (organisation_id, loan_link_days, inactive_member_years, updated_at)
                VALUES (\(bind: organisationID), \(bind: valid.loanLinkDays), \(bind: valid.inactiveMemberYears), \(bind: now))
                ON CONFLICT (organisation_id) DO UPDATE SET loan_link_days = \(bind: valid.loanLinkDays),
                    inactive_member_years = \(bind: valid.inactiveMemberYears), updated_at = \(bind: now)
                """).run()
            try await Self.log("settings_changed", count: 1,
                               detail: "loan_link_days=\(valid.loanLinkDays) inactive_member_years=\(valid.inactiveMemberYears)"
                                   + (staff.map { " staff=\($0.uuidString.lowercased())" } ?? ""),
                               organisation: organisationID, at: now, on: sql)
        }
    }

    // MARK: Log

    static func log(_ rule: String, count: Int, detail: String = "", organisation: UUID, at now: Date, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO privacy_log (organisation_id, "at", rule, count, detail)
            VALUES (\(bind: organisation), \(bind: now), \(bind: rule), \(bind: count), \(bind: detail))
            """).run()
    }

    /// The newest lines of the privacy log.
    public func log(limit: Int = 200) async throws -> [PrivacyLogEntry] {
        try await sql.raw("""
            SELECT "at", rule, count, detail FROM privacy_log WHERE organisation_id = \(bind: organisationID) ORDER BY id DESC LIMIT \(literal: limit)
            """).all().map { row in
            PrivacyLogEntry(at: try row.decode(column: "at", as: Date.self), rule: try row.decode(column: "rule", as: String.self),
                            count: try row.decode(column: "count", as: Int.self), detail: try row.decode(column: "detail", as: String.self))
        }
    }

    // MARK: The run

    public struct Outcome: Sendable, Equatable {
        public var loansUnlinked = 0
        public var eventsPseudonymised = 0
        public var membersRemoved = 0
        public var erasuresDone = 0
        public var viewsPruned = 0
        /// Survey answers past the organisation's research retention period.
        public var researchAnswersRemoved = 0
        public init() {}

        /// What was done, in words for the log: "686 events pseudonymised, 2 members removed" (nothing done: "nothing").
        public var summary: String {
            let parts = [(loansUnlinked, "loans unlinked from their member"), (eventsPseudonymised, "events pseudonymised"),
                         (membersRemoved, "inactive members removed"), (erasuresDone, "erasure requests carried out"),
                         (viewsPruned, "catalogue views forgotten"), (researchAnswersRemoved, "survey answers removed")]
                .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
            return parts.isEmpty ? "nothing" : parts.joined(separator: ", ")
        }
    }

    /// Applies every rule once (the hourly "privacy" job).
    public func run(now: Date = Date(), timeZone: TimeZone) async throws -> Outcome {
        let settings = try await settings()
        var outcome = Outcome()
        let cutoff = now.addingTimeInterval(-Double(settings.loanLinkDays) * 86_400)
        outcome.loansUnlinked = try await unlinkLoans(returnedBefore: cutoff, now: now)
        outcome.eventsPseudonymised = try await pseudonymiseEvents(before: cutoff, member: nil, timeZone: timeZone, now: now)
        let erasure = Erasure(db, organisationID: organisationID)
        outcome.erasuresDone = try await erasure.eraseRequested(now: now, timeZone: timeZone)
        if settings.inactiveMemberYears > 0 {
            outcome.membersRemoved = try await erasure.eraseInactive(years: settings.inactiveMemberYears, now: now, timeZone: timeZone)
        }
        outcome.viewsPruned = try await MemberViews(db, organisationID: organisationID)
            .prune(before: now.addingTimeInterval(-Double(Self.viewLogDays) * 86_400))
        outcome.researchAnswersRemoved = try await ResearchAnswers(db, organisationID: organisationID).removeOld(now: now, timeZone: timeZone)
        let organisationID = organisationID
        let lines = [("loans_unlinked", outcome.loansUnlinked), ("events_pseudonymised", outcome.eventsPseudonymised),
                     ("views_pruned", outcome.viewsPruned), ("research_answers_removed", outcome.researchAnswersRemoved)].filter { $0.1 > 0 }
        if !lines.isEmpty {
            try await WriteGate.transaction(on: db) { tx in
                for (rule, count) in lines {
                    try await Self.log(rule, count: count, organisation: organisationID, at: now, on: tx.sql)
                }
            }
        }
        return outcome
    }

    /// Removes the member from returned loans returned before `cutoff` whose
    /// fees are settled, in batches walked by id over the organisation's
    /// returned loans that still have a member (`loans_returned_linked_idx`;
    /// `NOT l.open` written as the index's condition, so both engines see it
    /// applies): a run costs what is still linked, not the whole history nor
    /// other organisations'. Returns how many.
    func unlinkLoans(returnedBefore cutoff: Date, now: Date) async throws -> Int {
        let organisationID = organisationID
        let lostCutoff = min(cutoff, now.addingTimeInterval(-Double(Self.lostLoanLinkDays) * 86_400))
        var total = 0
        var after = 0
        while true {
            let ids = try await sql.raw("""
                SELECT l.id FROM loans l
                WHERE l.member_id IS NOT NULL AND l.id > \(bind: after) AND \(sql.isOrganisation(organisationID, "l.organisation_id")) AND NOT l.open
                  AND (l.returned_at < \(bind: lostCutoff) OR (l.returned_at < \(bind: cutoff) AND l.ended_as IN ('returned', 'lost_found')))
                  AND NOT EXISTS (SELECT 1 FROM fee_lines f JOIN members m ON m.id = f.member_id WHERE f.loan_id = l.id AND m.balance_cents > 0)
                ORDER BY l.organisation_id, l.id LIMIT 1000
                """).all().map { try $0.decode(column: "id", as: Int.self) }
            guard let last = ids.last else { return total }
            total += try await WriteGate.transaction(on: db) { tx in
                // Checked again in the transaction: a fee may have come since.
                try await tx.sql.raw("""
                    UPDATE loans SET member_id = NULL WHERE id IN \(SQLBind.group(ids)) AND member_id IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM fee_lines f JOIN members m ON m.id = f.member_id
                                      WHERE f.loan_id = loans.id AND m.balance_cents > 0)
                    RETURNING id
                    """).all().count
            }
            after = last
            if ids.count < 1000 { return total }
        }
    }

    /// Replaces the member of circulation events (older than `cutoff`, or all
    /// of one member) by pseudonymous facts: the age band on the day of the
    /// event, the membership type and the postcode area (four digits).
    /// Walked by id over the organisation's events that still have a member
    /// (`circulation_events_linked_org_idx`).
    func pseudonymiseEvents(before cutoff: Date?, member: UUID?, timeZone: TimeZone, now: Date) async throws -> Int {
        var total = 0
        var after = 0
        while true {
            let from = after
            let (count, last) = try await WriteGate.transaction(on: db) { tx in
                try await Self.pseudonymiseEvents(before: cutoff, member: member, after: from, organisation: self.organisationID,
                                                  timeZone: timeZone, batch: 500, on: tx.sql)
            }
            total += count
            guard count == 500, let last else { return total }
            after = last
        }
    }

    /// One batch; returns how many and the last id.
    static func pseudonymiseEvents(before cutoff: Date?, member: UUID?, after: Int = 0, organisation: UUID, timeZone: TimeZone, batch: Int,
                                   on sql: any SQLDatabase) async throws -> (Int, Int?) {
        var filter: SQLQueryString = ""
        if let cutoff { filter += " AND e.\"at\" < \(bind: cutoff)" }
        if let member { filter += " AND e.member_id = \(bind: member)" }
        let rows = try await sql.raw("""
            SELECT e.id, e."at", m.birth_date, t.code, m.postcode
            FROM circulation_events e JOIN members m ON m.id = e.member_id JOIN membership_types t ON t.id = m.membership_type_id
            WHERE e.member_id IS NOT NULL AND e.id > \(bind: after) AND \(sql.isOrganisation(organisation, "e.organisation_id"))
            """ + filter + " ORDER BY e.organisation_id, e.id LIMIT \(literal: batch)").all()
        var last: Int?
        // One statement for the batch (on PostgreSQL one statement an event was a round trip each: most of 41 s for a day of
        // 34 organisations). VALUES columns are column1… on both engines.
        var update = SQLQueryString("""
            UPDATE circulation_events SET member_id = NULL, age_band = CAST(v.column2 AS TEXT),
                member_category = CAST(v.column3 AS TEXT), member_area = CAST(v.column4 AS TEXT)
            FROM (VALUES
            """)
        for (index, row) in rows.enumerated() {
            let id = try row.decode(column: "id", as: Int.self)
            let at = try row.decode(column: "at", as: Date.self)
            let facts = PseudonymousFacts(birthDate: LocalDate(iso: try row.decode(column: "birth_date", as: String.self)),
                                          on: LocalDate(at, in: timeZone),
                                          category: try row.decode(column: "code", as: String.self),
                                          postcode: try row.decode(column: "postcode", as: String.self))
            update += index == 0 ? "(" : ", ("
            update += "\(bind: id), \(bind: facts.ageBand), \(bind: facts.category), \(bind: facts.area))"
            last = id
        }
        if !rows.isEmpty {
            update += ") AS v WHERE circulation_events.id = v.column1"
            try await sql.raw(update).run()
        }
        return (rows.count, last)
    }
}
