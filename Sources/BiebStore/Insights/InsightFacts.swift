import Crypto
import FluentKit
import Foundation
import SQLKit
import BiebCore

extension FactKind {
    /// The circulation event (`circulation_events.kind`) each fact comes from.
    static let events: [String: FactKind] = [
        "checkout": .loan, "renew": .renewal, "return": .return, "member_registered": .memberJoined, "membership_renewed": .membershipRenewed,
    ]
}

/// The fact stream of the library's numbers, pseudonymous by construction.
///
/// A fact is one happening — a loan, a renewal, a return, a member who
/// joined or renewed — on a day, at a branch, with the dimensions that are
/// shared by many people: the member's age band on that day, membership
/// type, postcode area (PC4) and the item type. A fact never holds a member
/// id, name, card or birth date. For distinct counts ("how many youth
/// members borrowed this year") it holds a *subject*: an HMAC-SHA256 of the
/// member id under a key of that calendar year (`insight_year_keys`), so
/// the same member is the same subject within one year and unrelated
/// across years. When a year is closed (`InsightYears.close`), its distinct
/// counts are kept as totals and then the key and every subject of that
/// year are erased, in one transaction: from then on nothing links the
/// year's facts to a member, not even with the database in hand.
///
/// Facts are read from the circulation event log (`circulation_events`) and
/// the door's entries (`visits`, which never held a member)
/// by `ingest`, which the privacy job runs just before the retention rules
/// unlink those events from members; a cursor (`insight_cursor`) moved in
/// the same transaction as the facts makes it exactly-once. The days a
/// batch touched get their roll-ups rebuilt (`InsightRollups`).
public struct InsightFacts: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// How old an event must be before it is read: ids are handed out when a row is written, so on
    /// PostgreSQL a transaction still open could commit a lower id after a higher one was read.
    public static let settle: TimeInterval = 60

    /// Turns new circulation events and door entries (older than `settled` seconds) and activity sessions (ended more than
    /// `sessionsSettled` ago) into facts, in batches; returns how many facts were added.
    @discardableResult
    public func ingest(timeZone: TimeZone, batch: Int = 2_000, settled: TimeInterval = InsightFacts.settle,
                       sessionsSettled: TimeInterval = InsightFacts.sessionSettle, now: Date = Date()) async throws -> Int {
        let before = now.addingTimeInterval(-settled)
        let years = InsightYears(db, organisationID: organisationID)
        let kinds = SQLQueryString(FactKind.events.keys.sorted().map { "'\($0)'" }.joined(separator: ", "))
        var added = 0
        // Each year's key is read once per run (nil: the year is closed).
        var keys: [Int: SymmetricKey?] = [:]
        // A batch is mostly a few days and a few members over and over: days by quarter hour (every time zone's offset is a
        // multiple of one), subjects by year and member, each worked out once.
        var days: [Int: LocalDate] = [:]
        var subjects: [Int: [UUID: String]] = [:]
        // Birth dates and titles' dimensions recur: each read once.
        var births: [String: LocalDate?] = [:]
        var titles: [String: (format: String, segment: String)] = [:]
        func localDay(_ at: Date) -> LocalDate {
            let bucket = Int((at.timeIntervalSince1970 / 900).rounded(.down))
            if let day = days[bucket] { return day }
            let day = LocalDate(at, in: timeZone)
            days[bucket] = day
            return day
        }
        while true {
            let cursor = try await cursor(.events)
            // The batch is chosen first, then joined: PostgreSQL otherwise joined an organisation's events before the limit.
            // In the order of `circulation_events_ingest_idx` (`isOrganisation`: PostgreSQL walked the primary key instead).
            let rows = try await sql.raw("""
                SELECT e.id, e."at", e.kind, e.branch_id, e.member_id,
                       COALESCE(e.age_band, '') || '|' || COALESCE(e.member_category, '') || '|' || COALESCE(e.member_area, '') AS kept,
                       CASE WHEN t.code IS NULL THEN NULL ELSE t.code || '|' || COALESCE(m.birth_date, '') || '|' || COALESCE(m.postcode, '') END AS member_dims,
                       CASE WHEN ti.format IS NULL THEN NULL
                            ELSE ti.format || '|' || COALESCE(ti.audience, '') || '|' || COALESCE(CAST(ti.nur AS TEXT), '') END AS title_dims
                FROM (SELECT * FROM circulation_events
                      WHERE \(sql.isOrganisation(organisationID, "organisation_id")) AND id > \(bind: cursor ?? 0) AND kind IN (\(kinds))
                        AND "at" < \(bind: before)
                      ORDER BY organisation_id, id LIMIT \(literal: batch)) e
                LEFT JOIN members m ON m.id = e.member_id LEFT JOIN membership_types t ON t.id = m.membership_type_id
                LEFT JOIN titles ti ON ti.id = e.title_id
                ORDER BY e.id
                """).all()
            guard let lastRow = rows.last else { break }
            let last = try lastRow.decode(column: "id", as: Int.self)
            var facts: [Fact] = []
            for row in rows {
                guard let kind = FactKind.events[try row.decode(column: "kind", as: String.self)] else { continue }
                let day = localDay(try row.decode(column: "at", as: Date.self))
                let member = try row.decode(column: "member_id", as: UUID?.self)
                // The member's, the event's and the title's dimensions each come as one text ("a|b|c"): decoding a column
                // costs far more than splitting a string, above all on PostgreSQL.
                var dimensions: PseudonymousFacts?
                if member != nil, let text = try row.decode(column: "member_dims", as: String?.self) {
                    let parts = text.split(separator: "|", omittingEmptySubsequences: false)
                    let birth = String(parts[parts.count - 2])
                    if births[birth] == nil { births[birth] = .some(LocalDate(iso: birth)) }
                    dimensions = PseudonymousFacts(birthDate: births[birth]!, on: day, category: parts.dropLast(2).joined(separator: "|"),
                                                   postcode: String(parts[parts.count - 1]))
                }
                var subject: String?
                if let member {
                    if let known = subjects[day.year]?[member] {
                        subject = known
                    } else {
                        if keys[day.year] == nil { keys[day.year] = .some(try await years.key(year: day.year, now: now)) }
                        subject = keys[day.year]!.map { InsightYears.subject(of: member, key: $0) }
                        subjects[day.year, default: [:]][member] = subject
                    }
                }
                // Without the member (erased, or already unlinked by the retention rules): the dimensions the event kept.
                var kept: (ageBand: String?, category: String?, area: String?) = (nil, nil, nil)
                if dimensions == nil {
                    let parts = try row.decode(column: "kept", as: String.self).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                    func part(_ index: Int) -> String? { index < parts.count && !parts[index].isEmpty ? parts[index] : nil }
                    kept = (part(0), part(1), part(2))
                }
                let lending = kind != .memberJoined && kind != .membershipRenewed
                var format: String?, segment: String?
                if lending, let text = try row.decode(column: "title_dims", as: String?.self) {
                    if titles[text] == nil {
                        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                        let audience = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
                        titles[text] = (parts[0], CollectionSegment.of(formatCode: parts[0], audienceCode: audience,
                                                                        nur: parts.count > 2 ? Int(parts[2]) : nil).rawValue)
                    }
                    (format, segment) = (titles[text]!.format, titles[text]!.segment)
                }
                facts.append(Fact(day: day, branch: try row.decode(column: "branch_id", as: UUID?.self), kind: kind,
                                  ageBand: dimensions == nil ? kept.ageBand : dimensions?.ageBand,
                                  category: dimensions?.category ?? kept.category,
                                  area: dimensions == nil ? kept.area : dimensions?.area,
                                  itemType: format, subject: subject, segment: segment))
            }
            let organisationID = organisationID
            let batchFacts = facts
            let moved = try await WriteGate.transaction(on: db) { tx -> Bool in
                let sql = tx.sql
                // Exactly once: the cursor moves only from where this batch started (another ingester would have moved it).
                guard try await Self.move(.events, organisation: organisationID, from: cursor, to: last, on: sql) else { return false }
                // A year closed since its key was read keeps no subject (the privacy job ingests and closes in turn; this is for the rest).
                let closed = Set(try await sql.raw("""
                    SELECT year FROM insight_year_keys WHERE organisation_id = \(bind: organisationID) AND closed_at IS NOT NULL
                    """).all().map { try $0.decode(column: "year", as: Int.self) })
                let kept = batchFacts.map { $0.without(subjectIn: closed) }
                try await Fact.insert(kept + (try await Self.firstActivities(kept, organisation: organisationID, on: sql)), organisation: organisationID, on: sql)
                try await InsightRollups.markDirty(Set(batchFacts.map(\.day)), organisation: organisationID, on: sql)
                return true
            }
            guard moved else { break }
            added += facts.count
            if rows.count < batch { break }
        }
        added += try await ingestVisits(timeZone: timeZone, batch: batch, before: before)
        added += try await ingestSessions(timeZone: timeZone, before: now.addingTimeInterval(-sessionsSettled), batch: batch)
        added += try await ingestPlaces(timeZone: timeZone, through: LocalDate(now, in: timeZone).adding(days: -1))
        added += try await ingestProgrammes(before: now.addingTimeInterval(-sessionsSettled), timeZone: timeZone, now: now)
        // The days the batches touched, each rebuilt once (a day re-aggregated after every batch grew with the square of its facts).
        try await InsightRollups(db, organisationID: organisationID).refreshDirty()
        return added
    }

    /// Adds facts of history brought in whole (an earlier system's, or the demo's) and rebuilds the roll-ups once.
    public func append(history facts: [Fact]) async throws {
        let organisationID = organisationID
        // A member's first activity of the year is the earliest day's: history comes in day order for that.
        let ordered = facts.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(\.element)
        for start in stride(from: 0, to: ordered.count, by: 20_000) {
            let part = Array(ordered[start..<min(start + 20_000, ordered.count)])
            try await WriteGate.transaction(on: db) { tx in
                try await Fact.insert(part + (try await Self.firstActivities(part, organisation: organisationID, on: tx.sql)), organisation: organisationID, on: tx.sql)
            }
        }
        try await InsightRollups(db, organisationID: organisationID).rebuild()
    }

    /// The `active_member` facts of `facts` (in the order they happened): a subject's first loan, renewal or return of its
    /// year, found by recording the subject in `insight_year_subjects` (in the facts' transaction) — only the first
    /// time it is seen that year is it new. So a year's distinct active members are a sum over the roll-ups. Members new
    /// on the same day, at the same branch, of the same age band, category and postcode area are one fact counting them.
    static func firstActivities(_ facts: [Fact], organisation: UUID, on sql: any SQLDatabase) async throws -> [Fact] {
        var first: [String: Fact] = [:]
        var order: [String] = []
        for fact in facts where FactKind.borrowing.contains(fact.kind) {
            guard let subject = fact.subject, first[subject] == nil else { continue }
            first[subject] = fact
            order.append(subject)
        }
        struct Alike: Hashable { let day: LocalDate, branch: UUID?, ageBand: String?, category: String?, area: String? }
        var fresh: [Alike: Int] = [:]
        var freshOrder: [Alike] = []
        for start in stride(from: 0, to: order.count, by: 400) {
            let part = order[start..<min(start + 400, order.count)]
            var insert = sql.insert(into: "insight_year_subjects").columns("organisation_id", "year", "subject")
            for subject in part { insert = insert.values([SQLBind(organisation), SQLBind(first[subject]!.day.year), SQLBind(subject)]) }
            let new = Set(try await insert.ignoringConflicts(with: ["organisation_id", "year", "subject"]).returning("subject").all()
                .map { try $0.decode(column: "subject", as: String.self) })
            for subject in part where new.contains(subject) {
                let fact = first[subject]!
                let alike = Alike(day: fact.day, branch: fact.branch, ageBand: fact.ageBand, category: fact.category, area: fact.area)
                if fresh[alike] == nil { freshOrder.append(alike) }
                fresh[alike, default: 0] += 1
            }
        }
        return freshOrder.map { a in
            Fact(day: a.day, branch: a.branch, kind: .activeMember, ageBand: a.ageBand, category: a.category, area: a.area, quantity: fresh[a]!)
        }
    }

    /// The sources facts are read from, each with its own cursor.
    enum Source: String {
        case events
        case visits
        /// The last day the census was taken (as yyyymmdd).
        case census
        /// The last day whose study-place bookings and consultation hours became facts (as yyyymmdd).
        case places
    }

    func cursor(_ source: Source) async throws -> Int? {
        try await sql.raw("""
            SELECT last_id FROM insight_cursor WHERE organisation_id = \(bind: organisationID) AND source = \(bind: source.rawValue)
            """).first()?.decode(column: "last_id", as: Int.self)
    }

    /// Moves a source's cursor from `from` (nil: none yet) to `to`; false when another ingester moved it first.
    static func move(_ source: Source, organisation: UUID, from: Int?, to: Int, on sql: any SQLDatabase) async throws -> Bool {
        if let from {
            return try await sql.raw("""
                UPDATE insight_cursor SET last_id = \(bind: to)
                WHERE organisation_id = \(bind: organisation) AND source = \(bind: source.rawValue) AND last_id = \(bind: from) RETURNING source
                """).first() != nil
        }
        return try await sql.raw("""
            INSERT INTO insight_cursor (organisation_id, source, last_id) VALUES (\(bind: organisation), \(bind: source.rawValue), \(bind: to))
            ON CONFLICT (organisation_id, source) DO NOTHING RETURNING source
            """).first() != nil
    }

    /// Door entries (`visits`, already without a member: an age band and a membership type) become visit facts.
    func ingestVisits(timeZone: TimeZone, batch: Int, before: Date) async throws -> Int {
        var added = 0
        while true {
            let cursor = try await cursor(.visits)
            let rows = try await sql.raw("""
                SELECT id, "at", branch_id, age_band, category FROM visits
                WHERE \(sql.isOrganisation(organisationID, "organisation_id")) AND id > \(bind: cursor ?? 0) AND "at" < \(bind: before)
                ORDER BY organisation_id, id LIMIT \(literal: batch)
                """).all()
            guard let lastRow = rows.last else { return added }
            let last = try lastRow.decode(column: "id", as: Int.self)
            let facts = try rows.map { row in
                Fact(day: LocalDate(try row.decode(column: "at", as: Date.self), in: timeZone), branch: try row.decode(column: "branch_id", as: UUID.self),
                     kind: .visit, ageBand: try row.decode(column: "age_band", as: String.self),
                     category: try row.decode(column: "category", as: String.self), mode: "door")
            }
            let organisationID = organisationID
            let moved = try await WriteGate.transaction(on: db) { tx -> Bool in
                guard try await Self.move(.visits, organisation: organisationID, from: cursor, to: last, on: tx.sql) else { return false }
                try await Fact.insert(facts, organisation: organisationID, on: tx.sql)
                try await InsightRollups.markDirty(Set(facts.map(\.day)), organisation: organisationID, on: tx.sql)
                return true
            }
            guard moved else { return added }
            added += facts.count
            if rows.count < batch { return added }
        }
    }

    /// Distinct subjects (members) with a fact of `kinds` from `from` through `through`, youth only when asked:
    /// for a year that is still open (a closed year's distinct counts are in its totals). It reads every fact of the
    /// period; for the organisation, `activeMembers` reads the roll-ups instead.
    public func distinctMembers(_ kinds: Set<FactKind>, from: LocalDate, through: LocalDate, youthOnly: Bool = false, branch: UUID? = nil) async throws -> Int {
        let kindList = SQLQueryString(kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", "))
        var query: SQLQueryString = """
            SELECT COUNT(DISTINCT subject) AS n FROM insight_facts
            WHERE organisation_id = \(bind: organisationID) AND kind IN (\(kindList)) AND day >= \(bind: from.iso) AND day <= \(bind: through.iso)
              AND subject IS NOT NULL
            """
        if youthOnly { query = query + " AND age_band IN ('\(unsafeRaw: AgeBands.youth.sorted().joined(separator: "', '"))')" }
        if let branch { query = query + " AND branch_id = \(bind: branch)" }
        return try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Distinct members active (a loan, renewal or return) from 1 January of `through`'s year through `through`, for
    /// the organisation — youth: under 18 at their first activity of the year. From the roll-ups of `active_member`.
    public func activeMembers(through: LocalDate, youth: Bool) async throws -> Int {
        try await InsightRollups(db, organisationID: organisationID).total([.activeMember], from: LocalDate(year: through.year, month: 1, day: 1)!,
                                                                            through: through, audience: youth ? "youth" : nil)
    }

    /// How many facts of `kind` from `from` through `through`.
    public func count(_ kind: FactKind, from: LocalDate, through: LocalDate) async throws -> Int {
        try await sql.raw("""
            SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS n FROM insight_facts
            WHERE organisation_id = \(bind: organisationID) AND kind = \(bind: kind.rawValue) AND day >= \(bind: from.iso) AND day <= \(bind: through.iso)
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// One fact as stored (`insight_facts`: its columns named here).
    public struct Fact: Sendable {
        var day: LocalDate
        var branch: UUID?
        var kind: FactKind
        var ageBand: String? = nil
        var category: String? = nil
        var area: String? = nil
        var itemType: String? = nil
        var subject: String? = nil
        /// The part of the collection (`CollectionSegment`) a loan, renewal or return was of.
        var segment: String? = nil
        /// The core function (`CoreFunction`) of an activity.
        var coreFunction: String? = nil
        /// What it was about: an activity's kind, a digital resource, a gate.
        var topic: String? = nil
        /// How: an activity physical, online or hybrid; a visit count counted, estimated or from the door.
        var mode: String? = nil
        /// "youth" or "adult" when known without an age band (an activity's audience).
        var audience: String? = nil
        var quantity: Int = 1

        /// A fact of history brought in whole (from an earlier system, or the demo): `quantity` happenings alike.
        public init(day: LocalDate, branch: UUID?, kind: FactKind, ageBand: String? = nil, category: String? = nil, area: String? = nil,
                    itemType: String? = nil, subject: String? = nil, segment: String? = nil, coreFunction: String? = nil, topic: String? = nil,
                    mode: String? = nil, audience: String? = nil, quantity: Int = 1) {
            (self.day, self.branch, self.kind, self.ageBand, self.category, self.area) = (day, branch, kind, ageBand, category, area)
            (self.itemType, self.subject, self.segment, self.coreFunction) = (itemType, subject, segment, coreFunction)
            (self.topic, self.mode, self.audience, self.quantity) = (topic, mode, audience, quantity)
        }

        /// The fact without its subject when its year is one of `closed`.
        func without(subjectIn closed: Set<Int>) -> Fact {
            guard closed.contains(day.year) else { return self }
            var fact = self
            fact.subject = nil
            return fact
        }

        static let columns = ["organisation_id", "day", "branch_id", "kind", "age_band", "member_category", "member_area", "item_type", "subject",
                              "segment", "core_function", "topic", "mode", "audience", "quantity"]

        /// Inserts facts, many rows a statement (400: well under SQLite's and PostgreSQL's limits on binds).
        static func insert(_ facts: [Fact], organisation: UUID, on sql: any SQLDatabase) async throws {
            // A batch is a few days over and over: each day's text once.
            var isoDays: [LocalDate: String] = [:]
            for start in stride(from: 0, to: facts.count, by: 400) {
                var insert = sql.insert(into: "insight_facts").columns(columns)
                for fact in facts[start..<min(start + 400, facts.count)] {
                    let iso = isoDays[fact.day] ?? fact.day.iso
                    isoDays[fact.day] = iso
                    insert = insert.values([SQLBind(organisation), SQLBind(iso), SQLBind(fact.branch), SQLBind(fact.kind.rawValue),
                                            SQLBind(fact.ageBand), SQLBind(fact.category), SQLBind(fact.area), SQLBind(fact.itemType),
                                            SQLBind(fact.subject), SQLBind(fact.segment), SQLBind(fact.coreFunction), SQLBind(fact.topic),
                                            SQLBind(fact.mode), SQLBind(fact.audience), SQLBind(fact.quantity)])
                }
                try await insert.run()
            }
        }
    }
}
