import Foundation

/// Small numbers in a breakdown that leaves a dashboard (an export, the
/// API, a report): a cell under `threshold` could point at a handful of
/// people ("3 youth members in PC4 2511 borrowed a DVD"), so it is shown as
/// "<5", as national statistics offices do. Counts inside a dashboard's own
/// totals may be exact; any cell broken down by a dimension goes through here.
public enum SmallCells {
    public static let threshold = 5
    public static let hidden = "<5"

    /// The count as it may be shown: itself from `threshold` up, otherwise "<5".
    public static func text(_ count: Int) -> String { count < threshold ? hidden : String(count) }
}

/// The age bands statistics keep of a member on the day of an event
/// (`SelfServiceAccess.ageBand`), and which of them are youth (under 18:
/// the Wsob's youth, free membership).
public enum AgeBands {
    public static let youth: Set<String> = ["0-11", "12-17"]
}
