import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The agenda as iCalendar feeds: public (by branch, kind, theme, audience or
/// one activity) and a member's own at a secret address.
extension AgendaPages {
    // MARK: iCalendar feeds

    /// The agenda as iCalendar: `branch`, `kind`, `theme`, `audience` or one `activity`; the coming year.
    func feed(req: Request) async throws -> Response {
        let org = try await req.organisation()
        var filter = try ProgrammeAPIController.filter(req)
        filter.limit = 500
        filter.to = filter.to ?? filter.from.addingTimeInterval(366 * 86_400)
        let words = try await Words.make(req, org)
        let programme = Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        var listings: [ActivityListing]
        if let one = try ProgrammeAPIController.uuidQuery(req, "activity") {
            listings = try await programme.listing(one).map { [$0] }?.filter { $0.activity.status != .draft } ?? []
        } else {
            listings = try await programme.agenda(filter)
        }
        var name = org.name + " – " + Locales.text("agenda_title", words.lang)
        if let branch = filter.branchID.flatMap({ words.branches[$0] }) { name += " – " + branch.name }
        if let theme = filter.theme { name += " – " + words.theme(theme) }
        return Self.ics(Self.calendar(listings, name: name, words: words, base: req.application.bieb.baseURL))
    }

    /// A member's own registrations (the secret address from the portal).
    func personalFeed(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let token = (req.parameters.get("feed") ?? "").replacingOccurrences(of: ".ics", with: "")
        guard let member = try await CalendarFeeds(req.db).member(token: token, organisation: try org.requireID()) else { throw Abort(.notFound) }
        let programme = Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        var listings: [ActivityListing] = []
        for registration in try await Registrations(req.db, organisationID: try org.requireID()).registrations(member: member) where registration.status == .registered {
            if let listing = try await programme.listing(registration.activityID) { listings.append(listing) }
        }
        let words = try await Words.make(req, org)
        return Self.ics(Self.calendar(listings, name: org.name + " – " + Locales.text("agenda_my_feed", words.lang), words: words,
                                      base: req.application.bieb.baseURL))
    }

    static func calendar(_ listings: [ActivityListing], name: String, words: Words, base: String) -> ICalendar {
        let host = URL(string: base)?.host ?? "bieb.localhost"
        var events: [ICalendar.Event] = []
        for listing in listings {
            let a = listing.activity
            for (index, session) in listing.sessions.enumerated() {
                let summary = listing.sessions.count > 1 ? "\(a.title) (\(index + 1)/\(listing.sessions.count))" : a.title
                events.append(ICalendar.Event(
                    uid: "activity-\(a.id.uuidString.lowercased())-\(session.id)@\(host)", start: session.range.start, end: session.range.end,
                    summary: summary, description: a.description, location: words.place(a), url: base + "/\(words.org.slug)/agenda/\(a.id)",
                    categories: [words.kind(a.kind)] + a.themes.map(words.theme), cancelled: a.status == .cancelled, lastModified: a.updatedAt))
            }
        }
        return ICalendar(name: name, events: events)
    }

    static func ics(_ calendar: ICalendar) -> Response {
        let response = Response(status: .ok, body: .init(string: calendar.text(stamp: Date())))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return response
    }
}
