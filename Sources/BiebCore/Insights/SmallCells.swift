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

extension SmallCells {
    /// Cells of a breakdown whose total is shown as well, as they may be
    /// shown: each cell under `threshold` is "<5", and when exactly one cell
    /// is hidden the smallest other cell is hidden too, so the hidden one
    /// cannot be worked out as the total minus the rest (secondary
    /// suppression, as statistics offices do).
    public static func texts(_ cells: [Int]) -> [String] {
        var hidden = Set(cells.indices.filter { cells[$0] < threshold })
        if hidden.count == 1, let next = cells.indices.filter({ !hidden.contains($0) }).min(by: { cells[$0] < cells[$1] }) {
            hidden.insert(next)
        }
        return cells.indices.map { hidden.contains($0) ? Self.hidden : String(cells[$0]) }
    }
}
