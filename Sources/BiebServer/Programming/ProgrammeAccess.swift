import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Who may change which part of the programme. Staff by role (volunteers
/// check people in at their own branch); a partner contact only for their
/// own partner organisation, in the branches that house it — an activity
/// they co-organise (listed as partner) or their consultation hours.
struct ProgrammeAccess {
    let req: Request
    let user: StaffUser
    let organisation: Organisation

    static func make(_ req: Request) async throws -> ProgrammeAccess {
        let user = try req.staff()
        guard let org = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return ProgrammeAccess(req: req, user: user, organisation: org)
    }

    var programme: Programme { Programme(req.db, organisationID: organisation.id!, timeZone: organisation.zone) }
    var registrations: Registrations { Registrations(req.db, organisationID: organisation.id!) }
    var hours: ConsultationHours { ConsultationHours(req.db, organisationID: organisation.id!, timeZone: organisation.zone) }

    /// Staff of the library who plan the programme, for the library's own lists and rules; a partner
    /// contact is refused with words that say whose they are (`partnerRefusal`, English and Dutch).
    static func library(_ req: Request, partnerRefusal: String, nl: String) async throws -> ProgrammeAccess {
        let access = try await make(req)
        _ = try req.staff(.manageProgramme)
        guard access.user.role != .partner else { throw forbidden(partnerRefusal, nl: nl) }
        return access
    }

    /// Whether this user keeps the library's own programme lists (kinds, themes, series, venues, groups, guest rules).
    var keepsLibraryLists: Bool { user.can(.manageProgramme) && user.role != .partner }

    /// A registration for this activity: one for another activity is not found here.
    func registration(_ id: Int, for activity: UUID) async throws -> Registration {
        guard let found = try await registrations.registration(id), found.activityID == activity else {
            throw BiebError.notFound("registration", nl: "Aanmelding niet gevonden.")
        }
        return found
    }

    static func forbidden(_ message: String, nl: String) -> BiebError {
        BiebError(.forbidden, code: "forbidden", message: message, nl: nl)
    }

    /// Whether the partner organisation is housed in the branch.
    func housed(_ partner: UUID, in branch: UUID) async throws -> Bool {
        try await BranchPartner.query(on: req.db).filter(\.$branch.$id == branch).filter(\.$partner.$id == partner).first() != nil
    }

    /// May plan (create or change) an activity at this branch with these partners.
    func mayPlan(branch: UUID, partners: [UUID]) async throws {
        _ = try req.staff(.manageProgramme, branch: branch)
        guard user.role == .partner else { return }
        guard let own = user.partnerID, partners.contains(own), try await housed(own, in: branch) else {
            throw Self.forbidden("A partner plans only activities their organisation co-organises, in a branch that houses it.",
                                 nl: "Een partner plant alleen activiteiten die de eigen organisatie mee organiseert, in een vestiging waar die gehuisvest is.")
        }
    }

    /// The activity, after checking the permission for it.
    func activity(_ id: UUID, _ permission: Permission) async throws -> ActivityListing {
        guard let listing = try await programme.listing(id) else { throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.") }
        _ = try req.staff(permission, branch: listing.activity.branchID)
        if user.role == .partner {
            guard let own = user.partnerID, listing.activity.partnerIDs.contains(own), try await housed(own, in: listing.activity.branchID) else {
                throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.")
            }
        }
        return listing
    }

    /// May publish or change consultation hours of this partner at this branch.
    func mayRunHours(partner: UUID, branch: UUID) async throws {
        _ = try req.staff(.manageConsultationHours, branch: branch)
        guard user.role == .partner else { return }
        guard user.partnerID == partner else {
            throw Self.forbidden("A partner manages only their own organisation's consultation hours.",
                                 nl: "Een partner beheert alleen de spreekuren van de eigen organisatie.")
        }
        guard try await housed(partner, in: branch) else {
            throw Self.forbidden("Your organisation is not housed in this branch; ask the library to add it.",
                                 nl: "Uw organisatie is niet gehuisvest in deze vestiging; vraag de bibliotheek dat toe te voegen.")
        }
    }

    /// The door list of an activity, its viewing logged as a view of each member on it (purpose `activity`).
    func doorList(_ activity: UUID) async throws -> [DoorListLine] {
        let lines = try await registrations.doorList(activity: activity)
        let members = lines.compactMap(\.registration.memberID)
        if !members.isEmpty {
            try await MemberViews(req.db, organisationID: organisation.id!).record(members: members, staff: user.id!, purpose: .activity,
                                                                                  via: "activity:\(activity)")
        }
        return lines
    }

    func hour(_ id: UUID) async throws -> ConsultationHour {
        guard let hour = try await hours.hour(id) else { throw BiebError.notFound("consultation_hour", nl: "Spreekuur niet gevonden.") }
        do {
            try await mayRunHours(partner: hour.partnerID, branch: hour.branchID)
        } catch let error as BiebError where error.kind == .forbidden && user.role == .partner {
            throw BiebError.notFound("consultation_hour", nl: "Spreekuur niet gevonden.")
        }
        return hour
    }
}
