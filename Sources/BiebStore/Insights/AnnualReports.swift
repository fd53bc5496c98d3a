import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A year's figures for the national library statistics and the
/// municipality, for the organisation or one branch: members, collection
/// and loans by part of the collection, visits per location (counted or
/// estimated), activities and participants per core function and form,
/// weekly opening hours per location, the services beyond them (digital
/// use, searches, study places, consultation hours, reading programmes),
/// and what staff fill in. Numbers are
/// exact here; everything that shows or exports them goes through
/// `SmallCells`.
public struct AnnualReport: Codable, Sendable, Equatable {
    public struct Members: Codable, Sendable, Equatable {
        /// Members on 31 December (or on the latest census before it), under 18 on that day and 18 or older.
        public var youth: Int
        public var adult: Int
        public var newYouth: Int
        public var newAdult: Int
        /// Memberships that ran out without renewal.
        public var ended: Int
        /// The census the members were counted in; nil: none yet.
        public var censusDay: LocalDate?
    }

    public struct SegmentLine: Codable, Sendable, Equatable {
        /// `CollectionSegment`'s raw value.
        public var segment: String
        public var copies: Int
        public var loans: Int
    }

    public struct ActivityLine: Codable, Sendable, Equatable {
        /// `CoreFunction`'s and `ActivityPresence`'s raw values.
        public var coreFunction: String
        public var presence: String
        public var sessions: Int
        public var participants: Int
    }

    public struct BranchLine: Codable, Sendable, Equatable {
        public var id: UUID
        public var name: String
        /// `BranchKind`'s raw value.
        public var kind: String
        public var membersYouth: Int
        public var membersAdult: Int
        public var loans: Int
        /// People through the entrance (people counters and staff's counts).
        public var visits: Int
        /// "counted" (every day counted), "estimated" (some days estimated) or "none" (no count).
        public var visitsMethod: String
        /// Entries with the card in self-service hours.
        public var doorEntries: Int
        public var sessions: Int
        public var participants: Int
        public var hours: WeeklyHours
    }

    /// Services beyond lending and activities. Digital use and catalogue searches belong to the organisation (nobody
    /// uses a newspaper platform at a branch), so a branch's report has none.
    public struct Services: Codable, Sendable, Equatable {
        /// Uses per platform (`DigitalUseMetric`: COUNTER Total_Item_Requests, or a plain report's uses).
        public var digitalUses: [String: Int] = [:]
        public var catalogueSearches = 0
        public var studyBookings = 0
        /// Occupied places and the places there were at staff's head counts (occupancy: the one divided by the other).
        public var studyOccupied = 0
        public var studyPlacesCounted = 0
        public var consultationHours = 0
        public var consultationAppointments = 0
        /// Reading programmes (summer reading): places registered, and checked in at the last session.
        public var readingParticipants = 0
        public var readingFinishers = 0

        public init() {}
    }

    /// What staff fill in: staff, volunteers, money (whole euros) and a note.
    public struct Entered: Codable, Sendable, Equatable {
        public var fte: Double?
        public var staffPersons: Int?
        public var volunteers: Int?
        public var incomeEuros: Int?
        public var expensesEuros: Int?
        public var notes: String

        public init(fte: Double? = nil, staffPersons: Int? = nil, volunteers: Int? = nil, incomeEuros: Int? = nil, expensesEuros: Int? = nil,
                    notes: String = "") {
            (self.fte, self.staffPersons, self.volunteers, self.incomeEuros, self.expensesEuros, self.notes) =
                (fte, staffPersons, volunteers, incomeEuros, expensesEuros, notes)
        }

        /// Refused: negative numbers, more than 100,000 FTE or people, amounts over a billion, a note over 4,000 characters.
        public func check() throws {
            if let fte, !(fte.isFinite && (0...100_000).contains(fte)) { throw BiebError.invalid("fte", "Give a number from 0 to 100000.", nl: "Geef een getal van 0 tot en met 100000.") }
            for (field, value) in [("staff_persons", staffPersons), ("volunteers", volunteers)] {
                if let value, !(0...100_000).contains(value) { throw BiebError.invalid(field, "Give a number from 0 to 100000.", nl: "Geef een getal van 0 tot en met 100000.") }
            }
            for (field, value) in [("income_euros", incomeEuros), ("expenses_euros", expensesEuros)] {
                if let value, !(0...1_000_000_000).contains(value) {
                    throw BiebError.invalid(field, "Give an amount in whole euros from 0 to 1000000000.", nl: "Geef een bedrag in hele euro's van 0 tot en met 1000000000.")
                }
            }
            if notes.count > 4_000 { throw BiebError.invalid("notes", "At most 4000 characters.", nl: "Hoogstens 4000 tekens.") }
        }
    }

    public var year: Int
    /// The branch the report is of; nil: the organisation.
    public var branchID: UUID?
    public var members: Members
    public var collection: [SegmentLine]
    public var renewals: Int
    /// Every core function × form, in `CoreFunction` and `ActivityPresence` order (zeros included).
    public var activities: [ActivityLine]
    public var branches: [BranchLine]
    /// Nil in reports published before it was counted.
    public var services: Services?
    public var entered: Entered
    public var computedAt: Date

    public var loans: Int { collection.map(\.loans).reduce(0, +) }
    public var copies: Int { collection.map(\.copies).reduce(0, +) }
}

/// A year's report of an organisation, with its branches' reports: worked
/// out live while it is a draft, frozen once published.
public struct AnnualReportBook: Codable, Sendable, Equatable {
    public var organisation: AnnualReport
    public var branches: [AnnualReport]
    public var publishedAt: Date?
    public var publishedBy: String?

    public var isPublished: Bool { publishedAt != nil }

    public func report(branch: UUID?) -> AnnualReport? {
        guard let branch else { return organisation }
        return branches.first { $0.branchID == branch }
    }
}

/// The annual reports of an organisation (`annual_reports`: one row a year
/// with what staff entered and, once published, the frozen book).
public struct AnnualReports: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// The year's book: the frozen one once published, else worked out now (with `scope`, only the report asked for:
    /// a branch's, or nil inside for the organisation's alone).
    public func book(year: Int, timeZone: TimeZone, now: Date = Date(), scope: UUID?? = nil) async throws -> AnnualReportBook {
        let row = try await sql.raw("""
            SELECT entered, published FROM annual_reports WHERE organisation_id = \(bind: organisationID) AND year = \(bind: year)
            """).first()
        if let frozen = try row?.decode(column: "published", as: String?.self) {
            return try JSONDecoder.bieb.decode(AnnualReportBook.self, from: Data(frozen.utf8))
        }
        let entered = try row.map { try JSONDecoder.bieb.decode(AnnualReport.Entered.self, from: Data(try $0.decode(column: "entered", as: String.self).utf8)) }
        return try await compute(year: year, entered: entered ?? AnnualReport.Entered(), timeZone: timeZone, now: now, scope: scope)
    }

    /// Saves what staff filled in for a year still in draft.
    public func saveEntered(_ entered: AnnualReport.Entered, year: Int, now: Date = Date()) async throws {
        try entered.check()
        let text = String(decoding: try JSONEncoder.bieb.encode(entered), as: UTF8.self)
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            guard try await tx.sql.raw("""
                INSERT INTO annual_reports (organisation_id, year, entered, updated_at) VALUES (\(bind: organisationID), \(bind: year), \(bind: text), \(bind: now))
                ON CONFLICT (organisation_id, year) DO UPDATE SET entered = excluded.entered, updated_at = excluded.updated_at
                WHERE annual_reports.published IS NULL RETURNING year
                """).first() != nil else { throw Self.published(year) }
        }
    }

    /// Publishes a year that has ended: its book is frozen as it stands (later data never change it). Once only.
    public func publish(year: Int, by staff: String, today: LocalDate, timeZone: TimeZone, now: Date = Date()) async throws -> AnnualReportBook {
        guard year < today.year else {
            throw BiebError(.conflict, code: "year_not_over", field: "year", message: "\(year) has not ended yet.", nl: "\(year) is nog niet voorbij.")
        }
        var book = try await book(year: year, timeZone: timeZone, now: now)
        guard !book.isPublished else { throw Self.published(year) }
        book.publishedAt = now
        book.publishedBy = staff
        let text = String(decoding: try JSONEncoder.bieb.encode(book), as: UTF8.self)
        let entered = String(decoding: try JSONEncoder.bieb.encode(book.organisation.entered), as: UTF8.self)
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            // Two publishers at once: the first one's book stands.
            guard try await tx.sql.raw("""
                INSERT INTO annual_reports (organisation_id, year, entered, published, published_at, updated_at)
                VALUES (\(bind: organisationID), \(bind: year), \(bind: entered), \(bind: text), \(bind: now), \(bind: now))
                ON CONFLICT (organisation_id, year) DO UPDATE SET published = excluded.published, published_at = excluded.published_at,
                    updated_at = excluded.updated_at
                WHERE annual_reports.published IS NULL RETURNING year
                """).first() != nil else { throw Self.published(year) }
        }
        return book
    }

    static func published(_ year: Int) -> BiebError {
        BiebError(.conflict, code: "published", field: "year", message: "The report of \(year) is published and no longer changes.",
                  nl: "Het jaarverslag over \(year) is gepubliceerd en verandert niet meer.")
    }

    /// Works out the year's book from the roll-ups, the census and the branch calendars: the organisation's report and
    /// every branch's, or with `scope` only the one asked for (nil inside: the organisation's alone).
    public func compute(year: Int, entered: AnnualReport.Entered, timeZone: TimeZone, now: Date, scope: UUID?? = nil) async throws -> AnnualReportBook {
        let directory = BranchDirectory(db)
        let branches = try await directory.branches(of: organisationID, includeInactive: true)
        let calendars = try await directory.calendars(of: branches, timeZone: timeZone, exceptionsFrom: LocalDate(year: year, month: 1, day: 1))
        let from = LocalDate(year: year, month: 1, day: 1)!, through = LocalDate(year: year, month: 12, day: 31)!
        let rollups = InsightRollups(db, organisationID: organisationID)
        let census = InsightCensus(db, organisationID: organisationID)

        // Everything grouped by branch once; a report of a branch picks its lines.
        let people = try await rollups.grouped([.memberJoined, .membershipEnded], from: from, through: through, by: [.branch, .kind, .audience])
        let lending = try await rollups.grouped([.loan, .renewal], from: from, through: through, by: [.branch, .kind, .segment])
        let activities = try await rollups.grouped([.activitySession, .activityParticipant], from: from, through: through,
                                                   by: [.branch, .kind, .coreFunction, .mode])
        let visits = try await rollups.grouped([.visitorCount, .visit], from: from, through: through, by: [.branch, .kind, .mode])
        let services = try await rollups.grouped([.digitalUse, .catalogueSearch, .studyBooking, .studyOccupied, .studyPlacesCounted, .consultationHour,
                                                  .consultationAppointment, .readingParticipant, .readingFinisher],
                                                 from: from, through: through, by: [.branch, .kind, .topic, .mode])
        let members = try await census.lines(.members, on: through)
        let copies = try await census.lines(.copies, on: through)
        // Each branch's hours once (a year of its calendar), for the organisation's report and its own.
        var weekly: [UUID: WeeklyHours] = [:]
        for branch in branches where scope.map({ $0 == nil || $0 == branch.id }) ?? true {
            weekly[branch.id!] = calendars[branch.id!].map { WeeklyHours.of($0, from: from, through: through) } ?? WeeklyHours(staffed: 0, selfService: 0)
        }

        func report(branch: UUID?) -> AnnualReport {
            let key = branch?.uuidString.lowercased()
            func mine(_ line: (keys: [String], count: Int)) -> Bool { key == nil || line.keys[0] == key }
            func sum(_ lines: [(keys: [String], count: Int)], _ match: ([String]) -> Bool) -> Int {
                lines.filter { mine($0) && match($0.keys) }.map(\.count).reduce(0, +)
            }
            let memberLines = (members?.lines ?? []).filter { branch == nil || $0.branch == branch }
            let copyLines = (copies?.lines ?? []).filter { branch == nil || $0.branch == branch }
            let kindsOfMembers = AnnualReport.Members(
                youth: memberLines.filter { $0.audience == "youth" }.map(\.value).reduce(0, +),
                adult: memberLines.filter { $0.audience == "adult" }.map(\.value).reduce(0, +),
                newYouth: sum(people) { $0[1] == FactKind.memberJoined.rawValue && $0[2] == "youth" },
                newAdult: sum(people) { $0[1] == FactKind.memberJoined.rawValue && $0[2] != "youth" },
                ended: sum(people) { $0[1] == FactKind.membershipEnded.rawValue }, censusDay: members?.day)
            let collection = CollectionSegment.allCases.map { segment in
                AnnualReport.SegmentLine(segment: segment.rawValue,
                                         copies: copyLines.filter { $0.segment == segment.rawValue }.map(\.value).reduce(0, +),
                                         loans: sum(lending) { $0[1] == FactKind.loan.rawValue && $0[2] == segment.rawValue })
            }
            let activityLines = CoreFunction.allCases.flatMap { function in
                ActivityPresence.allCases.map { presence in
                    AnnualReport.ActivityLine(
                        coreFunction: function.rawValue, presence: presence.rawValue,
                        sessions: sum(activities) { $0[1] == FactKind.activitySession.rawValue && $0[2] == function.rawValue && $0[3] == presence.rawValue },
                        participants: sum(activities) { $0[1] == FactKind.activityParticipant.rawValue && $0[2] == function.rawValue && $0[3] == presence.rawValue })
                }
            }
            let branchLines = branches.filter { branch == nil || $0.id == branch }.map { b -> AnnualReport.BranchLine in
                let id = b.id!.uuidString.lowercased()
                func of(_ lines: [(keys: [String], count: Int)], _ match: ([String]) -> Bool) -> Int {
                    lines.filter { $0.keys[0] == id && match($0.keys) }.map(\.count).reduce(0, +)
                }
                let counted = visits.filter { $0.keys[0] == id && $0.keys[1] == FactKind.visitorCount.rawValue }
                let method = counted.isEmpty ? "none" : counted.contains { $0.keys[2] == "estimated" } ? "estimated" : "counted"
                let mine = (members?.lines ?? []).filter { $0.branch == b.id }
                return AnnualReport.BranchLine(
                    id: b.id!, name: b.name, kind: b.kindRaw,
                    membersYouth: mine.filter { $0.audience == "youth" }.map(\.value).reduce(0, +),
                    membersAdult: mine.filter { $0.audience == "adult" }.map(\.value).reduce(0, +),
                    loans: of(lending) { $0[1] == FactKind.loan.rawValue },
                    visits: counted.map(\.count).reduce(0, +), visitsMethod: method,
                    doorEntries: of(visits) { $0[1] == FactKind.visit.rawValue },
                    sessions: of(activities) { $0[1] == FactKind.activitySession.rawValue },
                    participants: of(activities) { $0[1] == FactKind.activityParticipant.rawValue },
                    hours: weekly[b.id!] ?? WeeklyHours(staffed: 0, selfService: 0))
            }
            var served = AnnualReport.Services()
            for line in services where mine(line) {
                switch FactKind(rawValue: line.keys[1]) {
                case .digitalUse? where DigitalUseMetric.countsAsUse(line.keys[3]): served.digitalUses[line.keys[2], default: 0] += line.count
                case .catalogueSearch?: served.catalogueSearches += line.count
                case .studyBooking?: served.studyBookings += line.count
                case .studyOccupied?: served.studyOccupied += line.count
                case .studyPlacesCounted?: served.studyPlacesCounted += line.count
                case .consultationHour?: served.consultationHours += line.count
                case .consultationAppointment?: served.consultationAppointments += line.count
                case .readingParticipant?: served.readingParticipants += line.count
                case .readingFinisher?: served.readingFinishers += line.count
                default: break
                }
            }
            return AnnualReport(year: year, branchID: branch, members: kindsOfMembers, collection: collection,
                                renewals: sum(lending) { $0[1] == FactKind.renewal.rawValue }, activities: activityLines, branches: branchLines,
                                services: served, entered: branch == nil ? entered : AnnualReport.Entered(), computedAt: now)
        }
        return AnnualReportBook(organisation: report(branch: nil),
                                branches: branches.filter { branch in scope.map { $0 == branch.id } ?? true }.map { report(branch: $0.id!) },
                                publishedAt: nil, publishedBy: nil)
    }
}

extension JSONEncoder {
    /// Dates as ISO 8601, keys sorted: the stored reports read the same on every server.
    static var bieb: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension JSONDecoder {
    static var bieb: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// The annual reports' table.
struct CreateAnnualReports: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("annual_reports")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("year", .int, .required)
            .field("entered", .string, .required)
            .field("published", .string)
            .field("published_at", .datetime)
            .field("updated_at", .datetime, .required)
            .unique(on: "organisation_id", "year")
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema("annual_reports").delete()
    }
}
