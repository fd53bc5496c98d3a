import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Staff's side of the privacy API (`/api/v1/privacy/…`): the organisation's settings, the view log, the privacy run.
extension PrivacyAPIController {
    func settings(req: Request) async throws -> SettingsDTO {
        // Privacy officers and admins (who hold every permission).
        let user = try req.staff(.auditPrivacy)
        let settings = try await Retention(req.db, organisationID: user.organisationID).settings()
        return SettingsDTO(loan_link_days: settings.loanLinkDays, inactive_member_years: settings.inactiveMemberYears)
    }

    func saveSettings(req: Request) async throws -> SettingsDTO {
        let user = try req.staff(.managePrivacySettings)
        let input = try req.content.decode(SettingsDTO.self)
        let retention = Retention(req.db, organisationID: user.organisationID)
        var settings = try await retention.settings()
        if let days = input.loan_link_days { settings.loanLinkDays = days }
        if let years = input.inactive_member_years { settings.inactiveMemberYears = years }
        try await retention.save(settings, by: user.id)
        return SettingsDTO(loan_link_days: settings.loanLinkDays, inactive_member_years: settings.inactiveMemberYears)
    }

    func log(req: Request) async throws -> [LogDTO] {
        let user = try req.staff(.auditPrivacy)
        return try await Retention(req.db, organisationID: user.organisationID).log().map {
            LogDTO(at: $0.at, rule: $0.rule, count: $0.count, detail: $0.detail)
        }
    }

    /// The view log: `member`, `staff` (ids) and `since` (ISO date) narrow it.
    func views(req: Request) async throws -> [ViewDTO] {
        let user = try req.staff(.auditPrivacy)
        func id(_ name: String) throws -> UUID? {
            guard let text = req.query[String.self, at: name] else { return nil }
            guard let id = UUID(uuidString: text) else {
                throw BiebError.invalid(name, "'\(text)' is not an id.", nl: "'\(text)' is geen id.")
            }
            return id
        }
        var since: Date?
        if let text = req.query[String.self, at: "since"] {
            guard let day = LocalDate(iso: text) else {
                throw BiebError.invalid("since", "'\(text)' is not a date (YYYY-MM-DD).", nl: "'\(text)' is geen datum (JJJJ-MM-DD).")
            }
            let zone = try await req.branches.organisation(id: user.organisationID)?.zone ?? BranchCalendar.amsterdam
            since = LocalClock.instant(of: day, minute: 0, in: zone)
        }
        return try await MemberViews(req.db, organisationID: user.organisationID)
            .list(member: try id("member"), staff: try id("staff"), since: since, limit: min(max(req.query[Int.self, at: "limit"] ?? 200, 1), 1000))
            .map { ViewDTO(at: $0.at, staff: $0.staffName, role: $0.staffRole, purpose: $0.purpose.rawValue, via: $0.via, member_id: $0.memberID,
                           staff_id: $0.staffID) }
    }

    /// Applies the retention rules now (they also run every hour).
    func run(req: Request) async throws -> RunDTO {
        let user = try req.staff(.managePrivacySettings)
        guard let organisation = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        let outcome = try await Retention(req.db, organisationID: user.organisationID).run(timeZone: organisation.zone)
        return RunDTO(loans_unlinked: outcome.loansUnlinked, events_pseudonymised: outcome.eventsPseudonymised,
                      members_removed: outcome.membersRemoved, erasures_done: outcome.erasuresDone, views_pruned: outcome.viewsPruned)
    }
}
