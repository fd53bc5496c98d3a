import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The demo library network: a large city organisation modelled on
/// Bibliotheek Den Haag and a small-town organisation with long self-service
/// hours. Facts (names, streets, districts, coordinates) come from
/// `shared/data/nl-demo-facts`; gaps are filled with plausible values,
/// marked "estimate" where they are set. Opening hours are estimates
/// following the suggested timetable in the facts' notes.
public enum DemoNetwork {
    public static let password = "bieb-demo-2026"

    public struct Account: Sendable {
        public let email: String
        public let role: StaffRole
        public let organisation: String
        public let note: String
    }

    public static let accounts: [Account] = [
        Account(email: "admin@denhaag.bieb.demo", role: .admin, organisation: "den-haag", note: "beheerder Bibliotheek Den Haag"),
        Account(email: "medewerker@denhaag.bieb.demo", role: .staff, organisation: "den-haag", note: "medewerker Bibliotheek Den Haag"),
        Account(email: "vrijwilliger@denhaag.bieb.demo", role: .volunteer, organisation: "den-haag", note: "vrijwilliger Buurtbibliotheek Spoorwijk"),
        Account(email: "admin@heemstede.bieb.demo", role: .admin, organisation: "heemstede", note: "beheerder Bibliotheek Heemstede"),
        Account(email: "privacy@denhaag.bieb.demo", role: .privacyOfficer, organisation: "den-haag",
                note: "functionaris gegevensbescherming Bibliotheek Den Haag"),
        Account(email: DemoProgramme.partnerEmail, role: .partner, organisation: "den-haag",
                note: "contactpersoon partner \(DemoProgramme.partnerName): eigen spreekuren"),
        Account(email: "directie@denhaag.bieb.demo", role: .manager, organisation: "den-haag",
                note: "directie Bibliotheek Den Haag: managementinformatie"),
    ]

    /// Creates the demo network with its catalogue unless it exists. Returns true when created.
    @discardableResult
    public static func seed(app: Application, today: LocalDate, catalogue: Bool = true,
                            progress: (@Sendable (_ done: Double, _ step: String) -> Void)? = nil) async throws -> Bool {
        guard try await seed(on: app.db, password: app.password, today: today) else { return false }
        guard catalogue else { return true }
        let directory = BranchDirectory(app.db)
        let denHaag = try await directory.organisation(slug: "den-haag")
        let heemstede = try await directory.organisation(slug: "heemstede")
        // Each step with its name as the progress line says it; the fraction is by steps (the history steps take longest).
        var steps: [(String, () async throws -> Void)] = []
        if let denHaag {
            let id = denHaag.id!
            steps += [
                ("Den Haag: catalogue", { try await DemoCatalog.seed(app: app, organisation: id, loc: true, today: today) }),
                ("Den Haag: members and four weeks of lending", {
                    try await DemoCirculation.seed(app: app, organisation: id, members: 240, cardPrefix: "2000", today: today)
                }),
                ("Den Haag: self-service and the member portal", {
                    try await DemoSelfService.seed(app: app, organisation: id, today: today)
                    try await DemoPortal.seed(app: app, organisation: id, today: today)
                }),
                ("Den Haag: programme", { try await DemoProgramme.seed(app: app, organisation: id, today: today) }),
                ("Den Haag: two years of statistics", { try await DemoInsights.seed(app: app, organisation: id, today: today, scale: 1) }),
                ("Den Haag: visitors, digital use, summer reading", {
                    try await DemoInsights.seedSources(app: app, organisation: id, today: today, scale: 1)
                    try await DemoInsights.measurements(app: app, organisation: id, today: today)
                }),
                ("Den Haag: collection", { try await DemoCollection.seed(app: app, organisation: id, today: today, zone: denHaag.zone) }),
                ("Den Haag: districts and research", {
                    try await DemoPlanning.seed(app: app, organisation: id)
                    try await DemoResearch.seed(app: app, organisation: denHaag, today: today)
                    // Last year's report waits to be published; the library filled in its own figures (estimates).
                    try await AnnualReports(app.db, organisationID: id).saveEntered(
                        .init(fte: 182.4, staffPersons: 241, volunteers: 410, incomeEuros: 24_600_000, expensesEuros: 24_350_000,
                              notes: "Demo: geschatte cijfers."), year: today.year - 1)
                }),
            ]
        }
        if let heemstede {
            let id = heemstede.id!
            steps += [
                ("Heemstede: catalogue and members", {
                    try await DemoCatalog.seed(app: app, organisation: id, loc: false, today: today)
                    try await DemoCirculation.seed(app: app, organisation: id, members: 30, cardPrefix: "3000", today: today)
                }),
                ("Heemstede: statistics, collection and research", {
                    try await DemoInsights.seed(app: app, organisation: id, today: today, scale: 0.6)
                    try await DemoInsights.seedSources(app: app, organisation: id, today: today, scale: 0.6)
                    try await DemoInsights.measurements(app: app, organisation: id, today: today)
                    try await DemoCollection.seed(app: app, organisation: id, today: today, zone: heemstede.zone)
                    try await DemoResearch.seedHeemstede(app: app, organisation: heemstede, today: today)
                }),
            ]
        }
        for (index, (name, step)) in steps.enumerated() {
            progress?(Double(index) / Double(steps.count), name)
            try await step()
        }
        progress?(1, "done")
        return true
    }

    /// Creates the demo network (organisations, branches, hours, accounts) unless it exists.
    @discardableResult
    public static func seed(on db: any Database, password hasher: some PasswordHasher, today: LocalDate) async throws -> Bool {
        if try await Organisation.query(on: db).filter(\.$slug == "den-haag").first() != nil { return false }
        let hash = try hasher.hash(password)
        try await WriteGate.transaction(on: db) { tx in
            let denHaag = try await seedDenHaag(on: tx, today: today)
            let heemstede = try await seedHeemstede(on: tx, today: today)
            let spoorwijk = try await Branch.query(on: tx).filter(\.$slug == "buurtbibliotheek-spoorwijk").first()
            let names = ["Anna de Vries", "Mohammed El Amrani", "Joke Verbeek", "Pieter Jansen", "Fatma Yilmaz", "Sanne Bakker", "Ruud Koster"]
            for (index, account) in accounts.enumerated() {
                let org = account.organisation == "den-haag" ? denHaag : heemstede
                let user = StaffUser(organisationID: org, email: account.email, name: names[index], passwordHash: hash,
                                     role: account.role, branchID: account.role == .volunteer ? spoorwijk?.id : nil)
                if account.role == .partner {
                    user.partnerID = try await Partner.query(on: tx).filter(\.$organisation.$id == org).filter(\.$name == DemoProgramme.partnerName).first()?.id
                }
                try await StaffDirectory(tx).save(user)
            }
        }
        return true
    }

    // MARK: Schedules

    static func p(_ day: Weekday, _ opens: String, _ closes: String, _ level: ServiceLevel = .staffed) -> WeeklyPeriod {
        WeeklyPeriod(day, LocalTime(opens)!, LocalTime(closes)!, level)
    }

    static let tueFri: [Weekday] = [.tuesday, .wednesday, .thursday, .friday]

    /// Centrale Bibliotheek: Mon–Fri 10–21, Sat 10–17, Sun 12–17 (suggested
    /// template in the facts' notes); study hall opens with the card from 08:30.
    static let central = WeeklySchedule(periods:
        [Weekday.monday, .tuesday, .wednesday, .thursday, .friday].map { p($0, "10:00", "21:00") }
        + [Weekday.monday, .tuesday, .wednesday, .thursday, .friday, .saturday].map { p($0, "08:30", "10:00", .selfService) }
        + [p(.saturday, "10:00", "17:00"), p(.sunday, "12:00", "17:00")])

    /// Wijkbibliotheek: Mon 13–17 (or closed), Tue–Fri 10–18, Sat from 11:00
    /// or 12:00 (confirmed per branch in autumn 2020) until 17:00.
    static func district(saturdayOpens: String, mondayOpen: Bool = true, selfService: Bool = false) -> WeeklySchedule {
        var periods = tueFri.map { p($0, "10:00", "18:00") } + [p(.saturday, saturdayOpens, "17:00")]
        if mondayOpen { periods.append(p(.monday, "13:00", "17:00")) }
        if selfService {
            // Estimate: extended self-service hours, as more branches offer them.
            periods += Weekday.allCases.map { p($0, "08:00", "22:00", .selfService) }
        }
        return WeeklySchedule(periods: periods)
    }

    /// Buurtbibliotheek: the 2012 policy minimum of 3 days × 3 hours, run by volunteers.
    static let neighbourhood = WeeklySchedule(periods: [
        p(.tuesday, "14:00", "17:00"), p(.thursday, "14:00", "17:00"), p(.saturday, "10:00", "13:00"),
    ])

    /// Heemstede (Plein1): 38.5 staffed hours a week and self-service 08:00–22:00
    /// every day (estimate; the facts found no staffed/self-service split).
    /// Sunday 12:00–16:00 staffed is confirmed from January 2024.
    static let heemstede = WeeklySchedule(periods:
        [p(.monday, "13:00", "17:00")]
        + [Weekday.tuesday, .wednesday, .thursday].map { p($0, "10:00", "17:00") }
        + [p(.friday, "10:00", "15:30"), p(.saturday, "10:00", "14:00"), p(.sunday, "12:00", "16:00")]
        + Weekday.allCases.map { p($0, "08:00", "22:00", .selfService) })

    // MARK: Den Haag

    struct BranchFact {
        let slug: String
        let name: String
        let kind: BranchKind
        let street: String
        let postcode: String
        let neighbourhood: String
        let district: String
        let lat: Double
        let lon: Double
        let schedule: WeeklySchedule
        let studyPlaces: Int
        let computers: Int
        let rooms: [(String, Int)]
        let note: String
    }

    /// Branches of Bibliotheek Den Haag. Streets from the facts (2020 list);
    /// postcode letters are estimates (only the four digits were found);
    /// coordinates are the facts' own estimates.
    static let denHaagBranches: [BranchFact] = [
        BranchFact(slug: "centrale-bibliotheek", name: "Centrale Bibliotheek", kind: .central, street: "Spui 68", postcode: "2511 BT",
                   neighbourhood: "Centrum", district: "Centrum", lat: 52.0777, lon: 4.3150, schedule: central,
                   studyPlaces: 250, computers: 40, rooms: [("Theaterzaal", 120), ("Collegezaal", 60), ("Leslokaal", 16), ("Vergaderruimte", 12)],
                   note: "Ongeveer 1,1 miljoen bezoeken per jaar; sinds 1995 aan het Spui."),
        BranchFact(slug: "segbroek", name: "Bibliotheek Segbroek", kind: .district, street: "Weimarstraat 353", postcode: "2562 HE",
                   neighbourhood: "Regentessekwartier", district: "Segbroek", lat: 52.0745, lon: 4.2895,
                   schedule: district(saturdayOpens: "11:00"), studyPlaces: 40, computers: 10, rooms: [("Activiteitenruimte", 30)], note: ""),
        BranchFact(slug: "schilderswijk", name: "Bibliotheek Schilderswijk", kind: .district, street: "Koningstraat 439", postcode: "2515 AK",
                   neighbourhood: "Schildersbuurt", district: "Centrum", lat: 52.0680, lon: 4.3065,
                   schedule: district(saturdayOpens: "12:00"), studyPlaces: 30, computers: 12, rooms: [("Taalhuisruimte", 14)], note: "Heropend in 2015."),
        BranchFact(slug: "scheveningen", name: "Bibliotheek Scheveningen", kind: .district, street: "Scheveningseweg 333", postcode: "2584 AA",
                   neighbourhood: "Scheveningen", district: "Scheveningen", lat: 52.1020, lon: 4.2830,
                   schedule: district(saturdayOpens: "11:00"), studyPlaces: 36, computers: 8, rooms: [("Zaal", 40)], note: ""),
        BranchFact(slug: "haagse-hout", name: "Bibliotheek Haagse Hout", kind: .district, street: "Theresiastraat 195", postcode: "2593 AG",
                   neighbourhood: "Bezuidenhout", district: "Haagse Hout", lat: 52.0862, lon: 4.3445,
                   schedule: district(saturdayOpens: "12:00"), studyPlaces: 40, computers: 8, rooms: [("Activiteitenruimte", 25)], note: ""),
        BranchFact(slug: "loosduinen", name: "Bibliotheek Loosduinen", kind: .district, street: "Loosduinse Hoofdstraat 555", postcode: "2552 AB",
                   neighbourhood: "Loosduinen", district: "Loosduinen", lat: 52.0570, lon: 4.2560,
                   schedule: district(saturdayOpens: "12:00"), studyPlaces: 28, computers: 8, rooms: [("Zaal", 30)], note: ""),
        BranchFact(slug: "ypenburg", name: "Bibliotheek Ypenburg", kind: .district, street: "Schrabber 8", postcode: "2497 AA",
                   neighbourhood: "Ypenburg", district: "Leidschenveen-Ypenburg", lat: 52.0430, lon: 4.3690,
                   schedule: district(saturdayOpens: "12:00", selfService: true), studyPlaces: 32, computers: 6, rooms: [("Zaal", 24)], note: ""),
        BranchFact(slug: "laak", name: "Bibliotheek Laak", kind: .district, street: "Linnaeusstraat 2", postcode: "2522 GS",
                   neighbourhood: "Laakkwartier en Spoorwijk", district: "Laak", lat: 52.0615, lon: 4.3250,
                   schedule: district(saturdayOpens: "12:00"), studyPlaces: 30, computers: 10, rooms: [("Leslokaal", 16)], note: ""),
        BranchFact(slug: "wateringse-veld", name: "Bibliotheek Wateringse Veld", kind: .district, street: "Laan van Wateringse Veld 468", postcode: "2548 BJ",
                   neighbourhood: "Wateringse Veld", district: "Escamp", lat: 52.0285, lon: 4.3050,
                   schedule: district(saturdayOpens: "12:00", selfService: true), studyPlaces: 40, computers: 8, rooms: [("Zaal", 30)], note: ""),
        BranchFact(slug: "transvaal", name: "Bibliotheek Transvaal", kind: .district, street: "Hobbemaplein 30", postcode: "2526 JH",
                   neighbourhood: "Transvaalkwartier", district: "Centrum", lat: 52.0625, lon: 4.3000,
                   schedule: district(saturdayOpens: "11:00", mondayOpen: false), studyPlaces: 24, computers: 8, rooms: [("Zaal", 20)], note: ""),
        BranchFact(slug: "escamp", name: "Bibliotheek Escamp", kind: .district, street: "Leyweg 813", postcode: "2545 GR",
                   neighbourhood: "Morgenstond", district: "Escamp", lat: 52.0395, lon: 4.2960,
                   schedule: district(saturdayOpens: "11:00"), studyPlaces: 80, computers: 16, rooms: [("Zaal", 60), ("Leslokaal", 16)],
                   note: "Druk bezocht: rond 1000 bezoekers op een woensdagmiddag."),
        BranchFact(slug: "leidschenveen", name: "Bibliotheek Leidschenveen", kind: .district, street: "Brasserskade 12 (schatting)", postcode: "2496 SB",
                   neighbourhood: "Leidschenveen", district: "Leidschenveen-Ypenburg", lat: 52.0720, lon: 4.3990,
                   schedule: district(saturdayOpens: "11:00", mondayOpen: false, selfService: true), studyPlaces: 24, computers: 6, rooms: [], note: ""),
        BranchFact(slug: "nieuw-waldeck", name: "Bibliotheek Nieuw Waldeck", kind: .district, street: "Hengelolaan 10 (schatting)", postcode: "2554 AA",
                   neighbourhood: "Waldeck", district: "Loosduinen", lat: 52.0610, lon: 4.2590,
                   schedule: district(saturdayOpens: "11:00", mondayOpen: false), studyPlaces: 16, computers: 4, rooms: [], note: ""),
        BranchFact(slug: "bouwlust", name: "Bibliotheek Bouwlust", kind: .district, street: "Eekhoornrade 1", postcode: "2544 LA",
                   neighbourhood: "Bouwlust en Vrederust", district: "Escamp", lat: 52.0370, lon: 4.2790,
                   schedule: district(saturdayOpens: "11:00"), studyPlaces: 20, computers: 6, rooms: [("Wijkzaal", 30)],
                   note: "Geopend op 9 februari 2021 in wijkcentrum Bouwlust."),
        // Two temporary places (facts: "initially temporary", "a pop-up for at least three years"): in a partner's
        // building and as a pop-up, not counted as district libraries, as the city counts them ("empty places in
        // Benoordenhout and Moerwijk").
        BranchFact(slug: "benoordenhout", name: "Bibliotheek Benoordenhout", kind: .partnerHosted, street: "Wassenaarseweg 220", postcode: "2596 EC",
                   neighbourhood: "Benoordenhout", district: "Haagse Hout", lat: 52.0990, lon: 4.3340,
                   schedule: district(saturdayOpens: "11:00"), studyPlaces: 20, computers: 4, rooms: [], note: "Tijdelijk in de ANWB Rotonde (sinds 2022)."),
        BranchFact(slug: "moerwijk", name: "Bibliotheek Moerwijk (pop-up)", kind: .outreachPoint, street: "Twickelstraat 120", postcode: "2531 SB",
                   neighbourhood: "Moerwijk", district: "Escamp", lat: 52.0455, lon: 4.3020,
                   schedule: district(saturdayOpens: "12:00", mondayOpen: false), studyPlaces: 12, computers: 4, rooms: [],
                   note: "Pop-upbibliotheek sinds 2021, tijdelijk."),
        BranchFact(slug: "buurtbibliotheek-spoorwijk", name: "Buurtbibliotheek Spoorwijk", kind: .neighbourhood, street: "Hoefkade 1101 (schatting)", postcode: "2526 BZ",
                   neighbourhood: "Laakkwartier en Spoorwijk", district: "Laak", lat: 52.0560, lon: 4.3200,
                   schedule: neighbourhood, studyPlaces: 6, computers: 2, rooms: [], note: "Gerund door vrijwilligers."),
        BranchFact(slug: "buurtbibliotheek-statenkwartier", name: "Buurtbibliotheek Statenkwartier", kind: .neighbourhood, street: "Frederik Hendriklaan 100 (schatting)", postcode: "2582 CB",
                   neighbourhood: "Geuzen- en Statenkwartier", district: "Scheveningen", lat: 52.0900, lon: 4.2850,
                   schedule: neighbourhood, studyPlaces: 4, computers: 1, rooms: [], note: "Gerund door vrijwilligers."),
        BranchFact(slug: "buurtbibliotheek-mariahoeve", name: "Buurtbibliotheek Mariahoeve", kind: .neighbourhood, street: "Kempstraat 2 (schatting)", postcode: "2592 AA",
                   neighbourhood: "Mariahoeve en Marlot", district: "Haagse Hout", lat: 52.0890, lon: 4.3700,
                   schedule: neighbourhood, studyPlaces: 6, computers: 2, rooms: [], note: "In brede buurtschool De Vuurvlinder."),
        BranchFact(slug: "buurtbibliotheek-oostduin", name: "Buurtbibliotheek Oostduin", kind: .partnerHosted, street: "Van Alkemadelaan 1 (schatting)", postcode: "2597 AA",
                   neighbourhood: "Benoordenhout", district: "Haagse Hout", lat: 52.1000, lon: 4.3400,
                   schedule: WeeklySchedule(periods: [p(.monday, "10:00", "12:00"), p(.wednesday, "14:00", "16:00")]),
                   studyPlaces: 0, computers: 0, rooms: [], note: "In woonzorgcentrum Oostduin, voor bewoners en buurt."),
        BranchFact(slug: "biebpunt-duindorp", name: "Biebpunt Duindorp", kind: .outreachPoint, street: "Tesselsestraat 2 (schatting)", postcode: "2583 EA",
                   neighbourhood: "Duindorp", district: "Scheveningen", lat: 52.0950, lon: 4.2660,
                   schedule: WeeklySchedule(periods: [p(.wednesday, "14:00", "16:30"), p(.saturday, "10:30", "12:30")]),
                   studyPlaces: 0, computers: 1, rooms: [], note: "In het buurthuis; boeken lenen en terugbrengen, taalspreekuur."),
        BranchFact(slug: "biebpunt-zuiderpark", name: "Biebpunt Zuiderpark", kind: .outreachPoint, street: "Zuiderparklaan 60 (schatting)", postcode: "2574 HA",
                   neighbourhood: "Zuiderpark", district: "Escamp", lat: 52.0520, lon: 4.2950,
                   schedule: WeeklySchedule(periods: [p(.thursday, "15:00", "17:00")]),
                   studyPlaces: 0, computers: 0, rooms: [], note: "Leespunt in het sportcomplex."),
    ]

    static func seedDenHaag(on db: any Database, today: LocalDate) async throws -> UUID {
        let org = Organisation(slug: "den-haag", name: "Bibliotheek Den Haag", website: "https://www.bibliotheekdenhaag.nl")
        try await org.create(on: db)
        var ids: [String: UUID] = [:]
        for fact in denHaagBranches {
            ids[fact.slug] = try await create(fact, org: try org.requireID(), city: "Den Haag", municipality: "Den Haag", on: db, today: today)
        }
        // Partners housed in branches (national programmes present in many libraries).
        let partners: [(String, String, String, [(String, String)])] = [
            ("Informatiepunt Digitale Overheid", "municipal", "https://www.digitaleoverheid.nl",
             [("centrale-bibliotheek", "Hulp bij DigiD en online formulieren, dinsdag en donderdag 10:00–12:00"),
              ("escamp", "Spreekuur digitale overheid, woensdag 13:00–15:00")]),
            ("Het Juridisch Loket", "social", "https://www.juridischloket.nl",
             [("centrale-bibliotheek", "Gratis juridisch advies, maandag 14:00–16:00")]),
            ("Taalhuis Den Haag", "educational", "",
             [("schilderswijk", "Taalcafé en intake voor taalcursussen"), ("laak", "Oefenen met Nederlands, vrijdagochtend")]),
            ("SeniorWeb", "social", "https://www.seniorweb.nl",
             [("haagse-hout", "Computerhulp voor senioren, eerste maandag van de maand")]),
        ]
        for (name, kind, website, links) in partners {
            let partner = Partner(organisationID: try org.requireID(), name: name, kind: kind, website: website)
            try await partner.create(on: db)
            for (slug, role) in links {
                try await BranchPartner(branchID: ids[slug]!, partnerID: partner.id!, role: role).create(on: db)
            }
        }
        // Special days: a late study night at the central library and a maintenance closure.
        let studyNight = today.adding(days: 12)
        try await BranchDirectory(db).addException(to: ids["centrale-bibliotheek"]!, CalendarException(
            startDate: studyNight, reason: "Lange studienacht",
            periods: [DayPeriod(opens: LocalTime("10:00")!, closes: LocalTime("23:30")!, level: .staffed)]))
        let maintenance = today.adding(days: 20)
        try await BranchDirectory(db).addException(to: ids["laak"]!, CalendarException(
            startDate: maintenance, endDate: maintenance.adding(days: 1), reason: "Gesloten wegens onderhoud"))
        return try org.requireID()
    }

    // MARK: Heemstede

    /// A small-town organisation built on the Heemstede facts (Plein1,
    /// Julianaplein 1). Demo simplification: in reality Heemstede, Bennebroek
    /// and Vogelenzang are branches of Bibliotheek Zuid-Kennemerland.
    static func seedHeemstede(on db: any Database, today: LocalDate) async throws -> UUID {
        let org = Organisation(slug: "heemstede", name: "Bibliotheek Heemstede")
        try await org.create(on: db)
        let main = BranchFact(slug: "plein1", name: "Bibliotheek Heemstede (Plein1)", kind: .central, street: "Julianaplein 1",
                              postcode: "2101 AA", neighbourhood: "Centrum", district: "", lat: 52.3555, lon: 4.6215, schedule: heemstede,
                              studyPlaces: 48, computers: 8, rooms: [("Zaal Plein1", 80), ("Studiecabine", 4)],
                              note: "In cultureel centrum Plein1, met café Binnenste Buiten. Selfservice van 08:00 tot 22:00.")
        let mainID = try await create(main, org: try org.requireID(), city: "Heemstede", municipality: "Heemstede", on: db, today: today)
        // The summer timetable: closed on Fridays, like summer 2023 (confirmed), for the coming summer.
        let summerYear = today.month >= 9 ? today.year + 1 : today.year
        var summer = heemstede
        summer.name = "Zomerrooster"
        summer.validFrom = LocalDate(year: summerYear, month: 7, day: 18)
        summer.validUntil = LocalDate(year: summerYear, month: 8, day: 30)
        summer.periods.removeAll { $0.weekday == .friday && $0.level == .staffed }
        try await BranchDirectory(db).replaceSchedules(of: mainID, with: [heemstede, summer])

        let bennebroek = BranchFact(slug: "bennebroek", name: "Biebpunt Bennebroek", kind: .outreachPoint,
                                    street: "Bennebroekerlaan 5 (schatting; voormalige Franciscusschool)", postcode: "2121 GP",
                                    neighbourhood: "Bennebroek", district: "", lat: 52.3200, lon: 4.5980,
                                    schedule: WeeklySchedule(periods: [p(.wednesday, "14:00", "17:00"), p(.saturday, "10:00", "12:00")]),
                                    studyPlaces: 4, computers: 1, rooms: [], note: "Klein uitleenpunt.")
        _ = try await create(bennebroek, org: try org.requireID(), city: "Bennebroek", municipality: "Bloemendaal", on: db, today: today)
        let vogelenzang = BranchFact(slug: "vogelenzang", name: "Bibliotheek op school Vogelenzang", kind: .partnerHosted,
                                     street: "Vogelenzangseweg 1 (schatting; in de basisschool)", postcode: "2114 AA",
                                     neighbourhood: "Vogelenzang", district: "", lat: 52.3230, lon: 4.5690,
                                     schedule: WeeklySchedule(periods: [p(.tuesday, "15:00", "17:00"), p(.thursday, "15:00", "17:00")]),
                                     studyPlaces: 0, computers: 0, rooms: [], note: "In de basisschool; na schooltijd open voor de buurt.")
        _ = try await create(vogelenzang, org: try org.requireID(), city: "Vogelenzang", municipality: "Bloemendaal", on: db, today: today)
        return try org.requireID()
    }

    // MARK: Helpers

    static func create(_ fact: BranchFact, org: UUID, city: String, municipality: String, on db: any Database, today: LocalDate) async throws -> UUID {
        let branch = Branch(organisationID: org, slug: fact.slug, name: fact.name, kind: fact.kind, street: fact.street,
                            postcode: fact.postcode, city: city, municipality: municipality, neighbourhood: fact.neighbourhood,
                            district: fact.district, latitude: fact.lat, longitude: fact.lon,
                            phone: "", email: "",
                            descriptionNL: fact.note, descriptionEN: "",
                            selfService: SelfServiceConditions(minimumAge: 16, minimumMembershipDays: 90, requiresTermsAccepted: true))
        let directory = BranchDirectory(db)
        try await directory.save(branch)
        let id = branch.id!
        try await directory.replaceSchedules(of: id, with: [fact.schedule])
        for year in [today.year, today.year + 1] {
            for exception in DutchHolidays.exceptions(in: year, for: fact.schedule) where exception.endDate >= today.adding(days: -7) {
                try await directory.addException(to: id, exception)
            }
        }
        var spaces: [Space] = fact.rooms.map { room in
            let space = Space(branchID: id, kind: .room, name: room.0, capacity: room.1, bookable: true)
            // Estimates: what such rooms usually offer.
            space.facilityList = ["Theaterzaal": ["podium", "beamer", "geluidsinstallatie", "ringleiding"], "Collegezaal": ["beamer", "ringleiding"],
                                  "Leslokaal": ["16 laptops", "digibord"]][room.0] ?? ["beamer", "whiteboard"]
            return space
        }
        if fact.studyPlaces > 0 {
            spaces.append(Space(branchID: id, kind: .studyArea, name: "Studieplekken", capacity: fact.studyPlaces, bookable: fact.studyPlaces >= 20))
        }
        if fact.computers > 0 {
            spaces.append(Space(branchID: id, kind: .computers, name: "Publieke computers", capacity: fact.computers, bookable: false))
        }
        for space in spaces { try await directory.save(space) }
        return id
    }
}
