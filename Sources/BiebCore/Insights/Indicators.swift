import Foundation

/// How an indicator's value is worked out on a day. Every flow counts the
/// 365 days up to and including the day (a moving year, so a measurement at
/// the start and at the end of a year compares two whole years of use and
/// no season weighs twice); a stock is the census at the end of the day.
public indirect enum IndicatorFormula: Sendable, Equatable {
    /// The sum of facts of these kinds over the moving year, optionally of one audience ("youth", "adult"), core function
    /// or of some modes only (a digital resource's metrics).
    case flow(Set<FactKind>, audience: String? = nil, coreFunction: CoreFunction? = nil, modes: Set<String>? = nil)
    /// The census on the day: members or copies (`measure`), optionally of one audience and parts of the collection.
    case stock(measure: String, audience: String? = nil, segments: Set<String>? = nil)
    /// Distinct members with a loan, renewal or return from 1 January through the day (the pseudonyms of one calendar year).
    case activeMembers(youth: Bool)
    /// One value divided by another (nil when the divisor is 0).
    case ratio(IndicatorFormula, IndicatorFormula)
    /// A figure of customer research's answers over the moving year.
    case research(ResearchMeasure)
}

/// What customer research gives the effect measurement.
public enum ResearchMeasure: String, Sendable, Equatable {
    /// The Net Promoter Score of every answer to the standard question `nps` (nil under five answers).
    case nps
    /// Of the answers to the standard question `learned_something` after an activity, the share saying yes or a little.
    case learnedSomething = "learned_something"
}

/// The unit an indicator is shown in.
public enum IndicatorUnit: String, Sendable, Codable {
    /// A whole number.
    case count
    /// A ratio with two decimals ("1.84 loans per copy").
    case ratio
    /// A share shown as a whole percentage (0.64 is "64%").
    case percent
}

/// An indicator of the catalogue: what it is called, what it means written
/// out, and how it is worked out. The catalogue is the one source of the
/// definitions the pages, the API and every frozen snapshot show.
public struct Indicator: Sendable, Identifiable, Equatable {
    public let id: String
    public let nameNL: String
    public let nameEN: String
    public let definitionNL: String
    public let definitionEN: String
    public let unit: IndicatorUnit
    public let formula: IndicatorFormula

    public func name(english: Bool) -> String { english ? nameEN : nameNL }
    public func definition(english: Bool) -> String { english ? definitionEN : definitionNL }
}

extension Indicator {
    static let year = (nl: "in de 365 dagen tot en met de meetdag", en: "in the 365 days up to and including the day of measurement")
    static let youthCopies: Set<String> = [CollectionSegment.youthFiction.rawValue, CollectionSegment.youthNonFiction.rawValue]

    /// The catalogue, in the order pages list it.
    public static let catalogue: [Indicator] = [
        Indicator(id: "loans", nameNL: "Uitleningen", nameEN: "Loans",
                  definitionNL: "Uitleningen (eerste uitlening van een exemplaar; verlengingen tellen niet mee) \(year.nl).",
                  definitionEN: "Loans (the first checkout of a copy; renewals are not counted) \(year.en).",
                  unit: .count, formula: .flow([.loan])),
        Indicator(id: "youth_loans", nameNL: "Uitleningen aan jeugd", nameEN: "Loans to youth",
                  definitionNL: "Uitleningen aan leden die op de dag van uitlenen jonger dan 18 waren, \(year.nl).",
                  definitionEN: "Loans to members under 18 on the day of the loan, \(year.en).",
                  unit: .count, formula: .flow([.loan], audience: "youth")),
        Indicator(id: "youth_loans_per_youth_copy", nameNL: "Jeugduitleningen per jeugdexemplaar", nameEN: "Youth loans per youth copy",
                  definitionNL: "Uitleningen aan leden jonger dan 18 \(year.nl), gedeeld door het aantal exemplaren van de jeugdcollectie (jeugdfictie en -non-fictie, zonder verloren, vermiste en afgeschreven exemplaren) aan het eind van de meetdag.",
                  definitionEN: "Loans to members under 18 \(year.en), divided by the copies of the youth collection (youth fiction and non-fiction, without lost, missing and withdrawn copies) at the end of the day of measurement.",
                  unit: .ratio, formula: .ratio(.flow([.loan], audience: "youth"), .stock(measure: "copies", segments: youthCopies))),
        Indicator(id: "loans_per_copy", nameNL: "Uitleningen per exemplaar (omloopsnelheid)", nameEN: "Loans per copy (turnover)",
                  definitionNL: "Uitleningen \(year.nl), gedeeld door het aantal exemplaren in de collectie aan het eind van de meetdag.",
                  definitionEN: "Loans \(year.en), divided by the copies in the collection at the end of the day of measurement.",
                  unit: .ratio, formula: .ratio(.flow([.loan]), .stock(measure: "copies"))),
        Indicator(id: "members", nameNL: "Leden", nameEN: "Members",
                  definitionNL: "Personen met een lidmaatschap dat op de meetdag loopt (ook als de pas geblokkeerd is), geteld aan het eind van de dag.",
                  definitionEN: "People with a membership running on the day of measurement (blocked cards included), counted at the end of the day.",
                  unit: .count, formula: .stock(measure: "members")),
        Indicator(id: "youth_members", nameNL: "Jeugdleden", nameEN: "Youth members",
                  definitionNL: "Leden die op de meetdag jonger dan 18 zijn, met een lidmaatschap dat op die dag loopt.",
                  definitionEN: "Members under 18 on the day of measurement whose membership runs on that day.",
                  unit: .count, formula: .stock(measure: "members", audience: "youth")),
        Indicator(id: "active_youth_members", nameNL: "Actieve jeugdleden", nameEN: "Active youth members",
                  definitionNL: "Verschillende leden jonger dan 18 die van 1 januari tot en met de meetdag iets leenden, verlengden of terugbrachten (geteld met het pseudoniem van dat kalenderjaar, niet met wie het waren).",
                  definitionEN: "Different members under 18 who borrowed, renewed or returned something from 1 January through the day of measurement (counted with that calendar year's pseudonym, never who they were).",
                  unit: .count, formula: .activeMembers(youth: true)),
        Indicator(id: "active_members", nameNL: "Actieve leden", nameEN: "Active members",
                  definitionNL: "Verschillende leden die van 1 januari tot en met de meetdag iets leenden, verlengden of terugbrachten.",
                  definitionEN: "Different members who borrowed, renewed or returned something from 1 January through the day of measurement.",
                  unit: .count, formula: .activeMembers(youth: false)),
        Indicator(id: "new_members", nameNL: "Nieuwe leden", nameEN: "New members",
                  definitionNL: "Leden die zich inschreven (aan de balie of online) \(year.nl).",
                  definitionEN: "Members who joined (at the desk or online) \(year.en).",
                  unit: .count, formula: .flow([.memberJoined])),
        Indicator(id: "new_youth_members", nameNL: "Nieuwe jeugdleden", nameEN: "New youth members",
                  definitionNL: "Leden jonger dan 18 die zich inschreven \(year.nl).",
                  definitionEN: "Members under 18 who joined \(year.en).",
                  unit: .count, formula: .flow([.memberJoined], audience: "youth")),
        Indicator(id: "visits", nameNL: "Bezoeken", nameEN: "Visits",
                  definitionNL: "Bezoekers door de ingang volgens de bezoekerstellers (geteld of geschat) en de tellingen van medewerkers \(year.nl).",
                  definitionEN: "Visitors through the entrance by the people counters (counted or estimated) and staff's counts \(year.en).",
                  unit: .count, formula: .flow([.visitorCount])),
        Indicator(id: "door_entries", nameNL: "Binnenkomsten met de pas", nameEN: "Entries with the card",
                  definitionNL: "Keren dat een lid met de pas binnenkwam in de selfservice-uren (SIP2-deur of de deur-API) \(year.nl).",
                  definitionEN: "Times a member came in with their card in self-service hours (SIP2 door or the door API) \(year.en).",
                  unit: .count, formula: .flow([.visit])),
        Indicator(id: "activities", nameNL: "Activiteiten (bijeenkomsten)", nameEN: "Activities (sessions)",
                  definitionNL: "Bijeenkomsten van gepubliceerde activiteiten die plaatsvonden \(year.nl); een cursus van zes keer telt zes keer.",
                  definitionEN: "Sessions of published activities that took place \(year.en); a course of six sessions counts six.",
                  unit: .count, formula: .flow([.activitySession])),
        Indicator(id: "participants", nameNL: "Deelnemers aan activiteiten", nameEN: "Activity participants",
                  definitionNL: "Deelnemers per bijeenkomst \(year.nl): aangemelde plaatsen die zijn ingecheckt, of de telling van medewerkers waar niemand zich aanmeldt.",
                  definitionEN: "Participants per session \(year.en): registered places checked in, or staff's head count where nobody registers.",
                  unit: .count, formula: .flow([.activityParticipant])),
        Indicator(id: "digital_use", nameNL: "Digitaal gebruik", nameEN: "Digital use",
                  definitionNL: "Keren dat digitale bronnen werden gebruikt \(year.nl), volgens de maandrapporten van de aanbieders: bij COUNTER Release 5 de meting Total_Item_Requests (een artikel, hoofdstuk, krant of nummer helemaal geopend of gedownload; zoeken en bekijken van samenvattingen telt niet), bij aanbieders zonder COUNTER hun eigen telling ‘gebruik’. Een maand telt op de laatste dag van die maand.",
                  definitionEN: "Times digital resources were used \(year.en), by the providers' monthly reports: for COUNTER Release 5 the metric Total_Item_Requests (an article, chapter, newspaper or track opened in full or downloaded; searches and abstracts viewed do not count), for providers without COUNTER their own count of ‘uses’. A month counts on its last day.",
                  unit: .count, formula: .flow([.digitalUse], modes: DigitalUseMetric.uses)),
        Indicator(id: "study_place_occupancy", nameNL: "Bezetting studieplekken", nameEN: "Study place occupancy",
                  definitionNL: "Bezette studieplekken bij de tellingen van medewerkers \(year.nl), gedeeld door het aantal studieplekken bij die tellingen: de gemiddelde bezetting op de getelde momenten.",
                  definitionEN: "Study places found occupied at staff's counts \(year.en), divided by the study places there were at those counts: the average occupancy at the moments counted.",
                  unit: .percent, formula: .ratio(.flow([.studyOccupied]), .flow([.studyPlacesCounted]))),
        Indicator(id: "study_bookings", nameNL: "Geboekte studieplekken", nameEN: "Study places booked",
                  definitionNL: "Bevestigde boekingen van studieplekken die plaatsvonden \(year.nl) (geannuleerde en verlopen boekingen tellen niet).",
                  definitionEN: "Confirmed bookings of study places that took place \(year.en) (cancelled and lapsed bookings do not count).",
                  unit: .count, formula: .flow([.studyBooking])),
        Indicator(id: "consultation_appointments", nameNL: "Afspraken op spreekuren", nameEN: "Consultation appointments",
                  definitionNL: "Afspraken op spreekuren van partners die plaatsvonden \(year.nl); wie zonder afspraak binnenliep is niet bekend.",
                  definitionEN: "Appointments at partners' consultation hours that took place \(year.en); people who walked in without one are not known.",
                  unit: .count, formula: .flow([.consultationAppointment])),
        Indicator(id: "catalogue_searches", nameNL: "Zoekvragen in de catalogus", nameEN: "Catalogue searches",
                  definitionNL: "Zoekopdrachten in de catalogus op de website en via de API \(year.nl); alleen het aantal, niet wat of wie.",
                  definitionEN: "Searches of the catalogue on the website and through the API \(year.en); the number only, never what or who.",
                  unit: .count, formula: .flow([.catalogueSearch])),
        Indicator(id: "research_nps", nameNL: "Net Promoter Score (klantonderzoek)", nameEN: "Net Promoter Score (customer research)",
                  definitionNL: "Van alle antwoorden op de standaardvraag ‘Hoe waarschijnlijk is het dat u de bibliotheek aanbeveelt?’ (0–10) \(year.nl), in elke enquête (panel, na een activiteit, in de vestiging): het percentage promotors (9–10) min het percentage criticasters (0–6), van −100 tot 100. Voor een vestiging: de antwoorden over die vestiging (van panelleden met die vestiging, na een activiteit daar, of via de link in de vestiging). Onder de 5 antwoorden geen waarde.",
                  definitionEN: "Of every answer to the standard question ‘How likely is it that you would recommend the library?’ (0–10) \(year.en), in any survey (panel, after an activity, in the branch): the percentage of promoters (9–10) minus the percentage of detractors (0–6), from −100 to 100. For a branch: the answers about that branch (panel members of that branch, after an activity there, or through the branch's link). No value under 5 answers.",
                  unit: .count, formula: .research(.nps)),
        Indicator(id: "research_learned_something", nameNL: "Deelnemers die iets leerden", nameEN: "Participants who learned something",
                  definitionNL: "Van de antwoorden op de standaardvraag ‘Heeft u iets geleerd dat u kunt gebruiken?’ in enquêtes na een activiteit \(year.nl): het deel dat ‘ja’ of ‘een beetje’ zegt. Onder de 5 antwoorden geen waarde.",
                  definitionEN: "Of the answers to the standard question ‘Did you learn something you can use?’ in surveys after an activity \(year.en): the share saying ‘yes’ or ‘a little’. No value under 5 answers.",
                  unit: .percent, formula: .research(.learnedSomething)),
    ] + CoreFunction.allCases.map { function in
        Indicator(id: "participants_\(function.rawValue)", nameNL: "Deelnemers: \(function.nameNL.lowercased())",
                  nameEN: "Participants: \(function.nameEN.lowercased())",
                  definitionNL: "Deelnemers aan activiteiten met de kernfunctie ‘\(function.nameNL.lowercased())’ \(year.nl), geteld als bij ‘Deelnemers aan activiteiten’.",
                  definitionEN: "Participants in activities with the core function ‘\(function.nameEN.lowercased())’ \(year.en), counted as for ‘Activity participants’.",
                  unit: .count, formula: .flow([.activityParticipant], coreFunction: function))
    }

    /// The indicator with this id.
    public static func named(_ id: String) -> Indicator? { catalogue.first { $0.id == id } }
}

extension CoreFunction {
    /// The name as the annual statistics use it (Dutch: the law's wording, short).
    public var nameNL: String {
        switch self {
        case .knowledge: "Kennis en informatie"
        case .development: "Ontwikkeling en educatie"
        case .reading: "Lezen en literatuur"
        case .meeting: "Ontmoeting en debat"
        case .culture: "Kunst en cultuur"
        }
    }

    public var nameEN: String {
        switch self {
        case .knowledge: "Knowledge and information"
        case .development: "Development and education"
        case .reading: "Reading and literature"
        case .meeting: "Meeting and debate"
        case .culture: "Art and culture"
        }
    }

    public func name(english: Bool) -> String { english ? nameEN : nameNL }
}

/// The outcome of a measurement: the change from its start to its end and
/// whether the target is met (the target is reached when the end value is
/// at least the target; an indicator where less is better is not in the
/// catalogue).
public struct MeasurementOutcome: Sendable, Equatable {
    public let change: Double?
    /// The change as a share of the start value (0.12 for +12 %); nil when the start is 0 or missing.
    public let relativeChange: Double?
    public let targetMet: Bool?

    public init(start: Double?, end: Double?, target: Double?) {
        if let start, let end {
            change = end - start
            relativeChange = start == 0 ? nil : (end - start) / start
        } else {
            change = nil
            relativeChange = nil
        }
        targetMet = target.flatMap { target in end.map { $0 >= target } }
    }
}
