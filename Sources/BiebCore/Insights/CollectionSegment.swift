import Foundation

/// Provisional: replaced by the fuller rules being written alongside.
public enum CollectionSegment: String, Codable, Sendable, CaseIterable {
    case youthFiction = "youth_fiction"
    case youthNonFiction = "youth_non_fiction"
    case adultFiction = "adult_fiction"
    case adultNonFiction = "adult_non_fiction"
    case sheetMusic = "sheet_music"
    case audiovisual

    public var audience: String { self == .youthFiction || self == .youthNonFiction ? "youth" : "adult" }

    public func name(english: Bool) -> String {
        switch self {
        case .youthFiction: english ? "Youth fiction" : "Jeugd fictie"
        case .youthNonFiction: english ? "Youth non-fiction" : "Jeugd non-fictie"
        case .adultFiction: english ? "Adult fiction" : "Volwassenen fictie"
        case .adultNonFiction: english ? "Adult non-fiction" : "Volwassenen non-fictie"
        case .sheetMusic: english ? "Sheet music" : "Bladmuziek"
        case .audiovisual: english ? "Audiovisual" : "Audiovisueel"
        }
    }

    public static func of(format: String, audience: String?, nur: Int?) -> CollectionSegment {
        if format == "sheet_music" { return .sheetMusic }
        if ["dvd", "music", "game"].contains(format) { return .audiovisual }
        let youth = ["preschool", "children", "young_adult"].contains(audience ?? "") || (200...299).contains(nur ?? 0)
        let fiction = (300...399).contains(nur ?? 0) || (youth && !(nur.map { (280...289).contains($0) } ?? false))
        switch (youth, fiction) {
        case (true, true): return .youthFiction
        case (true, false): return .youthNonFiction
        case (false, true): return .adultFiction
        case (false, false): return .adultNonFiction
        }
    }
}
