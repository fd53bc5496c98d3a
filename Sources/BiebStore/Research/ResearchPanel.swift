import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The library panel: members who agreed to be asked (the consent
/// `research_panel`, with its own words, recorded like every consent), each
/// with a panel profile kept apart from the member record — an age band, a
/// branch and an area (PC4), no name, no card, no birth date. Joining and
/// leaving happen only through the consent (`Consents.record`), so the
/// profile exists exactly while the consent is on.
public struct ResearchPanel: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// A panel member's profile as researchers may see it.
    public struct Profile: Sendable, Equatable {
        public let ageBand: String?
        public let branchID: UUID?
        public let area: String?
        public let joinedOn: LocalDate
    }

    /// Makes the member's panel profile (inside the consent's transaction). Members under `PanelRules.minimumAge` cannot join.
    static func enrol(member: UUID, organisation: UUID, now: Date, on sql: any SQLDatabase) async throws {
        guard let row = try await sql.raw("""
            SELECT birth_date, postcode, home_branch_id FROM members WHERE id = \(bind: member) AND organisation_id = \(bind: organisation)
            """).first() else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        let today = LocalDate(now, in: BranchCalendar.amsterdam)
        let birth = LocalDate(iso: try row.decode(column: "birth_date", as: String.self))
        if let birth, birth.adding(months: 12 * PanelRules.minimumAge) > today {
            throw BiebError.invalid("research_panel", "The panel is open from \(PanelRules.minimumAge) years old.",
                                    nl: "Het panel is er vanaf \(PanelRules.minimumAge) jaar.")
        }
        let facts = PseudonymousFacts(birthDate: birth, on: today, category: "", postcode: try row.decode(column: "postcode", as: String.self))
        try await sql.raw("""
            INSERT INTO research_panel (organisation_id, member_id, age_band, branch_id, area, joined_on)
            VALUES (\(bind: organisation), \(bind: member), \(bind: facts.ageBand), \(bind: try row.decode(column: "home_branch_id", as: UUID.self)),
                    \(bind: facts.area), \(bind: today.iso))
            ON CONFLICT (member_id) DO NOTHING
            """).run()
    }

    /// Takes the member out of the panel (withdrawn consent, erasure), inside the caller's transaction: their profile,
    /// their invitations not answered and the messages about them not sent yet go; an answered invitation stays as
    /// a count of its wave and cell, with nothing left that leads to the member. Answers given anonymously were never
    /// linked and stay as they are.
    static func remove(member: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            DELETE FROM outbox_messages WHERE member_id = \(bind: member) AND status = 'pending'
              AND kind IN (\(bind: NoticeKind.surveyInvitation.rawValue), \(bind: NoticeKind.surveyReminder.rawValue))
            """).run()
        let panel = "SELECT id FROM research_panel WHERE member_id = "
        try await sql.raw("DELETE FROM research_invitations WHERE answered = \(bind: false) AND panel_id IN (\(unsafeRaw: panel)\(bind: member))").run()
        try await sql.raw("UPDATE research_invitations SET panel_id = NULL WHERE panel_id IN (\(unsafeRaw: panel)\(bind: member))").run()
        try await sql.raw("DELETE FROM research_panel WHERE member_id = \(bind: member)").run()
    }

    /// The member's profile, or nil when they are not in the panel.
    public func profile(member: UUID) async throws -> Profile? {
        try await sql.raw("""
            SELECT age_band, branch_id, area, joined_on FROM research_panel WHERE member_id = \(bind: member) AND organisation_id = \(bind: organisationID)
            """).first().map { row in
            Profile(ageBand: try row.decode(column: "age_band", as: String?.self), branchID: try row.decode(column: "branch_id", as: UUID?.self),
                    area: try row.decode(column: "area", as: String?.self),
                    joinedOn: LocalDate(iso: try row.decode(column: "joined_on", as: String.self)) ?? LocalDate(year: 2000, month: 1, day: 1)!)
        }
    }

    /// The panel's size per quota cell (age band × branch).
    public func cells() async throws -> [(cell: String, members: Int)] {
        try await sql.raw("""
            SELECT age_band, branch_id, COUNT(*) AS n FROM research_panel WHERE organisation_id = \(bind: organisationID)
            GROUP BY age_band, branch_id
            """).all().map { row in
            (PanelRules.cell(ageBand: try row.decode(column: "age_band", as: String?.self), branch: try row.decode(column: "branch_id", as: UUID?.self)),
             try row.decode(column: "n", as: Int.self))
        }.sorted { $0.cell < $1.cell }
    }

    /// What the quotas aim at: the organisation's members from the panel's minimum age, per cell (age band × home
    /// branch), so a wave's answers are spread like the membership rather than like the panel. Counted by the
    /// database per year of birth and branch (a few thousand rows for millions of members); a member's age band is
    /// taken as of the middle of their year of birth, which is near enough for a quota.
    public func targetShares(today: LocalDate) async throws -> [(cell: String, weight: Double)] {
        let rows = try await sql.raw("""
            SELECT SUBSTR(birth_date, 1, 4) AS born, home_branch_id, COUNT(*) AS n FROM members
            WHERE organisation_id = \(bind: organisationID) AND membership_end >= \(bind: today.iso)
            GROUP BY SUBSTR(birth_date, 1, 4), home_branch_id
            """).all()
        var counts: [String: Int] = [:]
        for row in rows {
            let birth = Int(try row.decode(column: "born", as: String?.self) ?? "").flatMap { LocalDate(year: $0, month: 7, day: 1) }
            if let birth, birth.adding(months: 12 * PanelRules.minimumAge) > today { continue }
            let band = birth.map { SelfServiceAccess.ageBand(birthDate: $0, on: today) }
            counts[PanelRules.cell(ageBand: band, branch: try row.decode(column: "home_branch_id", as: UUID.self)), default: 0]
                += try row.decode(column: "n", as: Int.self)
        }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) }
    }
}
