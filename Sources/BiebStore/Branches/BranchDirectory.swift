import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Reads and writes branches, their spaces and their opening hours. Every
/// call is scoped to an organisation: a branch of another organisation is
/// "not found".
public struct BranchDirectory: Sendable {
    public let db: any Database
    /// Calendars already built, checked against each branch's calendar version.
    public let cache: CalendarCache?

    public init(_ db: any Database, cache: CalendarCache? = nil) {
        self.db = db
        self.cache = cache
    }

    // MARK: Organisations

    public func organisations() async throws -> [Organisation] {
        try await Organisation.query(on: db).sort(\.$name).all()
    }

    public func organisation(slug: String) async throws -> Organisation? {
        try await Organisation.query(on: db).filter(\.$slug == slug).first()
    }

    public func organisation(id: UUID) async throws -> Organisation? {
        try await Organisation.find(id, on: db)
    }

    // MARK: Branches

    /// Branches of an organisation: central first, then by kind and name.
    public func branches(of organisationID: UUID, includeInactive: Bool = false) async throws -> [Branch] {
        var query = Branch.query(on: db).filter(\.$organisation.$id == organisationID)
        if !includeInactive { query = query.filter(\.$active == true) }
        let order = BranchKind.allCases
        return try await query.all().sorted {
            let a = order.firstIndex(of: $0.kind)!, b = order.firstIndex(of: $1.kind)!
            return a != b ? a < b : $0.name.localizedStandardCompare($1.name) == .orderedAscending
        }
    }

    /// Id, slug, name and kind of an organisation's branches (active or not),
    /// in the order of `branches(of:)`: a light read for pages that only name them.
    public func labels(of organisationID: UUID) async throws -> [BranchLabel] {
        let order = BranchKind.allCases
        return try await db.sql.select().column("id").column("slug").column("name").column("kind").column("active").from(Branch.schema)
            .where("organisation_id", .equal, organisationID).all()
            .map { row in
                BranchLabel(id: try row.decode(column: "id", as: UUID.self), slug: try row.decode(column: "slug", as: String.self),
                            name: try row.decode(column: "name", as: String.self),
                            kind: BranchKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .outreachPoint,
                            active: try row.decode(column: "active", as: Bool.self))
            }
            .sorted {
                let a = order.firstIndex(of: $0.kind)!, b = order.firstIndex(of: $1.kind)!
                return a != b ? a < b : $0.name.localizedStandardCompare($1.name) == .orderedAscending
            }
    }

    public func branch(_ id: UUID, in organisationID: UUID) async throws -> Branch? {
        try await Branch.query(on: db).filter(\.$id == id).filter(\.$organisation.$id == organisationID).first()
    }

    public func branch(slug: String, in organisationID: UUID) async throws -> Branch? {
        try await Branch.query(on: db).filter(\.$slug == slug).filter(\.$organisation.$id == organisationID).first()
    }

    /// A branch by id regardless of organisation (for public reads, which show
    /// the organisation alongside).
    public func branch(_ id: UUID) async throws -> Branch? {
        try await Branch.find(id, on: db)
    }

    /// Saves a new or changed branch after validating it. A slug already used
    /// in the organisation is a conflict naming the field.
    public func save(_ branch: Branch) async throws {
        try BranchValidation.validate(branch)
        let taken = BiebError(.conflict, code: "slug_taken", field: "slug",
                              message: "Another branch of this organisation already uses the slug '\(branch.slug)'.",
                              nl: "Een andere vestiging gebruikt de korte naam '\(branch.slug)' al.")
        let others = Branch.query(on: db)
            .filter(\.$organisation.$id == branch.$organisation.id).filter(\.$slug == branch.slug)
        try await branch.save(on: db, unlessTakenBy: others, taken)
    }

    // MARK: Spaces and facilities

    public func spaces(of branchID: UUID) async throws -> [Space] {
        try await Space.query(on: db).filter(\.$branch.$id == branchID).sort(\.$kindRaw).sort(\.$name).all()
    }

    public func space(_ id: UUID, branch branchID: UUID) async throws -> Space? {
        try await Space.query(on: db).filter(\.$id == id).filter(\.$branch.$id == branchID).first()
    }

    public func save(_ space: Space) async throws {
        let name = space.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else {
            throw BiebError.invalid("name", "A space needs a name.", nl: "Een ruimte heeft een naam nodig.")
        }
        guard (1...5000).contains(space.capacity) else {
            throw BiebError.invalid("capacity", "Capacity must be between 1 and 5000.", nl: "Capaciteit moet tussen 1 en 5000 liggen.")
        }
        let facilities = space.facilityList
        guard facilities.count <= 12, facilities.allSatisfy({ $0.count <= 60 }) else {
            throw BiebError.invalid("facilities", "At most 12 facilities of at most 60 characters each.",
                                    nl: "Hoogstens 12 voorzieningen van elk hoogstens 60 tekens.")
        }
        space.name = name
        space.facilityList = facilities
        try await space.save(on: db)
    }

    /// Facilities per branch, from their spaces, for many branches in one query.
    public func facilities(of branchIDs: [UUID]) async throws -> [UUID: BranchFacilities] {
        guard !branchIDs.isEmpty else { return [:] }
        let spaces = try await Space.query(on: db).filter(\.$branch.$id ~~ branchIDs).all()
        var grouped: [UUID: [(kind: SpaceKind, capacity: Int)]] = [:]
        for space in spaces { grouped[space.$branch.id, default: []].append((space.kind, space.capacity)) }
        var result: [UUID: BranchFacilities] = [:]
        for id in branchIDs { result[id] = BranchFacilities(spaces: grouped[id] ?? []) }
        return result
    }

    // MARK: Opening hours

    /// The calendar of one branch. Exceptions that ended before `exceptionsFrom`
    /// are left out (they cannot affect questions about later dates).
    public func calendar(of branchID: UUID, timeZone: TimeZone, exceptionsFrom: LocalDate? = nil) async throws -> BranchCalendar {
        try await calendars(of: [branchID], timeZone: timeZone, exceptionsFrom: exceptionsFrom)[branchID]
            ?? BranchCalendar(timeZone: timeZone, schedules: [])
    }

    /// The calendar of a branch already loaded (no version query on a cache hit).
    public func calendar(of branch: Branch, timeZone: TimeZone, exceptionsFrom: LocalDate? = nil) async throws -> BranchCalendar {
        try await calendars(of: [branch], timeZone: timeZone, exceptionsFrom: exceptionsFrom)[branch.id!]
            ?? BranchCalendar(timeZone: timeZone, schedules: [])
    }

    /// Calendars of many branches. With a cache: one small query for the
    /// branches' calendar versions, and the stored schedules and exceptions
    /// only for branches whose calendar changed. Without: two queries
    /// (schedules, exceptions), each with their periods.
    public func calendars(of branchIDs: [UUID], timeZone: TimeZone, exceptionsFrom: LocalDate? = nil) async throws -> [UUID: BranchCalendar] {
        guard !branchIDs.isEmpty else { return [:] }
        guard cache != nil else { return try await loadCalendars(of: branchIDs, timeZone: timeZone, exceptionsFrom: exceptionsFrom) }
        var versions: [UUID: Int] = [:]
        for row in try await db.sql.select().column("id").column("calendar_version").from(Branch.schema)
            .where("id", .in, SQLBind.group(branchIDs)).all() {
            versions[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "calendar_version", as: Int.self)
        }
        return try await calendars(versions: versions, timeZone: timeZone, exceptionsFrom: exceptionsFrom)
    }

    /// Calendars of branches already loaded (their versions are known: no extra query on a cache hit).
    public func calendars(of branches: [Branch], timeZone: TimeZone, exceptionsFrom: LocalDate? = nil) async throws -> [UUID: BranchCalendar] {
        guard cache != nil else {
            return try await loadCalendars(of: branches.map { $0.id! }, timeZone: timeZone, exceptionsFrom: exceptionsFrom)
        }
        return try await calendars(versions: Dictionary(branches.map { ($0.id!, $0.calendarVersion) }, uniquingKeysWith: max),
                                   timeZone: timeZone, exceptionsFrom: exceptionsFrom)
    }

    private func calendars(versions: [UUID: Int], timeZone: TimeZone, exceptionsFrom: LocalDate?) async throws -> [UUID: BranchCalendar] {
        guard let cache else { return [:] }
        var result: [UUID: BranchCalendar] = [:]
        var missing: [UUID] = []
        for (id, version) in versions {
            if let hit = cache.calendar(id, version: version, timeZone: timeZone) {
                result[id] = hit
            } else {
                missing.append(id)
            }
        }
        if !missing.isEmpty {
            // Cached calendars hold every exception, so they answer questions about any date.
            let loaded = try await loadCalendars(of: missing, timeZone: timeZone, exceptionsFrom: nil)
            for (id, calendar) in loaded {
                cache.store(id, version: versions[id]!, calendar: calendar)
                result[id] = calendar
            }
        }
        return result
    }

    private func loadCalendars(of branchIDs: [UUID], timeZone: TimeZone, exceptionsFrom: LocalDate?) async throws -> [UUID: BranchCalendar] {
        let schedules = try await OpeningSchedule.query(on: db)
            .filter(\.$branch.$id ~~ branchIDs).with(\.$periods).all()
        var exceptionQuery = CalendarExceptionRecord.query(on: db).filter(\.$branch.$id ~~ branchIDs)
        if let exceptionsFrom { exceptionQuery = exceptionQuery.filter(\.$endDate >= exceptionsFrom.iso) }
        let exceptions = try await exceptionQuery.with(\.$periods).all()

        var schedulesByBranch: [UUID: [WeeklySchedule]] = [:]
        for record in schedules {
            schedulesByBranch[record.$branch.id, default: []].append(Self.schedule(from: record))
        }
        var exceptionsByBranch: [UUID: [CalendarException]] = [:]
        for record in exceptions {
            guard let value = Self.exception(from: record) else { continue }
            exceptionsByBranch[record.$branch.id, default: []].append(value)
        }
        var result: [UUID: BranchCalendar] = [:]
        for id in branchIDs {
            result[id] = BranchCalendar(timeZone: timeZone, schedules: schedulesByBranch[id] ?? [],
                                        exceptions: exceptionsByBranch[id] ?? [])
        }
        return result
    }

    /// Schedule records with their periods, default first, then by start date.
    public func scheduleRecords(of branchID: UUID) async throws -> [OpeningSchedule] {
        try await OpeningSchedule.query(on: db).filter(\.$branch.$id == branchID).with(\.$periods).all()
            .sorted { ($0.validFrom ?? "") < ($1.validFrom ?? "") }
    }

    /// Replaces all schedules of a branch in one transaction, after validating
    /// every one: at most one default schedule, no two seasonal schedules with
    /// the same range. On any error nothing changes.
    public func replaceSchedules(of branchID: UUID, with schedules: [WeeklySchedule]) async throws {
        for (index, schedule) in schedules.enumerated() {
            do { try OpeningHoursValidation.validate(schedule, field: "schedules[\(index)]") } catch { throw error.biebError }
        }
        if schedules.filter(\.isDefault).count > 1 {
            throw BiebError.invalid("schedules", "Only one default schedule (without dates) is allowed.",
                                    nl: "Er mag maar één standaardrooster (zonder datums) zijn.")
        }
        var ranges = Set<String>()
        for (index, schedule) in schedules.enumerated() where !schedule.isDefault {
            let key = "\(schedule.validFrom!.iso)/\(schedule.validUntil!.iso)"
            if !ranges.insert(key).inserted {
                throw BiebError.invalid("schedules[\(index)]", "Two seasonal schedules have the same dates (\(key)).",
                                        nl: "Twee seizoensroosters hebben dezelfde datums (\(key)).")
            }
        }
        try await WriteGate.transaction(on: db) { tx in
            try await Self.calendarChanged(branchID, on: tx)
            try await OpeningSchedule.query(on: tx).filter(\.$branch.$id == branchID).delete()
            for schedule in schedules {
                let record = OpeningSchedule(branchID: branchID, name: schedule.name,
                                             validFrom: schedule.validFrom, validUntil: schedule.validUntil)
                try await record.create(on: tx)
                let periods = schedule.periods.map { OpeningPeriodRecord(scheduleID: record.id!, period: $0) }
                if !periods.isEmpty { try await periods.create(on: tx) }
            }
        }
    }

    /// Exceptions of a branch ending on or after `from` (all when nil), by date.
    public func exceptionRecords(of branchID: UUID, from: LocalDate? = nil) async throws -> [CalendarExceptionRecord] {
        var query = CalendarExceptionRecord.query(on: db).filter(\.$branch.$id == branchID)
        if let from { query = query.filter(\.$endDate >= from.iso) }
        return try await query.with(\.$periods).sort(\.$startDate).all()
    }

    public func exceptionRecord(_ id: UUID, branch branchID: UUID) async throws -> CalendarExceptionRecord? {
        try await CalendarExceptionRecord.query(on: db).filter(\.$id == id).filter(\.$branch.$id == branchID)
            .with(\.$periods).first()
    }

    /// Adds an exception (validated) with its periods in one transaction.
    @discardableResult
    public func addException(to branchID: UUID, _ exception: CalendarException) async throws -> CalendarExceptionRecord {
        do { try OpeningHoursValidation.validate(exception, field: "exception") } catch { throw error.biebError }
        let record = CalendarExceptionRecord(branchID: branchID, exception: exception)
        try await WriteGate.transaction(on: db) { tx in
            try await Self.calendarChanged(branchID, on: tx)
            try await record.create(on: tx)
            let periods = exception.periods.map { ExceptionPeriodRecord(exceptionID: record.id!, period: $0) }
            if !periods.isEmpty { try await periods.create(on: tx) }
        }
        return record
    }

    /// Replaces an exception's dates, reason and periods in one transaction.
    public func updateException(_ record: CalendarExceptionRecord, to exception: CalendarException) async throws {
        do { try OpeningHoursValidation.validate(exception, field: "exception") } catch { throw error.biebError }
        try await WriteGate.transaction(on: db) { tx in
            try await Self.calendarChanged(record.$branch.id, on: tx)
            record.startDate = exception.startDate.iso
            record.endDate = exception.endDate.iso
            record.reason = exception.reason
            try await record.save(on: tx)
            try await ExceptionPeriodRecord.query(on: tx).filter(\.$exception.$id == record.id!).delete()
            let periods = exception.periods.map { ExceptionPeriodRecord(exceptionID: record.id!, period: $0) }
            if !periods.isEmpty { try await periods.create(on: tx) }
        }
    }

    public func deleteException(_ record: CalendarExceptionRecord) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await Self.calendarChanged(record.$branch.id, on: tx)
            try await ExceptionPeriodRecord.query(on: tx).filter(\.$exception.$id == record.id!).delete()
            try await record.delete(on: tx)
        }
    }

    /// Raises the branch's calendar version; called first in every
    /// transaction that changes its schedules or exceptions (which also takes
    /// the row lock, so concurrent changes to one calendar queue up).
    static func calendarChanged(_ branchID: UUID, on db: any Database) async throws {
        try await db.sql.update(Branch.schema)
            .set(SQLIdentifier("calendar_version"), to: SQLBinaryExpression(SQLIdentifier("calendar_version"), .add, SQLLiteral.numeric("1")))
            .where(SQLIdentifier("id"), .equal, SQLBind(branchID))
            .run()
    }

    // MARK: Conversions

    public static func schedule(from record: OpeningSchedule) -> WeeklySchedule {
        WeeklySchedule(name: record.name,
                       validFrom: record.validFrom.flatMap(LocalDate.init(iso:)),
                       validUntil: record.validUntil.flatMap(LocalDate.init(iso:)),
                       periods: record.periods.compactMap(\.value).sorted {
                           ($0.weekday, $0.opens) < ($1.weekday, $1.opens)
                       })
    }

    public static func exception(from record: CalendarExceptionRecord) -> CalendarException? {
        guard let start = LocalDate(iso: record.startDate), let end = LocalDate(iso: record.endDate) else { return nil }
        return CalendarException(startDate: start, endDate: end, reason: record.reason,
                                 periods: record.periods.compactMap(\.value).sorted { $0.opens < $1.opens })
    }
}

/// Validation of branch fields, with the field named in the error.
public enum BranchValidation {
    /// Slugs that would clash with an organisation's own pages (/{org}/catalogus, /{org}/lijsten).
    public static let reservedSlugs: Set<String> = ["catalogus", "lijsten"]

    public static func validate(_ branch: Branch) throws {
        branch.name = branch.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !branch.name.isEmpty, branch.name.count <= 200 else {
            throw BiebError.invalid("name", "A branch needs a name of at most 200 characters.",
                                    nl: "Een vestiging heeft een naam nodig van hoogstens 200 tekens.")
        }
        guard Validate.slug(branch.slug), !reservedSlugs.contains(branch.slug) else {
            throw BiebError.invalid("slug", "The slug '\(branch.slug)' must be 2–64 lower-case letters, digits or hyphens.",
                                    nl: "De korte naam '\(branch.slug)' mag alleen kleine letters, cijfers en streepjes bevatten (2–64 tekens).")
        }
        guard BranchKind(rawValue: branch.kindRaw) != nil else {
            throw BiebError.invalid("kind", "Unknown branch kind '\(branch.kindRaw)'; use one of: \(BranchKind.allCases.map(\.rawValue).joined(separator: ", ")).",
                                    nl: "Onbekend soort vestiging '\(branch.kindRaw)'.")
        }
        if !branch.postcode.isEmpty {
            guard let postcode = Validate.dutchPostcode(branch.postcode) else {
                throw BiebError.invalid("postcode", "'\(branch.postcode)' is not a Dutch postcode (like 2511 BT).",
                                        nl: "'\(branch.postcode)' is geen geldige postcode (zoals 2511 BT).", code: "invalid_postcode")
            }
            branch.postcode = postcode
        }
        if !branch.email.isEmpty {
            guard let email = Validate.email(branch.email) else {
                throw BiebError.invalid("email", "'\(branch.email)' is not an e-mail address.",
                                        nl: "'\(branch.email)' is geen e-mailadres.", code: "invalid_email")
            }
            branch.email = email
        }
        if (branch.latitude == nil) != (branch.longitude == nil) {
            throw BiebError.invalid(branch.latitude == nil ? "latitude" : "longitude",
                                    "Give both latitude and longitude, or neither.",
                                    nl: "Geef zowel breedte- als lengtegraad, of geen van beide.")
        }
        if let lat = branch.latitude, let lon = branch.longitude, !Validate.coordinates(latitude: lat, longitude: lon) {
            throw BiebError.invalid("latitude", "Coordinates \(lat), \(lon) are out of range.",
                                    nl: "Coördinaten \(lat), \(lon) vallen buiten het bereik.")
        }
        guard (0...120).contains(branch.selfServiceMinAge) else {
            throw BiebError.invalid("self_service.minimum_age", "Minimum age must be between 0 and 120.",
                                    nl: "Minimumleeftijd moet tussen 0 en 120 liggen.")
        }
        guard (0...3650).contains(branch.selfServiceMinMembershipDays) else {
            throw BiebError.invalid("self_service.minimum_membership_days", "Minimum membership must be between 0 and 3650 days.",
                                    nl: "Minimale lidmaatschapsduur moet tussen 0 en 3650 dagen liggen.")
        }
    }
}

/// A branch by name only.
public struct BranchLabel: Sendable, Equatable {
    public let id: UUID
    public let slug: String
    public let name: String
    public let kind: BranchKind
    public let active: Bool

    public init(id: UUID, slug: String, name: String, kind: BranchKind, active: Bool = true) {
        self.id = id
        self.slug = slug
        self.name = name
        self.kind = kind
        self.active = active
    }

    init(_ branch: Branch) {
        self.init(id: branch.id!, slug: branch.slug, name: branch.name, kind: branch.kind)
    }
}
