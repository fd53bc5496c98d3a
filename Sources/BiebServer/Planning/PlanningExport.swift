import Foundation
import BiebCore
import BiebStore

/// Network planning's CSV downloads, shared by the pages and the API: one
/// line per area, in Dutch or English headings, members and loans passing
/// `SmallCells` as in the API.
enum PlanningExport {
    static func profiles(_ rows: [PlanningDTO.Profile], english: Bool) -> String {
        let kinds = BranchKind.allCases
        var text = CSVText.line((english
            ? ["code", "area", "estimate", "inhabitants", "members", "youth members", "active members", "members per 1,000",
               "youth members per 1,000 under 15", "loans (12 months)", "loans per inhabitant", "activities (12 months)", "library", "km", "walking minutes",
               "beyond reach", "focus"]
            : ["code", "gebied", "schatting", "inwoners", "leden", "jeugdleden", "actieve leden", "leden per 1.000", "jeugdleden per 1.000 onder 15",
               "uitleningen (12 maanden)", "uitleningen per inwoner", "activiteiten (12 maanden)", "bibliotheek", "km", "minuten lopen",
               "buiten bereik", "profiel"]).map { CSVText.field($0) }
            + kinds.map { CSVText.field((english ? "km to nearest " : "km tot dichtstbijzijnde ") + $0.rawValue) })
        func number(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        for row in rows {
            text += CSVText.line([
                CSVText.field(row.code), CSVText.field(row.name), row.estimate ? "1" : "0", String(row.inhabitants), row.members, row.youth_members,
                row.active_members, number(row.members_per_1000), number(row.youth_members_per_1000_under_15), row.loans,
                number(row.loans_per_inhabitant), String(row.activities), CSVText.field(row.library?.name ?? ""), number(row.library?.distance_km),
                row.library.map { String($0.walking_minutes) } ?? "", row.gap ? "1" : "0", CSVText.field(row.focus ?? ""),
            ] + kinds.map { number(row.nearest[$0.rawValue]?.distance_km) })
        }
        return text
    }

    static func coverage(_ coverage: PlanningDTO.Coverage, english: Bool) -> String {
        var text = CSVText.line((english
            ? ["code", "area", "inhabitants", "library", "km", "walking minutes", "beyond reach"]
            : ["code", "gebied", "inwoners", "bibliotheek", "km", "minuten lopen", "buiten bereik"]).map { CSVText.field($0) })
        for area in coverage.areas {
            text += CSVText.line([CSVText.field(area.code), CSVText.field(area.name), String(area.inhabitants), CSVText.field(area.library?.name ?? ""),
                                  area.library.map { String($0.distance_km) } ?? "", area.library.map { String($0.walking_minutes) } ?? "",
                                  area.gap ? "1" : "0"])
        }
        return text
    }
}
