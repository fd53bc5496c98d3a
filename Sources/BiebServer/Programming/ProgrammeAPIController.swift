import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The programme over the API: the public agenda and registration (also
/// without an account), staff planning with the scheduling core, the door
/// list and check-in, communities, partners' consultation hours with
/// appointment slots, and a member's registrations, follows and calendar feed.
struct ProgrammeAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let open = routes.grouped("api", "v1", "organisations", ":org")
        open.get("agenda", use: agenda)
        open.get("activities", ":activityID", use: publicActivity)
        open.post("activities", ":activityID", "registrations", use: registerGuest)
        open.get("registrations", ":token", use: registrationByToken)
        open.delete("registrations", ":token", use: cancelByToken)
        open.post("registrations", ":token", "confirm", use: confirmByToken)
        open.get("programme-terms", use: terms)
        open.get("communities", use: communities)
        open.get("communities", ":communityID", use: community)
        open.get("consultation-hours", use: publicHours)
        open.post("consultation-hours", ":hourID", "appointments", use: bookAppointmentGuest)
        open.delete("appointments", ":token", use: cancelAppointmentByToken)

        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("activities", use: staffActivities)
        api.post("activities", use: create)
        api.get("activities", ":activityID", "plan", use: staffActivity)
        api.put("activities", ":activityID", use: update)
        api.post("activities", ":activityID", "publish", use: publish)
        api.post("activities", ":activityID", "cancel", use: cancel)
        api.get("activities", ":activityID", "registrations", use: doorList)
        api.post("activities", ":activityID", "registrations", use: registerByStaff)
        api.delete("activities", ":activityID", "registrations", ":registrationID", use: cancelByStaff)
        api.get("activities", ":activityID", "attendance", use: attendance)
        api.post("activities", ":activityID", "sessions", ":sessionID", "check-in", use: checkIn)
        api.delete("activities", ":activityID", "sessions", ":sessionID", "check-in", ":registrationID", use: undoCheckIn)
        api.post("programme-terms", ":vocabulary", use: saveTerm)
        api.get("programme", "guest-rules", use: guestRules)
        api.put("programme", "guest-rules", use: setGuestRules)
        api.get("activity-series", use: series)
        api.post("activity-series", use: createSeries)
        api.put("activity-series", ":seriesID", use: updateSeries)
        api.delete("activity-series", ":seriesID", use: deleteSeries)
        api.get("venues", use: venues)
        api.post("venues", use: createVenue)
        api.put("venues", ":venueID", use: updateVenue)
        api.delete("venues", ":venueID", use: deleteVenue)
        api.post("communities", use: createCommunity)
        api.put("communities", ":communityID", use: updateCommunity)
        api.post("consultation-hours", use: publishHours)
        api.get("consultation-hours", ":hourID", "appointments", use: appointments)
        api.delete("consultation-hours", ":hourID", use: cancelHour)

        let my = routes.grouped("api", "v1", "my").grouped(MemberBearerAuthenticator()).grouped("accounts", ":member")
        my.get("registrations", use: myRegistrations)
        my.post("registrations", use: myRegister)
        my.delete("registrations", ":registrationID", use: myCancel)
        my.get("communities", use: myCommunities)
        my.put("communities", ":communityID", use: myFollow)
        my.delete("communities", ":communityID", use: myUnfollow)
        my.post("appointments", use: myBookAppointment)
        my.delete("appointments", ":appointmentID", use: myCancelAppointment)
        my.post("calendar-feed", use: myCalendarFeed)
        my.delete("calendar-feed", use: myRevokeCalendarFeed)
    }


    // MARK: Helpers


    static func activityID(_ req: Request) throws -> UUID { try req.uuidParameter("activityID") }

    static func uuidQuery(_ req: Request, _ name: String) throws -> UUID? {
        guard let text = req.query[String.self, at: name], !text.isEmpty else { return nil }
        guard let id = UUID(uuidString: text) else { throw BiebError.invalid(name, "'\(text)' is not an id (UUID).", nl: "'\(text)' is geen geldig id.") }
        return id
    }

    /// The agenda filter from the query: branch, from, to, kind, theme, audience, paid, community, series, partner, limit, offset.
    static func filter(_ req: Request) throws -> AgendaFilter {
        var filter = AgendaFilter(from: try req.instantQuery("from") ?? Date())
        filter.to = try req.instantQuery("to")
        filter.branchID = try uuidQuery(req, "branch")
        filter.kind = req.query[String.self, at: "kind"].flatMap { $0.isEmpty ? nil : $0 }
        filter.theme = req.query[String.self, at: "theme"].flatMap { $0.isEmpty ? nil : $0 }
        if let audience = req.query[String.self, at: "audience"], !audience.isEmpty {
            guard let value = ActivityAudience(rawValue: audience) else {
                throw BiebError.invalid("audience", "Unknown audience '\(audience)'; use one of: \(ActivityAudience.allCases.map(\.rawValue).joined(separator: ", ")).",
                                        nl: "Onbekende doelgroep '\(audience)'.")
            }
            filter.audience = value
        }
        if let paid = req.query[String.self, at: "paid"], !paid.isEmpty {
            guard let value = ["true": true, "false": false, "1": true, "0": false][paid] else {
                throw BiebError.invalid("paid", "'paid' is true or false.", nl: "'paid' is true of false.")
            }
            filter.paid = value
        }
        filter.communityID = try uuidQuery(req, "community")
        filter.partnerID = try uuidQuery(req, "partner")
        if let series = req.query[String.self, at: "series"], !series.isEmpty {
            guard let id = Int(series) else { throw BiebError.invalid("series", "'\(series)' is not a series id.", nl: "'\(series)' is geen reeks-id.") }
            filter.seriesID = id
        }
        if let limit = req.query[Int.self, at: "limit"] { filter.limit = limit }
        if let offset = req.query[Int.self, at: "offset"] { filter.offset = offset }
        return filter
    }
}
