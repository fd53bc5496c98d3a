import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// What the programme API answers with, for every audience: activities with
/// their sessions and places, and registrations.
extension ProgrammeAPIController {
    // MARK: DTOs

    struct SessionDTO: Content {
        let id: Int
        let starts_at: Date
        let ends_at: Date
        var booking_id: Int? = nil
    }

    struct ActivityDTO: Content {
        let id: UUID
        let url: String
        let status: String
        let branch_id: UUID
        let space_id: UUID?
        let venue_id: UUID?
        let kind: String
        let title: String
        let description: String
        let image_url: String
        let language: String
        let accessibility: String
        let core_function: String
        let presence: String
        let themes: [String]
        let audiences: [String]
        let age_min: Int?
        let age_max: Int?
        let series_id: Int?
        let community_id: UUID?
        let organiser: String
        let partner_ids: [UUID]
        let list_id: UUID?
        let registration: String
        let price_cents: Int
        let capacity: Int?
        let places_left: Int?
        let registered: Int
        let waiting: Int
        let needs_staff: Bool
        var guest_data_days: Int? = nil
        let sessions: [SessionDTO]

        init(_ listing: ActivityListing, organisation: Organisation, staff: Bool) {
            let a = listing.activity
            id = a.id
            url = "/\(organisation.slug)/agenda/\(a.id)"
            status = a.status.rawValue
            branch_id = a.branchID
            space_id = a.spaceID
            venue_id = a.venueID
            kind = a.kind
            title = a.title
            description = a.description
            image_url = a.imageURL
            language = a.language
            accessibility = a.accessibility
            core_function = a.coreFunction.rawValue
            presence = a.presence.rawValue
            themes = a.themes
            audiences = a.audiences.map(\.rawValue)
            age_min = a.ageMin
            age_max = a.ageMax
            series_id = a.seriesID
            community_id = a.communityID
            organiser = a.organiser
            partner_ids = a.partnerIDs
            list_id = a.listID
            registration = a.registration.rawValue
            price_cents = a.priceCents
            capacity = a.capacity
            places_left = listing.placesLeft
            registered = listing.taken
            waiting = listing.waiting
            needs_staff = a.needsStaff
            if staff { guest_data_days = a.guestDataDays }
            sessions = listing.sessions.map { SessionDTO(id: $0.id, starts_at: $0.range.start, ends_at: $0.range.end, booking_id: staff ? $0.bookingID : nil) }
        }
    }

    struct RegistrationDTO: Content {
        let id: Int
        let activity_id: UUID
        let status: String
        let places: Int
        let member_id: UUID?
        var name: String? = nil
        var email: String? = nil
        /// For the person who registered: the link that cancels it.
        var cancel_url: String? = nil
        let created_at: Date
        let promoted_at: Date?
        var card: String? = nil
        var attended_sessions: [Int]? = nil
        /// False while a guest's registration waits for the link in its mail.
        let confirmed: Bool
        /// Until when a provisional registration may be confirmed.
        let confirm_by: Date?

        /// `own`: for the person who registered — the cancellation link, once
        /// the registration is confirmed (the key of a provisional one is only in its mail).
        init(_ r: Registration, organisation: Organisation, own: Bool) {
            id = r.id
            activity_id = r.activityID
            status = r.status.rawValue
            places = r.places
            member_id = r.memberID
            created_at = r.createdAt
            promoted_at = r.promotedAt
            confirmed = !r.isProvisional
            confirm_by = r.isProvisional ? r.confirmBy : nil
            if own, !r.isProvisional, let token = r.token { cancel_url = "/\(organisation.slug)/afmelden/\(token)" }
        }
    }
}
