import Foundation
import Vapor
import BiebCore
import BiebStore

/// An activity as a client sends it — the JSON API's body and the staff
/// page's plan form alike — and the one decoding of it into an
/// `ActivityInput`: both paths accept and refuse the same things, naming the
/// same field. Ids are read from text here (an empty one means none), so a
/// bad id is a 400 naming its field whichever way it came. A partner
/// contact's activity always includes their own organisation among its
/// partners.
struct ActivityFields: Content {
    var branch_id: String?
    var space_id: String?
    var venue_id: String?
    var kind: String?
    var title: String?
    var description: String?
    var image_url: String?
    var language: String?
    var accessibility: String?
    var core_function: String?
    var presence: String?
    var themes: [String]?
    var audiences: [String]?
    var age_min: Int?
    var age_max: Int?
    var series_id: Int?
    var community_id: String?
    var organiser: String?
    var partner_ids: [String]?
    var list_id: String?
    var registration: String?
    var price_cents: Int?
    var capacity: Int?
    var needs_staff: Bool?
    var guest_data_days: Int?
    var sessions: [Session]?

    struct Session: Content {
        var starts_at: String?
        var ends_at: String?
    }

    /// The input; `sessions` given by the caller (the form's date, times and
    /// weeks) take the place of the ISO 8601 `sessions` of the body.
    func input(sessions given: [TimeRange]? = nil, partner: UUID?) throws -> ActivityInput {
        guard let branch = try Self.id(branch_id, "branch_id") else {
            throw BiebError.invalid("branch_id", "Give the branch that runs the activity.", nl: "Geef de vestiging die de activiteit organiseert.")
        }
        var times: [TimeRange] = []
        if let given {
            times = given
        } else {
            for (index, session) in (sessions ?? []).enumerated() {
                guard let start = try Instant.parse(session.starts_at, field: "sessions[\(index)].starts_at"),
                      let end = try Instant.parse(session.ends_at, field: "sessions[\(index)].ends_at") else {
                    throw BiebError.invalid("sessions[\(index)]", "Give each session's starts_at and ends_at (ISO 8601).",
                                            nl: "Geef van elke keer starts_at en ends_at (ISO 8601).")
                }
                times.append(TimeRange(start: start, end: end))
            }
        }
        var input = ActivityInput(branchID: branch, kind: kind ?? "", title: title ?? "", sessions: times)
        input.spaceID = try Self.id(space_id, "space_id")
        input.venueID = try Self.id(venue_id, "venue_id")
        input.description = description ?? ""
        input.imageURL = image_url ?? ""
        input.language = language ?? "nl"
        input.accessibility = accessibility ?? ""
        if let function = core_function {
            guard let value = CoreFunction(rawValue: function) else {
                throw BiebError.invalid("core_function", "Unknown core function '\(function)'; use one of: \(CoreFunction.allCases.map(\.rawValue).joined(separator: ", ")).",
                                        nl: "Onbekende kernfunctie '\(function)'.")
            }
            input.coreFunction = value
        }
        if let presence, !presence.isEmpty {
            guard let value = ActivityPresence(rawValue: presence) else {
                throw BiebError.invalid("presence", "Choose physical, online or hybrid.", nl: "Kies fysiek, online of hybride.")
            }
            input.presence = value
        }
        input.themes = themes ?? []
        input.audiences = try (audiences ?? []).map { text in
            guard let audience = ActivityAudience(rawValue: text) else {
                throw BiebError.invalid("audiences", "Unknown audience '\(text)'; use any of: \(ActivityAudience.allCases.map(\.rawValue).joined(separator: ", ")).",
                                        nl: "Onbekende doelgroep '\(text)'.")
            }
            return audience
        }
        input.ageMin = age_min
        input.ageMax = age_max
        input.seriesID = series_id
        input.communityID = try Self.id(community_id, "community_id")
        input.organiser = organiser ?? ""
        input.partnerIDs = try (partner_ids ?? []).compactMap { try Self.id($0, "partner_ids") }
        if let partner, !input.partnerIDs.contains(partner) { input.partnerIDs.append(partner) }
        input.listID = try Self.id(list_id, "list_id")
        if let mode = registration {
            guard let value = RegistrationMode(rawValue: mode) else {
                throw BiebError.invalid("registration", "Registration is none, free or paid.", nl: "Aanmelden is none, free of paid.")
            }
            input.registration = value
        }
        input.priceCents = price_cents ?? 0
        input.capacity = capacity
        input.needsStaff = needs_staff ?? true
        input.guestDataDays = guest_data_days ?? 0
        return input
    }

    /// An id from text; nil when empty or not given.
    static func id(_ text: String?, _ field: String) throws -> UUID? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let id = UUID(uuidString: text) else {
            throw BiebError.invalid(field, "'\(text)' is not an id (UUID).", nl: "'\(text)' is geen geldig id.")
        }
        return id
    }
}
