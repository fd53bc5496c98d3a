import FluentKit
import SQLKit
import Foundation
import BiebCore

/// A branch (vestiging): a central library, district library, volunteer-run
/// neighbourhood library, outreach point or partner-hosted library.
public final class Branch: Model, @unchecked Sendable {
    public static let schema = "branches"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "organisation_id") public var organisation: Organisation
    /// URL identifier, unique within the organisation ("centrale-bibliotheek").
    @Field(key: "slug") public var slug: String
    @Field(key: "name") public var name: String
    @Field(key: "kind") public var kindRaw: String
    @Field(key: "street") public var street: String
    @Field(key: "postcode") public var postcode: String
    @Field(key: "city") public var city: String
    @Field(key: "municipality") public var municipality: String
    /// Neighbourhood (wijk) the branch is in.
    @Field(key: "neighbourhood") public var neighbourhood: String
    /// City district (stadsdeel), where the city has them.
    @Field(key: "district") public var district: String
    @OptionalField(key: "latitude") public var latitude: Double?
    @OptionalField(key: "longitude") public var longitude: Double?
    @Field(key: "phone") public var phone: String
    @Field(key: "email") public var email: String
    @Field(key: "description_nl") public var descriptionNL: String
    @Field(key: "description_en") public var descriptionEN: String
    @Field(key: "self_service_min_age") public var selfServiceMinAge: Int
    @Field(key: "self_service_min_membership_days") public var selfServiceMinMembershipDays: Int
    @Field(key: "self_service_requires_terms") public var selfServiceRequiresTerms: Bool
    /// Inactive branches are kept for history but not shown publicly.
    @Field(key: "active") public var active: Bool
    /// Raised by every change to the branch's schedules or exceptions, in the
    /// same transaction; calendar caches compare it (see `CalendarCache`).
    @Field(key: "calendar_version") public var calendarVersion: Int
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    @Children(for: \.$branch) public var spaces: [Space]
    @Children(for: \.$branch) public var schedules: [OpeningSchedule]
    @Children(for: \.$branch) public var exceptions: [CalendarExceptionRecord]

    public init() {}

    public init(id: UUID? = nil, organisationID: UUID, slug: String, name: String, kind: BranchKind,
                street: String = "", postcode: String = "", city: String = "", municipality: String = "",
                neighbourhood: String = "", district: String = "", latitude: Double? = nil, longitude: Double? = nil,
                phone: String = "", email: String = "", descriptionNL: String = "", descriptionEN: String = "",
                selfService: SelfServiceConditions = .standard, active: Bool = true) {
        self.id = id
        self.$organisation.id = organisationID
        self.slug = slug
        self.name = name
        self.kindRaw = kind.rawValue
        self.street = street
        self.postcode = postcode
        self.city = city
        self.municipality = municipality
        self.neighbourhood = neighbourhood
        self.district = district
        self.latitude = latitude
        self.longitude = longitude
        self.phone = phone
        self.email = email
        self.descriptionNL = descriptionNL
        self.descriptionEN = descriptionEN
        self.selfServiceConditions = selfService
        self.active = active
        self.calendarVersion = 0
    }

    public var kind: BranchKind {
        get { BranchKind(rawValue: kindRaw) ?? .district }
        set { kindRaw = newValue.rawValue }
    }

    public var selfServiceConditions: SelfServiceConditions {
        get {
            SelfServiceConditions(minimumAge: selfServiceMinAge, minimumMembershipDays: selfServiceMinMembershipDays,
                                  requiresTermsAccepted: selfServiceRequiresTerms)
        }
        set {
            selfServiceMinAge = newValue.minimumAge
            selfServiceMinMembershipDays = newValue.minimumMembershipDays
            selfServiceRequiresTerms = newValue.requiresTermsAccepted
        }
    }
}

/// A space in a branch: a room, an area of study places, public computers.
public final class Space: Model, @unchecked Sendable {
    public static let schema = "spaces"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "branch_id") public var branch: Branch
    @Field(key: "kind") public var kindRaw: String
    @Field(key: "name") public var name: String
    /// People for a room; places for a study area; machines for computers.
    @Field(key: "capacity") public var capacity: Int
    @Field(key: "bookable") public var bookable: Bool
    @Field(key: "notes") public var notes: String
    /// What a room offers ("beamer", "ringleiding"), comma-separated (`facilityList`).
    @Field(key: "facilities") public var facilities: String

    public init() {}

    public init(id: UUID? = nil, branchID: UUID, kind: SpaceKind, name: String, capacity: Int, bookable: Bool, notes: String = "") {
        self.id = id
        self.$branch.id = branchID
        self.kindRaw = kind.rawValue
        self.name = name
        self.capacity = capacity
        self.bookable = bookable
        self.notes = notes
        self.facilities = ""
    }

    /// The facilities as a list.
    public var facilityList: [String] {
        get { facilities.split(separator: ",").map { $0.trimmed }.filter { !$0.isEmpty } }
        set { facilities = newValue.map(\.trimmed).filter { !$0.isEmpty }.joined(separator: ", ") }
    }

    public var kind: SpaceKind {
        get { SpaceKind(rawValue: kindRaw) ?? .room }
        set { kindRaw = newValue.rawValue }
    }
}

/// A weekly timetable of a branch (the default one, or a seasonal one with dates).
public final class OpeningSchedule: Model, @unchecked Sendable {
    public static let schema = "opening_schedules"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "branch_id") public var branch: Branch
    @Field(key: "name") public var name: String
    /// ISO dates (YYYY-MM-DD); both nil for the default schedule.
    @OptionalField(key: "valid_from") public var validFrom: String?
    @OptionalField(key: "valid_until") public var validUntil: String?
    @Children(for: \.$schedule) public var periods: [OpeningPeriodRecord]

    public init() {}

    public init(id: UUID? = nil, branchID: UUID, name: String, validFrom: LocalDate? = nil, validUntil: LocalDate? = nil) {
        self.id = id
        self.$branch.id = branchID
        self.name = name
        self.validFrom = validFrom?.iso
        self.validUntil = validUntil?.iso
    }
}

/// One period of a weekly schedule.
public final class OpeningPeriodRecord: Model, @unchecked Sendable {
    public static let schema = "opening_periods"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "schedule_id") public var schedule: OpeningSchedule
    /// ISO weekday, Monday = 1.
    @Field(key: "weekday") public var weekday: Int
    /// Minutes after midnight.
    @Field(key: "opens") public var opens: Int
    @Field(key: "closes") public var closes: Int
    @Field(key: "level") public var level: String

    public init() {}

    public init(scheduleID: UUID, period: WeeklyPeriod) {
        self.$schedule.id = scheduleID
        self.weekday = period.weekday.rawValue
        self.opens = period.opens.minuteOfDay
        self.closes = period.closes.minuteOfDay
        self.level = period.level.rawValue
    }

    var value: WeeklyPeriod? {
        guard let day = Weekday(rawValue: weekday), let o = LocalTime(minuteOfDay: opens),
              let c = LocalTime(minuteOfDay: closes), let l = ServiceLevel(rawValue: level) else { return nil }
        return WeeklyPeriod(day, o, c, l)
    }
}

/// A dated exception to a branch's schedule (holiday, closure, special hours).
public final class CalendarExceptionRecord: Model, @unchecked Sendable {
    public static let schema = "calendar_exceptions"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "branch_id") public var branch: Branch
    @Field(key: "start_date") public var startDate: String
    @Field(key: "end_date") public var endDate: String
    @Field(key: "reason") public var reason: String
    @Children(for: \.$exception) public var periods: [ExceptionPeriodRecord]
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(id: UUID? = nil, branchID: UUID, exception: CalendarException) {
        self.id = id
        self.$branch.id = branchID
        self.startDate = exception.startDate.iso
        self.endDate = exception.endDate.iso
        self.reason = exception.reason
    }
}

/// One period of an exception day (empty list: closed all day).
public final class ExceptionPeriodRecord: Model, @unchecked Sendable {
    public static let schema = "exception_periods"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "exception_id") public var exception: CalendarExceptionRecord
    @Field(key: "opens") public var opens: Int
    @Field(key: "closes") public var closes: Int
    @Field(key: "level") public var level: String

    public init() {}

    public init(exceptionID: UUID, period: DayPeriod) {
        self.$exception.id = exceptionID
        self.opens = period.opens.minuteOfDay
        self.closes = period.closes.minuteOfDay
        self.level = period.level.rawValue
    }

    var value: DayPeriod? {
        guard let o = LocalTime(minuteOfDay: opens), let c = LocalTime(minuteOfDay: closes),
              let l = ServiceLevel(rawValue: level) else { return nil }
        return DayPeriod(opens: o, closes: c, level: l)
    }
}

struct CreateBranches: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(Branch.schema)
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("slug", .string, .required)
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("street", .string, .required)
            .field("postcode", .string, .required)
            .field("city", .string, .required)
            .field("municipality", .string, .required)
            .field("neighbourhood", .string, .required)
            .field("district", .string, .required)
            .field("latitude", .double)
            .field("longitude", .double)
            .field("phone", .string, .required)
            .field("email", .string, .required)
            .field("description_nl", .string, .required)
            .field("description_en", .string, .required)
            .field("self_service_min_age", .int, .required)
            .field("self_service_min_membership_days", .int, .required)
            .field("self_service_requires_terms", .bool, .required)
            .field("active", .bool, .required)
            .field("calendar_version", .int, .required, .sql(.default(0)))
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "organisation_id", "slug")
            .create()

        try await database.schema(Space.schema)
            .id()
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("capacity", .int, .required)
            .field("bookable", .bool, .required)
            .field("notes", .string, .required)
            .create()

        try await database.schema(OpeningSchedule.schema)
            .id()
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("valid_from", .string)
            .field("valid_until", .string)
            .create()

        try await database.schema(OpeningPeriodRecord.schema)
            .id()
            .field("schedule_id", .uuid, .required, .references(OpeningSchedule.schema, "id", onDelete: .cascade))
            .field("weekday", .int, .required)
            .field("opens", .int, .required)
            .field("closes", .int, .required)
            .field("level", .string, .required)
            .create()

        try await database.schema(CalendarExceptionRecord.schema)
            .id()
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("start_date", .string, .required)
            .field("end_date", .string, .required)
            .field("reason", .string, .required)
            .field("created_at", .datetime)
            .create()

        try await database.schema(ExceptionPeriodRecord.schema)
            .id()
            .field("exception_id", .uuid, .required, .references(CalendarExceptionRecord.schema, "id", onDelete: .cascade))
            .field("opens", .int, .required)
            .field("closes", .int, .required)
            .field("level", .string, .required)
            .create()

        try await database.schema(Partner.schema)
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("website", .string, .required)
            .create()

        try await database.schema(BranchPartner.schema)
            .id()
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("partner_id", .uuid, .required, .references(Partner.schema, "id", onDelete: .cascade))
            .field("role", .string, .required)
            .unique(on: "branch_id", "partner_id")
            .create()
    }

    func revert(on database: Database) async throws {
        for schema in [BranchPartner.schema, Partner.schema, ExceptionPeriodRecord.schema, CalendarExceptionRecord.schema,
                       OpeningPeriodRecord.schema, OpeningSchedule.schema, Space.schema, Branch.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// Indexes for the lookups every request makes.
struct IndexBranchTables: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.createIndex("spaces_branch_idx", on: Space.schema, "branch_id")
        try await database.createIndex("opening_schedules_branch_idx", on: OpeningSchedule.schema, "branch_id")
        try await database.createIndex("opening_periods_schedule_idx", on: OpeningPeriodRecord.schema, "schedule_id")
        try await database.createIndex("calendar_exceptions_branch_idx", on: CalendarExceptionRecord.schema, "branch_id", "end_date")
        try await database.createIndex("exception_periods_exception_idx", on: ExceptionPeriodRecord.schema, "exception_id")
    }

    func revert(on database: Database) async throws {
        let sql = database.sql
        for name in ["spaces_branch_idx", "opening_schedules_branch_idx", "opening_periods_schedule_idx",
                     "calendar_exceptions_branch_idx", "exception_periods_exception_idx"] {
            try await sql.drop(index: name).run()
        }
    }
}

/// What a room offers (beamer, hearing loop, kitchen), for planning activities.
struct AddSpaceFacilities: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(Space.schema).field("facilities", .string, .required, .sql(.default(""))).update()
    }

    func revert(on database: Database) async throws {
        try await database.schema(Space.schema).deleteField("facilities").update()
    }
}
