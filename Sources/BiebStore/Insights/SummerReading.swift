import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Reading programmes (summer reading): activities of the kind
/// `reading_programme` that children sign up for. The day after a
/// programme's last session, each place registered becomes a
/// `reading_participant` fact and each place checked in at the last
/// session (where the reading passports are handed in) a `reading_finisher`
/// fact — with the member's pseudonym of that year (`subject`) and age
/// band, never who. `insight_programmes` makes it once.
///
/// What the programme did to borrowing is then read from the pseudonymous
/// facts alone: the loans of participants (and of finishers) in June
/// against July–August, per participant and per week, next to all youth
/// members' loans as the comparison (the summer dip). A year that closes
/// keeps these numbers as totals before its pseudonyms are erased, so this
/// year can be set against last year.
public struct SummerReading: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// The kind of activity (`programme_terms`, vocabulary "kind") that marks a reading programme.
    public static let kind = "reading_programme"

    /// A year's reading programmes in numbers.
    public struct Figures: Sendable, Equatable, Codable {
        /// Places registered, and checked in at the last session.
        public var participants = 0
        public var finishers = 0
        /// Participants and finishers who are members (their borrowing can be followed).
        public var memberParticipants = 0
        public var memberFinishers = 0
        /// Their loans in June and in July–August.
        public var juneLoans = 0
        public var summerLoans = 0
        public var finisherJuneLoans = 0
        public var finisherSummerLoans = 0
        /// All youth loans in June and in July–August, and the youth members on 1 June (the comparison).
        public var youthJuneLoans = 0
        public var youthSummerLoans = 0
        public var youthMembers: Int?

        public init() {}

        /// Loans per person per week in June (30 days) and July–August (62 days); nil without people.
        public static func weekly(_ loans: Int, people: Int, days: Int) -> Double? {
            people == 0 ? nil : Double(loans) / Double(people) / (Double(days) / 7)
        }
    }

    /// The totals a closed year keeps, by name (`insight_year_totals`).
    static let totalNames: [(String, WritableKeyPath<Figures, Int>)] = [
        ("reading_member_participants", \.memberParticipants), ("reading_member_finishers", \.memberFinishers),
        ("reading_june_loans", \.juneLoans), ("reading_summer_loans", \.summerLoans),
        ("reading_finisher_june_loans", \.finisherJuneLoans), ("reading_finisher_summer_loans", \.finisherSummerLoans),
    ]

    /// The year's figures: from the pseudonyms while the year is open, from its totals once it is closed.
    public func figures(year: Int) async throws -> Figures {
        var figures = Figures()
        let rollups = InsightRollups(db, organisationID: organisationID)
        let (january, december) = (LocalDate(year: year, month: 1, day: 1)!, LocalDate(year: year, month: 12, day: 31)!)
        figures.participants = try await rollups.total([.readingParticipant], from: january, through: december)
        figures.finishers = try await rollups.total([.readingFinisher], from: january, through: december)
        let (june, july, august) = (LocalDate(year: year, month: 6, day: 1)!, LocalDate(year: year, month: 7, day: 1)!, LocalDate(year: year, month: 8, day: 31)!)
        figures.youthJuneLoans = try await rollups.total([.loan], from: june, through: june.adding(days: 29), audience: "youth")
        figures.youthSummerLoans = try await rollups.total([.loan], from: july, through: august, audience: "youth")
        figures.youthMembers = try await InsightCensus(db, organisationID: organisationID).value(.members, on: june, branch: nil, audience: "youth")?.value
        let years = InsightYears(db, organisationID: organisationID)
        if try await years.isClosed(year) {
            let totals = try await years.totals(year)
            for (name, path) in Self.totalNames { figures[keyPath: path] = totals[name] ?? 0 }
        } else {
            let followed = try await Self.followed(year: year, organisation: organisationID, on: sql)
            for (name, path) in Self.totalNames { figures[keyPath: path] = followed[name] ?? 0 }
        }
        return figures
    }

    /// The numbers that need the year's pseudonyms: members among participants and finishers, and their loans in June
    /// and July–August (by name as in `totalNames`).
    static func followed(year: Int, organisation: UUID, on sql: any SQLDatabase) async throws -> [String: Int] {
        let (from, through) = ("\(year)-01-01", "\(year)-12-31")
        var result: [String: Int] = [:]
        for (kind, prefix) in [(FactKind.readingParticipant, "reading"), (.readingFinisher, "reading_finisher")] {
            let people = try await sql.raw("""
                SELECT COUNT(DISTINCT subject) AS n FROM insight_facts
                WHERE organisation_id = \(bind: organisation) AND kind = \(bind: kind.rawValue) AND day >= \(bind: from) AND day <= \(bind: through)
                  AND subject IS NOT NULL
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            result[kind == .readingParticipant ? "reading_member_participants" : "reading_member_finishers"] = people
            let loans = try await sql.raw("""
                SELECT CAST(COALESCE(SUM(CASE WHEN l.day <= \(bind: "\(year)-06-30") THEN l.quantity ELSE 0 END), 0) AS BIGINT) AS june,
                       CAST(COALESCE(SUM(CASE WHEN l.day >= \(bind: "\(year)-07-01") THEN l.quantity ELSE 0 END), 0) AS BIGINT) AS summer
                FROM insight_facts l
                WHERE l.organisation_id = \(bind: organisation) AND l.kind = \(bind: FactKind.loan.rawValue)
                  AND l.day >= \(bind: "\(year)-06-01") AND l.day <= \(bind: "\(year)-08-31")
                  AND l.subject IN (SELECT p.subject FROM insight_facts p WHERE p.organisation_id = \(bind: organisation) AND p.kind = \(bind: kind.rawValue)
                                    AND p.day >= \(bind: from) AND p.day <= \(bind: through) AND p.subject IS NOT NULL)
                """).first()
            result["\(prefix)_june_loans"] = try loans?.decode(column: "june", as: Int.self) ?? 0
            result["\(prefix)_summer_loans"] = try loans?.decode(column: "summer", as: Int.self) ?? 0
        }
        return result
    }
}

extension InsightFacts {
    /// Reading programmes whose last session ended before `before` and were not counted yet become participant and
    /// finisher facts; returns how many facts.
    func ingestProgrammes(before: Date, timeZone: TimeZone, now: Date) async throws -> Int {
        let programmes = try await sql.raw("""
            SELECT a.id, a.branch_id, MAX(s.ends_at) AS ended FROM activities a JOIN activity_sessions s ON s.activity_id = a.id
            WHERE a.organisation_id = \(bind: organisationID) AND a.status = 'published' AND a.kind = \(bind: SummerReading.kind)
              AND NOT EXISTS (SELECT 1 FROM insight_programmes d WHERE d.activity_id = a.id)
            GROUP BY a.id, a.branch_id
            """).all()
        var added = 0
        for programme in programmes {
            guard try programme.decode(column: "ended", as: Date.self) < before else { continue }
            let activity = try programme.decode(column: "id", as: UUID.self)
            let branch = try programme.decode(column: "branch_id", as: UUID.self)
            guard let last = try await sql.raw("""
                SELECT id, starts_at FROM activity_sessions WHERE activity_id = \(bind: activity) ORDER BY starts_at DESC, id DESC LIMIT 1
                """).first() else { continue }
            let lastSession = try last.decode(column: "id", as: Int.self)
            let day = LocalDate(try last.decode(column: "starts_at", as: Date.self), in: timeZone)
            let key = try await InsightYears(db, organisationID: organisationID).key(year: day.year, now: now)
            var facts: [Fact] = []
            for row in try await sql.raw("""
                SELECT r.member_id, r.places, m.birth_date,
                       (SELECT COUNT(*) FROM attendance t WHERE t.registration_id = r.id AND t.session_id = \(bind: lastSession)) AS finished
                FROM registrations r LEFT JOIN members m ON m.id = r.member_id
                WHERE r.activity_id = \(bind: activity) AND r.status = 'registered'
                """).all() {
                let member = try row.decode(column: "member_id", as: UUID?.self)
                let band = try row.decode(column: "birth_date", as: String?.self).flatMap(LocalDate.init(iso:))
                    .map { SelfServiceAccess.ageBand(birthDate: $0, on: day) }
                let subject = member.flatMap { member in key.map { InsightYears.subject(of: member, key: $0) } }
                let participant = Fact(day: day, branch: branch, kind: .readingParticipant, ageBand: band, subject: subject,
                                       audience: band.map { AgeBands.youth.contains($0) ? "youth" : "adult" },
                                       quantity: try row.decode(column: "places", as: Int.self))
                facts.append(participant)
                if try row.decode(column: "finished", as: Int.self) > 0 {
                    var finisher = participant
                    finisher.kind = .readingFinisher
                    facts.append(finisher)
                }
            }
            let organisationID = organisationID
            let batch = facts
            let counted = try await WriteGate.transaction(on: db) { tx -> Bool in
                // Once: only the server that records the programme writes its facts.
                guard try await tx.sql.raw("""
                    INSERT INTO insight_programmes (activity_id, organisation_id) VALUES (\(bind: activity), \(bind: organisationID))
                    ON CONFLICT (activity_id) DO NOTHING RETURNING activity_id
                    """).first() != nil else { return false }
                try await Fact.insert(batch, organisation: organisationID, on: tx.sql)
                try await InsightRollups.markDirty([day], organisation: organisationID, on: tx.sql)
                return true
            }
            if counted { added += facts.count }
        }
        return added
    }
}

struct CreateInsightProgrammes: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("insight_programmes")
            .field("activity_id", .uuid, .required)
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .unique(on: "activity_id")
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema("insight_programmes").delete()
    }
}
