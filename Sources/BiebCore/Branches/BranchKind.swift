import Foundation

/// The kinds of branch in a Dutch public library network.
public enum BranchKind: String, Codable, Sendable, CaseIterable {
    /// Centrale bibliotheek: the main library of an organisation.
    case central
    /// Wijkbibliotheek: a staffed district library.
    case district
    /// Buurtbibliotheek: a neighbourhood library run by volunteers.
    case neighbourhood
    /// Biebpunt: an outreach point with a small collection, often a few hours a week.
    case outreachPoint = "outreach_point"
    /// A library inside a partner's building (a school, a community centre, a care home).
    case partnerHosted = "partner_hosted"
}

/// Who may enter a branch in self-service hours (with their card at the door).
public struct SelfServiceConditions: Hashable, Codable, Sendable {
    /// Minimum age in years, e.g. 16.
    public var minimumAge: Int
    /// Minimum membership duration in days, e.g. 90 (three months).
    public var minimumMembershipDays: Int
    /// Whether the member must have accepted the self-service terms.
    public var requiresTermsAccepted: Bool

    public init(minimumAge: Int = 16, minimumMembershipDays: Int = 90, requiresTermsAccepted: Bool = true) {
        self.minimumAge = minimumAge
        self.minimumMembershipDays = minimumMembershipDays
        self.requiresTermsAccepted = requiresTermsAccepted
    }

    public static let standard = SelfServiceConditions()
}

/// A kind of space inside a branch.
public enum SpaceKind: String, Codable, Sendable, CaseIterable {
    /// A room for meetings, courses, lectures.
    case room
    /// An area of study and work places; capacity is the number of places.
    case studyArea = "study_area"
    /// Public computers; capacity is the number of computers.
    case computers
}

/// Facilities of a branch, derived from its spaces.
public struct BranchFacilities: Hashable, Codable, Sendable {
    public var studyPlaces: Int
    public var rooms: Int
    public var publicComputers: Int

    public init(studyPlaces: Int = 0, rooms: Int = 0, publicComputers: Int = 0) {
        self.studyPlaces = studyPlaces
        self.rooms = rooms
        self.publicComputers = publicComputers
    }

    /// Sums spaces by kind: study places and computers by capacity, rooms by count.
    public init(spaces: [(kind: SpaceKind, capacity: Int)]) {
        self.init()
        for space in spaces {
            switch space.kind {
            case .room: rooms += 1
            case .studyArea: studyPlaces += space.capacity
            case .computers: publicComputers += space.capacity
            }
        }
    }
}

/// Kinds of partner organisation.
public enum PartnerKind: String, Codable, Sendable, CaseIterable {
    case cultural, social, educational, municipal, other
}
