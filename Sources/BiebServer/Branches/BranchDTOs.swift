import Foundation
import Vapor
import BiebCore
import BiebStore

// The JSON shapes of branches and opening hours in the API (snake_case keys).

struct OrganisationDTO: Content {
    let id: UUID
    let slug: String
    let name: String
    let time_zone: String
    let website: String?

    init(_ org: Organisation) throws {
        id = try org.requireID()
        slug = org.slug
        name = org.name
        time_zone = org.timeZone
        website = org.website
    }
}

struct AddressDTO: Content {
    var street: String?
    var postcode: String?
    var city: String?
    var municipality: String?
}

struct LocationDTO: Content {
    var latitude: Double
    var longitude: Double
}

struct TextsDTO: Content {
    var nl: String?
    var en: String?
}

struct SelfServiceDTO: Content {
    var minimum_age: Int?
    var minimum_membership_days: Int?
    var requires_terms_accepted: Bool?
}

struct FacilitiesDTO: Content {
    let study_places: Int
    let rooms: Int
    let public_computers: Int

    init(_ f: BranchFacilities) {
        study_places = f.studyPlaces
        rooms = f.rooms
        public_computers = f.publicComputers
    }
}

struct StatusSegmentDTO: Content {
    let level: ServiceLevel
    let from: Date
    let until: Date
}

struct StatusDTO: Content {
    let at: Date
    let open: Bool
    let level: ServiceLevel
    /// When the branch closes (end of the current open chain).
    let until: Date?
    let segments: [StatusSegmentDTO]
    let next_opening: StatusSegmentDTO?
    /// "Nu open, bemand tot 17:00, selfservice tot 22:00".
    let text: String

    init(_ status: OpeningStatus, at: Date, text: String) {
        self.at = at
        open = status.isOpen
        level = status.level
        until = status.closesAt
        segments = status.openChain.map { StatusSegmentDTO(level: $0.level, from: $0.start, until: $0.end) }
        next_opening = status.nextOpening.map { StatusSegmentDTO(level: $0.level, from: $0.start, until: $0.end) }
        self.text = text
    }
}

struct BranchDTO: Content {
    let id: UUID
    let organisation: String
    let slug: String
    let name: String
    let kind: BranchKind
    let address: AddressDTO
    let neighbourhood: String
    let district: String
    let location: LocationDTO?
    let phone: String
    let email: String
    let description: TextsDTO
    let self_service: SelfServiceDTO
    let facilities: FacilitiesDTO
    let active: Bool
    let url: String
    let status: StatusDTO?

    init(_ branch: Branch, organisation: Organisation, facilities: BranchFacilities, status: StatusDTO?) {
        id = branch.id!
        self.organisation = organisation.slug
        slug = branch.slug
        name = branch.name
        kind = branch.kind
        address = AddressDTO(street: branch.street, postcode: branch.postcode, city: branch.city, municipality: branch.municipality)
        neighbourhood = branch.neighbourhood
        district = branch.district
        if let lat = branch.latitude, let lon = branch.longitude {
            location = LocationDTO(latitude: lat, longitude: lon)
        } else {
            location = nil
        }
        phone = branch.phone
        email = branch.email
        description = TextsDTO(nl: branch.descriptionNL, en: branch.descriptionEN)
        let conditions = branch.selfServiceConditions
        self_service = SelfServiceDTO(minimum_age: conditions.minimumAge, minimum_membership_days: conditions.minimumMembershipDays,
                                      requires_terms_accepted: conditions.requiresTermsAccepted)
        self.facilities = FacilitiesDTO(facilities)
        active = branch.active
        url = "/\(organisation.slug)/\(branch.slug)"
        self.status = status
    }
}

/// Input for creating (all required fields) or changing (any subset) a branch.
struct BranchInput: Content {
    var slug: String?
    var name: String?
    var kind: String?
    var address: AddressDTO?
    var neighbourhood: String?
    var district: String?
    var location: LocationDTO?
    var phone: String?
    var email: String?
    var description: TextsDTO?
    var self_service: SelfServiceDTO?
    var active: Bool?

    /// What a new branch needs: a name and a kind.
    func checkNew() throws {
        guard let name, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BiebError.invalid("name", "name is required.", nl: "naam is verplicht.")
        }
        guard kind != nil else {
            throw BiebError.invalid("kind", "kind is required (\(BranchKind.allCases.map(\.rawValue).joined(separator: ", "))).",
                                    nl: "soort is verplicht.")
        }
    }

    /// Applies the given fields to a branch (the API's body and the staff
    /// branch form alike); an unknown kind is named after all the rest is
    /// applied. An empty slug is made from the name.
    func apply(to branch: Branch) throws {
        if let name { branch.name = name }
        if let slug {
            let trimmed = slug.trimmingCharacters(in: .whitespaces)
            branch.slug = trimmed.isEmpty ? Validate.slugify(branch.name) : trimmed
        }
        if let kind, BranchKind(rawValue: kind) != nil { branch.kindRaw = kind }
        if let address {
            if let v = address.street { branch.street = v }
            if let v = address.postcode { branch.postcode = v }
            if let v = address.city { branch.city = v }
            if let v = address.municipality { branch.municipality = v }
        }
        if let neighbourhood { branch.neighbourhood = neighbourhood }
        if let district { branch.district = district }
        if let location {
            branch.latitude = location.latitude
            branch.longitude = location.longitude
        }
        if let phone { branch.phone = phone }
        if let email { branch.email = email }
        if let description {
            if let v = description.nl { branch.descriptionNL = v }
            if let v = description.en { branch.descriptionEN = v }
        }
        if let selfService = self_service {
            if let v = selfService.minimum_age { branch.selfServiceMinAge = v }
            if let v = selfService.minimum_membership_days { branch.selfServiceMinMembershipDays = v }
            if let v = selfService.requires_terms_accepted { branch.selfServiceRequiresTerms = v }
        }
        if let active { branch.active = active }
        // Checked last, so that a form shown again keeps everything typed.
        if let kind, BranchKind(rawValue: kind) == nil {
            throw BiebError.invalid("kind", "Unknown branch kind '\(kind)'; use one of: \(BranchKind.allCases.map(\.rawValue).joined(separator: ", ")).",
                                    nl: "Onbekend soort vestiging '\(kind)'.")
        }
    }
}

struct PeriodDTO: Content {
    var weekday: String?
    var opens: String
    var closes: String
    var level: String
}

struct ScheduleDTO: Content {
    var id: UUID?
    var name: String?
    var valid_from: String?
    var valid_until: String?
    var periods: [PeriodDTO]
}

struct ExceptionDTO: Content {
    var id: UUID?
    var start_date: String
    var end_date: String?
    var reason: String
    var periods: [PeriodDTO]?
    /// Output only: true when closed all day.
    var closed: Bool?
}

struct OpeningHoursDTO: Content {
    var time_zone: String?
    var schedules: [ScheduleDTO]
    var exceptions: [ExceptionDTO]?
    /// Output only: hours per week at each level in the default schedule.
    var hours_per_week: [String: Double]?
}

/// Converts API input into calendar values, naming the field that is wrong.
enum HoursInput {
    static func level(_ text: String, field: String) throws -> ServiceLevel {
        guard let level = ServiceLevel(rawValue: text) else {
            throw BiebError.invalid(field, "'\(text)' is not a service level; use staffed, self_service or closed.",
                                    nl: "'\(text)' is geen dienstniveau; gebruik staffed, self_service of closed.")
        }
        return level
    }

    static func time(_ text: String, field: String) throws -> LocalTime {
        guard let time = LocalTime(text) else {
            throw BiebError.invalid(field, "'\(text)' is not a time; use HH:MM from 00:00 to 24:00.",
                                    nl: "'\(text)' is geen tijd; gebruik UU:MM van 00:00 tot 24:00.")
        }
        return time
    }

    static func date(_ text: String, field: String) throws -> LocalDate {
        guard let date = LocalDate(iso: text) else {
            throw BiebError.invalid(field, "'\(text)' is not a date; use YYYY-MM-DD.",
                                    nl: "'\(text)' is geen datum; gebruik JJJJ-MM-DD.")
        }
        return date
    }

    static func weekday(_ text: String?, field: String) throws -> Weekday {
        guard let text, let day = Weekday(name: text) else {
            throw BiebError.invalid(field, "'\(text ?? "")' is not a weekday; use monday … sunday.",
                                    nl: "'\(text ?? "")' is geen weekdag; gebruik monday … sunday.")
        }
        return day
    }

    static func schedule(_ dto: ScheduleDTO, field: String) throws -> WeeklySchedule {
        let periods = try dto.periods.enumerated().map { index, p in
            let f = "\(field).periods[\(index)]"
            return WeeklyPeriod(try weekday(p.weekday, field: "\(f).weekday"), try time(p.opens, field: "\(f).opens"),
                                try time(p.closes, field: "\(f).closes"), try level(p.level, field: "\(f).level"))
        }
        let schedule = WeeklySchedule(
            name: (dto.name ?? "").trimmingCharacters(in: .whitespaces),
            validFrom: try dto.valid_from.map { try date($0, field: "\(field).valid_from") },
            validUntil: try dto.valid_until.map { try date($0, field: "\(field).valid_until") },
            periods: periods)
        do { try OpeningHoursValidation.validate(schedule, field: field) } catch { throw error.biebError }
        return schedule
    }

    static func exception(_ dto: ExceptionDTO, field: String = "exception") throws -> CalendarException {
        let start = try date(dto.start_date, field: "start_date")
        let end = try dto.end_date.map { try date($0, field: "end_date") } ?? start
        let periods = try (dto.periods ?? []).enumerated().map { index, p in
            DayPeriod(opens: try time(p.opens, field: "periods[\(index)].opens"),
                      closes: try time(p.closes, field: "periods[\(index)].closes"),
                      level: try level(p.level, field: "periods[\(index)].level"))
        }
        let exception = CalendarException(startDate: start, endDate: end, reason: dto.reason.trimmingCharacters(in: .whitespacesAndNewlines), periods: periods)
        do { try OpeningHoursValidation.validate(exception, field: field) } catch {
            // Report top-level field names for a single exception.
            let e = error.biebError
            throw BiebError.invalid(e.field?.replacingOccurrences(of: "\(field).", with: "") ?? field, e.message, code: e.code)
        }
        return exception
    }
}

extension ScheduleDTO {
    init(_ record: OpeningSchedule) {
        let value = BranchDirectory.schedule(from: record)
        id = record.id
        name = value.name
        valid_from = value.validFrom?.iso
        valid_until = value.validUntil?.iso
        periods = value.periods.map {
            PeriodDTO(weekday: $0.weekday.name, opens: $0.opens.text, closes: $0.closes.text, level: $0.level.rawValue)
        }
    }
}

extension ExceptionDTO {
    init?(_ record: CalendarExceptionRecord) {
        guard let value = BranchDirectory.exception(from: record) else { return nil }
        id = record.id
        start_date = value.startDate.iso
        end_date = value.endDate.iso
        reason = value.reason
        periods = value.periods.map { PeriodDTO(weekday: nil, opens: $0.opens.text, closes: $0.closes.text, level: $0.level.rawValue) }
        closed = value.isClosure
    }
}

struct SpaceDTO: Content {
    var id: UUID?
    var kind: String
    var name: String
    var capacity: Int
    var bookable: Bool?
    var notes: String?
    var facilities: [String]?

    init(_ space: Space) {
        id = space.id
        kind = space.kindRaw
        name = space.name
        capacity = space.capacity
        bookable = space.bookable
        notes = space.notes
        facilities = space.facilityList
    }
}

struct SpacePatch: Content {
    var kind: String?
    var name: String?
    var capacity: Int?
    var bookable: Bool?
    var notes: String?
    var facilities: [String]?

    func apply(to space: Space) throws {
        if let kind {
            guard let value = SpaceKind(rawValue: kind) else {
                throw BiebError.invalid("kind", "Unknown space kind '\(kind)'; use room, study_area or computers.",
                                        nl: "Onbekend soort ruimte '\(kind)'.")
            }
            space.kind = value
        }
        if let name { space.name = name }
        if let capacity { space.capacity = capacity }
        if let bookable { space.bookable = bookable }
        if let notes { space.notes = notes }
        if let facilities {
            guard facilities.allSatisfy({ !$0.contains(",") }) else {
                throw BiebError.invalid("facilities", "A facility has no comma in it.", nl: "Een voorziening bevat geen komma.")
            }
            space.facilityList = facilities
        }
    }
}
