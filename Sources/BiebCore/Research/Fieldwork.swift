import Foundation

/// The three ways a survey is put to people.
public enum ResearchChannel: String, Sendable, Codable, CaseIterable {
    /// A wave drawn from the library panel, by personal invitation.
    case panel
    /// After an activity: the attendees who agreed at registration, by personal invitation.
    case activity
    /// An open link (and its QR code) in a branch: no sign-in, one answer per device per day.
    case branch
}

/// The panel's rules.
public enum PanelRules {
    /// Younger members cannot join by their own consent (the AVG's age for consent to online services in the Netherlands).
    public static let minimumAge = 16
    /// A wave's size.
    public static let maximumWaveSize = 100_000
    /// Days between the invitation and the one reminder, and how long an invitation's link works.
    public static let reminderDays = 1...30
    public static let openDays = 1...90

    /// The quota cell of a panel member: their age band and branch ("45-64|<branch id>").
    public static func cell(ageBand: String?, branch: UUID?) -> String {
        (ageBand ?? "?") + "|" + (branch?.uuidString.lowercased() ?? "?")
    }

    /// The age band and branch of a cell.
    public static func parts(ofCell cell: String) -> (ageBand: String?, branch: UUID?) {
        let parts = cell.split(separator: "|", maxSplits: 1).map(String.init)
        return (parts.first.flatMap { $0 == "?" ? nil : $0 }, parts.count > 1 ? UUID(uuidString: parts[1]) : nil)
    }
}

/// How long answers are kept (the organisation sets it).
public enum ResearchRetention {
    public static let defaultMonths = 24
    public static let months = 3...120

    /// The first day whose answers are still kept on `today`.
    public static func keptFrom(today: LocalDate, months: Int) -> LocalDate { today.adding(months: -months) }
}

/// A result broken down by a dimension (wave, branch, activity kind): the
/// groups as they may leave a dashboard — a group of under five answers
/// shows no figures, only "<5".
public struct ResearchGroup: Sendable, Equatable {
    public let key: String
    public let answers: Int
    public let nps: NetPromoterScore?
    /// The mean of each scale question, by key.
    public let means: [String: Double]

    public init(key: String, answers: Int, nps: NetPromoterScore?, means: [String: Double]) {
        let shown = answers >= SmallCells.threshold
        self.key = key
        self.answers = answers
        self.nps = shown ? nps : nil
        self.means = shown ? means : [:]
    }

    public var answersText: String { SmallCells.text(answers) }
}

/// The share of invitations answered.
public struct ResponseRate: Sendable, Equatable {
    public let invited: Int
    public let answered: Int
    public init(invited: Int, answered: Int) { (self.invited, self.answered) = (invited, answered) }
    public var share: Double? { invited == 0 ? nil : Double(answered) / Double(invited) }
}
