import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// The programme in the demo: a debate series in the central library's
/// theatre with a partner, a computer course for seniors, a language café,
/// reading aloud for toddlers, an exhibition, a paid workshop that is full
/// (with a waiting list), Dutch lessons at a community centre (an external
/// venue), a book club's meetings, and the partners' consultation hours —
/// slots for help with DigiD, a walk-in legal hour.
public enum DemoProgramme {
    /// The partner contact of Informatiepunt Digitale Overheid (password `DemoNetwork.password`).
    public static let partnerEmail = "partner@denhaag.bieb.demo"
    public static let partnerName = "Informatiepunt Digitale Overheid"

    static func seed(app: Application, organisation: UUID, today: LocalDate) async throws {
        guard let org = try await Organisation.find(organisation, on: app.db) else { return }
        let zone = org.zone
        let programme = Programme(app.db, organisationID: organisation, timeZone: zone)
        let directory = BranchDirectory(app.db)
        let branches = try await directory.branches(of: organisation)
        func branch(_ slug: String) -> Branch { branches.first { $0.slug == slug }! }
        let central = branch("centrale-bibliotheek"), schilderswijk = branch("schilderswijk")
        func space(_ branch: Branch, _ name: String) async throws -> UUID? {
            try await Space.query(on: app.db).filter(\.$branch.$id == branch.id!).filter(\.$name == name).first()?.id
        }
        let now = Date()
        /// The first weekday on or after `from` days ahead on which the range fits the branch's hours at the level.
        /// (Without a branch: any such weekday, for an external venue with hours of its own.)
        func next(_ weekday: Weekday, _ start: String, _ minutes: Int, at branch: Branch?, staffed: Bool, from days: Int = 1) async throws -> TimeRange {
            let calendar = try await branch.asyncMap { try await directory.calendar(of: $0, timeZone: zone) }
            var day = today.adding(days: days)
            for _ in 0..<70 {
                if day.weekday == weekday {
                    let begin = LocalClock.instant(of: day, minute: LocalTime(start)!.minuteOfDay, in: zone)
                    let range = TimeRange(start: begin, end: begin.addingTimeInterval(Double(minutes) * 60))
                    if range.start > now,
                       calendar.map({ Scheduling.problem(with: range, calendar: $0, atLeast: staffed ? .staffed : .selfService) == nil }) ?? true {
                        return range
                    }
                }
                day = day.adding(days: 1)
            }
            throw BiebError.invalid("demo", "No open \(weekday.name) at \(branch?.name ?? "the venue").")
        }
        func weekly(_ first: TimeRange, count: Int) -> [TimeRange] {
            (0..<count).map { TimeRange(start: first.start.addingTimeInterval(Double($0) * 7 * 86_400), end: first.end.addingTimeInterval(Double($0) * 7 * 86_400)) }
        }
        let partners = try await PartnerDirectory(app.db).partners(of: organisation)
        let digital = partners.first { $0.name == partnerName }
        let legal = partners.first { $0.name == "Het Juridisch Loket" }
        let taalhuis = partners.first { $0.name == "Taalhuis Den Haag" }

        let series = try await programme.createSeries(title: "Haagse Stadsgesprekken",
                                                      description: "Een reeks debatten over de stad: wonen, klimaat, werk en samenleven, met bewoners, deskundigen en de gemeenteraad.")
        let bookClub = try await Communities(app.db, organisationID: organisation).save(
            name: "Leesclub Centrum", description: "Eens per maand praten we over een roman. Nieuwe lezers zijn welkom.",
            contact: "leesclub.centrum@example.nl", branch: central.id)
        _ = try await Communities(app.db, organisationID: organisation).save(
            name: "Roze Bieb", description: "Ontmoeting, boeken en films voor LHBTI+ jongeren en volwassenen.", contact: "rozebieb@example.nl", branch: central.id)
        _ = try await Communities(app.db, organisationID: organisation).save(
            name: "Schaakclub De Toren", description: "Vrij schaken voor alle niveaus, elke woensdagmiddag.", contact: "", branch: nil)
        let venue = try await programme.createVenue(name: "Buurthuis De Mussen", address: "De Mussenstraat 1, Den Haag",
                                                    notes: "Taallessen in het buurthuis; de bibliotheek brengt boeken mee.", branch: schilderswijk.id)

        var made: [String: UUID] = [:]
        func add(_ key: String, _ input: ActivityInput) async throws {
            let listing = try await programme.create(input, staff: nil)
            made[key] = try await programme.publish(listing.activity.id, staff: nil).activity.id
        }
        // The debate in the central library's theatre: the "done when" walk-through.
        var debate = ActivityInput(branchID: central.id!, kind: "debate", title: "Stadsgesprek: wie bouwt de wijk van morgen?",
                                   sessions: [try await next(.thursday, "19:30", 90, at: central, staffed: true)])
        debate.spaceID = try await space(central, "Theaterzaal")
        debate.description = "Er moeten duizenden woningen bij in Den Haag. Waar komen ze, voor wie, en wie beslist? Bewoners, een stedenbouwkundige en raadsleden gaan met elkaar en met de zaal in gesprek.\n\nNa afloop is er tijd om na te praten in het café."
        debate.themes = ["urban_issues", "justice"]
        debate.audiences = [.adults, .youth]
        debate.coreFunction = .meeting
        debate.seriesID = series.id
        debate.organiser = "Bibliotheek Den Haag"
        debate.capacity = 120
        debate.accessibility = "De Theaterzaal is rolstoeltoegankelijk en heeft een ringleiding."
        try await add("debate", debate)

        var course = ActivityInput(branchID: central.id!, kind: "course", title: "Klik & Tik: beginnen met de computer",
                                   sessions: weekly(try await next(.tuesday, "10:00", 120, at: central, staffed: true), count: 4))
        course.spaceID = try await space(central, "Leslokaal")
        course.description = "Vier ochtenden oefenen met muis, toetsenbord, internet en e-mail, in je eigen tempo. Eén aanmelding voor alle vier de keren."
        course.themes = ["basic_skills_digital"]
        course.audiences = [.seniors, .adults]
        course.coreFunction = .development
        course.capacity = 8
        course.partnerIDs = digital.map { [$0.id!] } ?? []
        try await add("course", course)

        var cafe = ActivityInput(branchID: schilderswijk.id!, kind: "language_cafe", title: "Taalcafé: samen Nederlands praten",
                                 sessions: weekly(try await next(.wednesday, "14:00", 90, at: schilderswijk, staffed: true), count: 3))
        cafe.spaceID = try await space(schilderswijk, "Taalhuisruimte")
        cafe.description = "Oefen Nederlands in een gezellige groep, met koffie en thee. Iedereen is welkom, aanmelden is niet nodig."
        cafe.themes = ["basic_skills_language"]
        cafe.audiences = [.newcomers]
        cafe.coreFunction = .development
        cafe.registration = .none
        cafe.partnerIDs = taalhuis.map { [$0.id!] } ?? []
        try await add("cafe", cafe)

        var toddlers = ActivityInput(branchID: central.id!, kind: "reading_aloud", title: "Voorlezen voor peuters",
                                     sessions: [try await next(.saturday, "10:30", 45, at: central, staffed: true)])
        toddlers.spaceID = try await space(central, "Vergaderruimte")
        toddlers.description = "Prentenboeken voorlezen voor kinderen van 2 tot 4 jaar, met hun ouder of verzorger."
        toddlers.audiences = [.children]
        toddlers.ageMin = 2
        toddlers.ageMax = 4
        toddlers.coreFunction = .reading
        toddlers.capacity = 12
        try await add("toddlers", toddlers)

        let exhibitionStart = LocalClock.instant(of: today, minute: 10 * 60, in: zone)
        var exhibition = ActivityInput(branchID: central.id!, kind: "exhibition", title: "Haagse gevels in beeld",
                                       sessions: [TimeRange(start: exhibitionStart, end: exhibitionStart.addingTimeInterval(42 * 86_400))])
        exhibition.description = "Foto's van bewoners van hun eigen straat, in de hal van de Centrale Bibliotheek. Gratis te zien tijdens openingstijden."
        exhibition.themes = ["urban_issues"]
        exhibition.audiences = [.adults, .youth, .children]
        exhibition.coreFunction = .culture
        exhibition.registration = .none
        try await add("exhibition", exhibition)

        var workshop = ActivityInput(branchID: central.id!, kind: "workshop", title: "Workshop zeefdrukken",
                                     sessions: [try await next(.friday, "14:00", 150, at: central, staffed: true)])
        workshop.spaceID = try await space(central, "Collegezaal")
        workshop.description = "Ontwerp en druk je eigen tas. Materiaal is inbegrepen."
        workshop.themes = ["sustainability"]
        workshop.audiences = [.adults]
        workshop.coreFunction = .culture
        workshop.registration = .paid
        workshop.priceCents = 750
        workshop.capacity = 2
        try await add("workshop", workshop)

        var lessons = ActivityInput(branchID: schilderswijk.id!, kind: "course", title: "Nederlandse les in het buurthuis",
                                    sessions: weekly(try await next(.monday, "19:00", 90, at: nil, staffed: false), count: 6))
        lessons.venueID = venue.id
        lessons.description = "Zes lessen Nederlands voor beginners, in Buurthuis De Mussen."
        lessons.themes = ["basic_skills_language"]
        lessons.audiences = [.newcomers]
        lessons.coreFunction = .development
        lessons.capacity = 14
        lessons.needsStaff = false
        lessons.partnerIDs = taalhuis.map { [$0.id!] } ?? []
        try await add("lessons", lessons)

        var club = ActivityInput(branchID: central.id!, kind: "reading_aloud", title: "Leesclub Centrum: De Avond is Ongemak",
                                 sessions: [try await next(.wednesday, "19:00", 90, at: central, staffed: true, from: 7)])
        club.spaceID = try await space(central, "Vergaderruimte")
        club.communityID = bookClub.id
        club.description = "We bespreken De Avond is Ongemak van Marieke Lucas Rijneveld."
        club.coreFunction = .reading
        club.registration = .none
        club.audiences = [.adults]
        try await add("club", club)

        // Homework help within the coming day, so the demo shows a reminder at once (the reminder job looks 24 hours ahead).
        let centralCalendar = try await directory.calendar(of: central, timeZone: zone)
        let hourStart = LocalClock.instant(of: LocalDate(now, in: zone), minute: (LocalClock.minuteOfDay(of: now, in: zone) / 60 + 2) * 60, in: zone)
        if let soon = (0..<20).lazy.map({ TimeRange(start: hourStart.addingTimeInterval(Double($0) * 3600), end: hourStart.addingTimeInterval(Double($0 + 1) * 3600)) })
            .first(where: { Scheduling.problem(with: $0, calendar: centralCalendar, atLeast: .staffed) == nil }) {
            var homework = ActivityInput(branchID: central.id!, kind: "homework_help", title: "Huiswerkbegeleiding", sessions: [soon])
            homework.description = "Vrijwilligers helpen scholieren met hun huiswerk. Neem je boeken en je vragen mee."
            homework.audiences = [.youth, .children]
            homework.ageMin = 10
            homework.ageMax = 16
            homework.coreFunction = .development
            homework.capacity = 10
            try await add("homework", homework)
        }

        // Registrations: members on the debate and the course; the workshop full with a waiting list.
        let sql = app.db.sql
        let members = try await sql.raw("""
            SELECT id FROM members WHERE organisation_id = \(bind: organisation) AND email IS NOT NULL ORDER BY id LIMIT 12
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
        let registrations = Registrations(app.db, organisationID: organisation)
        for (index, member) in members.enumerated() {
            let key = index < 6 ? "debate" : index < 9 ? "course" : "workshop"
            _ = try? await registrations.register(for: made[key]!, RegistrationRequest(member: member), now: now)
        }
        _ = try? await registrations.register(for: made["debate"]!, RegistrationRequest(name: "Gijs Gast", email: "gijs.gast@example.nl"), now: now)
        if let homework = made["homework"] {
            _ = try? await registrations.register(for: homework, RegistrationRequest(name: "Sara Scholier", email: "sara.scholier@example.nl"), now: now)
        }

        // Consultation hours: DigiD help by appointment twice a week; walk-in legal advice on Mondays.
        if let digital {
            for weekday in [Weekday.tuesday, .thursday] {
                let first = try await next(weekday, "10:00", 120, at: central, staffed: false)
                let day = LocalDate(first.start, in: zone)
                var input = ConsultationHourInput(partnerID: digital.id!, branchID: central.id!, title: "Hulp bij DigiD en online formulieren",
                                                  slotMinutes: 20)
                input.description = "Een medewerker van het Informatiepunt Digitale Overheid helpt je met DigiD, toeslagen en formulieren van de overheid. Neem je identiteitsbewijs mee."
                input.recurrence = WeeklyRecurrence(weekdays: [weekday], startMinute: 10 * 60, durationMinutes: 120, from: day, through: day.adding(days: 21))
                _ = try? await ConsultationHours(app.db, organisationID: organisation, timeZone: zone).publish(input, staff: nil, now: now)
            }
        }
        if let legal {
            let first = try await next(.monday, "14:00", 120, at: central, staffed: false)
            var input = ConsultationHourInput(partnerID: legal.id!, branchID: central.id!, title: "Gratis juridisch advies (inloop)", slotMinutes: nil)
            input.description = "Vragen over huur, werk, schulden of familie? Loop binnen bij Het Juridisch Loket."
            input.range = first
            _ = try await ConsultationHours(app.db, organisationID: organisation, timeZone: zone).publish(input, staff: nil, now: now)
        }
    }
}
