import Foundation

/// Roles of staff accounts. Every account belongs to one organisation and
/// never sees another organisation's data.
public enum StaffRole: String, Codable, Sendable, CaseIterable {
    /// Everything in their organisation, including accounts.
    case admin
    /// Day-to-day work in their organisation: branches, hours, exceptions.
    case staff
    /// A reduced set at their own branch (volunteer-run neighbourhood libraries).
    case volunteer
    /// A partner organisation's contact: their own consultation hours and
    /// co-organised activities, in the branches that house their organisation.
    case partner
    /// The organisation's privacy officer (functionaris gegevensbescherming):
    /// audits who viewed which member records and what the retention rules did.
    case privacyOfficer = "privacy_officer"
    /// Management information, read only: the library's numbers, measurements
    /// and annual report (a director, a policy adviser), no member records.
    case manager
}

/// What a signed-in account may do.
public enum Permission: String, Sendable, CaseIterable {
    case viewStaffPages
    case editBranch
    case createBranch
    case editSchedule
    case editExceptions
    case editSpaces
    case manageUsers
    /// Create and change title records and copies.
    case editCatalog
    /// Curated lists (displays); volunteers only for lists of their own branch.
    case manageLists
    /// The circulation desk: lend, take in, renew, holds, transfers, take
    /// payments; volunteers at their own branch.
    case circulate
    /// Register members and change their details and cards; volunteers at their own branch.
    case manageMembers
    /// Block members by hand and waive fees (staff, not volunteers).
    case blockAndWaive
    /// Loan rules and circulation settings (admins).
    case manageLoanRules
    /// SIP2 terminal accounts of kiosks, sorters and doors, and sort bins (admins).
    case manageSelfService
    /// The outbox: what was sent to members, what failed and why (staff, not volunteers: it holds addresses and texts).
    case viewMessages
    /// The wording of the messages to members (admins).
    case editMessageTemplates
    /// The log of staff views of member records and the privacy log (privacy officers and admins).
    case auditPrivacy
    /// The retention rules of the organisation (admins).
    case managePrivacySettings
    /// Refund online payments (staff, not volunteers).
    case refundPayments
    /// Plan activities, their registrations and communities (staff; partners
    /// for activities they co-organise in branches that house them).
    case manageProgramme
    /// Check people in at an activity (volunteers at their own branch).
    case checkIn
    /// Consultation hours (staff; partners their own, in branches that house them).
    case manageConsultationHours
    /// Management information: the numbers of the whole organisation (admins and managers; not every desk account).
    case viewInsights
    /// The collection plan's reports: how each part of the collection performs (staff, managers, admins).
    case viewCollection
    /// The collection plan's work: weeding lists and their sign-off, purchase suggestions and orders, balance
    /// transfers, thresholds and shelf capacities (staff and admins; not volunteers, not read-only managers).
    case manageCollection
    /// Network planning: areas and their reach, the gaps against the norm, a branch's focus (admins and managers).
    case viewPlanning
    /// Network planning's work: importing area statistics and postcodes, the norms, a branch's focus, scenarios
    /// (admins and managers: planning is the management's own work).
    case managePlanning
    /// Customer research: surveys and their versions, waves (the panel, after activities, branch links), results and
    /// their export, research settings (admins and managers — the researchers; they read open answers only once moderated).
    case research
    /// Moderating open answers before researchers read them (staff and admins: the people who know the branch).
    case moderateAnswers
}

public enum AccessPolicy {
    /// Whether `role` may do `permission`. For branch-bound permissions pass
    /// the branch concerned and the account's own branch: a volunteer may act
    /// only at their own branch.
    public static func allows(_ role: StaffRole, _ permission: Permission,
                              branch: UUID? = nil, ownBranch: UUID? = nil) -> Bool {
        switch role {
        case .admin:
            return true
        case .staff:
            return ![.manageUsers, .manageLoanRules, .manageSelfService, .editMessageTemplates, .auditPrivacy,
                     .managePrivacySettings, .viewInsights, .viewPlanning, .managePlanning, .research].contains(permission)
        case .volunteer:
            switch permission {
            case .viewStaffPages:
                return true
            case .editExceptions, .manageLists, .circulate, .manageMembers, .checkIn:
                guard let branch, let ownBranch else { return false }
                return branch == ownBranch
            default:
                return false
            }
        case .partner:
            // Further bound to their own partner organisation and the branches that house it (`ProgrammeAccess`).
            return [.viewStaffPages, .manageProgramme, .checkIn, .manageConsultationHours].contains(permission)
        case .privacyOfficer:
            return [.viewStaffPages, .auditPrivacy].contains(permission)
        case .manager:
            return [.viewStaffPages, .viewInsights, .viewCollection, .viewPlanning, .managePlanning, .research].contains(permission)
        }
    }
}
