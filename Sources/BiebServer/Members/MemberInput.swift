import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// What staff send to register a member or change a member's details: the
/// JSON API (`POST /api/v1/members`, `PATCH /api/v1/members/{id}`) and the
/// desk's member forms decode the same fields the same way, so both accept
/// and refuse the same things and name the same field. A field left out
/// keeps what the member has (a form sends every field).
struct MemberInput: Content {
    var name: String?
    var birth_date: String?
    var email: String?
    var phone: String?
    var street: String?
    var postcode: String?
    var city: String?
    /// Branch id or slug.
    var home_branch: String?
    /// A membership type code.
    var membership_type: String?
    /// The first card's barcode (registration only).
    var card: String?
    /// The parent or guardian, by member id (the API's way) …
    var guardian_id: UUID?
    /// … or by card, as the desk scans it.
    var guardian_card: String?

    /// The details, over those `member` has (nil: a new member).
    func details(over member: Member? = nil) -> MemberDraft {
        MemberDraft(name: name ?? member?.name ?? "", birthDate: birth_date ?? member?.birthDateText ?? "",
                    email: email ?? member?.email, phone: phone ?? member?.phone, street: street ?? member?.street ?? "",
                    postcode: postcode ?? member?.postcode ?? "", city: city ?? member?.city ?? "")
    }

    /// The home branch named (`home_branch`), else `current`, else the desk's default branch.
    func homeBranch(_ service: DeskService, current: UUID? = nil) throws -> BranchLabel {
        if home_branch == nil, let current, let branch = service.branches.first(where: { $0.id == current }) { return branch }
        return try service.branch(home_branch, field: "home_branch")
    }

    /// The guardian named by id or by card, else `current`.
    func guardian(_ service: DeskService, current: UUID? = nil) async throws -> UUID? {
        if let guardian_id { return guardian_id }
        guard let card = guardian_card?.trimmed, !card.isEmpty else { return current }
        do {
            return try await service.circulation.member(card: card).id
        } catch let error as BiebError where error.kind == .notFound || error.field == "card" {
            throw BiebError.invalid("guardian_card", "No member has card '\(card)'.", nl: "Geen lid heeft pas '\(card)'.")
        }
    }

    /// A new member.
    func registration(_ service: DeskService) async throws -> MemberRegistration {
        MemberRegistration(details: details(), homeBranch: try homeBranch(service).id, membershipType: membership_type ?? "",
                           card: card ?? "", guardian: try await guardian(service))
    }

    /// Saves the changes to `member`'s details, home branch, membership type and guardian.
    func update(_ member: Member, _ service: DeskService, today: LocalDate, on db: any Database) async throws {
        var type = membership_type
        if type == nil { type = try await MembershipType.find(member.membershipTypeID, on: db)?.code }
        _ = try await service.members.update(member.id!, details: details(over: member), homeBranch: try homeBranch(service, current: member.homeBranchID).id,
                                             membershipType: type ?? "",
                                             guardian: try await guardian(service, current: member.guardianID),
                                             today: today, staff: service.user.id)
    }
}

/// A member's own contact details as they send them: the account API and
/// the portal's details form decode the same fields the same way. A field
/// left out keeps what the member has (the form sends every field). A new
/// name or birth date is the desk's, never the member's.
struct ContactInput: Content {
    var email: String?
    var phone: String?
    var street: String?
    var postcode: String?
    var city: String?

    /// The change, over the details `member` has.
    func change(over member: Member) -> ContactChange {
        ContactChange(email: email ?? member.email, phone: phone ?? member.phone, street: street ?? member.street,
                      postcode: postcode ?? member.postcode, city: city ?? member.city)
    }
}
